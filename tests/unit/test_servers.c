/*
 * The agent's collector list (agent/servers.c): parsing and checking
 * [agent] server, moving on failure, coming back to the first, and a
 * reload keeping the collector in use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/config.h"
#include "agent/servers.h"

#define RETRY	300000

static void
test_check(void **state)
{
	char why[300];

	(void)state;
	assert_int_equal(servers_check("https://a:8443", why, sizeof(why)), 0);
	assert_int_equal(servers_check(" https://a:8443,https://b:8443  "
	    "https://c", why, sizeof(why)), 0);
	assert_int_equal(servers_check("https://a:8443, ftp://b", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "'ftp://b' must be an https:// URL such as "
	    "https://collector.example:8443");
	assert_int_equal(servers_check("https://", why, sizeof(why)), -1);
	assert_int_equal(servers_check("https:///x", why, sizeof(why)), -1);
	assert_int_equal(servers_check("", why, sizeof(why)), -1);
	assert_int_equal(servers_check("https://a, https://b, https://a", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "'https://a' is listed twice");
	assert_int_equal(servers_check("https://1 https://2 https://3 "
	    "https://4 https://5 https://6 https://7 https://8", why,
	    sizeof(why)), 0);
	assert_int_equal(servers_check("https://1 https://2 https://3 "
	    "https://4 https://5 https://6 https://7 https://8 https://9", why,
	    sizeof(why)), -1);
	assert_string_equal(why, "more than 8 collectors listed");
}

static void
test_one_server_never_switches(void **state)
{
	struct servers	s;
	char		why[300], msg[1024];

	(void)state;
	assert_int_equal(servers_init(&s, "https://a:8443", RETRY, NULL, 0,
	    why, sizeof(why)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(servers_current(&s), "https://a:8443");
	assert_int_equal(servers_failed(&s, "refused", 10, msg, sizeof(msg)),
	    -1);
	assert_string_equal(msg, "");
	assert_string_equal(servers_current(&s), "https://a:8443");
	assert_int_equal(servers_maybe_primary(&s, 10 + RETRY * 2, msg,
	    sizeof(msg)), 0);
}

static void
test_should_switch(void **state)
{
	(void)state;
	assert_true(servers_should_switch(-1, false));
	assert_true(servers_should_switch(500, false));
	assert_true(servers_should_switch(502, false));
	assert_true(servers_should_switch(503, false));
	assert_false(servers_should_switch(503, true));
	assert_false(servers_should_switch(200, false));
	assert_false(servers_should_switch(400, false));
	assert_false(servers_should_switch(403, false));
	assert_false(servers_should_switch(413, false));
	assert_false(servers_should_switch(429, false));
}

static void
test_failover_and_back(void **state)
{
	struct servers	s;
	char		why[300], msg[1024];
	int64_t		t = 1000;

	(void)state;
	assert_int_equal(servers_init(&s, "https://a:1, https://b:2", RETRY,
	    NULL, t, why, sizeof(why)), 0);
	assert_int_equal(s.n, 2);
	/* a fails: b at once, one line saying from where to where and why. */
	assert_int_equal(servers_failed(&s, "Connection refused", t, msg,
	    sizeof(msg)), 1);
	assert_string_equal(servers_current(&s), "https://b:2");
	assert_non_null(strstr(msg, "collector https://a:1 failed "
	    "(Connection refused); switching to collector https://b:2 (2 of 2)"));
	assert_non_null(strstr(msg, "it is tried again in 300 s "
	    "(server_retry_primary); check why https://a:1 is down"));
	servers_ok(&s);
	/* Not before server_retry_primary. */
	assert_int_equal(servers_maybe_primary(&s, t + RETRY - 1, msg,
	    sizeof(msg)), 0);
	assert_string_equal(servers_current(&s), "https://b:2");
	assert_int_equal(servers_maybe_primary(&s, t + RETRY, msg, sizeof(msg)),
	    1);
	assert_string_equal(servers_current(&s), "https://a:1");
	assert_non_null(strstr(msg, "trying the first collector https://a:1 "
	    "again (on collector https://b:2"));
	/* Still down: b again at once, and a again only RETRY later. */
	t += RETRY;
	assert_int_equal(servers_failed(&s, "timeout", t, msg, sizeof(msg)),
	    1);
	assert_string_equal(servers_current(&s), "https://b:2");
	servers_ok(&s);
	assert_int_equal(servers_maybe_primary(&s, t + RETRY / 2, msg,
	    sizeof(msg)), 0);
	assert_int_equal(servers_maybe_primary(&s, t + RETRY, msg, sizeof(msg)),
	    1);
	/* On the first one nothing is due. */
	assert_int_equal(servers_maybe_primary(&s, t + RETRY * 9, msg,
	    sizeof(msg)), 0);
	assert_string_equal(servers_current(&s), "https://a:1");
}

