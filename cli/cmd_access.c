/*
 * Access commands: `token create` (agent enrollment), `apitoken create`
 * (admin API over HTTPS), `agents revoke`, `agents unrevoke`, `audit log` (the admin API's
 * own audit table; the incident trail's `audit verify` lives elsewhere).
 */
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/conf.h"

static int
fail(struct cli *cli, const char *err)
{
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
	return CLI_EXIT_FAIL;
}

/* usage on stderr with status 2; "--help" in place of arg: stdout, 0. */
static int
usage_error(struct cli *cli, const char *usage, const char *arg)
{
	if (arg != NULL && (strcmp(arg, "-h") == 0 ||
	    strcmp(arg, "--help") == 0)) {
		fprintf(cli->out, "%s", usage);
		return CLI_EXIT_OK;
	}
	if (arg != NULL)
		fprintf(cli->err, "shaobing: unexpected '%s'\n", arg);
	fprintf(cli->err, "%s", usage);
	return CLI_EXIT_USAGE;
}

static const char token_usage[] =
    "usage: shaobing token create [--ttl 24h] [--uses 1] [--replace NAME] "
    "[--json]\n"
    "  A one-time enrollment token for new agents, and the CA fingerprint\n"
    "  they check, and the command to paste on the PC (its --server is\n"
    "  the collector's [server] public_url, by default the first name of\n"
    "  its certificate and its port):\n"
    "    shaobing-agent enroll --server URL --token TOKEN --ca-fingerprint SHA256\n"
    "  --ttl   how long it is valid (1m to 30d, default 24h)\n"
    "  --uses  how many machines may use it (default 1)\n"
    "  --replace NAME  hand the existing agent NAME to the machine that\n"
    "          enrolls with it (reinstalled or replaced PC): without it an\n"
    "          existing agent's name is refused (409); the old key's\n"
    "          certificates stop working; audited\n";

