/*
 * shaobing: the administrator's command line.  Global options, then one
 * row of the command table below per command (each in cli/cmd_*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "cli/export.h"
#include "common/manpage.h"
#include "common/timeutil.h"
#include "common/version.h"

struct command {
	const char	*name;
	int		(*run)(struct cli *cli, int argc, char **argv);
	const char	*synopsis;
	const char	*help;
};

static int	cmd_help(struct cli *cli, int argc, char **argv);
static int	cmd_version(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
	/* run == NULL: a help line only (the row above dispatches it). */
	{ "agents", cli_cmd_agents, "agents [--json]",
	    "list agents: id, name, up/down/revoked, last seen 客户端列表" },
	{ "agents cert", NULL,
	    "agents cert NAME --ca DIR --out DIR [--days N] [--force]",
	    "issue an agent's key and certificate (offline) 签发客户端证书" },
	{ "agents revoke", NULL, "agents revoke ID|NAME",
	    "refuse an agent from now on 吊销客户端" },
	{ "agents unrevoke", NULL, "agents unrevoke ID|NAME",
	    "undo agents revoke: accept the agent again 恢复客户端" },
	{ "apitoken", cli_cmd_apitoken,
	    "apitoken create --scope read|admin [--label TEXT] [--ttl 90d]",
	    "API token for HTTPS admin access 接口令牌" },
	{ "apitoken list", NULL, "apitoken list [--json]",
	    "API tokens: scope, created, expires, last used 接口令牌列表" },
	{ "apitoken revoke", NULL, "apitoken revoke ID",
	    "refuse an API token from now on 吊销接口令牌" },
	{ "assets", cli_cmd_assets,
	    "assets [--kind managed|unmanaged|target] [--json]",
	    "the asset register 资产登记" },
	{ "assets show", NULL, "assets show ID [--json]",
	    "one asset: details, snapshots, inventory 资产详情" },
	{ "assets diff", NULL, "assets diff ID [--since DATE] [--json]",
	    "inventory changes 清单变更" },
	{ "assets set", NULL, "assets set ID KEY=VALUE...",
	    "tag, owner, department, location, purchase_date, notes 登记信息" },
	{ "assets export", NULL, "assets export --format csv [--out FILE]",
	    "the register as CSV (Excel, WPS) 导出资产" },
	{ "audit", cli_cmd_audit, "audit log [--after-id N] [--limit N] [--json]",
	    "who called the admin API, when, from where 管理审计日志" },
	{ "audit verify", NULL, "audit verify",
	    "prove the incident trail was not edited 审计链校验" },
	{ "ca", cli_cmd_ca, "ca init DIR [--name HOST|IP]... [--days N]",
	    "make a CA and the collector's certificate (offline) 创建证书颁发机构" },
	{ "ca server-cert", NULL, "ca server-cert DIR --name HOST|IP... [--days N]",
	    "issue the collector's certificate again, same CA 重新签发服务器证书" },
	{ "events", cli_cmd_events,
	    "events [--agent A] [--since T] [--type T] [--limit N|--all] "
	    "[--after-id ID] [--reverse] [--json]",
	    "the most recent events, in time order 事件查询" },
	{ "export", cli_cmd_export,
	    "export [--year Y|--quarter Y-Qn|--month Y-MM|--from D --to D] "
	    "--out DIR",
	    "year-end export: CSV, JSON, report.html 年度导出" },
	{ "export --targets", NULL,
	    "export --year Y --targets FILE --out DIR",
	    "+ one 项目支出绩效自评表 per project (report.html, report.xlsx) 自评表" },
	{ "incidents", cli_cmd_incidents,
	    "incidents [--status S] [--since T] [--level L] [--category C] "
	    "[--limit N|--all] [--reverse] [--json]",
	    "the most recent incidents, in time order 安全事件列表" },
	{ "incidents show", NULL, "incidents show ID [--json]",
	    "one incident: events, trail, timings 事件详情" },
	{ "incidents ack", NULL,
	    "incidents ack|resolve|false-positive|reopen ID [--note TEXT]",
	    "work an incident (resolve, false-positive, reopen need --note) 处置" },
	{ "indicators", cli_cmd_indicators,
	    "indicators [--year Y|--quarter Y-Qn|--month Y-MM|--from D --to D] "
	    "[--json]",
	    "indicators: target, actual, met 绩效指标" },
	{ "report", cli_cmd_report,
	    "report set PROJECT INDICATOR|budget VALUE --year Y [--note TEXT]",
	    "enter a 填报 value or the 全年执行数 of the 自评表 绩效填报" },
	{ "report list", NULL, "report list --year Y [--json]",
	    "the values entered for a year 填报清单" },
	{ "token", cli_cmd_token,
	    "token create [--ttl 24h] [--uses 1] [--replace NAME] [--json]",
	    "enrollment token for shaobing-agent enroll 注册令牌" },
	{ "users", cli_cmd_users,
	    "users [list] [--json] | add NAME --role admin|read | passwd NAME "
	    "| del NAME",
	    "web console logins 控制台用户" },
	{ "websites", cli_cmd_websites, "websites [--json]",
	    "the websites the agents check ([website NAME]) 网站列表" },
	{ "websites rebaseline", NULL, "websites rebaseline NAME [--agent A]",
	    "new page baselines at the next check (audited) 重建网页基线" },
	{ "help", cmd_help, "help", "this list 帮助" },
	{ "version", cmd_version, "version", "print the version" },
	{ NULL, NULL, NULL, NULL },
};

