/*
 * common/event: JSON round trips, and hostile batches — deep nesting,
 * huge strings, bad UTF-8, wrong types, unknown and missing fields,
 * limits — each answered with an error that names the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/event.h"

#define EV(fields) "{\"agent\":\"pc-01\",\"events\":[" fields "]}"
#define GOOD	"{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\"," \
		"\"type\":\"system\",\"severity\":\"info\",\"key\":\"system:pc-01\"," \
		"\"data\":{}}"

static int
decode(const char *text, size_t len, struct event_batch *b, char *err,
    size_t errlen)
{
	struct event_limits lim = { 1 << 20, 100 };

	return event_batch_decode(text, len, &lim, b, err, errlen);
}

static void
test_round_trip(void **state)
{
	struct event		 ev, back;
	struct event_batch	 b;
	json_t			*d, *o;
	char			*s, err[256], *body;
	size_t			 blen;

	(void)state;
	d = json_pack("{s:s, s:i, s:[i,i], s:{s:b}, s:n, s:f}", "name",
	    "电脑-01 ✓", "n", 42, "list", 1, 2, "nested", "ok", 1, "none",
	    "pi", 3.25);
	assert_int_equal(event_set(&ev, "pc-01", 7, 1795786640123, "port_scan",
	    SEV_HIGH, "port_scan:10.0.0.5", d), 0);
	s = event_to_string(&ev);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"ts\":\"2026-11-27T13:37:20.123Z\""));
	o = json_loads(s, 0, NULL);
	assert_int_equal(event_from_json(o, "ev", &back, err, sizeof(err)), 0);
	assert_string_equal(back.agent, "pc-01");
	assert_int_equal(back.seq, 7);
	assert_int_equal(back.ts_ms, 1795786640123);
	assert_string_equal(back.type, "port_scan");
	assert_int_equal(back.severity, SEV_HIGH);
	assert_string_equal(back.key, "port_scan:10.0.0.5");
	assert_true(json_equal(back.data, ev.data));
	event_clear(&back);
	json_decref(o);

	/* As a batch. */
	blen = strlen(s) + 64;
	body = malloc(blen);
	snprintf(body, blen, "{\"agent\":\"pc-01\",\"events\":[%s]}", s);
	assert_int_equal(decode(body, strlen(body), &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.agent, "pc-01");
	assert_true(json_equal(event_data(&b.events[0]), ev.data));
	event_batch_free(&b);
	event_batch_free(&b);	/* twice is harmless */
	free(body);
	free(s);
	event_clear(&ev);
	event_clear(NULL);

	/* NULL data is {} (and leaks nothing: was a leak in event_to_json). */
	assert_int_equal(event_set(&ev, "a", 1, 0, "t", SEV_INFO, "k", NULL), 0);
	json_decref(ev.data);
	ev.data = NULL;
	s = event_to_string(&ev);
	assert_non_null(strstr(s, "\"data\":{}"));
	free(s);

	/* Too long for the struct. */
	char key[EVENT_KEY_MAX + 1];
	memset(key, 'k', EVENT_KEY_MAX);
	key[EVENT_KEY_MAX] = '\0';
	assert_int_equal(event_set(&ev, "a", 1, 0, "t", SEV_INFO, key, NULL),
	    -1);
	event_clear(&ev);
	/* A time the wire cannot carry. */
	assert_int_equal(event_set(&ev, "a", 1, -1, "t", SEV_INFO, "k", NULL), 0);
	assert_null(event_to_json(&ev));
	event_clear(&ev);
}

