/*
 * shaobing websites [--json]
 * shaobing websites rebaseline NAME [--agent AGENT]
 * The websites the agents check ([website NAME] sections, known from
 * their events), and new baselines on request: the collector tells the
 * agent at its next heartbeat, the agent's next check of the site takes
 * them.  The request is in the admin audit log.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/timeutil.h"

static void
websites_usage(FILE *f)
{
	fprintf(f, "usage: shaobing websites [--json]\n"
	    "       shaobing websites rebaseline NAME [--agent AGENT]\n"
	    "  the websites the agents check ([website NAME]): agent, last "
	    "event,\n  whether a rebaseline waits; rebaseline: the agent takes "
	    "new baselines\n  of the site's pages at its next check (after "
	    "its next heartbeat);\n  without --agent, the agent that last "
	    "reported the website\n");
}

static int
websites_fail(struct cli *cli, const char *err)
{
	fprintf(cli->err, "shaobing websites: %s\n", text_term(err));
	return CLI_EXIT_FAIL;
}

static int
websites_rebaseline(struct cli *cli, int argc, char **argv)
{
	const char	*name = NULL, *agent = NULL;
	json_t		*body = NULL, *ans = NULL;
	char		*esc = NULL, path[512], err[1024];
	int		 rc = CLI_EXIT_FAIL, r;

	for (int i = 1; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--agent", &agent)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (argv[i][0] == '-' || name != NULL) {
			fprintf(cli->err, "shaobing websites rebaseline: "
			    "unexpected '%s'\n", text_term(argv[i]));
			websites_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		name = argv[i];
	}
	if (name == NULL || name[0] == '\0') {
		websites_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	body = agent != NULL ? json_pack("{s:s}", "agent", agent) :
	    json_object();
	if ((esc = cli_url_escape(name)) == NULL || body == NULL) {
		rc = websites_fail(cli, "out of memory");
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path),
	    "/api/v1/admin/websites/%s/rebaseline", esc) >= sizeof(path)) {
		fprintf(cli->err, "shaobing websites rebaseline: the name is too "
		    "long\n");
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_admin_post(cli->admin, path, body, &ans, err, sizeof(err)) == -1) {
		rc = websites_fail(cli, err);
		goto out;
	}
	fprintf(cli->out, "website %s: 已请求重建基线 rebaseline requested "
	    "(request %" JSON_INTEGER_FORMAT "); agent %s takes new baselines "
	    "at its next check after its next heartbeat\n", text_term(name),
	    json_integer_value(json_object_get(ans, "id")),
	    text_term(json_string_value(json_object_get(ans, "agent"))));
	rc = CLI_EXIT_OK;
out:
	free(esc);
	json_decref(body);
	json_decref(ans);
	return rc;
}

int
cli_cmd_websites(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "网站 Website", "客户端 Agent",
	    "最近事件 Last event", "待重建基线 Rebaseline pending" };
	json_t			*ans = NULL, *arr, *w;
	struct cli_table	*t = NULL;
	char			 err[1024], when[64];
	size_t			 i;
	int			 json = 0, rc = CLI_EXIT_FAIL;

	if (argc >= 2 && strcmp(argv[1], "rebaseline") == 0)
		return websites_rebaseline(cli, argc - 1, argv + 1);
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else if (strcmp(argv[k], "-h") == 0 ||
		    strcmp(argv[k], "--help") == 0) {
			websites_usage(cli->out);
			return CLI_EXIT_OK;
		} else {
			fprintf(cli->err, "shaobing websites: unexpected '%s'\n",
			    text_term(argv[k]));
			websites_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_admin_get(cli->admin, "/api/v1/admin/websites", &ans, err,
	    sizeof(err)) == -1)
		return websites_fail(cli, err);
	if (!json_is_array(arr = json_object_get(ans, "websites"))) {
		rc = websites_fail(cli, "unexpected answer from the admin API: "
		    "no \"websites\" array");
		goto out;
	}
	if (json) {
		json_dumpf(ans, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
		rc = CLI_EXIT_OK;
		goto out;
	}
	if ((t = cli_table_new(4, head)) == NULL) {
		rc = websites_fail(cli, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, w) {
		const char *cells[4];

		if (time_format_local(json_integer_value(json_object_get(w,
		    "last_event")), when, sizeof(when)) == -1)
			when[0] = '\0';
		cells[0] = json_string_value(json_object_get(w, "website"));
		cells[1] = json_string_value(json_object_get(w, "agent"));
		cells[2] = when;
		cells[3] = json_is_true(json_object_get(w, "pending")) ?
		    "是 yes" : "否 no";
		if (cli_table_add(t, cells) == -1) {
			rc = websites_fail(cli, "out of memory");
			goto out;
		}
	}
	if (cli_table_rows(t) == 0)
		fprintf(cli->out, "no website reported yet 暂无网站\n");
	else
		cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(ans);
	return rc;
}