static void	options_usage(FILE *f);

static void
usage(FILE *f)
{
	fprintf(f, "usage: shaobing [--admin URL] [--token T] [--ca FILE] [--tz ZONE] "
	    "COMMAND [ARGS]\n\n"
	    "Shaobing 哨兵 administration.  Commands:\n");
	/* A synopsis too long for the column gets its own line. */
	for (const struct command *c = commands; c->name != NULL; c++)
		if (strlen(c->synopsis) > 50)
			fprintf(f, "  %s\n  %-50s %s\n", c->synopsis, "", c->help);
		else
			fprintf(f, "  %-50s %s\n", c->synopsis, c->help);
	fputc('\n', f);
	options_usage(f);
}

/* The global options, for --help and the man page. */
static void
options_usage(FILE *f)
{
	fprintf(f, "Options (anywhere on the line):\n"
	    "  --admin URL  the collector's admin API: unix:/PATH,\n"
	    "               https://HOST:PORT or http://127.0.0.1:PORT\n"
	    "               (default $SHAOBING_ADMIN, else unix:%s when it\n"
	    "               exists, else %s)\n"
	    "  --token T    API token for https/http (default $SHAOBING_TOKEN;\n"
	    "               not needed on the socket as root or group shaobing)\n"
	    "  --ca FILE    the CA that signed the collector's certificate, for\n"
	    "               https:// (default $SHAOBING_CA, else the system's;\n"
	    "               e.g. /etc/shaobing/ca.crt; not with agents cert,\n"
	    "               whose --ca is the CA folder)\n"
	    "  --tz ZONE    time zone for times shown (default $SHAOBING_TZ,\n"
	    "               else Asia/Shanghai)\n"
	    "`shaobing COMMAND --help` describes one command.\n",
	    CLI_ADMIN_SOCKET, CLI_ADMIN_DEFAULT);
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/*
 * Does help row c (run == NULL, "CMD SUB") describe sub?  Its synopsis's
 * second word lists the subcommands it covers: "incidents
 * ack|resolve|false-positive|reopen ID ...".
 */
static int
row_covers(const struct command *c, const char *sub)
{
	const char	*w = strchr(c->synopsis, ' '), *end;
	size_t		 n = strlen(sub);

	if (w == NULL)
		return 0;
	w++;
	end = w + strcspn(w, " ");
	while (w < end) {
		size_t len = strcspn(w, "| ");

		if (len == n && strncmp(w, sub, n) == 0)
			return 1;
		w += len;
		if (*w == '|')
			w++;
	}
	return 0;
}

/*
 * COMMAND [SUB] ... --help, for every command alike: a subcommand's help
 * row on stdout, else the command's own usage (it answers a lone
 * "COMMAND --help").  -1 when there is no --help (before a "--").
 */
static int
dispatch_help(struct cli *cli, const struct command *cmd, int argc,
    char **argv)
{
	char	*lone[] = { argv[0], "--help", NULL };
	int	 asked = 0;

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i]))
			asked = 1;
	if (!asked)
		return -1;
	if (argc >= 2 && !is_help(argv[1]))
		for (const struct command *c = cmd + 1; c->name != NULL &&
		    c->run == NULL; c++)
			if (row_covers(c, argv[1])) {
				fprintf(cli->out, "usage: shaobing %s\n  %s\n",
				    c->synopsis, c->help);
				return CLI_EXIT_OK;
			}
	return cmd->run(cli, 2, lone);
}