static void
test_empty_and_multi(void **state)
{
	struct event_batch	 b;
	char			 err[256];
	const char		*t = EV(GOOD "," GOOD);
	char			 two[1024];

	(void)state;
	assert_int_equal(decode(EV(""), strlen(EV("")), &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 0);
	event_batch_free(&b);
	/* Two events with the same seq: refused. */
	assert_int_equal(decode(t, strlen(t), &b, err, sizeof(err)), -1);
	assert_string_equal(err, "events[1].seq: 1 is not above the previous "
	    "event's");
	snprintf(two, sizeof(two), EV(GOOD ",%s"), GOOD);
	memcpy(strstr(strstr(two, "},{") + 3, "\"seq\":1") + 6, "2", 1);
	assert_int_equal(decode(two, strlen(two), &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.events[1].seq, 2);
	event_batch_free(&b);
}

static void
test_hostile(void **state)
{
	static const struct { const char *body, *msg; int rc; } cases[] = {
		{ "", "invalid JSON at line 1 column 0: '[' or '{' expected "
		  "near end of file", -1 },
		{ "[]", "body: expected an object", -1 },
		{ "{\"agent\":\"pc-01\"}", "body.events: missing", -1 },
		{ "{\"events\":[]}", "body.agent: missing", -1 },
		{ "{\"agent\":\"pc-01\",\"events\":{}}",
		  "body.events: expected an array", -1 },
		{ "{\"agent\":1,\"events\":[]}", "body.agent: expected a string", -1 },
		{ "{\"agent\":\"pc 01\",\"events\":[]}",
		  "body.agent: must be 1-63 characters of A-Z a-z 0-9 . _ -", -1 },
		{ "{\"agent\":\"pc-01\",\"events\":[],\"x\":1}",
		  "body: unknown field 'x'", -1 },
		{ "{\"agent\":\"pc-01\",\"agent\":\"pc-02\",\"events\":[]}",
		  NULL, -1 },	/* duplicate key: jansson's message */
		{ EV("1"), "events[0]: expected an object", -1 },
		{ EV("{}"), "events[0].agent: missing", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{},"
		  "\"extra\":true}"), "events[0]: unknown field 'extra'", -1 },
		{ EV("{\"agent\":\"pc-02\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].agent: 'pc-02' differs from the batch's agent "
		  "'pc-01'", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":\"1\",\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].seq: expected a positive integer", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":0,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].seq: expected a positive integer", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1.5,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].seq: expected a positive integer", -1 },
		{ EV("{\"agent\":\"pc-01\",\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].seq: missing", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27 13:37:20\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].ts: expected UTC time like 2026-11-27T13:37:20.123Z",
		  -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-02-30T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].ts: expected UTC time like 2026-11-27T13:37:20.123Z",
		  -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"sys tem\",\"severity\":\"info\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].type: must be 1-47 characters of A-Z a-z 0-9 . _ -",
		  -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"urgent\",\"key\":\"k\",\"data\":{}}"),
		  "events[0].severity: expected one of info, low, medium, high, "
		  "critical", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":7,\"data\":{}}"),
		  "events[0].key: expected a string", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":[]}"),
		  "events[0].data: expected an object", -1 },
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\"}"),
		  "events[0].data: missing", -1 },
		/* data nested 9 deep (limit 8). */
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"k\",\"data\":"
		  "{\"a\":[[[[[[[[1]]]]]]]]}}"),
		  "events[0].data: nested deeper than 8 levels", -1 },
		/* \u0000 inside a string. */
		{ EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		  "\"type\":\"system\",\"severity\":\"info\",\"key\":\"a\\u0000b\","
		  "\"data\":{}}"), NULL, -1 },
		{ "{\"agent\":\"pc-01\",\"events\":[] trailing", NULL, -1 },
	};
	struct event_batch	b;
	char			err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode(cases[i].body, strlen(cases[i].body), &b, err,
		    sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d (%s)", i, rc,
			    cases[i].rc, rc ? err : "");
		if (cases[i].msg != NULL && strcmp(err, cases[i].msg) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    cases[i].msg);
		assert_int_equal(b.n, 0);
		assert_null(b.events);
	}
}

