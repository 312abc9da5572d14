/*
 * File integrity of a web root (issue 16, from the inside).
 *   snap.c     a snapshot {path: {size, sha256, mode, uid, gid}} of a tree,
 *              one file's entry, and the events between two snapshots
 *   webshell.c web-shell constructs in server-side scripts
 *   fim_main.c shaobing-agent --fim DIR --baseline FILE [--json]
 *   probe.c    [fim NAME]: inotify for immediate changes, a periodic
 *              full SHA-256 scan for what inotify missed
 */
#ifndef SHAOBING_FIM_H
#define SHAOBING_FIM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"

#include "common/event.h"

#define FIM_EXCLUDE_MAX	32
#define FIM_PATH_MAX	4096
#define FIM_FILES_MAX	500000		/* files in one snapshot */

struct fim_opts {
	char		exclude[FIM_EXCLUDE_MAX][256];	/* fnmatch globs */
	size_t		nexclude;
	int64_t		max_size;	/* larger files: size and mode only */
};

/* Is path (or its base name) matched by an exclude glob? */
int	fim_excluded(const struct fim_opts *o, const char *path);
/*
 * The entry of one file (regular files only), NULL when it is not one
 * or cannot be read (errno set).
 */
json_t	*fim_entry(const char *path, const struct fim_opts *o);
/* Snapshot of the tree under dir; NULL with why. */
json_t	*fim_scan(const char *dir, const struct fim_opts *o, char *why,
	    size_t whylen);

/* One change: type (file_added, ...), severity, path, data (owned). */
struct fim_event {
	const char	*type;
	enum severity	 sev;
	char		 path[FIM_PATH_MAX];
	json_t		*data;
};
/* Called for each change; ev is valid during the call, fn takes over ev->data. */
struct fim_sink {
	void	(*fn)(const struct fim_event *ev, void *arg);
	void	*arg;
};

/*
 * Compare the entry of path before (NULL: absent) and now (NULL: gone);
 * call fn for each change (a web shell in a new or changed script gives
 * webshell_suspect besides file_added / file_modified).  Returns the
 * number of events.
 */
int	fim_diff_one(const char *path, const json_t *before, const json_t *now,
	    const struct fim_opts *o, const struct fim_sink *sink);
/* Every change from snapshot a to b. */
int	fim_diff(const json_t *a, const json_t *b, const struct fim_opts *o,
	    const struct fim_sink *sink);

/* Is name a server-side script (.php .jsp .asp .aspx ...)? */
int	webshell_script(const char *name);
/*
 * Web-shell constructs in text[0..len): 1 with what (e.g. "eval of
 * request data") in why, 0 when none.
 */
int	webshell_scan(const char *text, size_t len, char *why, size_t whylen);

int	fim_main(int argc, char **argv);

/* [fim NAME] (probe.c) and its option table. */
struct probe_ops;
extern const struct probe_ops fim_probe;
extern const struct conf_opt fim_opts_table[];

#endif
