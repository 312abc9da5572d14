/*
 * shaobing incidents [--status S] [--since T] [--level L] [--category C]
 *                    [--limit N | --all] [--reverse] [--json]
 *   (the most recent N, default 100, in time order, like journalctl -n)
 * shaobing incidents show ID [--json]
 * shaobing incidents ack ID [--note TEXT]
 * shaobing incidents resolve|false-positive|reopen ID --note TEXT
 *
 * The incident log through /api/v1/admin/incidents.  The actor sent with
 * a change is the Unix user running the command (SUDO_USER when run with
 * sudo) until the admin API has its own identities.
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/taxonomy.h"
#include "common/text.h"
#include "common/timeutil.h"

#define INCIDENTS_LIMIT_MAX	10000

static void
incidents_usage(FILE *f)
{
	fprintf(f, "usage: shaobing incidents [--status S] [--since T] "
	    "[--level L] [--category C] [--limit N | --all] [--reverse] "
	    "[--json]\n"
	    "       shaobing incidents show ID [--json]\n"
	    "       shaobing incidents ack ID [--note TEXT]\n"
	    "       shaobing incidents resolve ID --note TEXT\n"
	    "       shaobing incidents false-positive ID --note TEXT\n"
	    "       shaobing incidents reopen ID --note TEXT\n"
	    "  --status S    open, acknowledged, resolved or false_positive\n"
	    "  --since T     first seen at or after T: 2026-11-27,\n"
	    "                \"2026-11-27 13:00\" (local), ISO UTC, -2h, -7d\n"
	    "  --level L     this level and above: IV 一般, III 较大, II 重大, "
	    "I 特别重大\n"
	    "  --category C  GB/T 20986-2023 code: NA, NASCAN, SHE, DE, ...\n"
	    "  --limit N     the N most recent incidents, in time order "
	    "(default 100)\n"
	    "  --all         every matching incident\n"
	    "  --reverse     newest first\n"
	    "  --json        JSON for scripts\n");
}

/* "待处理 open" (common/taxonomy.h); an unknown status as it is. */
static const char *
status_label(const char *s, char *buf, size_t len)
{
	int st = tax_status_parse(s);

	if (s == NULL)
		return "-";
	if (st == -1)
		return s;
	snprintf(buf, len, "%s %s", tax_status_zh(st), tax_status_en(st));
	return buf;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
level_label(const json_t *inc, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", str(inc, "level_zh"), str(inc, "level_code"));
}

static void
category_label(const json_t *inc, char *buf, size_t len)
{
	const char *sub = str(inc, "subcategory");

	snprintf(buf, len, "%s %s%s%s", str(inc, "category_zh"),
	    str(inc, "category"), *sub ? "/" : "", sub);
}

static int
render_list(const json_t *arr, FILE *f, char *err, size_t errlen)
{
	static const char *const head[] = {
		"编号 ID", "等级 Level", "类别 Category", "状态 Status",
		"标题 Title", "资产 Asset", "次数 Count", "首次发现 First seen",
		"上报期限 Report by",
	};
	struct cli_table	*t;
	const json_t		*inc;
	size_t			 i;
	char			 id[24], lvl[48], cat[64], cnt[24], first[40];
	char			 stbuf[64];
	char			 dl[40];

	if (!json_is_array(arr)) {
		snprintf(err, errlen, "unexpected answer from the admin API: no "
		    "\"incidents\" array");
		return -1;
	}
	if ((t = cli_table_new(9, head)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cli_table_set_max(t, 4, 56);
	json_array_foreach(arr, i, inc) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(inc, "id")));
		level_label(inc, lvl, sizeof(lvl));
		category_label(inc, cat, sizeof(cat));
		snprintf(cnt, sizeof(cnt), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(inc, "count")));
		cli_local_time(json_string_value(json_object_get(inc,
		    "first_seen")), first, sizeof(first));
		cli_local_time(json_string_value(json_object_get(inc,
		    "report_deadline")), dl, sizeof(dl));
		const char *row[] = { id, lvl, cat,
			status_label(json_string_value(json_object_get(inc,
			    "status")), stbuf, sizeof(stbuf)),
			str(inc, "title"), str(inc, "asset"), cnt, first, dl };
		if (cli_table_add(t, row) == -1) {
			cli_table_free(t);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (cli_table_rows(t) == 0)
		fprintf(f, "没有事件 no incidents\n");
	else
		cli_table_print(t, f);
	cli_table_free(t);
	return 0;
}

/* "+1.2 s", "+3 min", "-" for a timing in ms (or null). */
static void
delta(const json_t *v, char *buf, size_t len)
{
	json_int_t ms;

	if (!json_is_integer(v)) {
		snprintf(buf, len, "-");
		return;
	}
	ms = json_integer_value(v);
	if (ms < 0)
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT " ms (clock skew)", ms);
	else if (ms < 60000)
		snprintf(buf, len, "+%.1f s", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(buf, len, "+%.1f min", (double)ms / 60000.0);
	else
		snprintf(buf, len, "+%.1f h", (double)ms / 3600000.0);
}

static char *
clean(const char *s)
{
	char *c = cli_text_clean(s ? s : "", 0);

	return c;
}

static int
render_show(const json_t *inc, FILE *f, char *err, size_t errlen)
{
	const json_t		*v, *row;
	struct cli_table	*t = NULL;
	size_t			 i;
	char			 lvl[48], cat[64], a[40], b[40], d1[40], d2[40], d3[40];
	char			 stbuf[64];
	char			 id[24], *c;
	int			 rc = -1;

	if (!json_is_object(inc)) {
		snprintf(err, errlen, "unexpected answer from the admin API: no "
		    "\"incident\" object");
		return -1;
	}
	level_label(inc, lvl, sizeof(lvl));
	category_label(inc, cat, sizeof(cat));
	c = clean(str(inc, "title"));
	fprintf(f, "事件 Incident #%" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(inc, "id")));
	fprintf(f, "  标题 Title:        %s\n", c ? c : "?");
	free(c);
	fprintf(f, "  等级 Level:        %s\n", lvl);
	fprintf(f, "  类别 Category:     %s\n", cat);
	fprintf(f, "  状态 Status:       %s\n",
	    status_label(json_string_value(json_object_get(inc, "status")),
	    stbuf, sizeof(stbuf)));
	c = clean(str(inc, "asset"));
	fprintf(f, "  资产 Asset:        %s\n", c ? c : "?");
	free(c);
	c = clean(str(inc, "key"));
	fprintf(f, "  类型 Type:         %s  (键 key %s)\n", str(inc, "type"),
	    c ? c : "?");
	free(c);
	fprintf(f, "  次数 Count:        %" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(inc, "count")));
	cli_local_time(json_string_value(json_object_get(inc, "first_seen")), a,
	    sizeof(a));
	cli_local_time(json_string_value(json_object_get(inc, "last_seen")), b,
	    sizeof(b));
	fprintf(f, "  发现 Seen:         %s → %s\n", a, b);
	if (json_is_string(json_object_get(inc, "report_deadline"))) {
		cli_local_time(json_string_value(json_object_get(inc,
		    "report_deadline")), a, sizeof(a));
		fprintf(f, "  上报期限 Report by: %s (较大及以上事件须向上级报告 "
		    "level III and above must be reported upward)\n", a);
	}
	v = json_object_get(inc, "timings");
	delta(json_object_get(v, "stored_ms"), d1, sizeof(d1));
	delta(json_object_get(v, "notified_ms"), d2, sizeof(d2));
	delta(json_object_get(v, "acknowledged_ms"), d3, sizeof(d3));
	cli_local_time(json_string_value(json_object_get(inc, "first_seen")), a,
	    sizeof(a));
	fprintf(f, "  时效 Timings:      检测 detected %s → 入库 stored %s → "
	    "通知 notified %s → 确认 acknowledged %s\n", a, d1, d2, d3);

	static const char *const eh[] = { "编号 ID", "时间 Time",
		"级别 Severity", "对象 Key" };
	fprintf(f, "\n关联事件 Events (%zu shown):\n",
	    json_array_size(json_object_get(inc, "events")));
	if ((t = cli_table_new(4, eh)) == NULL)
		goto nomem;
	json_array_foreach(json_object_get(inc, "events"), i, row) {
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(row, "id")));
		cli_local_time(json_string_value(json_object_get(row, "ts")), a,
		    sizeof(a));
		const char *r[] = { id, a, cli_severity_label(str(row,
		    "severity")), str(row, "key") };
		if (cli_table_add(t, r) == -1)
			goto nomem;
	}
	cli_table_print(t, f);
	cli_table_free(t);

	static const char *const th[] = { "时间 Time", "操作人 Actor",
		"来源 Source", "操作 Action", "状态 Status", "备注 Note" };
	fprintf(f, "\n处理记录 Trail:\n");
	if ((t = cli_table_new(6, th)) == NULL)
		goto nomem;
	cli_table_set_max(t, 5, 60);
	json_array_foreach(json_object_get(inc, "trail"), i, row) {
		cli_local_time(json_string_value(json_object_get(row, "ts")), a,
		    sizeof(a));
		snprintf(b, sizeof(b), "%s → %s",
		    json_is_string(json_object_get(row, "from")) ?
		    str(row, "from") : "-", str(row, "to"));
		const char *r[] = { a, str(row, "actor"), str(row, "source"),
			str(row, "action"), b, str(row, "note") };
		if (cli_table_add(t, r) == -1)
			goto nomem;
	}
	cli_table_print(t, f);
	cli_table_free(t);

	static const char *const nh[] = { "时间 Time", "渠道 Channel",
		"结果 Result", "尝试 Attempts", "汇总 Digest", "错误 Error" };
	fprintf(f, "\n通知 Notifications:\n");
	if ((t = cli_table_new(6, nh)) == NULL)
		goto nomem;
	json_array_foreach(json_object_get(inc, "notifications"), i, row) {
		cli_local_time(json_string_value(json_object_get(row, "ts")), a,
		    sizeof(a));
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(row, "attempt")));
		const char *r[] = { a, str(row, "channel"),
			json_is_true(json_object_get(row, "ok")) ? "成功 ok" :
			"失败 failed", id,
			json_is_true(json_object_get(row, "digest")) ? "是 yes" :
			"否 no", str(row, "error") };
		if (cli_table_add(t, r) == -1)
			goto nomem;
	}
	if (cli_table_rows(t) == 0)
		fprintf(f, "  (none 无)\n");
	else
		cli_table_print(t, f);
	cli_table_free(t);
	t = NULL;

	/* The outbox: which collector holds each message, until when. */
	static const char *const oh[] = { "编号 ID", "类型 Kind", "状态 State",
		"持有 Claimed by", "租约至 Lease until", "认领 Claims",
		"错误 Error" };
	fprintf(f, "\n待发 Outbox:\n");
	if ((t = cli_table_new(7, oh)) == NULL)
		goto nomem;
	json_array_foreach(json_object_get(inc, "notify_outbox"), i, row) {
		char n[32], claims[32];

		snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(row, "id")));
		snprintf(claims, sizeof(claims), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(row, "claims")));
		a[0] = '\0';
		if (json_is_string(json_object_get(row, "lease_until")))
			cli_local_time(str(row, "lease_until"), a, sizeof(a));
		const char *r[] = { n, str(row, "kind"), str(row, "state"),
			str(row, "claimed_by"), a, claims, str(row, "error") };
		if (cli_table_add(t, r) == -1)
			goto nomem;
	}
	if (cli_table_rows(t) == 0)
		fprintf(f, "  (none 无)\n");
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

