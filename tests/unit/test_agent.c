/*
 * The agent's configuration (FILE:LINE errors, defaults, the shipped
 * conf/agent.ini), the uploader's backoff and gzip, the system probe's
 * parsers and the privilege-drop user lookup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "agent/config.h"
#include "agent/privdrop.h"
#include "agent/upload.h"
#include "probes/system.h"

/* Configure from text; returns the error message ("" when fine). */
static const char *
try_conf(const char *text, struct agent_setup *s)
{
	static struct conf_err	 err;
	struct conf		*c;
	int			 rc;

	memset(&err, 0, sizeof(err));
	if ((c = conf_load_string("agent.ini", text, &err)) == NULL)
		return err.msg;
	rc = agent_setup_from_conf(c, s, &err);
	conf_free(c);
	return rc == 0 ? "" : err.msg;
}

static void
test_example_config_parses(void **state)
{
	struct agent_setup	 s;
	struct conf_err		 err;
	const char		*td = getenv("SHAOBING_TESTDATA");
	char			 path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/../../conf/agent.ini", td ? td :
	    "tests/data");
	if (agent_setup_load(path, &s, &err) == -1)
		fail_msg("%s", err.msg);
	assert_string_equal(s.ac.server, "https://127.0.0.1:8443");
	assert_string_equal(s.ac.spool, "/var/lib/shaobing/spool.db");
	assert_int_equal(s.ac.spool_max, 64 << 20);
	assert_int_equal(s.ac.batch_max, 1000);
	assert_int_equal(s.ac.heartbeat_ms, 60000);
	assert_int_equal(s.ac.upload_ms, 2000);
	assert_int_equal(s.ac.retry_max_ms, 300000);
	assert_int_equal(s.ac.retry_primary_ms, 300000);
	assert_string_equal(s.ac.user, "shaobing");
	assert_int_equal(s.ac.log_level, 2);
	assert_string_equal(s.ac.timezone, "Asia/Shanghai");
	assert_int_equal(s.nprobes, 2);
	assert_string_equal(s.probes[0].ops->name, "system");
	assert_string_equal(s.probes[1].ops->name, "inventory");
	agent_setup_free(&s);
}

static void
test_defaults(void **state)
{
	struct agent_setup	s;
	char			host[256];

	(void)state;
	assert_string_equal(try_conf("", &s), "");
	memset(host, 0, sizeof(host));
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	if (event_name_ok(host, EVENT_AGENT_MAX))
		assert_string_equal(s.ac.name, host);
	assert_string_equal(s.ac.ca, "/etc/shaobing/ca.crt");
	assert_int_equal(s.ac.spool_max, 64 << 20);
	agent_setup_free(&s);

	/* [system] and [inventory] enabled = no: no probe at all. */
	assert_string_equal(try_conf("[system]\nenabled = no\n"
	    "[inventory]\nenabled = no\n", &s), "");
	assert_int_equal(s.nprobes, 0);
	agent_setup_free(&s);
}

