/*
 * shaobing users: the web console's logins, through the admin API
 * (/api/v1/admin/users).  Passwords are asked twice on a terminal with
 * echo off, or read as one line from stdin with --password-stdin; they
 * are hashed by the collector (scrypt) and never stored in clear.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/timeutil.h"

#define PW_MAX	1024

static void
users_usage(FILE *f)
{
	fprintf(f, "usage: shaobing users [list] [--json]\n"
	    "       shaobing users add NAME --role admin|read [--password-stdin]\n"
	    "       shaobing users passwd NAME [--password-stdin]\n"
	    "       shaobing users del NAME\n"
	    "  Logins of the web console (https://COLLECTOR:8443/console/).\n"
	    "  Roles: admin (everything), read (look only).  The password is\n"
	    "  asked twice on the terminal, or read as one line from stdin\n"
	    "  with --password-stdin; 8 to 1024 characters.  Changing or\n"
	    "  deleting a user ends that user's console sessions.\n");
}

/* One line of f into buf without its newline; -1 when none or too long. */
static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(f))
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* Prompt on the terminal with echo off. */
static int
prompt(struct cli *cli, const char *what, char *buf, size_t len)
{
	struct termios	 old, quiet;
	int		 r;

	fprintf(cli->err, "%s: ", what);
	fflush(cli->err);
	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		return -1;
	r = read_line(stdin, buf, len);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return r;
}