int
cli_cmd_token(struct cli *cli, int argc, char **argv)
{
	const char	*v, *ttl_s = "24h", *uses_s = "1", *replace = NULL;
	json_t		*body = NULL, *ans = NULL;
	int64_t		 ttl;
	long long	 uses;
	char		 err[1024], why[200];
	int		 json = 0, r, rc = CLI_EXIT_FAIL;

	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0)) {
			fprintf(cli->out, "%s", token_usage);
			return CLI_EXIT_OK;
		}
		return usage_error(cli, token_usage, argc >= 2 ? argv[1] : NULL);
	}
	for (int i = 2; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--ttl", &v)) == 1)
			ttl_s = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--uses",
		    &v)) == 1)
			uses_s = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--replace",
		    &v)) == 1)
			replace = v;
		else if (r == 0 && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (r == 0)
			return usage_error(cli, token_usage, argv[i]);
		else
			return CLI_EXIT_USAGE;
	}
	if (parse_duration_ms(ttl_s, 60000, 30LL * 86400000, &ttl, why,
	    sizeof(why)) == -1) {
		fprintf(cli->err, "shaobing: --ttl: %s\n", why);
		return CLI_EXIT_USAGE;
	}
	if (cli_opt_int(cli, "--uses", uses_s, 1, 10000, &uses) == -1)
		return CLI_EXIT_USAGE;
	body = json_pack("{s:I, s:I}", "ttl_s", (json_int_t)(ttl / 1000),
	    "uses", (json_int_t)uses);
	if (body != NULL && replace != NULL)
		json_object_set_new(body, "replace", json_string(replace));
	if (cli_admin_post(cli->admin, "/api/v1/admin/tokens", body, &ans, err,
	    sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	if (!json_is_string(json_object_get(ans, "token")) ||
	    !json_is_string(json_object_get(ans, "ca_fingerprint"))) {
		rc = fail(cli, "unexpected answer from the admin API: no token");
		goto out;
	}
	if (json) {
		json_dumpf(ans, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
	} else {
		char exp[32];

		cli_local_time(json_string_value(json_object_get(ans, "expires")),
		    exp, sizeof(exp));
		fprintf(cli->out,
		    "注册令牌 token:          %s\n"
		    "CA 指纹 CA fingerprint:  %s\n"
		    "有效期至 expires:        %s (%lld use%s)\n\n"
		    "On the machine to enroll 在客户端执行 (as root):\n"
		    "shaobing-agent enroll --server %s "
		    "--token %s --ca-fingerprint %s\n",
		    json_string_value(json_object_get(ans, "token")),
		    json_string_value(json_object_get(ans, "ca_fingerprint")),
		    exp, uses, uses == 1 ? "" : "s",
		    json_string_value(json_object_get(ans, "server")) ?:
		    "https://COLLECTOR:PORT",
		    json_string_value(json_object_get(ans, "token")),
		    json_string_value(json_object_get(ans, "ca_fingerprint")));
		if (replace != NULL)
			fprintf(cli->out, "\n替换 replaces: agent '%s': the "
			    "machine enrolling with this token takes its name; "
			    "the old key's certificates stop working\n",
			    replace);
	}
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(ans);
	return rc;
}

static const char apitoken_usage[] =
    "usage: shaobing apitoken create --scope read|admin [--label TEXT] "
    "[--ttl 90d]\n"
    "       shaobing apitoken list [--json]\n"
    "       shaobing apitoken revoke ID\n"
    "  An API token for the admin API over HTTPS (the agent port), e.g.\n"
    "  for scripts: SHAOBING_ADMIN=https://COLLECTOR:8443 SHAOBING_TOKEN=...\n"
    "  --ttl   how long it is valid (1m to 3660d: 30d, 12h, 45m; default "
    "90d)\n"
    "  list shows id, label, scope, created, expires, last used, state;\n"
    "  revoke refuses the token at once (401).  All of it is audited.\n";

/*
 * GET path and find the array member key of the answer (*ans to free,
 * *rows into it); with json, print the answer.  1 printed, 0 go on and
 * make the table (*t, 7 columns of head), -1 failed (said so; *rc set).
 */
static int
list_rows(struct cli *cli, const char *path, const char *key, int json,
    const char *const *head, json_t **ans, json_t **rows,
    struct cli_table **t, int *rc)
{
	char err[1024];

	*rc = CLI_EXIT_FAIL;
	if (cli_admin_get(cli->admin, path, ans, err, sizeof(err)) == -1) {
		*rc = fail(cli, err);
		return -1;
	}
	if (!json_is_array(*rows = json_object_get(*ans, key))) {
		snprintf(err, sizeof(err), "unexpected answer from the admin "
		    "API: no \"%s\" array", key);
		*rc = fail(cli, err);
		return -1;
	}
	if (json) {
		json_dumpf(*ans, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
		*rc = CLI_EXIT_OK;
		return 1;
	}
	if ((*t = cli_table_new(7, head)) == NULL) {
		*rc = fail(cli, "out of memory");
		return -1;
	}
	return 0;
}

static int
apitoken_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "编号 id", "标签 label",
	    "权限 scope", "创建 created", "到期 expires", "最近使用 last used",
	    "状态 state" };
	json_t			*ans = NULL, *rows, *a;
	struct cli_table	*t = NULL;
	char			 id[24], c[40], e[40], u[40];
	const char		*state;
	size_t			 i;
	int			 json = 0, rc = CLI_EXIT_FAIL;

	for (int k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else
			return usage_error(cli, apitoken_usage, argv[k]);
	}
	if (list_rows(cli, "/api/v1/admin/apitokens", "apitokens", json, head,
	    &ans, &rows, &t, &rc) != 0)
		goto out;
	cli_table_set_max(t, 1, 40);
	json_array_foreach(rows, i, a) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(a, "id")));
		cli_local_time(json_string_value(json_object_get(a, "created")),
		    c, sizeof(c));
		cli_local_time(json_string_value(json_object_get(a, "expires")),
		    e, sizeof(e));
		cli_local_time(json_string_value(json_object_get(a,
		    "last_used")), u, sizeof(u));
		state = json_string_value(json_object_get(a, "state"));
		const char *row[] = { id,
			json_string_value(json_object_get(a, "label")),
			json_string_value(json_object_get(a, "scope")), c, e, u,
			state == NULL ? "?" : strcmp(state, "active") == 0 ?
			"有效 active" : strcmp(state, "expired") == 0 ?
			"已过期 expired" : "已吊销 revoked" };
		if (cli_table_add(t, row) == -1) {
			rc = fail(cli, "out of memory");
			goto out;
		}
	}
	cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(ans);
	return rc;
}

