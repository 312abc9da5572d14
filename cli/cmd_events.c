/*
 * shaobing events [--agent A] [--since T] [--type T] [--limit N | --all]
 *                 [--after-id ID] [--reverse] [--json]
 * Events stored by the collector from GET /api/v1/admin/events: like
 * journalctl -n, the most recent N (default 100) in time order
 * (cli_list_fetch() pages through the API).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/event.h"
#include "common/timeutil.h"

#define EVENTS_PAGE_MAX		10000
#define EVENTS_LIMIT_MAX	10000000LL
#define EVENTS_DATA_WIDTH	60

static void
events_usage(FILE *f)
{
	fprintf(f, "usage: shaobing events [--agent A] [--since T] [--type T] "
	    "[--limit N | --all] [--after-id ID] [--reverse] [--json]\n"
	    "  Events stored by the collector: the most recent N, in time order.\n"
	    "  --since T     2026-11-27, \"2026-11-27 13:00\" (local time),\n"
	    "                2026-11-27T05:00:00Z (UTC) or relative -30m, -2h, -7d\n"
	    "  --limit N     the N most recent events (default 100)\n"
	    "  --all         every matching event\n"
	    "  --after-id ID the first N events with id > ID (to page through)\n"
	    "  --reverse     newest first\n"
	    "  --json        the events as JSON, for scripts\n");
}

int
cli_events_render(const json_t *events, FILE *f, char *err, size_t errlen)
{
	static const char *const head[] = {
		"编号 ID", "时间 Time", "客户端 Agent", "类型 Type",
		"级别 Severity", "对象 Key", "详情 Data",
	};
	const json_t		*e;
	struct cli_table	*t;
	size_t			 i;
	char			 id[32], when[40], *data = NULL;
	int			 rc = -1;

	if (!json_is_array(events)) {
		snprintf(err, errlen, "unexpected answer from the admin API: "
		    "no \"events\" array");
		return -1;
	}
	if ((t = cli_table_new(7, head)) == NULL)
		goto nomem;
	cli_table_set_max(t, 5, 48);
	cli_table_set_max(t, 6, EVENTS_DATA_WIDTH);
	json_array_foreach(events, i, e) {
		const json_t *v;

		if (!json_is_object(e)) {
			snprintf(err, errlen, "unexpected answer from the admin "
			    "API: events[%zu] is not an object", i);
			goto out;
		}
		v = json_object_get(e, "id");
		if (json_is_integer(v))
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else
			snprintf(id, sizeof(id), "-");
		cli_local_time(json_string_value(json_object_get(e, "ts")), when,
		    sizeof(when));
		v = json_object_get(e, "data");
		data = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENCODE_ANY) : NULL;
		const char *row[] = {
			id, when, json_string_value(json_object_get(e, "agent")),
			json_string_value(json_object_get(e, "type")),
			cli_severity_label(json_string_value(json_object_get(e,
			    "severity"))),
			json_string_value(json_object_get(e, "key")), data,
		};
		if (cli_table_add(t, row) == -1)
			goto nomem;
		free(data);
		data = NULL;
	}
	if (cli_table_rows(t) == 0)
		fprintf(f, "no events 无事件\n");
	else
		cli_table_print(t, f);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(data);
	cli_table_free(t);
	return rc;
}

/* Append "&key=escaped(value)" to q (capacity qlen).  -1 when it does not fit. */
static int
query_add(char *q, size_t qlen, const char *key, const char *value)
{
	char	*e;
	size_t	 used = strlen(q);
	int	 n;

	if ((e = cli_url_escape(value)) == NULL)
		return -1;
	n = snprintf(q + used, qlen - used, "&%s=%s", key, e);
	free(e);
	return n < 0 || (size_t)n >= qlen - used ? -1 : 0;
}

