/*
 * shaobing assets: the asset register, read and edited through the
 * collector's admin API (collector/asset_api.c).
 *
 *   assets [--kind K] [--json]        the register as a table
 *   assets show ID [--json]           one asset, its current inventory
 *   assets diff ID [--since D] [--json]  changes between two snapshots
 *   assets set ID KEY=VALUE...        tag, owner, department, location,
 *                                     purchase_date (YYYY-MM-DD), notes
 *   assets export --format csv [--out FILE]  the fixed-asset register
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "common/csv.h"
#include "common/inventory_print.h"

static void
assets_usage(FILE *f)
{
	fprintf(f, "usage: shaobing assets [--kind managed|unmanaged|target] [--json]\n"
	    "       shaobing assets show ID [--json]\n"
	    "       shaobing assets diff ID [--since DATE] [--json]\n"
	    "       shaobing assets set ID KEY=VALUE...\n"
	    "       shaobing assets export --format csv [--out FILE [--force]]\n"
	    "  The asset register 资产登记: managed machines (with an agent; one\n"
	    "  per machine-id, so a renamed PC stays one asset), unmanaged devices\n"
	    "  seen on the LAN, monitored targets.  KEY is one of tag, owner,\n"
	    "  department, location, purchase_date (YYYY-MM-DD), notes; an empty\n"
	    "  VALUE clears it.  diff compares the current inventory with the\n"
	    "  previous one, or with the one in effect at --since (2026-11-27,\n"
	    "  \"2026-11-27 13:00\", -7d, ...).  export writes UTF-8 CSV with a BOM\n"
	    "  (Excel, WPS) to FILE or standard output.  An existing FILE is\n"
	    "  replaced only with --force; a FILE that is not a regular file (a\n"
	    "  device such as /dev/full, a FIFO, a folder, a link) is refused, and\n"
	    "  a write error is an error (exit 1) that leaves FILE as it was.\n");
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static const char *
kind_label(const char *k)
{
	if (strcmp(k, "managed") == 0)
		return "受管 managed";
	if (strcmp(k, "unmanaged") == 0)
		return "未受管 unmanaged";
	if (strcmp(k, "target") == 0)
		return "监测目标 target";
	return k;
}

/* Agentless equipment: "设备 device: printer 打印机". */
static const char *
device_label(const json_t *a, char *buf, size_t len)
{
	static const char *const zh[][2] = {
		{ "pc", "计算机" }, { "printer", "打印机" }, { "switch", "交换机" },
		{ "router", "路由器" }, { "ups", "不间断电源" },
		{ "camera", "摄像机" }, { "other", "其他" },
	};
	const char *k = str(a, "device_kind"), *z = "";

	for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
		if (strcmp(k, zh[i][0]) == 0)
			z = zh[i][1];
	snprintf(buf, len, "设备 device: %s %s", z, k);
	return buf;
}

static const char *
status_label(const char *s)
{
	if (strcmp(s, "present") == 0)
		return "在网 present";
	if (strcmp(s, "absent") == 0)
		return "未见 absent";
	return cli_status_label(s);
}

static void
id_text(const json_t *o, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, "id");

	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

static int
print_json(struct cli *cli, const json_t *j)
{
	json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', cli->out);
	return CLI_EXIT_OK;
}

static int
fail(struct cli *cli, const char *err)
{
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
	return CLI_EXIT_FAIL;
}

/* ---- list ------------------------------------------------------------ */

