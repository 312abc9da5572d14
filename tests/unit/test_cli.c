/*
 * The CLI's pieces: display width and cleaning of cells (terminal
 * escapes from hostile event data), table layout, the agents/events
 * renderers (local time, Chinese+English labels, shape errors), option
 * parsing, and the admin API client against a one-shot HTTP server on
 * loopback and on a Unix socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "common/timeutil.h"

/* Capture what a renderer prints. */
struct capture {
	char	*buf;
	size_t	 len;
	FILE	*f;
};

static void
cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static char *
cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(cli_text_width(""), 0);
	assert_int_equal(cli_text_width("abc"), 3);
	assert_int_equal(cli_text_width("名称"), 4);
	assert_int_equal(cli_text_width("名称 Name"), 9);
	assert_int_equal(cli_text_width("在线 up"), 7);
	assert_int_equal(cli_text_width("\xff\xfe"), 2);	/* invalid: 1 each */
	assert_int_equal(cli_text_width("e\xcc\x81"), 1);	/* e + combining acute */
	assert_int_equal(cli_text_width(NULL), 0);
}

static void
test_clean(void **state)
{
	static const struct {
		const char	*in;
		size_t		 maxw;
		const char	*out;
	} cases[] = {
		{ "plain", 0, "plain" },
		{ "\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m" },	/* no terminal escapes */
		{ "a\nb\tc\rd", 0, "a\\x0ab\\x09c\\x0dd" },
		{ "\xff", 0, "\\xff" },
		{ "\xc0\xaf", 0, "\\xc0\\xaf" },			/* overlong '/' */
		{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },			/* surrogate */
		{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },		/* > U+10FFFF */
		{ "\xc2\x9b" "2J", 0, "\\x9b2J" },			/* C1 CSI */
		{ "abc\xe2\x80\xae" "fdp.exe", 0, "abc\\u{202e}fdp.exe" }, /* bidi override */
		{ "abcdef", 4, "abc\xe2\x80\xa6" },
		{ "abcd", 4, "abcd" },
		{ "名称名称", 5, "名称\xe2\x80\xa6" },
		{ "名称名称", 6, "名称\xe2\x80\xa6" },	/* no half character */
		{ "ab\xe5\x90", 0, "ab\\xe5\\x90" },			/* truncated sequence */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = cli_text_clean(cases[i].in, cases[i].maxw);
		assert_non_null(s);
		assert_string_equal(s, cases[i].out);
		if (cases[i].maxw)
			assert_true(cli_text_width(s) <= cases[i].maxw);
		free(s);
	}
}

static void
test_table(void **state)
{
	static const char *const head[] = { "编号 ID", "名称 Name", "x" };
	static const char *const r1[] = { "1", "pc-01", "a" };
	static const char *const r2[] = { "12", "服务器", NULL };
	struct cli_table	*t = cli_table_new(3, head);
	struct capture		 c;
	char			*out;

	(void)state;
	assert_non_null(t);
	assert_int_equal(cli_table_add(t, r1), 0);
	assert_int_equal(cli_table_add(t, r2), 0);
	assert_int_equal(cli_table_rows(t), 2);
	cap_open(&c);
	cli_table_print(t, c.f);
	out = cap_close(&c);
	assert_string_equal(out,
	    "编号 ID  名称 Name  x\n"
	    "-------  ---------  -\n"
	    "1        pc-01      a\n"
	    "12       服务器     \n");
	free(out);
	cli_table_free(t);
	cli_table_free(NULL);
}

static json_t *
load(const char *text)
{
	json_error_t	 e;
	json_t		*j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

static void
test_agents_render(void **state)
{
	json_t		*j = load("{\"agents\":["
	    "{\"id\":1,\"name\":\"pc-01\",\"first_seen\":\"2026-11-27T01:00:00.000Z\","
	    "\"last_seen\":\"2026-11-27T13:37:20.123Z\",\"last_seq\":42,\"events\":42,"
	    "\"status\":\"up\"},"
	    "{\"id\":2,\"name\":\"web\\u001b[2J\",\"first_seen\":\"bogus\","
	    "\"last_seen\":null,\"events\":0,\"status\":\"down\"}]}");
	struct capture	 c;
	char		 err[256], *out;

	(void)state;
	cap_open(&c);
	assert_int_equal(cli_agents_render(j, c.f, err, sizeof(err)), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "名称 Name"));
	assert_non_null(strstr(out, "最后在线 Last seen"));
	assert_non_null(strstr(out, "状态 Status"));
	assert_non_null(strstr(out, "在线 up"));
	assert_non_null(strstr(out, "离线 down"));
	assert_non_null(strstr(out, "2026-11-27 21:37:20"));	/* UTC+8 */
	assert_non_null(strstr(out, "2026-11-27 09:00:00"));
	assert_non_null(strstr(out, "web\\x1b[2J"));
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "bogus"));	/* unparsable time shown as is */
	free(out);
	json_decref(j);

	j = load("{\"agents\":[]}");
	cap_open(&c);
	assert_int_equal(cli_agents_render(j, c.f, err, sizeof(err)), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "no agents yet"));
	free(out);
	json_decref(j);

	j = load("{\"agent\":[]}");
	cap_open(&c);
	assert_int_equal(cli_agents_render(j, c.f, err, sizeof(err)), -1);
	free(cap_close(&c));
	assert_non_null(strstr(err, "\"agents\""));
	json_decref(j);

	j = load("{\"agents\":[1]}");
	cap_open(&c);
	assert_int_equal(cli_agents_render(j, c.f, err, sizeof(err)), -1);
	free(cap_close(&c));
	assert_non_null(strstr(err, "agents[0]"));
	json_decref(j);
}

