/*
 * shaobing, the administrator's CLI.
 *
 * main.c takes the global options and dispatches to one cli_cmd_*()
 * per command (cmd_*.c).  The offline commands (ca, agents cert) use
 * common/pki; the others read the collector's admin API through
 * http.c and print with table.c.  Exit status: 0 success, 1 the
 * command failed, 2 the command line is wrong.
 */
#ifndef SHAOBING_CLI_H
#define SHAOBING_CLI_H

#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#define CLI_ADMIN_DEFAULT	"http://127.0.0.1:8444"
#define CLI_ADMIN_SOCKET	"/run/shaobing/admin.sock"

#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1
#define CLI_EXIT_USAGE	2

/* What every command may need from the global options. */
struct cli {
	const char	*admin;	/* --admin, $SHAOBING_ADMIN or the default */
	FILE		*out;	/* results */
	FILE		*err;	/* messages */
};

/* Commands: argv[0] is the command's own name. */
int	cli_cmd_ca(struct cli *cli, int argc, char **argv);
int	cli_cmd_agents(struct cli *cli, int argc, char **argv);
int	cli_cmd_agents_cert(struct cli *cli, int argc, char **argv);
int	cli_cmd_events(struct cli *cli, int argc, char **argv);
int	cli_cmd_incidents(struct cli *cli, int argc, char **argv);
/* "audit verify" (cmd_audit.c), reached through cli_cmd_audit(). */
int	cli_cmd_audit_verify(struct cli *cli, int argc, char **argv);
int	cli_cmd_assets(struct cli *cli, int argc, char **argv);
int	cli_cmd_users(struct cli *cli, int argc, char **argv);

/*
 * The fixed-asset register as CSV on f: UTF-8 BOM, Chinese headings with
 * English beside, one row per element of assets (the admin API's asset
 * objects); per_asset (may be NULL) adds the indicator columns of the
 * year-end export, matched by agent name.  -1 on a write error.
 */
int	cli_assets_csv(FILE *f, const json_t *assets, const json_t *per_asset);
int	cli_cmd_agents_revoke(struct cli *cli, int argc, char **argv);
int	cli_cmd_agents_unrevoke(struct cli *cli, int argc, char **argv);
int	cli_cmd_token(struct cli *cli, int argc, char **argv);
int	cli_cmd_apitoken(struct cli *cli, int argc, char **argv);
int	cli_cmd_audit(struct cli *cli, int argc, char **argv);
int	cli_cmd_websites(struct cli *cli, int argc, char **argv);
int	cli_cmd_report(struct cli *cli, int argc, char **argv);

/*
 * A file the CLI writes (cli/outfile.c).  open refuses a path that
 * exists and is not a regular file, and a regular file unless force;
 * it creates a temporary file beside it (o->f).  commit checks every
 * write (bad: the caller saw one fail), fflush, fsync and fclose, then
 * renames; on any failure the target is untouched and err says why.
 * abort drops the temporary file.  check is open's test alone (to
 * refuse before writing anything of a set).  All return 0 or -1.
 */
struct cli_outfile {
	char	 path[4096];
	char	 tmp[4112];
	FILE	*f;
};
int	cli_outfile_check(const char *path, bool force, char *err,
	    size_t errlen);
int	cli_outfile_open(struct cli_outfile *o, const char *path, bool force,
	    char *err, size_t errlen);
int	cli_outfile_commit(struct cli_outfile *o, int bad, char *err,
	    size_t errlen);
void	cli_outfile_abort(struct cli_outfile *o);

/*
 * Option helper for "--name VALUE" and "--name=VALUE" at argv[*i].
 * Returns 1 and sets *val (advancing *i past a separate value) when
 * argv[*i] is that option, 0 when it is not, -1 (message printed) when
 * the value is missing.
 */
int	cli_opt(struct cli *cli, int argc, char **argv, int *i,
	    const char *name, const char **val);