/* The new password into pw; -1 with a message printed. */
static int
get_password(struct cli *cli, int from_stdin, char *pw, size_t len)
{
	char again[PW_MAX + 2];
	int  rc = -1;

	if (from_stdin) {
		if (read_line(stdin, pw, len) == -1) {
			fprintf(cli->err, "shaobing: users: no password line on "
			    "stdin (or longer than %d bytes)\n", PW_MAX);
			return -1;
		}
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(cli->err, "shaobing: users: stdin is not a terminal; "
		    "give the password with --password-stdin\n");
		return -1;
	}
	if (prompt(cli, "密码 Password", pw, len) == -1 ||
	    prompt(cli, "再次输入 Password again", again, sizeof(again)) == -1) {
		fprintf(cli->err, "shaobing: users: cannot read the password "
		    "from the terminal\n");
		goto out;
	}
	if (strcmp(pw, again) != 0) {
		fprintf(cli->err, "shaobing: users: the two passwords differ; "
		    "nothing changed\n");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(again, sizeof(again));
	return rc;
}

static int
users_list(struct cli *cli, int json)
{
	static const char *const head[] = {
		"用户名 Name", "角色 Role", "创建 Created", "改密 Password set",
		"最近登录 Last login",
	};
	json_t			*ans = NULL, *users, *u;
	struct cli_table	*t = NULL;
	char			 err[512], c[32], ch[32], ll[32];
	size_t			 i;
	int			 rc = CLI_EXIT_FAIL;

	if (cli_admin_get(cli->admin, "/api/v1/admin/users", &ans, err,
	    sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing: users: %s\n", text_term(err));
		return CLI_EXIT_FAIL;
	}
	if (json) {
		json_dumpf(ans, cli->out, JSON_INDENT(2));
		fputc('\n', cli->out);
		rc = CLI_EXIT_OK;
		goto out;
	}
	users = json_object_get(ans, "users");
	if (!json_is_array(users) || (t = cli_table_new(5, head)) == NULL) {
		fprintf(cli->err, "shaobing: users: unexpected answer from the "
		    "admin API\n");
		goto out;
	}
	json_array_foreach(users, i, u) {
		const char *role = json_string_value(json_object_get(u, "role"));
		const char *cells[5];

		cli_local_time(json_string_value(json_object_get(u, "created")),
		    c, sizeof(c));
		cli_local_time(json_string_value(json_object_get(u, "changed")),
		    ch, sizeof(ch));
		cli_local_time(json_string_value(json_object_get(u,
		    "last_login")), ll, sizeof(ll));
		cells[0] = json_string_value(json_object_get(u, "name"));
		cells[1] = role == NULL ? "-" : strcmp(role, "admin") == 0 ?
		    "管理员 admin" : "只读 read";
		cells[2] = c;
		cells[3] = ch;
		cells[4] = ll;
		if (cli_table_add(t, cells) == -1)
			goto out;
	}
	cli_table_print(t, cli->out);
	rc = CLI_EXIT_OK;
out:
	cli_table_free(t);
	json_decref(ans);
	return rc;
}

int
cli_cmd_users(struct cli *cli, int argc, char **argv)
{
	const char	*sub = argc > 1 ? argv[1] : "list", *name = NULL;
	const char	*role = NULL, *v;
	char		 pw[PW_MAX + 2], path[256], err[512], *esc = NULL;
	int		 json = 0, from_stdin = 0, rc = CLI_EXIT_USAGE, r;
	json_t		*body = NULL, *ans = NULL;

	pw[0] = '\0';
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			users_usage(cli->out);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if ((r = cli_opt(cli, argc, argv, &i, "--role", &v)) == 1)
			role = v;
		else if (r == -1)
			return CLI_EXIT_USAGE;
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else {
			fprintf(cli->err, "shaobing: users: unexpected '%s'\n",
			    argv[i]);
			users_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		users_usage(cli->out);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "list") == 0 || strcmp(sub, "--json") == 0)
		return users_list(cli, json || strcmp(sub, "--json") == 0);
	if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "del")) {
		fprintf(cli->err, "shaobing: users: unknown subcommand '%s'\n",
		    sub);
		users_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (name == NULL) {
		fprintf(cli->err, "shaobing: users %s: NAME is missing\n", sub);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(sub, "add") == 0 && (role == NULL ||
	    (strcmp(role, "admin") && strcmp(role, "read")))) {
		fprintf(cli->err, "shaobing: users add: --role admin or --role "
		    "read is required\n");
		return CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_FAIL;
	if ((esc = cli_url_escape(name)) == NULL)
		goto out;
	if (strcmp(sub, "del") != 0 &&
	    get_password(cli, from_stdin, pw, sizeof(pw)) == -1)
		goto out;
	if (strcmp(sub, "add") == 0) {
		snprintf(path, sizeof(path), "/api/v1/admin/users");
		body = json_pack("{s:s, s:s, s:s}", "name", name, "role", role,
		    "password", pw);
	} else if (strcmp(sub, "passwd") == 0) {
		snprintf(path, sizeof(path), "/api/v1/admin/users/%s/password",
		    esc);
		body = json_pack("{s:s}", "password", pw);
	} else {
		snprintf(path, sizeof(path), "/api/v1/admin/users/%s/delete",
		    esc);
		body = json_object();
	}
	if (body == NULL) {
		fprintf(cli->err, "shaobing: users: the password is not valid "
		    "UTF-8, or out of memory\n");
		goto out;
	}
	if (cli_admin_post(cli->admin, path, body, &ans, err,
	    sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing: users %s: %s\n", sub, text_term(err));
		goto out;
	}
	if (strcmp(sub, "add") == 0)
		fprintf(cli->out, "用户已添加 user added: %s (%s)\n", name, role);
	else if (strcmp(sub, "passwd") == 0)
		fprintf(cli->out, "密码已更改 password changed: %s (its console "
		    "sessions ended)\n", name);
	else
		fprintf(cli->out, "用户已删除 user deleted: %s\n", name);
	rc = CLI_EXIT_OK;
out:
	explicit_bzero(pw, sizeof(pw));
	if (body != NULL) {
		json_t *p = json_object_get(body, "password");

		if (p != NULL)
			json_string_set(p, "");
	}
	json_decref(body);
	json_decref(ans);
	free(esc);
	return rc;
}