static void
test_config_errors(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "[agent]\nname = pc-01\nfoo = 1\n",
		  "agent.ini:3: unknown key 'foo' in [agent]" },
		{ "[agent]\n\n[nope]\nx = 1\n",
		  "agent.ini:3: unknown section [nope]" },
		{ "[agent]\nbatch_max = 0\n",
		  "agent.ini:2: [agent] batch_max: 0 is out of range (1..5000)" },
		{ "[agent]\nbatch_max = many\n",
		  "agent.ini:2: [agent] batch_max: 'many' is not a whole number" },
		{ "[agent]\nspool_max = 1k\n",
		  "agent.ini:2: [agent] spool_max: '1k' is out of range "
		  "(65536..68719476736 bytes)" },
		{ "[agent]\nheartbeat_interval = soon\n",
		  "agent.ini:2: [agent] heartbeat_interval: 'soon' is not a "
		  "duration (e.g. 500ms, 30s, 5m, 6h, 1d)" },
		{ "[agent]\nretry_max = 100ms\n",
		  "agent.ini:2: [agent] retry_max: '100ms' is out of range "
		  "(1000ms..86400000ms)" },
		{ "[agent]\nserver = http://x:8443\n",
		  "agent.ini:2: [agent] server: 'http://x:8443' must be an "
		  "https:// URL such as https://collector.example:8443" },
		{ "[agent]\nserver = https://a:8443, http://b:8443\n",
		  "agent.ini:2: [agent] server: 'http://b:8443' must be an "
		  "https:// URL such as https://collector.example:8443" },
		{ "[agent]\n\nserver = https://a:8443,https://a:8443\n",
		  "agent.ini:3: [agent] server: 'https://a:8443' is listed "
		  "twice" },
		{ "[agent]\nserver = ,\n",
		  "agent.ini:2: [agent] server: no collector URL given (for "
		  "example https://collector.example:8443)" },
		{ "[agent]\nserver_retry_primary = 10ms\n",
		  "agent.ini:2: [agent] server_retry_primary: '10ms' is out of "
		  "range (1000ms..86400000ms)" },
		{ "[agent]\nname = pc 01\n",
		  "agent.ini:2: [agent] name: 'pc 01' must be 1-63 characters "
		  "of A-Z a-z 0-9 . _ - (it must equal the certificate's CN)" },
		{ "[agent]\nca = relative.crt\n",
		  "agent.ini:2: [agent] ca: 'relative.crt' must be an absolute "
		  "path" },
		{ "[agent]\nlog_level = loud\n",
		  "agent.ini:2: [agent] log_level: 'loud' is not one of: error, "
		  "warn, info, debug" },
		{ "[agent]\nuser = ro ot\n",
		  "agent.ini:2: [agent] user: 'ro ot' is not a user name" },
		{ "[system]\ninterval = 5s\n",
		  "agent.ini:2: [system] interval: '5s' is out of range "
		  "(60000ms..604800000ms)" },
		{ "[system]\nenabled = maybe\n",
		  "agent.ini:2: [system] enabled: 'maybe' is not yes or no" },
		{ "[agent]\nname = a\nname = b\n",
		  "agent.ini:3: key 'name' given twice in [agent] (first at "
		  "line 2)" },
		{ "name = a\n[agent]\n",
		  "agent.ini:1: key 'name' is outside any [section]" },
		{ "[agent]\nthis is not ini\n",
		  "agent.ini:2: cannot parse this line (expected [section], key "
		  "= value, or a comment)" },
	};
	struct agent_setup s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = try_conf(cases[i].text, &s);

		if (strcmp(got, cases[i].msg) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].msg);
	}
}

static void
test_backoff(void **state)
{
	(void)state;
	/* Grows by doubling, stays within [d/2, d], never above the cap. */
	assert_int_equal(upload_backoff_ms(1, 1000, 300000, 0), 500);
	assert_int_equal(upload_backoff_ms(1, 1000, 300000, 500), 1000);
	assert_int_equal(upload_backoff_ms(2, 1000, 300000, 0), 1000);
	assert_int_equal(upload_backoff_ms(4, 1000, 300000, 0), 4000);
	for (unsigned n = 1; n < 100; n++) {
		for (uint32_t r = 0; r < 5; r++) {
			int64_t v = upload_backoff_ms(n, 1000, 300000,
			    r * 1234567u);
			assert_true(v >= 500);
			assert_true(v <= 300000);
		}
		assert_true(upload_backoff_ms(n, 1000, 300000, 0) >=
		    upload_backoff_ms(n > 1 ? n - 1 : 1, 1000, 300000, 0));
	}
	assert_int_equal(upload_backoff_ms(60, 1000, 300000, 0), 150000);
	assert_int_equal(upload_backoff_ms(60, 1000, 300000, 150000), 300000);
}

