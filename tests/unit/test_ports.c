/*
 * The port engine against listeners this test opens and closes, the
 * selfaddr allowlist, [target] configuration, and the probe's events.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "probes/check/check.h"
#include "probes/ports/ports.h"
#include "probes/selfaddr.h"
#include "tests/unit/conf_example.h"

static int
listener(uint16_t *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1024), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port nobody listens on: bind, note it, close. */
static uint16_t
closed_port(void)
{
	uint16_t	p;
	int		fd = listener(&p);

	close(fd);
	return p;
}

static void
job_init(struct port_job *j, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&j->addr;

	memset(j, 0, sizeof(*j));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	j->addrlen = sizeof(*sin);
	j->port = port;
	j->timeout_ms = 2000;
}

static void *
banner_server(void *arg)
{
	int	lfd = *(int *)arg;
	int	c = accept(lfd, NULL, NULL);

	if (c >= 0) {
		const char b[] = "SSH-2.0-ShaobingTest\r\n";

		(void)!write(c, b, sizeof(b) - 1);
		close(c);
	}
	return NULL;
}

static void
test_open_closed_banner(void **st)
{
	struct port_job	j[3];
	uint16_t	po, pb;
	int		lo = listener(&po), lb = listener(&pb);
	pthread_t	th;

	(void)st;
	pthread_create(&th, NULL, banner_server, &lb);
	job_init(&j[0], po);
	job_init(&j[1], closed_port());
	job_init(&j[2], pb);
	j[2].banner_ms = 5000;
	selfaddr_clear();
	assert_int_equal(ports_run(j, 3, 2), 2);
	assert_int_equal(j[0].state, PORT_OPEN);
	assert_int_equal(j[1].state, PORT_CLOSED);
	assert_int_equal(j[2].state, PORT_OPEN);
	assert_string_equal(j[2].banner, "SSH-2.0-ShaobingTest");
	assert_string_equal(j[0].banner, "");
	pthread_join(th, NULL);
	/* The checks' own source address is known to the packet detectors. */
	assert_true(selfaddr_contains_str("127.0.0.1"));
	assert_false(selfaddr_contains_str("10.1.2.3"));
	close(lo);
	close(lb);
}

static void
test_thousand(void **st)
{
	enum { N = 1000 };
	struct port_job	*j = calloc(N, sizeof(*j));
	uint16_t	 p;
	int		 l = listener(&p);
	uint16_t	 c = closed_port();

	(void)st;
	for (int i = 0; i < N; i++)
		job_init(&j[i], i % 2 ? p : c);
	assert_int_equal(ports_run(j, N, 64), N / 2);
	for (int i = 0; i < N; i++)
		assert_int_equal(j[i].state, i % 2 ? PORT_OPEN : PORT_CLOSED);
	free(j);
	close(l);
}

static void
test_selfaddr(void **st)
{
	uint8_t	a[4] = { 10, 0, 0, 5 }, b[4] = { 10, 0, 0, 9 }, c[4] = { 10, 0, 0, 7 };

	(void)st;
	selfaddr_clear();
	assert_int_equal(selfaddr_add(AF_INET, a, b), 0);
	assert_int_equal(selfaddr_add(AF_INET, a, b), 0);	/* once */
	assert_int_equal(selfaddr_count(), 1);
	assert_true(selfaddr_contains(AF_INET, a));
	assert_true(selfaddr_contains_pair(AF_INET, a, b));
	assert_true(selfaddr_contains_pair(AF_INET, b, a));	/* replies */
	assert_false(selfaddr_contains_pair(AF_INET, a, c));
	assert_true(selfaddr_contains_flow(AF_INET, a, b));
	assert_false(selfaddr_contains_flow(AF_INET, b, a));	/* not replies */
	assert_false(selfaddr_contains_flow(AF_INET, a, c));
	assert_false(selfaddr_contains(AF_INET6, a));
	assert_int_equal(selfaddr_add(12345, a, NULL), -1);
	assert_int_equal(selfaddr_add_str("::1", "10.0.0.1"), -1);
	assert_int_equal(selfaddr_add_str("::1", NULL), 0);
	assert_true(selfaddr_contains_str("::1"));
	for (int i = 0; i < SELFADDR_MAX + 10; i++) {
		uint8_t x[4] = { 192, 0, (uint8_t)(i >> 8), (uint8_t)i };

		selfaddr_add(AF_INET, x, NULL);
	}
	assert_int_equal(selfaddr_count(), SELFADDR_MAX);	/* bounded */
}