static void
test_deep_nesting(void **state)
{
	struct event_batch	 b;
	char			 err[256];
	size_t			 n = 400000;
	char			*t = malloc(2 * n + 1);

	(void)state;
	memset(t, '[', n);
	memset(t + n, ']', n);
	t[2 * n] = '\0';
	assert_int_equal(decode(t, 2 * n, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "JSON nested deeper than 12 levels");
	/* Brackets inside strings do not count. */
	const char *br = "{\"agent\":\"[[[[[[[[[[[[[[[[\",\"events\":[]}";
	assert_int_equal(decode(br, strlen(br), &b, err, sizeof(err)), -1);
	assert_string_equal(err, "body.agent: must be 1-63 characters of A-Z "
	    "a-z 0-9 . _ -");
	free(t);
}

static void
test_huge_and_utf8(void **state)
{
	struct event_batch	 b;
	struct event_limits	 lim = { 4 << 20, 100 };
	char			 err[256], *t;
	size_t			 n = 70000, len;
	const char		*pre = "{\"agent\":\"pc-01\",\"events\":[{\"agent\":"
	    "\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\",\"type\":"
	    "\"x\",\"severity\":\"info\",\"key\":\"k\",\"data\":{\"s\":\"";

	(void)state;
	t = malloc(strlen(pre) + n + 16);
	memcpy(t, pre, strlen(pre));
	memset(t + strlen(pre), 'a', n);
	memcpy(t + strlen(pre) + n, "\"}}]}", 6);
	len = strlen(t);
	assert_int_equal(event_batch_decode(t, len, &lim, &b, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "events[0].data: string longer than 65536 "
	    "bytes");
	/* A key longer than the struct holds. */
	assert_int_equal(event_batch_decode(t, len, &(struct event_limits){ 100,
	    0 }, &b, err, sizeof(err)), -2);
	free(t);

	/* Invalid UTF-8 (overlong, lone continuation, truncated). */
	static const char *const bad[] = {
		"{\"agent\":\"pc-01\",\"events\":[],\"\xc0\xaf\":1}",
		"{\"agent\":\"pc\x80\",\"events\":[]}",
		"{\"agent\":\"pc-01\",\"events\":[\"\xe4\xb8\"]}",
	};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(decode(bad[i], strlen(bad[i]), &b, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "invalid JSON"));
	}
	/* Valid multibyte in data is fine. */
	const char *ok = EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":"
	    "\"2026-11-27T13:37:20.123Z\",\"type\":\"x\",\"severity\":\"low\","
	    "\"key\":\"哨兵\",\"data\":{\"名\":\"值\"}}");
	assert_int_equal(decode(ok, strlen(ok), &b, err, sizeof(err)), 0);
	assert_string_equal(b.events[0].key, "哨兵");
	event_batch_free(&b);
}

static void
test_limits(void **state)
{
	struct event_batch	 b;
	struct event_limits	 lim = { 1 << 20, 1 };
	char			 err[256], two[1024];

	(void)state;
	snprintf(two, sizeof(two), EV(GOOD ",%s"), GOOD);
	assert_int_equal(event_batch_decode(two, strlen(two), &lim, &b, err,
	    sizeof(err)), -2);
	assert_string_equal(err, "batch of 2 events exceeds the limit of 1");
	lim.max_events = 0;
	lim.max_bytes = 10;
	assert_int_equal(event_batch_decode(two, strlen(two), &lim, &b, err,
	    sizeof(err)), -2);
	assert_non_null(strstr(err, "exceeds the limit of 10"));
	/* NULL limits: no limits. */
	assert_int_equal(event_batch_decode(two, strlen(two), NULL, &b, err,
	    sizeof(err)), -1);
	assert_int_equal(b.n, 0);
}

