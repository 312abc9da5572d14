/*
 * shaobing agents [--json]: the agents the collector knows, from
 * GET /api/v1/admin/agents.  "agents cert" is in cmd_ca.c.
 */
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"

static void
agents_usage(FILE *f)
{
	fprintf(f, "usage: shaobing agents [--json]\n"
	    "       shaobing agents cert NAME --ca DIR --out DIR [--days N] [--force]\n"
	    "       shaobing agents revoke ID|NAME\n"
	    "       shaobing agents unrevoke ID|NAME\n"
	    "  List the agents the collector knows: id, name, status (up: a\n"
	    "  heartbeat or event within 3 heartbeat intervals; revoked: refused\n"
	    "  by `agents revoke`, whatever it sends; degraded: up, but its\n"
	    "  spool was damaged and an incident spool_corrupt is active),\n"
	    "  last seen (local time),\n"
	    "  first seen, events stored.  --json for scripts.\n");
}

/* An integer member as text, "-" when absent. */
static void
int_text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t	*v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

int
cli_agents_render(const json_t *answer, FILE *f, char *err, size_t errlen)
{
	static const char *const head[] = {
		"编号 ID", "名称 Name", "状态 Status", "最后在线 Last seen",
		"首次上线 First seen", "事件数 Events",
	};
	const json_t		*agents = json_object_get(answer, "agents"), *a;
	struct cli_table	*t;
	size_t			 i;
	char			 id[32], n[32], last[32], first[32];
	int			 rc = -1;

	if (!json_is_array(agents)) {
		snprintf(err, errlen, "unexpected answer from the admin API: "
		    "no \"agents\" array");
		return -1;
	}
	if ((t = cli_table_new(6, head)) == NULL)
		goto nomem;
	cli_table_set_max(t, 1, 64);
	json_array_foreach(agents, i, a) {
		if (!json_is_object(a)) {
			snprintf(err, errlen, "unexpected answer from the admin "
			    "API: agents[%zu] is not an object", i);
			goto out;
		}
		int_text(a, "id", id, sizeof(id));
		int_text(a, "events", n, sizeof(n));
		cli_local_time(json_string_value(json_object_get(a, "last_seen")),
		    last, sizeof(last));
		cli_local_time(json_string_value(json_object_get(a, "first_seen")),
		    first, sizeof(first));
		const char *row[] = {
			id, json_string_value(json_object_get(a, "name")),
			cli_status_label(json_string_value(json_object_get(a,
			    "status"))),
			last, first, n,
		};
		if (cli_table_add(t, row) == -1)
			goto nomem;
	}
	if (cli_table_rows(t) == 0)
		fprintf(f, "no agents yet 尚无客户端: issue a certificate with "
		    "`shaobing agents cert NAME` and start shaobing-agent\n");
	else
		cli_table_print(t, f);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	cli_table_free(t);
	return rc;
}

int
cli_cmd_agents(struct cli *cli, int argc, char **argv)
{
	json_t	*answer = NULL;
	char	 err[1024];
	int	 json = 0, rc = CLI_EXIT_FAIL;

	if (argc >= 2 && strcmp(argv[1], "cert") == 0)
		return cli_cmd_agents_cert(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return cli_cmd_agents_revoke(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "unrevoke") == 0)
		return cli_cmd_agents_unrevoke(cli, argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			agents_usage(cli->out);
			return CLI_EXIT_OK;
		} else {
			fprintf(cli->err, "shaobing: agents: unexpected '%s'\n", argv[i]);
			agents_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_admin_get(cli->admin, "/api/v1/admin/agents", &answer,
	    err, sizeof(err)) == -1)
		goto fail;
	if (json) {
		if (!json_is_array(json_object_get(answer, "agents"))) {
			snprintf(err, sizeof(err), "unexpected answer from the "
			    "admin API: no \"agents\" array");
			goto fail;
		}
		json_dumpf(answer, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
	} else if (cli_agents_render(answer, cli->out, err, sizeof(err)) == -1)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
out:
	json_decref(answer);
	return rc;
}
