/*
 * The agent's configuration: the [agent] section and every probe of
 * probe_registry, read from one file and checked as a whole.
 */
#ifndef SHAOBING_AGENT_CONFIG_H
#define SHAOBING_AGENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/event.h"
#include "probes/probe.h"

#define AGENT_PATH_MAX	512

struct agent_conf {
	char	name[EVENT_AGENT_MAX];	/* must equal the certificate's CN */
	char	server[AGENT_PATH_MAX];	/* https://host:port[, ...] (servers.h) */
	int64_t	retry_primary_ms;	/* server_retry_primary */
	char	ca[AGENT_PATH_MAX];
	char	cert[AGENT_PATH_MAX];
	char	key[AGENT_PATH_MAX];
	char	spool[AGENT_PATH_MAX];
	int64_t	spool_max;		/* bytes */
	int	batch_max;		/* events per upload */
	int64_t	heartbeat_ms;
	int64_t	upload_ms;
	int64_t	retry_max_ms;
	char	user[64];
	/* "FILE:LINE" of the user setting (the [agent] header's line when
	   the default applies), and whether the file sets it. */
	char	user_where[AGENT_PATH_MAX + 16];
	bool	user_set;
	int	log_level;		/* enum log_level */
	char	timezone[64];
};

/* One configured probe (state NULL: not configured, skipped). */
struct agent_probe {
	const struct probe_ops	*ops;
	void			*state;
};

#define AGENT_PROBES_MAX	32

struct agent_setup {
	struct agent_conf	ac;
	struct agent_probe	probes[AGENT_PROBES_MAX];
	size_t			nprobes;
};

extern const struct conf_opt agent_conf_opts[];

/*
 * Configure everything from c: [agent], then each probe of
 * probe_registry, then conf_check_unused().  On error, -1 with err
 * ("FILE:LINE: ...") and nothing left allocated in out.
 */
int	agent_setup_from_conf(struct conf *c, struct agent_setup *out,
	    struct conf_err *err);
/* Same from a file. */
int	agent_setup_load(const char *path, struct agent_setup *out,
	    struct conf_err *err);
/* Free every probe state (accepts a zeroed or NULL setup). */
void	agent_setup_free(struct agent_setup *s);

/* The CONFIGURATION section of the man page, from the option tables. */
void	agent_conf_man(FILE *out);

#endif