static void
test_names(void **state)
{
	enum severity s;

	(void)state;
	for (int i = SEV_INFO; i <= SEV_CRITICAL; i++) {
		assert_int_equal(severity_parse(severity_name((enum severity)i),
		    &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(severity_name((enum severity)17), "unknown");
	assert_int_equal(severity_parse("INFO", &s), -1);
	assert_int_equal(severity_parse("", &s), -1);
	assert_true(event_name_ok("a", 2));
	assert_false(event_name_ok("ab", 2));
	assert_false(event_name_ok("", 10));
	assert_false(event_name_ok("a/b", 10));
	assert_true(event_name_ok("pc-01.office_2", 64));
}

/*
 * The fast path (event_batch_scan) takes the compact form agents send and
 * keeps data as its text; any other form goes to jansson, with the same
 * events or the same error.
 */
static void
test_scan_fast_path(void **state)
{
	static const char *const fast[] = {
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"port_scan\",\"severity\":\"high\",\"key\":\"k:\xe4\xb8\xad\","
		    "\"data\":{\"a\":[1,-2,true,false,null,{}],\"b\":\"\xe4\xb8\xad\",\"c\":[]}}"),
		"  {\"events\":[], \"agent\":\"pc-01\"}\n",
	};
	static const char *const slow[] = {
		/* whitespace, an escape, a real, a number jansson rewrites */
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\": 1}}"),
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\":\"\\n\"}}"),
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\":1.5}}"),
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\":-0}}"),
	};
	static const char *const bad[] = {
		/* a duplicate data member, an unknown field, seq going back */
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\":1,\"a\":2}}"),
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{},\"z\":1}"),
		EV(GOOD "," GOOD),
		EV("{\"agent\":\"pc-01\",\"seq\":1,\"ts\":\"2026-11-27T13:37:20.123Z\","
		    "\"type\":\"x\",\"severity\":\"low\",\"key\":\"k\",\"data\":{\"a\":\"\xc0\xaf\"}}"),
	};
	struct event_batch	b, j;
	char			err[512], jerr[512], *dump;

	(void)state;
	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++) {
		assert_int_equal(event_batch_scan(fast[i], strlen(fast[i]), 100,
		    &b), 0);
		assert_int_equal(event_batch_decode_json(fast[i], strlen(fast[i]),
		    NULL, &j, err, sizeof(err)), 0);
		assert_int_equal(b.n, j.n);
		for (size_t k = 0; k < b.n; k++) {
			assert_non_null(b.events[k].data_text);
			assert_null(b.events[k].data);	/* not parsed yet */
			dump = json_dumps(event_data(&j.events[k]), JSON_COMPACT);
			assert_string_equal(b.events[k].data_text, dump);
			assert_true(json_equal(event_data(&b.events[k]),
			    event_data(&j.events[k])));
			assert_string_equal(b.events[k].key, j.events[k].key);
			free(dump);
		}
		event_batch_free(&b);
		event_batch_free(&j);
	}
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
		assert_int_equal(event_batch_scan(slow[i], strlen(slow[i]), 100,
		    &b), 1);
		assert_null(b.events);
		assert_int_equal(decode(slow[i], strlen(slow[i]), &b, err,
		    sizeof(err)), 0);
		assert_null(b.events[0].data_text);
		assert_non_null(b.events[0].data);
		event_batch_free(&b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(event_batch_scan(bad[i], strlen(bad[i]), 100,
		    &b), 1);
		assert_int_equal(decode(bad[i], strlen(bad[i]), &b, err,
		    sizeof(err)), -1);
		assert_int_equal(event_batch_decode_json(bad[i], strlen(bad[i]),
		    NULL, &j, jerr, sizeof(jerr)), -1);
		assert_string_equal(err, jerr);
	}
	/* A clamped time: data gains members, and the text no longer says so. */
	assert_int_equal(decode(fast[0], strlen(fast[0]), &b, err,
	    sizeof(err)), 0);
	assert_int_equal(event_bound_ts(&b.events[0], 0, 1, 5), 1);
	assert_null(b.events[0].data_text);
	assert_true(json_is_true(json_object_get(b.events[0].data,
	    "ts_clamped")));
	event_batch_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_and_multi),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_and_utf8),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_scan_fast_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