int
cli_cmd_events(struct cli *cli, int argc, char **argv)
{
	const char	*agent = NULL, *since = NULL, *type = NULL, *v;
	long long	 limit = 100, after = -1, more = 0;
	int		 json = 0, all = 0, reverse = 0, r, rc = CLI_EXIT_FAIL;
	char		 since_utc[32], base[1100], err[1024];
	json_t		*rows = NULL;
	int64_t		 ms;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(argv[i], "--all") == 0) {
			all = 1;
			continue;
		}
		if (strcmp(argv[i], "--reverse") == 0 ||
		    strcmp(argv[i], "-r") == 0) {
			reverse = 1;
			continue;
		}
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			events_usage(cli->out);
			return CLI_EXIT_OK;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--agent", &agent)) == 0 &&
		    (r = cli_opt(cli, argc, argv, &i, "--since", &since)) == 0 &&
		    (r = cli_opt(cli, argc, argv, &i, "--type", &type)) == 0) {
			if ((r = cli_opt(cli, argc, argv, &i, "--limit", &v)) == 1) {
				if (cli_opt_int(cli, "--limit", v, 1,
				    EVENTS_LIMIT_MAX, &limit) == -1)
					return CLI_EXIT_USAGE;
			} else if (r == 0 && (r = cli_opt(cli, argc, argv, &i,
			    "--after-id", &v)) == 1) {
				if (cli_opt_int(cli, "--after-id", v, 0,
				    INT64_MAX, &after) == -1)
					return CLI_EXIT_USAGE;
			}
		}
		if (r == -1)
			return CLI_EXIT_USAGE;
		if (r == 0) {
			fprintf(cli->err, "shaobing: events: unexpected '%s'\n",
			    argv[i]);
			events_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (agent != NULL && !event_name_ok(agent, EVENT_AGENT_MAX)) {
		fprintf(cli->err, "shaobing: --agent '%s' is not an agent name "
		    "(letters, digits, '.', '_', '-')\n", agent);
		return CLI_EXIT_USAGE;
	}
	if (type != NULL && !event_name_ok(type, EVENT_TYPE_MAX)) {
		fprintf(cli->err, "shaobing: --type '%s' is not an event type "
		    "(letters, digits, '.', '_', '-')\n", type);
		return CLI_EXIT_USAGE;
	}
	if (since != NULL) {
		if (time_parse_human(since, time_now_ms(), &ms) == -1 ||
		    time_format_utc(ms, since_utc, sizeof(since_utc)) == -1) {
			fprintf(cli->err, "shaobing: --since '%s': expected "
			    "2026-11-27, \"2026-11-27 13:00\", an ISO UTC time "
			    "ending in Z, or -30m / -2h / -7d\n", since);
			return CLI_EXIT_USAGE;
		}
	}

	snprintf(base, sizeof(base), "/api/v1/admin/events?");
	if ((agent != NULL && query_add(base, sizeof(base), "agent", agent) == -1) ||
	    (since != NULL && query_add(base, sizeof(base), "since", since_utc) == -1) ||
	    (type != NULL && query_add(base, sizeof(base), "type", type) == -1)) {
		fprintf(cli->err, "shaobing: events: query too long\n");
		return CLI_EXIT_USAGE;
	}
	if ((v = strchr(base, '&')) != NULL)	/* "?&agent=..." */
		memmove((char *)v, v + 1, strlen(v));
	if (cli_list_fetch(cli, base, "events", limit, all, after,
	    EVENTS_PAGE_MAX, &rows, &more, err, sizeof(err)) == -1)
		goto fail;
	if (reverse)
		cli_json_reverse(rows);
	if (json) {
		json_t *o = json_pack("{s:O}", "events", rows);

		if (o == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		json_dumpf(o, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
		json_decref(o);
	} else {
		if (cli_events_render(rows, cli->out, err, sizeof(err)) == -1)
			goto fail;
		if (more > 0)
			fprintf(cli->err, "(more events 还有更多: --after-id %lld "
			    "or a larger --limit)\n", more);
		else if (more < 0)
			fprintf(cli->err, "(older events 还有更早的: a larger "
			    "--limit or --all)\n");
	}
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
out:
	json_decref(rows);
	return rc;
}