static int
assets_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {
		"编号 ID", "名称 Name", "类型 Kind", "系统 OS", "地址 IP",
		"责任人 Owner", "最后在线 Last seen", "状态 Status",
	};
	const char		*kind = NULL;
	char			 path[128], err[1024], id[32], last[32];
	json_t			*answer = NULL, *a;
	struct cli_table	*t = NULL;
	size_t			 i;
	int			 json = 0, r, rc = CLI_EXIT_FAIL;

	for (int k = 1; k < argc; k++) {
		if ((r = cli_opt(cli, argc, argv, &k, "--kind", &kind)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else {
			fprintf(cli->err, "shaobing: assets: unexpected '%s'\n",
			    argv[k]);
			assets_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (kind != NULL && strcmp(kind, "managed") != 0 &&
	    strcmp(kind, "unmanaged") != 0 && strcmp(kind, "target") != 0) {
		fprintf(cli->err, "shaobing: assets: --kind %s: expected managed, "
		    "unmanaged or target\n", kind);
		return CLI_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/admin/assets%s%s",
	    kind ? "?kind=" : "", kind ? kind : "");
	if (cli_admin_get(cli->admin, path, &answer, err, sizeof(err)) == -1)
		return fail(cli, err);
	if (!json_is_array(json_object_get(answer, "assets"))) {
		json_decref(answer);
		return fail(cli, "unexpected answer from the admin API: no "
		    "\"assets\" array");
	}
	if (json) {
		rc = print_json(cli, answer);
		goto out;
	}
	if ((t = cli_table_new(8, head)) == NULL)
		goto out;
	cli_table_set_max(t, 1, 40);
	cli_table_set_max(t, 3, 32);
	json_array_foreach(json_object_get(answer, "assets"), i, a) {
		id_text(a, id, sizeof(id));
		cli_local_time(json_string_value(json_object_get(a, "last_seen")),
		    last, sizeof(last));
		const char *row[] = {
			id, str(a, "name"), kind_label(str(a, "kind")),
			*str(a, "os") ? str(a, "os") : *str(a, "vendor") ?
			str(a, "vendor") : "-",
			*str(a, "ip") ? str(a, "ip") : str(a, "mac"),
			str(a, "owner"), last, status_label(str(a, "status")),
		};
		if (cli_table_add(t, row) == -1)
			goto out;
	}
	if (cli_table_rows(t) == 0)
		fprintf(cli->out, "no assets yet 尚无资产: agents report their "
		    "inventory when they start\n");
	else
		cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(answer);
	return rc;
}

/* ---- show ------------------------------------------------------------ */

static int
parse_id(struct cli *cli, const char *s, long long *id)
{
	return cli_opt_int(cli, "ID", s, 1, INT64_MAX, id);
}

static int
assets_show(struct cli *cli, int argc, char **argv)
{
	static const struct { const char *k, *label; } fields[] = {
		{ "name", "名称 Name" }, { "kind", "类型 Kind" },
		{ "agent", "客户端 Agent" }, { "machine_id", "机器标识 Machine-id" },
		{ "os", "操作系统 OS" }, { "ip", "地址 IP" }, { "mac", "MAC" },
		{ "vendor", "厂商 Vendor" }, { "source", "发现来源 Seen by" },
		{ "tag", "资产编号 Asset tag" }, { "owner", "责任人 Owner" },
		{ "department", "部门 Department" }, { "location", "位置 Location" },
		{ "purchase_date", "购置日期 Purchase date" },
		{ "notes", "备注 Notes" },
	};
	long long	 id;
	char		 path[96], err[1024], buf[32];
	json_t		*answer = NULL, *a, *inv, *snaps, *s;
	int		 json = 0;
	size_t		 i;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0)) {
		assets_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	json = argc == 3;
	if (parse_id(cli, argv[1], &id) == -1)
		return CLI_EXIT_USAGE;
	snprintf(path, sizeof(path), "/api/v1/admin/asset?id=%lld", id);
	if (cli_admin_get(cli->admin, path, &answer, err, sizeof(err)) == -1)
		return fail(cli, err);
	if (json) {
		print_json(cli, answer);
		json_decref(answer);
		return CLI_EXIT_OK;
	}
	a = json_object_get(answer, "asset");
	inv = json_object_get(answer, "inventory");
	snaps = json_object_get(answer, "snapshots");
	fprintf(cli->out, "资产 Asset %lld\n", id);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char	*v = str(a, fields[i].k);
		char		*clean;

		if (*v == '\0')
			continue;
		if (strcmp(fields[i].k, "kind") == 0)
			v = kind_label(v);
		if ((clean = cli_text_clean(v, 0)) == NULL)
			continue;
		fprintf(cli->out, "  %-24s %s\n", fields[i].label, clean);
		free(clean);
	}
	cli_local_time(json_string_value(json_object_get(a, "first_seen")), buf,
	    sizeof(buf));
	fprintf(cli->out, "  %-24s %s\n", "首次发现 First seen", buf);
	cli_local_time(json_string_value(json_object_get(a, "last_seen")), buf,
	    sizeof(buf));
	fprintf(cli->out, "  %-24s %s (%s)\n", "最后在线 Last seen", buf,
	    status_label(str(a, "status")));
	if (json_array_size(snaps) > 0) {
		fprintf(cli->out, "\n清单快照 Inventory snapshots (%zu)\n",
		    json_array_size(snaps));
		json_array_foreach(snaps, i, s) {
			cli_local_time(json_string_value(json_object_get(s,
			    "collected")), buf, sizeof(buf));
			fprintf(cli->out, "  %s  %.12s  %" JSON_INTEGER_FORMAT
			    " bytes\n", buf, text_term(str(s, "hash")),
			    json_integer_value(json_object_get(s, "stored_bytes")));
		}
	}
	if (json_is_object(inv)) {
		fputs("\n当前清单 Current inventory\n", cli->out);
		inventory_print(inv, cli->out);
	}
	json_decref(answer);
	return CLI_EXIT_OK;
}

/* ---- diff ------------------------------------------------------------ */

static const char *
change_label(const char *type)
{
	static const char *const labels[][2] = {
		{ "package_installed", "安装软件包 package installed" },
		{ "package_removed", "卸载软件包 package removed" },
		{ "package_upgraded", "升级软件包 package upgraded" },
		{ "package_downgraded", "降级软件包 package downgraded" },
		{ "port_opened", "新监听端口 port opened" },
		{ "port_closed", "关闭监听端口 port closed" },
		{ "admin_added", "新增管理员 admin added" },
		{ "admin_removed", "移除管理员 admin removed" },
		{ "user_added", "新增用户 user added" },
		{ "user_removed", "删除用户 user removed" },
		{ "empty_password", "空口令 empty password" },
		{ "firewall_disabled", "防火墙关闭 firewall disabled" },
		{ "firewall_enabled", "防火墙开启 firewall enabled" },
		{ "ssh_root_login", "允许 root 登录 SSH root login" },
		{ "cpu_changed", "处理器变更 CPU changed" },
		{ "memory_changed", "内存变更 memory changed" },
		{ "disk_added", "新增磁盘 disk added" },
		{ "disk_removed", "移除磁盘 disk removed" },
		{ "disk_changed", "磁盘变更 disk changed" },
		{ "mac_changed", "MAC 变更 MAC changed" },
		{ "interface_added", "新增网卡 interface added" },
		{ "interface_removed", "移除网卡 interface removed" },
		{ "os_changed", "系统变更 OS changed" },
		{ "kernel_changed", "内核变更 kernel changed" },
		{ "machine_id_changed", "机器标识变更 machine-id changed" },
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(type, labels[i][0]) == 0)
			return labels[i][1];
	return type;
}

static int
assets_diff(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {
		"变更 Change", "对象 What", "说明 Summary", "需处置 Matters",
	};
	const char		*since = NULL;
	long long		 id = 0;
	char			 path[160], err[1024], from[32], to[32], utc[32];
	json_t			*answer = NULL, *c;
	struct cli_table	*t = NULL;
	int			 json = 0, r, have_id = 0, rc = CLI_EXIT_FAIL;
	size_t			 i;
	int64_t			 ms;

	for (int k = 1; k < argc; k++) {
		if ((r = cli_opt(cli, argc, argv, &k, "--since", &since)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else if (!have_id && argv[k][0] != '-') {
			if (parse_id(cli, argv[k], &id) == -1)
				return CLI_EXIT_USAGE;
			have_id = 1;
		} else {
			fprintf(cli->err, "shaobing: assets diff: unexpected '%s'\n",
			    argv[k]);
			return CLI_EXIT_USAGE;
		}
	}
	if (!have_id) {
		assets_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (since != NULL) {
		if (time_parse_human(since, time_now_ms(), &ms) == -1 ||
		    time_format_utc(ms, utc, sizeof(utc)) == -1) {
			fprintf(cli->err, "shaobing: --since %s: expected a date "
			    "like 2026-11-27, \"2026-11-27 13:00\" or -7d\n", since);
			return CLI_EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "/api/v1/admin/asset/diff?id=%lld&"
		    "since=%s", id, utc);
	} else
		snprintf(path, sizeof(path), "/api/v1/admin/asset/diff?id=%lld", id);
	if (cli_admin_get(cli->admin, path, &answer, err, sizeof(err)) == -1)
		return fail(cli, err);
	if (json) {
		rc = print_json(cli, answer);
		goto out;
	}
	cli_local_time(json_string_value(json_object_get(json_object_get(answer,
	    "from"), "collected")), from, sizeof(from));
	cli_local_time(json_string_value(json_object_get(json_object_get(answer,
	    "to"), "collected")), to, sizeof(to));
	fprintf(cli->out, "资产 Asset %lld %s: %s → %s\n", id,
	    text_term(str(answer, "name")), from, to);
	if ((t = cli_table_new(4, head)) == NULL)
		goto out;
	cli_table_set_max(t, 2, 60);
	json_array_foreach(json_object_get(answer, "changes"), i, c) {
		const char *row[] = {
			change_label(str(c, "type")), str(c, "key"),
			str(c, "summary"),
			json_is_true(json_object_get(c, "matters")) ? "是 yes" : "",
		};
		if (cli_table_add(t, row) == -1)
			goto out;
	}
	if (cli_table_rows(t) == 0)
		fputs("无变更 no changes\n", cli->out);
	else
		cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(answer);
	return rc;
}

/* ---- set ------------------------------------------------------------- */

static int
assets_set(struct cli *cli, int argc, char **argv)
{
	long long	 id;
	char		 path[96], err[1024];
	json_t		*body = json_object(), *answer = NULL;
	int		 rc = CLI_EXIT_USAGE;

	if (argc < 3) {
		assets_usage(cli->err);
		goto out;
	}
	if (body == NULL || parse_id(cli, argv[1], &id) == -1)
		goto out;
	for (int k = 2; k < argc; k++) {
		const char	*eq = strchr(argv[k], '=');
		char		 key[32];

		if (eq == NULL || eq == argv[k] || (size_t)(eq - argv[k]) >=
		    sizeof(key)) {
			fprintf(cli->err, "shaobing: assets set: '%s': expected "
			    "KEY=VALUE (tag, owner, department, location, "
			    "purchase_date, notes)\n", argv[k]);
			goto out;
		}
		memcpy(key, argv[k], (size_t)(eq - argv[k]));
		key[eq - argv[k]] = '\0';
		/* The collector checks keys and values (UTF-8, dates). */
		if (json_object_set_new(body, key, json_string(eq + 1)) == -1) {
			fprintf(cli->err, "shaobing: assets set: %s: the value is "
			    "not valid UTF-8\n", key);
			goto out;
		}
	}
	snprintf(path, sizeof(path), "/api/v1/admin/asset?id=%lld", id);
	if (cli_admin_post(cli->admin, path, body, &answer, err,
	    sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	fprintf(cli->out, "已更新 updated asset %lld (%s)\n", id,
	    str(json_object_get(answer, "asset"), "name"));
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(answer);
	return rc;
}

/* ---- CSV ------------------------------------------------------------- */

/* One quoted cell; a leading = + - @ is defused for spreadsheets. */
static void
cell(FILE *f, int first, const char *s)
{
	if (!first)
		fputc(',', f);
	csv_cell(f, s);
}

static void
cell_num(FILE *f, const json_t *v, int decimals)
{
	fputc(',', f);
	if (json_is_integer(v) && decimals == 0)
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_number(v))
		fprintf(f, "%.2f", json_number_value(v));
}

int
cli_assets_csv(FILE *f, const json_t *assets, const json_t *per_asset)
{
	static const char *const head[] = {
		"编号 ID", "资产编号 Asset tag", "名称 Name", "类型 Kind",
		"客户端 Agent", "操作系统 OS", "地址 IP", "MAC", "厂商 Vendor",
		"责任人 Owner", "部门 Department", "位置 Location",
		"购置日期 Purchase date", "首次发现 First seen",
		"最后在线 Last seen", "状态 Status", "备注 Notes",
	};
	static const char *const ind_head[] = {
		"计划 Schedule", "运行比例% Operation %",
		"数据完整率% Completeness %", "事件 Incidents",
		"安全事件 Security incidents", "设备故障 Equipment faults",
		"误报 False positives",
	};
	const json_t	*a, *p;
	size_t		 i, j, k;
	char		 id[32], first[32], last[32], devkind[64];

	fputs("\xEF\xBB\xBF", f);
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		cell(f, i == 0, head[i]);
	if (per_asset != NULL)
		for (i = 0; i < sizeof(ind_head) / sizeof(ind_head[0]); i++)
			cell(f, 0, ind_head[i]);
	fputs("\r\n", f);
	json_array_foreach(assets, i, a) {
		const json_t *found = NULL;

		id_text(a, id, sizeof(id));
		cli_local_time(json_string_value(json_object_get(a, "first_seen")),
		    first, sizeof(first));
		cli_local_time(json_string_value(json_object_get(a, "last_seen")),
		    last, sizeof(last));
		const char *row[] = {
			id, str(a, "tag"), str(a, "name"),
			*str(a, "device_kind") ? device_label(a, devkind,
			    sizeof(devkind)) : kind_label(str(a, "kind")),
			str(a, "agent"), *str(a, "model") ? str(a, "model") :
			str(a, "os"),
			str(a, "ip"), str(a, "mac"), str(a, "vendor"),
			str(a, "owner"), str(a, "department"), str(a, "location"),
			str(a, "purchase_date"), first, last,
			status_label(str(a, "status")), str(a, "notes"),
		};
		for (k = 0; k < sizeof(row) / sizeof(row[0]); k++)
			cell(f, k == 0, row[k]);
		if (per_asset != NULL) {
			json_array_foreach(per_asset, j, p)
				if ((*str(a, "agent") != '\0' &&
				    strcmp(str(p, "agent"), str(a, "agent")) == 0) ||
				    (*str(a, "device_kind") != '\0' &&
				    strcmp(str(p, "device"), str(a, "name")) == 0))
					found = p;
			const char *sch = *str(a, "schedule") ? str(a,
			    "schedule") : found ? str(found, "schedule") : "";

			cell(f, 0, strcmp(sch, "always") == 0 ?
			    "全天 always" : *sch ?
			    "办公时间 office" : "");
			cell_num(f, json_object_get(found, "operation_pct"), 2);
			cell_num(f, json_object_get(found, "completeness_pct"), 2);
			cell_num(f, json_object_get(found, "incidents"), 0);
			cell_num(f, json_object_get(found, "security_incidents"), 0);
			cell_num(f, json_object_get(found, "equipment_faults"), 0);
			cell_num(f, json_object_get(found, "false_positives"), 0);
		}
		fputs("\r\n", f);
	}
	return ferror(f) ? -1 : 0;
}

static int
assets_export(struct cli *cli, int argc, char **argv)
{
	const char	*format = NULL, *out = NULL;
	char		 err[1024];
	json_t		*answer = NULL;
	FILE		*f = cli->out;
	struct cli_outfile of;
	bool		 force = false;
	int		 r, rc = CLI_EXIT_FAIL;

	memset(&of, 0, sizeof(of));
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--force") == 0) {
			force = true;
			continue;
		}
		if ((r = cli_opt(cli, argc, argv, &k, "--format", &format)) == -1 ||
		    (r == 0 && (r = cli_opt(cli, argc, argv, &k, "--out",
		    &out)) == -1))
			return CLI_EXIT_USAGE;
		if (r == 0) {
			fprintf(cli->err, "shaobing: assets export: unexpected "
			    "'%s'\n", text_term(argv[k]));
			return CLI_EXIT_USAGE;
		}
	}
	if (format == NULL || strcmp(format, "csv") != 0) {
		fprintf(cli->err, "shaobing: assets export: --format csv is "
		    "required (the only format)\n");
		return CLI_EXIT_USAGE;
	}
	/* Refuse a bad --out before asking the collector anything. */
	if (out != NULL) {
		if (cli_outfile_open(&of, out, force, err, sizeof(err)) == -1)
			return fail(cli, err);
		f = of.f;
	}
	if (cli_admin_get(cli->admin, "/api/v1/admin/assets", &answer, err,
	    sizeof(err)) == -1) {
		cli_outfile_abort(&of);
		return fail(cli, err);
	}
	r = cli_assets_csv(f, json_object_get(answer, "assets"), NULL);
	if (out != NULL) {
		if (cli_outfile_commit(&of, r == -1, err, sizeof(err)) == -1) {
			rc = fail(cli, err);
			goto out;
		}
		fprintf(cli->err, "资产登记已导出 asset register written: %s "
		    "(%zu assets)\n", text_term(out),
		    json_array_size(json_object_get(answer, "assets")));
	} else if (r == -1)
		goto out;
	rc = CLI_EXIT_OK;
out:
	json_decref(answer);
	return rc;
}

int
cli_cmd_assets(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		assets_usage(cli->out);
		return CLI_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return assets_show(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "diff") == 0)
		return assets_diff(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return assets_set(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return assets_export(cli, argc - 1, argv + 1);
	return assets_list(cli, argc, argv);
}