static void
test_events_render(void **state)
{
	json_t		*j = load("[{\"id\":7,\"agent\":\"pc-01\",\"seq\":3,"
	    "\"ts\":\"2026-11-27T16:00:00.000Z\",\"received\":\"2026-11-27T16:00:01.000Z\","
	    "\"type\":\"port_scan\",\"severity\":\"high\",\"key\":\"port_scan:10.0.0.5\","
	    "\"data\":{\"ports\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]}}]");
	struct capture	 c;
	char		 err[256], *out;

	(void)state;
	cap_open(&c);
	assert_int_equal(cli_events_render(j, c.f, err, sizeof(err)), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "级别 Severity"));
	assert_non_null(strstr(out, "高 high"));
	assert_non_null(strstr(out, "2026-11-28 00:00:00"));	/* next day local */
	assert_non_null(strstr(out, "port_scan:10.0.0.5"));
	assert_non_null(strstr(out, "{\"ports\":[1,2,3"));
	assert_non_null(strstr(out, "\xe2\x80\xa6"));		/* data cut */
	assert_null(strstr(out, "25]"));
	free(out);
	json_decref(j);

	j = load("[]");
	cap_open(&c);
	assert_int_equal(cli_events_render(j, c.f, err, sizeof(err)), 0);
	out = cap_close(&c);
	assert_string_equal(out, "no events 无事件\n");
	free(out);
	json_decref(j);

	j = load("{}");
	assert_int_equal(cli_events_render(j, stdout, err, sizeof(err)), -1);
	json_decref(j);
}