/* Range-checked integer option value; -1 with a message. */
int	cli_opt_int(struct cli *cli, const char *name, const char *val,
	    long long min, long long max, long long *out);

/*
 * GET path (e.g. "/api/v1/admin/agents?x=y") from the admin API at
 * admin ("http://HOST:PORT", "https://..." or "unix:/PATH").  On 200
 * with a JSON object: 0 and *out (a new reference).  Otherwise -1 and
 * err says what happened, e.g. "cannot reach the collector's admin API
 * at URL: ...; is shaobing-collector running?".
 */
int	cli_admin_get(const char *admin, const char *path, json_t **out,
	    char *err, size_t errlen);
/* POST a JSON object body; the answer as for cli_admin_get(). */
int	cli_admin_post(const char *admin, const char *path, const json_t *body,
	    json_t **out, char *err, size_t errlen);
/*
 * The admin address when neither --admin nor $SHAOBING_ADMIN is given:
 * the Unix socket when it exists, else the loopback HTTP address.
 */
const char *cli_admin_default(void);
/*
 * A list route (events, incidents) the way journalctl -n shows it: the
 * most recent limit rows (pages newest first through next_before_id), or
 * with all every row, or with after >= 0 the first limit rows after that
 * id (oldest first through next_after_id).  base is the path with its
 * filters ("/api/v1/admin/events?type=x" or ".../events?"), member the
 * answer's array.  0 with *out (oldest first) and *more: -1 when older
 * rows were left (most recent mode), the id to go on from with after
 * when newer ones were, else 0; -1 with err.
 */
int	cli_list_fetch(struct cli *cli, const char *base, const char *member,
	    long long limit, int all, long long after, long long page_max,
	    json_t **out, long long *more, char *err, size_t errlen);
/* Reverse a JSON array in place. */
void	cli_json_reverse(json_t *arr);
/* Percent-encode s for a query string (malloc'd). */
char	*cli_url_escape(const char *s);

/*
 * Render an admin API answer as a human table (local time, Chinese and
 * English headings).  -1 with err when the answer does not have the
 * documented shape.
 */
int	cli_agents_render(const json_t *answer, FILE *f, char *err, size_t errlen);
int	cli_events_render(const json_t *events, FILE *f, char *err, size_t errlen);

/*
 * Text tables.  Cells are copied and made safe to print: control
 * characters and invalid UTF-8 (what an agent might put in event data
 * to play with the admin's terminal) become '?'.  Columns are aligned
 * by display width, CJK characters counting two.
 */
struct cli_table;

struct cli_table *cli_table_new(size_t ncols, const char *const *headings);
/* Add a row of ncols cells (NULL prints as empty).  -1 out of memory. */
int	cli_table_add(struct cli_table *t, const char *const *cells);
/* Limit a column to maxw display columns (longer cells end in "…"). */
void	cli_table_set_max(struct cli_table *t, size_t col, size_t maxw);
size_t	cli_table_rows(const struct cli_table *t);
void	cli_table_print(const struct cli_table *t, FILE *f);
void	cli_table_free(struct cli_table *t);

/* Display width of UTF-8 text (invalid bytes count one each). */
size_t	cli_text_width(const char *s);
/*
 * Copy s into a malloc'd string with control characters and invalid
 * UTF-8 escaped visibly by text_sanitize() (\\xNN), cut to at most maxw display columns (0: no
 * limit) with "…" marking the cut.
 */
char	*cli_text_clean(const char *s, size_t maxw);

/* "在线 up", "离线 down", severities "高 high", ... (unknown: the input). */
const char *cli_status_label(const char *status);
const char *cli_severity_label(const char *severity);
/*
 * Wire UTC "…Z" → local "2026-11-27 21:37:20" into buf (>= 20 bytes);
 * the input unchanged when it does not parse, "-" for NULL.
 */
void	cli_local_time(const char *utc, char *buf, size_t len);

#endif