static int
apitoken_revoke(struct cli *cli, int argc, char **argv)
{
	json_t		*body = NULL, *ans = NULL;
	long long	 id;
	char		 err[1024], path[96];
	int		 rc = CLI_EXIT_FAIL;

	if (argc != 3)
		return usage_error(cli, apitoken_usage, argc > 3 ? argv[3] :
		    NULL);
	if (cli_opt_int(cli, "ID", argv[2], 1, INT64_MAX, &id) == -1)
		return CLI_EXIT_USAGE;
	snprintf(path, sizeof(path), "/api/v1/admin/apitokens/%lld/revoke", id);
	body = json_object();
	if (cli_admin_post(cli->admin, path, body, &ans, err, sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	fprintf(cli->out, "API token %lld %s 已吊销 revoked\n", id,
	    json_is_true(json_object_get(ans, "already")) ? "was already" :
	    "is now");
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(ans);
	return rc;
}

int
cli_cmd_apitoken(struct cli *cli, int argc, char **argv)
{
	const char	*v, *scope = NULL, *label = NULL, *ttl_s = "90d";
	json_t		*body = NULL, *ans = NULL;
	int64_t		 ttl;
	char		 err[1024], why[200], exp[40];
	int		 r, rc = CLI_EXIT_FAIL;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return apitoken_list(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return apitoken_revoke(cli, argc, argv);
	if (argc < 2 || strcmp(argv[1], "create") != 0)
		return usage_error(cli, apitoken_usage, argc >= 2 ? argv[1] : NULL);
	for (int i = 2; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--scope", &v)) == 1)
			scope = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--label",
		    &v)) == 1)
			label = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--ttl",
		    &v)) == 1)
			ttl_s = v;
		else if (r == 0)
			return usage_error(cli, apitoken_usage, argv[i]);
		else
			return CLI_EXIT_USAGE;
	}
	if (scope == NULL || (strcmp(scope, "read") != 0 &&
	    strcmp(scope, "admin") != 0)) {
		fprintf(cli->err, "shaobing: apitoken create: --scope read or "
		    "--scope admin is required\n");
		return CLI_EXIT_USAGE;
	}
	if (parse_duration_ms(ttl_s, 60000, 3660LL * 86400000, &ttl, why,
	    sizeof(why)) == -1) {
		fprintf(cli->err, "shaobing: apitoken create: --ttl: %s\n", why);
		return CLI_EXIT_USAGE;
	}
	body = json_pack("{s:s, s:I}", "scope", scope, "ttl_s",
	    (json_int_t)(ttl / 1000));
	if (label != NULL)
		json_object_set_new(body, "label", json_string(label));
	if (cli_admin_post(cli->admin, "/api/v1/admin/apitokens", body, &ans,
	    err, sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	if (!json_is_string(json_object_get(ans, "token"))) {
		rc = fail(cli, "unexpected answer from the admin API: no token");
		goto out;
	}
	fprintf(cli->out, "%s\n", json_string_value(json_object_get(ans,
	    "token")));
	cli_local_time(json_string_value(json_object_get(ans, "expires")), exp,
	    sizeof(exp));
	fprintf(cli->err, "API token %" JSON_INTEGER_FORMAT " (scope %s, "
	    "expires %s); keep it secret, it is not shown again\n",
	    json_integer_value(json_object_get(ans, "id")), scope, exp);
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(ans);
	return rc;
}

int
cli_cmd_agents_revoke(struct cli *cli, int argc, char **argv)
{
	json_t	*body, *ans = NULL;
	char	 err[1024];
	int	 rc = CLI_EXIT_FAIL;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(cli->err, "usage: shaobing agents revoke ID|NAME\n"
		    "  The collector refuses the agent from now on (its events, "
		    "heartbeats,\n  renewal and re-enrollment of its machine).\n");
		return CLI_EXIT_USAGE;
	}
	body = json_pack("{s:s}", "agent", argv[1]);
	if (cli_admin_post(cli->admin, "/api/v1/admin/agents/revoke", body,
	    &ans, err, sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	fprintf(cli->out, "agent %s %s 已吊销 revoked\n",
	    json_string_value(json_object_get(ans, "agent")),
	    json_is_true(json_object_get(ans, "already")) ? "was already" : "is");
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(ans);
	return rc;
}

int
cli_cmd_agents_unrevoke(struct cli *cli, int argc, char **argv)
{
	json_t	*body, *ans = NULL;
	char	 err[1024];
	int	 rc = CLI_EXIT_FAIL;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(cli->err, "usage: shaobing agents unrevoke ID|NAME\n"
		    "  Undo `agents revoke`: the collector accepts the agent's "
		    "certificate\n  again; its spooled events follow on their "
		    "own.\n");
		return CLI_EXIT_USAGE;
	}
	body = json_pack("{s:s}", "agent", argv[1]);
	if (cli_admin_post(cli->admin, "/api/v1/admin/agents/unrevoke", body,
	    &ans, err, sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	if (json_is_true(json_object_get(ans, "was_revoked")))
		fprintf(cli->out, "agent %s is no longer revoked 已恢复 "
		    "restored\n", json_string_value(json_object_get(ans,
		    "agent")));
	else
		fprintf(cli->out, "agent %s was not revoked; nothing changed\n",
		    json_string_value(json_object_get(ans, "agent")));
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(ans);
	return rc;
}

static const char audit_usage[] =
    "usage: shaobing audit log [--after-id N] [--limit N] [--json]\n"
    "       shaobing audit verify\n"
    "  Every admin API call: when (local time), who, via (socket, https,\n"
    "  http, enroll), from where, what, and the answer's status.\n";

int
cli_cmd_audit(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "编号 ID", "时间 Time",
		"操作者 Actor", "方式 Via", "来源 From", "操作 Call",
		"结果 Status" };
	struct cli_table	*t = NULL;
	const char		*v, *limit = "100", *after = "0";
	json_t			*ans = NULL, *rows, *a;
	size_t			 i;
	char			 path[128], ts[32], id[32], st[16];
	char			 call[600];
	int			 json = 0, r, rc = CLI_EXIT_FAIL;
	long long		 n;

	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cli_cmd_audit_verify(cli, argc, argv);	/* cmd_audit.c */
	if (argc < 2 || strcmp(argv[1], "log") != 0)
		return usage_error(cli, audit_usage, argc >= 2 ? argv[1] : NULL);
	for (int k = 2; k < argc; k++) {
		if ((r = cli_opt(cli, argc, argv, &k, "--limit", &v)) == 1)
			limit = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &k,
		    "--after-id", &v)) == 1)
			after = v;
		else if (r == 0 && strcmp(argv[k], "--json") == 0)
			json = 1;
		else if (r == 0)
			return usage_error(cli, audit_usage, argv[k]);
		else
			return CLI_EXIT_USAGE;
	}
	if (cli_opt_int(cli, "--limit", limit, 1, 10000, &n) == -1 ||
	    cli_opt_int(cli, "--after-id", after, 0, INT64_MAX, &n) == -1)
		return CLI_EXIT_USAGE;
	snprintf(path, sizeof(path), "/api/v1/admin/audit?limit=%s&after_id=%s",
	    limit, after);
	if (list_rows(cli, path, "audit", json, head, &ans, &rows, &t,
	    &rc) != 0)
		goto out;
	cli_table_set_max(t, 5, 60);
	json_array_foreach(rows, i, a) {
		cli_local_time(json_string_value(json_object_get(a, "ts")), ts,
		    sizeof(ts));
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(a, "id")));
		snprintf(st, sizeof(st), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(a, "status")));
		snprintf(call, sizeof(call), "%s %s",
		    json_string_value(json_object_get(a, "method")) ?: "?",
		    json_string_value(json_object_get(a, "path")) ?: "?");
		const char *row[] = { id, ts,
			json_string_value(json_object_get(a, "actor")),
			json_string_value(json_object_get(a, "via")),
			json_string_value(json_object_get(a, "peer")), call, st };
		if (cli_table_add(t, row) == -1) {
			rc = fail(cli, "out of memory");
			goto out;
		}
	}
	cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(ans);
	return rc;
}