static void
test_gzip_round_trip(void **state)
{
	static const char text[] = "{\"agent\":\"pc-01\",\"events\":[]}";
	char		*gz, out[256];
	size_t		 gzlen;
	z_stream	 z;

	(void)state;
	assert_int_equal(upload_gzip(text, strlen(text), &gz, &gzlen), 0);
	/* RFC 1952 magic. */
	assert_true(gzlen > 18);
	assert_int_equal((unsigned char)gz[0], 0x1f);
	assert_int_equal((unsigned char)gz[1], 0x8b);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, strlen(text));
	assert_memory_equal(out, text, strlen(text));
	inflateEnd(&z);
	free(gz);
}

static void
test_os_release(void **state)
{
	static const char f[] =
	    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
	    "NAME='Debian'\n"
	    "VERSION_ID=\"12\"\n"
	    "# comment\n"
	    "garbage line\n"
	    "ID=debian\n"
	    "HOME_URL=\"https://www.debian.org/\"\n"
	    "BUG=\"say \\\"hi\\\"\"";	/* no final newline */
	json_t *o;

	(void)state;
	o = system_parse_os_release(f, strlen(f));
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o,
	    "pretty_name")), "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(json_string_value(json_object_get(o, "name")),
	    "Debian");
	assert_string_equal(json_string_value(json_object_get(o, "id")),
	    "debian");
	assert_string_equal(json_string_value(json_object_get(o,
	    "version_id")), "12");
	assert_int_equal(json_object_size(o), 4);
	json_decref(o);
	/* Bad UTF-8 in a value: left out, no crash. */
	o = system_parse_os_release("ID=\xff\xfe\nNAME=x\n", 14);
	assert_non_null(o);
	assert_null(json_object_get(o, "id"));
	assert_string_equal(json_string_value(json_object_get(o, "name")), "x");
	json_decref(o);
	o = system_parse_os_release("", 0);
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
}

static void
test_btime_machine_id(void **state)
{
	static const char st[] = "cpu  1 2 3\nintr 5\nbtime 1764250600\n"
	    "processes 9\n";
	char	 id[33];
	int64_t	 v;

	(void)state;
	assert_int_equal(system_parse_btime(st, strlen(st), &v), 0);
	assert_int_equal(v, 1764250600);
	assert_int_equal(system_parse_btime("btime 12x\n", 10, &v), -1);
	assert_int_equal(system_parse_btime("cpu 1\n", 6, &v), -1);
	assert_int_equal(system_parse_btime("btime 99999999999999999999\n",
	    27, &v), -1);
	/* Cut exactly after the digits: still bounded. */
	assert_int_equal(system_parse_btime(st, strlen(st) - 13, &v), 0);
	assert_int_equal(v, 1764250600);
	assert_int_equal(system_parse_machine_id(
	    "3d1219c7c4c5404aaa1f6d2a48adfda4\n", 33, id), 0);
	assert_string_equal(id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
	assert_int_equal(system_parse_machine_id(
	    "3D1219c7c4c5404aaa1f6d2a48adfda4", 32, id), -1);
	assert_int_equal(system_parse_machine_id("abc", 3, id), -1);
	assert_int_equal(system_parse_machine_id("", 0, id), -1);
	/* This machine's own boot time is in the past and after 2000. */
	if (system_boot_time_ms(&v) == 0)
		assert_true(v > 946684800000LL);
}

static void
test_privdrop_lookup(void **state)
{
	uid_t uid;
	gid_t gid;

	(void)state;
	assert_int_equal(privdrop_lookup("root", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(privdrop_lookup("no-such-user-shaobing", &uid, &gid),
	    -1);
	assert_int_equal(privdrop_lookup("", &uid, &gid), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_config_parses),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_gzip_round_trip),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_btime_machine_id),
		cmocka_unit_test(test_privdrop_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