static void
test_target_conf(void **st)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "[target web]\nurl = ftp://x\n", "t.ini:2: [target web] url: unknown scheme" },
		{ "[target web]\nopen = 80,99999\n", "t.ini:2: [target web] open: port 99999" },
		{ "[target web]\nopen = 80\n", "needs url or host" },
		{ "[target web]\nhost = h\nclosed =\n", "has nothing to check" },
		{ "[target web]\nhost = h\nopen = 22\nclosed = 22\n", "port 22 is in both" },
		{ "[target web]\nurl = tls://h\ninterval = 1s\n", "t.ini:3: [target web] interval" },
		{ "[target web]\nurl = tls://h\nwarn_days = 5\n", "critical_days (7) above warn_days (5)" },
		{ "[target w/x]\nurl = tls://h\n", "the name must be" },
	};
	struct conf_err	 err;
	struct conf	*c;
	void		*state = NULL;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		c = conf_load_string("t.ini", bad[i].text, &err);
		if (c == NULL)
			fail_msg("case %zu: load failed: %s", i, err.msg);
		err.msg[0] = '\0';
		assert_int_equal(check_probe.configure(c, &state, &err), -1);
		assert_null(state);
		if (strstr(err.msg, bad[i].err) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg, bad[i].err);
		conf_free(c);
	}
	c = conf_load_string("t.ini", "[target web]\nurl = https://www.example.cn\n"
	    "website = yes\ninterval = 10m\n[target db]\nhost = 10.0.0.2\n"
	    "open = 5432\nclosed = 23\ninterval = 1m\n", &err);
	assert_non_null(c);
	assert_int_equal(check_probe.configure(c, &state, &err), 0);
	assert_non_null(state);
	assert_int_equal(check_probe.interval_ms(state), 60000);
	assert_int_equal(conf_check_unused(c, &err), 0);
	check_probe.free(state);
	conf_free(c);
	/* No target: the probe is off. */
	c = conf_new_empty("t.ini");
	assert_int_equal(check_probe.configure(c, &state, &err), 0);
	assert_null(state);
	conf_free(c);
}

/*
 * The documented example in conf/agent.ini, the [target web] section and
 * every option uncommented, must configure.
 */
static void
test_example_snippet(void **st)
{
	char		*text;
	struct conf_err	 err;
	struct conf	*c;
	void		*state = NULL;
	int		 opts = 0;

	(void)st;
	text = conf_example_text("agent.ini", "target", &opts);
	assert_non_null(text);
	assert_non_null(strstr(text, "[target web]"));
	assert_int_equal(opts, 28);	/* every key of [target]: 15 + 13 of devices */
	c = conf_load_string("agent.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (check_probe.configure(c, &state, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(state);
	assert_int_equal(conf_check_unused(c, &err), 0);
	check_probe.free(state);
	conf_free(c);
	free(text);
}

struct captured {
	int	n;
	char	types[16][48];
	char	keys[16][256];
	int	up;
	int	website;
};

static int
capture(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct captured *c = ctx;

	(void)ts;
	(void)sev;
	if (c->n < 16) {
		snprintf(c->types[c->n], 48, "%s", type);
		snprintf(c->keys[c->n], 256, "%s", key);
		c->n++;
	}
	if (strcmp(type, "availability") == 0) {
		c->up = json_is_true(json_object_get(data, "up"));
		c->website = json_is_true(json_object_get(data, "website"));
	}
	json_decref(data);
	return 0;
}

static void
test_probe_events(void **st)
{
	uint16_t	 po, pc = closed_port();
	int		 lo = listener(&po);
	char		 text[256];
	struct conf_err	 err;
	struct conf	*c;
	void		*state = NULL;
	struct captured	 cap;
	struct emitter	 em = { capture, &cap };

	(void)st;
	memset(&cap, 0, sizeof(cap));
	snprintf(text, sizeof(text), "[target site]\nhost = 127.0.0.1\nopen = %u\n"
	    "closed = %u\nwebsite = yes\n", pc, po);
	c = conf_load_string("t.ini", text, &err);
	assert_non_null(c);
	assert_int_equal(check_probe.configure(c, &state, &err), 0);
	check_probe.run(state, &em);
	/* port_down for the closed must-open, port_exposed, availability. */
	assert_int_equal(cap.n, 3);
	assert_string_equal(cap.types[0], "port_down");
	snprintf(text, sizeof(text), "port_down:127.0.0.1:%u", pc);
	assert_string_equal(cap.keys[0], text);
	assert_string_equal(cap.types[1], "port_exposed");
	assert_string_equal(cap.types[2], "availability");
	assert_string_equal(cap.keys[2], "availability:site");
	assert_false(cap.up);
	assert_true(cap.website);
	/* Not due again yet: a second tick emits nothing. */
	cap.n = 0;
	check_probe.run(state, &em);
	assert_int_equal(cap.n, 0);
	check_probe.free(state);
	conf_free(c);
	close(lo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_closed_banner),
		cmocka_unit_test(test_thousand),
		cmocka_unit_test(test_selfaddr),
		cmocka_unit_test(test_target_conf),
		cmocka_unit_test(test_probe_events),
		cmocka_unit_test(test_example_snippet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