static int
cmd_help(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(cli->out);
	return CLI_EXIT_OK;
}

static int
cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(cli->out, "shaobing %s\n", shaobing_version);
	return CLI_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct cli	 cli = { .out = stdout, .err = stderr };
	const char	*tz = getenv("SHAOBING_TZ"), *v;
	char		**args;
	int		 n = 0, r, rc;

	cli.admin = getenv("SHAOBING_ADMIN");
	if (cli.admin == NULL || *cli.admin == '\0')
		cli.admin = cli_admin_default();

	/* Take the global options out wherever they are; the rest is the command. */
	if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL) {
		fprintf(stderr, "shaobing: out of memory\n");
		return CLI_EXIT_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		if ((r = cli_opt(&cli, argc, argv, &i, "--admin", &v)) == 1) {
			cli.admin = v;
			continue;
		}
		if (r == 0 && (r = cli_opt(&cli, argc, argv, &i, "--tz", &v)) == 1) {
			tz = v;
			continue;
		}
		/* "agents cert NAME --ca DIR" has a --ca of its own. */
		if (r == 0 && !(n >= 2 && strcmp(args[0], "agents") == 0 &&
		    strcmp(args[1], "cert") == 0) &&
		    (r = cli_opt(&cli, argc, argv, &i, "--ca", &v)) == 1) {
			/* Read by cli/http.c, like the token. */
			setenv("SHAOBING_CA", v, 1);
			continue;
		}
		if (r == 0 && (r = cli_opt(&cli, argc, argv, &i, "--token",
		    &v)) == 1) {
			/* Read by cli/http.c; the environment keeps it out of
			   every function signature. */
			setenv("SHAOBING_TOKEN", v, 1);
			continue;
		}
		if (r == -1) {
			free(args);
			return CLI_EXIT_USAGE;
		}
		args[n++] = argv[i];
	}
	time_set_zone(tz);

	if (n == 0 || strcmp(args[0], "-h") == 0 || strcmp(args[0], "--help") == 0) {
		usage(n == 0 ? stderr : stdout);
		free(args);
		return n == 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (strcmp(args[0], "--version") == 0)
		args[0] = "version";
	if (strcmp(args[0], "--man") == 0) {
		/* The man page's generated part (packaging/man/render.sh). */
		fputs(".SH COMMANDS\n", stdout);
		for (const struct command *c = commands; c->name != NULL; c++)
			man_item(stdout, c->synopsis, c->help);
		man_usage(stdout, "OPTIONS", options_usage);
		free(args);
		return CLI_EXIT_OK;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "shaobing: cannot initialise libcurl\n");
		free(args);
		return CLI_EXIT_FAIL;
	}
	rc = -1;
	for (const struct command *c = commands; c->name != NULL; c++)
		if (c->run != NULL && strcmp(args[0], c->name) == 0) {
			if ((rc = dispatch_help(&cli, c, n, args)) == -1)
				rc = c->run(&cli, n, args);
			break;
		}
	if (rc == -1) {
		fprintf(stderr, "shaobing: unknown command '%s'\n", args[0]);
		usage(stderr);
		rc = CLI_EXIT_USAGE;
	}
	if (fflush(stdout) == EOF && rc == CLI_EXIT_OK) {
		perror("shaobing: stdout");
		rc = CLI_EXIT_FAIL;
	}
	curl_global_cleanup();
	free(args);
	return rc;
}