static int
parse_id(struct cli *cli, const char *s, long long *id)
{
	return cli_opt_int(cli, "ID", s, 1, INT64_MAX - 1, id);
}

static const char *
actor_name(void)
{
	const char	*s = getenv("SUDO_USER");
	struct passwd	*pw;

	if (s != NULL && *s != '\0')
		return s;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name[0] != '\0')
		return pw->pw_name;
	return "admin";
}

static int
show_or_act(struct cli *cli, int argc, char **argv, const char *action)
{
	const char	*note = NULL, *v, *ids = NULL;
	long long	 id;
	int		 json = 0, r;
	char		 path[128], err[1024];
	json_t		*ans = NULL, *body = NULL;
	int		 rc = CLI_EXIT_FAIL;

	for (int i = 2; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--note", &v)) == 1) {
			note = v;
			continue;
		}
		if (r == -1)
			return CLI_EXIT_USAGE;
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] != '-' && ids == NULL)
			ids = argv[i];
		else {
			fprintf(cli->err, "shaobing incidents %s: unexpected "
			    "'%s'\n", argv[1], argv[i]);
			incidents_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (ids == NULL) {
		fprintf(cli->err, "shaobing incidents %s: which incident? give "
		    "its ID (see `shaobing incidents`)\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (parse_id(cli, ids, &id) == -1)
		return CLI_EXIT_USAGE;
	if (action == NULL) {
		if (note != NULL) {
			fprintf(cli->err, "shaobing incidents show: --note is "
			    "for ack, resolve, false-positive and reopen\n");
			return CLI_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/admin/incidents/%lld", id);
		r = cli_admin_get(cli->admin, path, &ans, err, sizeof(err));
	} else {
		if (strcmp(action, "ack") != 0 && (note == NULL ||
		    note[strspn(note, " \t\r\n")] == '\0')) {
			fprintf(cli->err, "shaobing incidents %s: needs --note TEXT "
			    "saying why (it goes into the audit trail)\n", action);
			return CLI_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/admin/incidents/%lld/%s",
		    id, action);
		if ((body = json_pack("{s:s, s:s}", "actor", actor_name(),
		    "note", note ? note : "")) == NULL) {
			fprintf(cli->err, "shaobing: out of memory\n");
			return CLI_EXIT_FAIL;
		}
		r = cli_admin_post(cli->admin, path, body, &ans, err,
		    sizeof(err));
	}
	if (r == -1) {
		fprintf(cli->err, "shaobing incidents %s: %s\n", argv[1], text_term(err));
		goto out;
	}
	if (json) {
		if (json_dumpf(json_object_get(ans, "incident"), cli->out,
		    JSON_INDENT(2)) == -1 || fputc('\n', cli->out) == EOF)
			goto out;
	} else if (action != NULL) {
		const json_t	*inc = json_object_get(ans, "incident");
		char		 stbuf[64];

		fprintf(cli->out, "事件 incident %lld: %s\n", id,
		    status_label(json_string_value(json_object_get(inc,
		    "status")), stbuf, sizeof(stbuf)));
	} else if (render_show(json_object_get(ans, "incident"), cli->out, err,
	    sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing incidents show: %s\n", text_term(err));
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	json_decref(ans);
	json_decref(body);
	return rc;
}

int
cli_cmd_incidents(struct cli *cli, int argc, char **argv)
{
	static const char *const actions[] = { "ack", "resolve",
		"false-positive", "reopen" };
	const char	*status = NULL, *since = NULL, *level = NULL;
	const char	*category = NULL, *limit = NULL, *v;
	char		 path[1024], utc[32], err[1024];
	long long	 n = 100, more = 0;
	int64_t		 ms;
	int		 json = 0, all = 0, reverse = 0, r, rc = CLI_EXIT_FAIL;
	json_t		*ans = NULL;
	size_t		 off;

	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return show_or_act(cli, argc, argv, NULL);
	for (size_t i = 0; argc >= 2 && i < 4; i++)
		if (strcmp(argv[1], actions[i]) == 0)
			return show_or_act(cli, argc, argv, actions[i]);
	for (int i = 1; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--status", &v)) == 1)
			status = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--since",
		    &v)) == 1)
			since = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--level",
		    &v)) == 1)
			level = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i,
		    "--category", &v)) == 1)
			category = v;
		else if (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--limit",
		    &v)) == 1)
			limit = v;
		else if (r == 0 && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (r == 0 && strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (r == 0 && (strcmp(argv[i], "--reverse") == 0 ||
		    strcmp(argv[i], "-r") == 0))
			reverse = 1;
		else if (r == 0 && (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)) {
			incidents_usage(cli->out);
			return CLI_EXIT_OK;
		} else if (r == 0) {
			fprintf(cli->err, "shaobing incidents: unknown argument "
			    "'%s'\n", argv[i]);
			incidents_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		if (r == -1)
			return CLI_EXIT_USAGE;
	}
	if (status != NULL && strcmp(status, "false-positive") == 0)
		status = tax_status_name(TAX_STATUS_FALSE_POSITIVE);
	off = (size_t)snprintf(path, sizeof(path), "/api/v1/admin/incidents?");
	if (status != NULL) {
		char *e = cli_url_escape(status);

		off += (size_t)snprintf(path + off, sizeof(path) - off,
		    "status=%s&", e ? e : "");
		free(e);
	}
	if (since != NULL) {
		if (time_parse_human(since, time_now_ms(), &ms) == -1 ||
		    time_format_utc(ms, utc, sizeof(utc)) == -1) {
			fprintf(cli->err, "shaobing incidents: --since '%s': "
			    "expected 2026-11-27, \"2026-11-27 13:00\", ISO UTC "
			    "or -2h / -7d\n", since);
			return CLI_EXIT_USAGE;
		}
		off += (size_t)snprintf(path + off, sizeof(path) - off,
		    "since=%s&", utc);
	}
	if (level != NULL) {
		char *e = cli_url_escape(level);

		off += (size_t)snprintf(path + off, sizeof(path) - off,
		    "level=%s&", e ? e : "");
		free(e);
	}
	if (category != NULL) {
		char *e = cli_url_escape(category);

		off += (size_t)snprintf(path + off, sizeof(path) - off,
		    "category=%s&", e ? e : "");
		free(e);
	}
	if (limit != NULL && cli_opt_int(cli, "--limit", limit, 1,
	    INCIDENTS_LIMIT_MAX, &n) == -1)
		return CLI_EXIT_USAGE;
	if (off >= sizeof(path)) {
		fprintf(cli->err, "shaobing incidents: arguments too long\n");
		return CLI_EXIT_USAGE;
	}
	if (path[off - 1] == '&')
		path[off - 1] = '\0';
	if (cli_list_fetch(cli, path, "incidents", n, all, -1,
	    INCIDENTS_LIMIT_MAX, &ans, &more, err, sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing incidents: %s\n", text_term(err));
		goto out;
	}
	if (reverse)
		cli_json_reverse(ans);
	if (json) {
		json_t *o = json_pack("{s:O}", "incidents", ans);

		if (o == NULL || json_dumpf(o, cli->out, JSON_INDENT(2)) == -1 ||
		    fputc('\n', cli->out) == EOF) {
			json_decref(o);
			goto out;
		}
		json_decref(o);
	} else if (render_list(ans, cli->out, err, sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing incidents: %s\n", text_term(err));
		goto out;
	} else if (more < 0)
		fprintf(cli->err, "(older incidents 还有更早的: a larger --limit "
		    "or --all)\n");
	rc = CLI_EXIT_OK;
out:
	json_decref(ans);
	return rc;
}