static void
test_all_down(void **state)
{
	struct servers	s;
	char		why[300], msg[1024];

	(void)state;
	assert_int_equal(servers_init(&s, "https://a https://b https://c",
	    RETRY, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(servers_failed(&s, "e1", 1, msg, sizeof(msg)), 1);
	assert_string_equal(servers_current(&s), "https://b");
	assert_int_equal(servers_failed(&s, "e2", 2, msg, sizeof(msg)), 1);
	assert_string_equal(servers_current(&s), "https://c");
	assert_non_null(strstr(msg, "(3 of 3)"));
	/* The third failure in a row closes the round: back off, said once. */
	assert_int_equal(servers_failed(&s, "e3", 3, msg, sizeof(msg)), 0);
	assert_string_equal(servers_current(&s), "https://a");
	assert_non_null(strstr(msg, "all 3 collectors failed in a row (the "
	    "last, https://c: e3)"));
	assert_int_equal(servers_failed(&s, "e4", 4, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_string_equal(servers_current(&s), "https://b");
	/* A success starts a new round: the next failure moves at once. */
	servers_ok(&s);
	assert_int_equal(servers_failed(&s, "e5", 5, msg, sizeof(msg)), 1);
	assert_string_equal(servers_current(&s), "https://c");
}

static void
test_reload_keeps_current(void **state)
{
	struct servers	s, t;
	char		why[300], msg[1024];

	(void)state;
	assert_int_equal(servers_init(&s, "https://a, https://b", RETRY, NULL,
	    0, why, sizeof(why)), 0);
	assert_int_equal(servers_failed(&s, "x", 0, msg, sizeof(msg)), 1);
	/* b still listed: stay there (and come back to the first later). */
	assert_int_equal(servers_init(&t, "https://a, https://c, https://b",
	    1000, &s, 50, why, sizeof(why)), 0);
	assert_string_equal(servers_current(&t), "https://b");
	assert_int_equal(servers_maybe_primary(&t, 1049, msg, sizeof(msg)), 0);
	assert_int_equal(servers_maybe_primary(&t, 1050, msg, sizeof(msg)), 1);
	assert_string_equal(servers_current(&t), "https://a");
	/* b gone: the first. */
	assert_int_equal(servers_init(&t, "https://c, https://a", RETRY, &s, 0,
	    why, sizeof(why)), 0);
	assert_string_equal(servers_current(&t), "https://c");
}

/* The [agent] server option takes the list and checks every URL. */
static void
test_conf_list(void **state)
{
	struct agent_setup	 s;
	struct conf_err		 err;
	struct conf		*c;
	struct servers		 sv;
	char			 why[300];

	(void)state;
	c = conf_load_string("agent.ini", "[agent]\nname = pc-01\nserver = "
	    "https://10.0.0.1:8443, https://10.0.0.2:8443\n"
	    "server_retry_primary = 30s\n", &err);
	assert_non_null(c);
	if (agent_setup_from_conf(c, &s, &err) == -1)
		fail_msg("%s", err.msg);
	conf_free(c);
	assert_int_equal(s.ac.retry_primary_ms, 30000);
	assert_int_equal(servers_init(&sv, s.ac.server, s.ac.retry_primary_ms,
	    NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.url[1], "https://10.0.0.2:8443");
	agent_setup_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_one_server_never_switches),
		cmocka_unit_test(test_should_switch),
		cmocka_unit_test(test_failover_and_back),
		cmocka_unit_test(test_all_down),
		cmocka_unit_test(test_reload_keeps_current),
		cmocka_unit_test(test_conf_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
