/*
 * shaobing-collector: configuration and the pieces main.c wires together.
 *
 *   config.c  option tables for [server] [store] [admin] [uptime] [log]
 *   store.c   the SQLite store (the only file with sqlite3.h)
 *   api.c     request handling without sockets (agent + admin endpoints)
 *   inflate.c bounded gzip decoding of request bodies
 *   tls.c     OpenSSL context, peer certificate → agent name
 *   http.c    libevent servers (HTTPS for agents, plain HTTP admin)
 *   main.c    options, daemon, signals
 */
#ifndef SHAOBING_COLLECTOR_H
#define SHAOBING_COLLECTOR_H

#include <stdint.h>
#include <stdio.h>

#include "collector/incident.h"
#include "collector/indicator.h"
#include "collector/notify.h"
#include "collector/schedule.h"
#include "common/conf.h"


#define COLLECTOR_PATH_MAX	512
#define COLLECTOR_ADDR_MAX	128

struct collector_conf {
	/* [server] */
	char	 listen[COLLECTOR_ADDR_MAX];
	char	 cert[COLLECTOR_PATH_MAX];
	char	 key[COLLECTOR_PATH_MAX];
	char	 ca[COLLECTOR_PATH_MAX];
	char	 public_url[COLLECTOR_PATH_MAX];	/* "" = derived */
	int64_t	 max_body;		/* bytes, after decompression too */
	int	 max_batch;		/* events per batch */
	int	 max_connections;
	int	 agent_connections;	/* of those, kept for agents */
	int	 unverified_per_address;
	int64_t	 timeout_ms;		/* idle/read/write per connection */
	int64_t	 request_timeout_ms;	/* accept → whole request read */
	int64_t	 handshake_timeout_ms;	/* the same without an agent cert */
	double	 rate;			/* requests per second per client */
	double	 burst;
	char	 timezone[64];
	char	 console_vendor[COLLECTOR_PATH_MAX];	/* chart library */
	/* [store] */
	char	 store_path[COLLECTOR_PATH_MAX];	/* SQLite file */
	/* What store_open() gets: [store] url as given, or store_path;
	   a sqlite: url also sets store_path (for --check-config). */
	char	 store_url[COLLECTOR_PATH_MAX];
	int64_t	 event_retention_ms;	/* >= 180 days (retention.h) */
	/* [admin] */
	char	 admin_listen[COLLECTOR_ADDR_MAX];	/* "" = off */
	char	 admin_socket[COLLECTOR_PATH_MAX];	/* "" = off */
	/* [enroll] */
	char	 enroll_ca_key[COLLECTOR_PATH_MAX];
	int	 enroll_cert_days;
	double	 enroll_attempts;	/* per minute per address */
	/* [uptime] */
	double	 gap_factor;
	/* [log] */
	int	 log_level;		/* enum log_level */
	/* [schedule] (owns the calendar: collector_conf_free) */
	struct schedule_conf	 sched;
	/* [indicators] */
	struct indicator_conf	 ind;
	/* [assets] */
	char	 asset_oui[COLLECTOR_PATH_MAX];	/* IEEE oui.txt, "" none */
	/* [notify NAME] (owns the channel array) and [incidents],
	   [category TYPE] */
	struct notify_conf	 notify;
	struct incidents_conf	 incidents;
};

/*
 * Read and check the whole configuration (path NULL: defaults only).
 * 0, or -1 with err "FILE:LINE: what is wrong" (unknown keys included).
 */
int	collector_conf_load(const char *path, struct collector_conf *cc,
	    struct conf_err *err);

/* Free what cc owns (calendar, notify channels); cc may be NULL. */
void	collector_conf_free(struct collector_conf *cc);

/*
 * Split "HOST:PORT" / "[V6]:PORT" into host and port.  0, or -1 with why.
 */
/*
 * The URL agents enroll and report to: [server] public_url, else
 * https://FIRST-NAME:PORT from the server certificate's first name and
 * the listen port.  -1 (err says why) when neither is known.
 */
int	collector_public_url(const struct collector_conf *cc, char *out,
	    size_t outlen, char *err, size_t errlen);
int	collector_split_addr(const char *s, char *host, size_t hostlen,
	    uint16_t *port, char *why, size_t whylen);

/* The CONFIGURATION section of the man page, from the option tables. */
void	collector_conf_man(FILE *out);

#endif