static void
test_labels(void **state)
{
	char	buf[40];

	(void)state;
	assert_string_equal(cli_status_label("up"), "在线 up");
	assert_string_equal(cli_status_label("down"), "离线 down");
	assert_string_equal(cli_status_label("weird"), "weird");
	assert_string_equal(cli_status_label(NULL), "-");
	assert_string_equal(cli_severity_label("critical"), "严重 critical");
	assert_string_equal(cli_severity_label("info"), "信息 info");
	cli_local_time(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	cli_local_time("2026-11-27T13:37:20.123Z", buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-27 21:37:20");
	cli_local_time("2026-11-27 13:37", buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-27 13:37");
}

static void
test_opts(void **state)
{
	struct cli	 cli = { .out = stdout, .err = stderr };
	char		*argv[] = { "x", "--agent=pc-01", "--agent", "pc-02",
			    "--agentx", "--limit", NULL };
	const char	*v = NULL;
	long long	 n;
	int		 i;

	(void)state;
	cli.err = fopen("/dev/null", "w");
	i = 1;
	assert_int_equal(cli_opt(&cli, 6, argv, &i, "--agent", &v), 1);
	assert_string_equal(v, "pc-01");
	i = 2;
	assert_int_equal(cli_opt(&cli, 6, argv, &i, "--agent", &v), 1);
	assert_string_equal(v, "pc-02");
	assert_int_equal(i, 3);
	i = 4;
	assert_int_equal(cli_opt(&cli, 6, argv, &i, "--agent", &v), 0);
	i = 5;
	assert_int_equal(cli_opt(&cli, 6, argv, &i, "--limit", &v), -1);
	assert_int_equal(cli_opt_int(&cli, "--limit", "10", 1, 100, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(cli_opt_int(&cli, "--limit", "0", 1, 100, &n), -1);
	assert_int_equal(cli_opt_int(&cli, "--limit", "1e3", 1, 10000, &n), -1);
	assert_int_equal(cli_opt_int(&cli, "--limit", "", 1, 100, &n), -1);
	fclose(cli.err);
}

/* A server that answers one connection with a canned HTTP response. */
struct oneshot {
	int		 lfd;
	const char	*answer;
	char		 request[2048];
};

static void *
oneshot_run(void *arg)
{
	struct oneshot	*o = arg;
	int		 fd = accept(o->lfd, NULL, NULL);
	size_t		 got = 0;
	ssize_t		 n;

	if (fd == -1)
		return NULL;
	/* Read the request head (a GET has no body). */
	while (got < sizeof(o->request) - 1 &&
	    (n = read(fd, o->request + got, sizeof(o->request) - 1 - got)) > 0) {
		got += (size_t)n;
		o->request[got] = '\0';
		if (strstr(o->request, "\r\n\r\n") != NULL)
			break;
	}
	/* A short write shows up as the client's error; nothing to do here. */
	(void)!write(fd, o->answer, strlen(o->answer));
	close(fd);
	return NULL;
}

/* Serve one answer on 127.0.0.1 (port in *url) and GET path through the client. */
static int
get_once(const char *answer, const char *path, json_t **out, char *err,
    size_t errlen, char *request, size_t reqlen)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 sl = sizeof(sin);
	struct oneshot		 o = { .answer = answer };
	pthread_t		 th;
	char			 url[64];
	int			 rc;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(o.lfd >= 0);
	assert_int_equal(bind(o.lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(o.lfd, 1), 0);
	assert_int_equal(getsockname(o.lfd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(sin.sin_port));
	assert_int_equal(pthread_create(&th, NULL, oneshot_run, &o), 0);
	rc = cli_admin_get(url, path, out, err, errlen);
	pthread_join(th, NULL);
	close(o.lfd);
	if (request != NULL)
		snprintf(request, reqlen, "%s", o.request);
	return rc;
}

static void
test_admin_get(void **state)
{
	json_t	*j = NULL;
	char	 err[512], req[2048];

	(void)state;
	assert_int_equal(get_once("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 13\r\nConnection: close\r\n\r\n{\"agents\":[]}",
	    "/api/v1/admin/agents", &j, err, sizeof(err), req, sizeof(req)), 0);
	assert_non_null(j);
	assert_true(json_is_array(json_object_get(j, "agents")));
	json_decref(j);
	/* Trailing slash of the base URL is not doubled. */
	assert_non_null(strstr(req, "GET /api/v1/admin/agents HTTP/1.1\r\n"));

	assert_int_equal(get_once("HTTP/1.1 400 Bad Request\r\nContent-Length: 33\r\n"
	    "Connection: close\r\n\r\n{\"error\":\"since: not a UTC time\"}",
	    "/api/v1/admin/events?since=x", &j, err, sizeof(err), NULL, 0), -1);
	assert_null(j);
	assert_non_null(strstr(err, "400"));
	assert_non_null(strstr(err, "since: not a UTC time"));

	assert_int_equal(get_once("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\noops!", "/x", &j, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, "HTTP 502"));

	assert_int_equal(get_once("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\n[1,2]", "/x", &j, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, "not a JSON object"));

	assert_int_equal(get_once("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
	    "Connection: close\r\n\r\n{\"a\":1", "/x", &j, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, "not JSON"));
}

static void
test_admin_unreachable(void **state)
{
	json_t	*j = NULL;
	char	 err[512];

	(void)state;
	/* Port 1 on loopback: nothing listens there. */
	assert_int_equal(cli_admin_get("http://127.0.0.1:1", "/api/v1/admin/agents",
	    &j, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "connection refused by "
	    "http://127.0.0.1:1: shaobing-collector is not running there"));
	/* A Unix socket path with nothing there. */
	assert_int_equal(cli_admin_get("unix:/nonexistent/admin.sock",
	    "/api/v1/admin/agents", &j, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no admin socket /nonexistent/admin.sock: "
	    "shaobing-collector is not running"));
	assert_int_equal(cli_admin_get("ftp://127.0.0.1", "/x", &j, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "must start with"));
	assert_int_equal(cli_admin_get("unix:relative", "/x", &j, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "unix:/absolute/path"));
}

static void
test_admin_unix(void **state)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct oneshot		 o = { .answer = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
				    "Connection: close\r\n\r\n{\"ok\":true}" };
	pthread_t		 th;
	char			 dir[] = "/tmp/test_cli.XXXXXX", admin[200], err[256];
	json_t			*j = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/admin.sock", dir);
	o.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(o.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(o.lfd, 1), 0);
	assert_int_equal(pthread_create(&th, NULL, oneshot_run, &o), 0);
	snprintf(admin, sizeof(admin), "unix:%s", sun.sun_path);
	assert_int_equal(cli_admin_get(admin, "/api/v1/admin/agents", &j, err,
	    sizeof(err)), 0);
	pthread_join(th, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_non_null(strstr(o.request, "GET /api/v1/admin/agents HTTP/1.1"));
	json_decref(j);
	close(o.lfd);
	unlink(sun.sun_path);
	rmdir(dir);
}

static void
test_url_escape(void **state)
{
	char	*s = cli_url_escape("2026-11-27T13:00:00.000Z&x=1 +");

	(void)state;
	assert_string_equal(s, "2026-11-27T13%3A00%3A00.000Z%26x%3D1%20%2B");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_agents_render),
		cmocka_unit_test(test_events_render),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_admin_get),
		cmocka_unit_test(test_admin_unreachable),
		cmocka_unit_test(test_admin_unix),
		cmocka_unit_test(test_url_escape),
	};

	time_set_zone("Asia/Shanghai");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
