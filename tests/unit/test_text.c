/*
 * common/text: UTF-8 decoding against RFC 3629's edge cases, cutting to
 * a byte budget (never half a character), making bytes valid UTF-8, the
 * terminal/log sanitiser; and the property that makes cutting matter:
 * random valid events, random Unicode of random lengths in every text
 * field (key, data keys and values), are all stored by the store with the
 * incident engine hooked in (issue 12 item 1).  The seed is printed;
 * SHAOBING_SEED=N repeats a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/incident.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "tests/unit/backends.h"

static void
test_decode(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len, want;
		uint32_t	 cp;
	} cases[] = {
		{ "A", 1, 1, 'A' },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xe4\xb8\xad", 3, 3, 0x4e2d },
		{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xc3\xa9", 1, 0, 0 },		/* cut short */
		{ "\xe0\x80\xaf", 3, 0, 0 },		/* overlong */
		{ "\xc1\xbf", 2, 0, 0 },		/* overlong */
		{ "\xed\xb0\x80", 3, 0, 0 },		/* low surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },	/* > U+10FFFF */
		{ "\x80", 1, 0, 0 },			/* lone continuation */
		{ "\xfe", 1, 0, 0 },
		{ "\xe4\x41\xad", 3, 0, 0 },		/* bad continuation */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0;

		assert_int_equal(text_utf8_decode(cases[i].in, cases[i].len,
		    &cp), cases[i].want);
		if (cases[i].want)
			assert_int_equal(cp, cases[i].cp);
	}
	assert_true(text_utf8_valid("日本語 ok", strlen("日本語 ok")));
	assert_false(text_utf8_valid("ok\xf8", 3));
}

/* Every budget from 0 to past the length: whole characters only. */
static void
test_cut_every_budget(void **state)
{
	const char *texts[] = {
		"\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1",
		"\xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x94\x92 mixed \xd0\x96",
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
		"tail cut \xe4\xb8", /* already invalid at the end */
	};

	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t len = strlen(texts[t]);

		for (size_t sz = 1; sz < len + 6; sz++) {
			char	 buf[64];
			int	 cut;

			for (int ell = 0; ell < 2; ell++) {
				cut = text_copy(buf, sz, texts[t], ell);
				assert_true(strlen(buf) < sz);
				assert_int_equal(cut, len >= sz);
				if (t < 3)
					assert_true(text_utf8_valid(buf,
					    strlen(buf)));
				if (cut && ell && sz > 3)
					assert_string_equal(buf + strlen(buf) - 3,
					    TEXT_ELLIPSIS);
				if (!cut)
					assert_string_equal(buf, texts[t]);
			}
			assert_int_not_equal(text_printf(buf, sz, "[%s]",
			    texts[t]), -1);
			if (t < 3)
				assert_true(text_utf8_valid(buf, strlen(buf)));
		}
	}
}

static void
test_fix(void **state)
{
	char	*s;
	size_t	 n;

	(void)state;
	s = text_utf8_fix("max-age=60\xfe;\x00x", 14, TEXT_BAD_HEX, &n);
	assert_string_equal(s, "max-age=60\\xfe;\\x00x");
	assert_int_equal(n, strlen(s));
	free(s);
	s = text_utf8_fix("\xc0\x80ok\xed\xa0\x80", 7, TEXT_BAD_FFFD, NULL);
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbdok"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = text_utf8_fix("", 0, TEXT_BAD_HEX, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void
test_sanitize(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "ok 名字", "ok 名字" },
		{ "\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07" },	/* OSC 52 */
		{ "line\r\nforged: yes", "line\\x0d\\x0aforged: yes" },
		{ "\x7f\x08", "\\x7f\\x08" },
		{ "\xc2\x9d" "0;t\xc2\x9c", "\\x9d0;t\\x9c" },	/* C1 OSC, ST */
		{ "a\xe2\x81\xa7" "b\xe2\x80\x8f", "a\\u{2067}b\\u{200f}" },
		{ "\xff\xfe", "\\xff\\xfe" },
	};
	char	 buf[128], small[12];
	char	*d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(text_sanitize(buf, sizeof(buf), cases[i].in,
		    strlen(cases[i].in)), 0);
		assert_string_equal(buf, cases[i].out);
		assert_non_null(d = text_sanitize_dup(cases[i].in));
		assert_string_equal(d, cases[i].out);
		free(d);
	}
	/* An escape is never cut in half; "…" marks the cut. */
	assert_int_equal(text_sanitize(small, sizeof(small), "abcdef\x1b\x1b",
	    8), 1);
	assert_string_equal(small, "abcdef" TEXT_ELLIPSIS);
	assert_int_equal(text_sanitize(small, sizeof(small),
	    "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 12), 1);
	assert_string_equal(small, "\xe4\xb8\xad\xe4\xb8\xad" TEXT_ELLIPSIS);
	/* Every output of a long, hostile input is clean and valid. */
	for (size_t sz = 1; sz < 40; sz++) {
		char o[40];

		static const char hostile[] = "\x1b[2J\xe2\x80\xae\xc3\xa9"
		    "\r\n\xff\xe4\xb8\xad";

		text_sanitize(o, sz, hostile, sizeof(hostile) - 1);
		assert_true(strlen(o) < sz);
		assert_true(text_utf8_valid(o, strlen(o)));
		assert_null(strchr(o, '\x1b'));
		assert_null(strchr(o, '\n'));
	}
}

/* ---- property: every valid event is stored ------------------------- */

static uint64_t rng;

static uint32_t
rnd(void)
{
	/* xorshift64*: fixed seed, reproducible. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

/* One random code point from planes and classes that stress cutting. */
static uint32_t
rnd_cp(void)
{
	static const uint32_t ranges[][2] = {
		{ 0x20, 0x7e }, { 0xa0, 0x7ff }, { 0x300, 0x36f },
		{ 0x800, 0xd7ff }, { 0x4e00, 0x9fff }, { 0xe000, 0xfffd },
		{ 0x10000, 0x10ffff }, { 0x1f300, 0x1f64f }, { 0x01, 0x1f },
		{ 0x202a, 0x202e }, { 0xe9, 0xe9 },
	};
	size_t r = rnd() % (sizeof(ranges) / sizeof(ranges[0]));
	uint32_t lo = ranges[r][0], hi = ranges[r][1];

	return lo + rnd() % (hi - lo + 1);
}

/* Random valid UTF-8 of up to maxbytes bytes (NUL-free) into buf. */
static size_t
rnd_text(char *buf, size_t maxbytes)
{
	size_t	want = rnd() % (maxbytes + 1), o = 0;

	while (o < want) {
		uint32_t	c = rnd_cp();
		char		u[4];
		size_t		n;

		if (c < 0x80) {
			u[0] = (char)c;
			n = 1;
		} else if (c < 0x800) {
			u[0] = (char)(0xc0 | c >> 6);
			u[1] = (char)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			u[0] = (char)(0xe0 | c >> 12);
			u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			u[2] = (char)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			u[0] = (char)(0xf0 | c >> 18);
			u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			u[3] = (char)(0x80 | (c & 0x3f));
			n = 4;
		}
		if (o + n > want)
			break;
		memcpy(buf + o, u, n);
		o += n;
	}
	buf[o] = '\0';
	return o;
}

static void
test_random_events_all_stored(void **state)
{
	/* Types that open incidents (title from the key) and one that
	   does not; host_down/website_down titles come from the target. */
	static const char *const types[] = {
		"port_scan", "cert_expired", "weak_cipher", "new_device",
		"blocklist", "admin_added", "port_opened", "http_error",
		"no_hsts", "spool_dropped", "inventory", "heartbeat_note",
	};
	struct incidents_conf	 ic;
	struct schedule_conf	 sc;
	struct conf		*c;
	struct conf_err		 cerr;
	struct store		*st;
	struct incidents	*in;
	char			 dir[] = "/tmp/test_text.XXXXXX", path[64];
	char			 err[512], cmd[96];
	const char		*env = getenv("SHAOBING_SEED");
	uint64_t		 seed = env ? strtoull(env, NULL, 10) : 20261203;
	uint64_t		 seq = 0;
	int64_t			 now = 1796000000000LL;
	size_t			 stored = 0, accepted = 0;
	const int		 batches = 400;

	(void)state;
	fprintf(stderr, "# test_random_events_all_stored: seed %llu "
	    "(SHAOBING_SEED=%llu repeats it)\n", (unsigned long long)seed,
	    (unsigned long long)seed);
	rng = seed ? seed : 1;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_non_null(st = store_open(test_backend_target(path), err, sizeof(err)));
	memset(&ic, 0, sizeof(ic));
	memset(&sc, 0, sizeof(sc));
	assert_non_null(c = conf_load_string("t.ini", "", &cerr));
	assert_int_equal(incidents_conf_load(c, &ic, &cerr), 0);
	assert_int_equal(schedule_conf_load(c, &sc, &cerr), 0);
	conf_free(c);
	{
		struct incidents_opts o = {
			.conf = &ic, .schedule = &sc, .gap_factor = 3,
		};
		assert_non_null(in = incidents_new(st, &o, err, sizeof(err)));
	}
	for (int b = 0; b < batches; b++) {
		json_t			*body, *evs;
		struct event_batch	 eb;
		struct store_batch_result r;
		char			*txt;
		int			 n = 1 + (int)(rnd() % 4), rc;

		evs = json_array();
		for (int i = 0; i < n; i++) {
			static char	 key[EVENT_KEY_MAX * 2], s[2048];
			json_t		*data = json_object();
			int		 nf = (int)(rnd() % 4);
			const char	*type = types[rnd() % (sizeof(types) /
					    sizeof(types[0]))];
			char		 pre[64], ts[40];
			size_t		 pl;

			time_format_utc(now + b * 1000, ts, sizeof(ts));
			/* Keys up to the limit, many right at it. */
			pl = (size_t)snprintf(pre, sizeof(pre), "%s:", type);
			memcpy(key, pre, pl);
			rnd_text(key + pl, rnd() % 2 ? EVENT_KEY_MAX - 1 - pl :
			    rnd() % 300);
			for (int f = 0; f < nf; f++) {
				char fk[128];

				rnd_text(fk, 1 + rnd() % 100);
				rnd_text(s, rnd() % (sizeof(s) - 1));
				json_object_set_new(data, fk, json_string(s));
			}
			rnd_text(s, 300);
			json_object_set_new(data, "target", json_string(s));
			json_array_append_new(evs, json_pack("{s:s, s:I, s:s, "
			    "s:s, s:s, s:s, s:o}", "agent", "prop-agent", "seq", (json_int_t)++seq,
			    "ts", ts,
			    "type", type, "severity",
			    severity_name((enum severity)(rnd() % 5)),
			    "key", key, "data", data));
		}
		body = json_pack("{s:s, s:o}", "agent", "prop-agent",
		    "events", evs);
		assert_non_null(txt = json_dumps(body, JSON_COMPACT));
		json_decref(body);
		rc = event_batch_decode(txt, strlen(txt), NULL, &eb, err,
		    sizeof(err));
		free(txt);
		if (rc != 0 && b < 3)
			fprintf(stderr, "# refused: %s\n", err);
		if (rc != 0)
			continue;	/* not valid: not the property's concern */
		accepted += eb.n;
		rc = store_insert_batch(st, &eb, now + b * 1000, &r, err,
		    sizeof(err));
		if (rc != 0)
			fail_msg("seed %llu batch %d: a valid batch was not "
			    "stored: %s", (unsigned long long)seed, b, err);
		stored += eb.n;
		event_batch_free(&eb);
	}
	fprintf(stderr, "# %zu events accepted, %zu stored\n", accepted,
	    stored);
	assert_true(accepted > (size_t)batches);
	assert_int_equal(accepted, stored);
	incidents_free(in);
	store_close(st);
	schedule_conf_free(&sc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_cut_every_budget),
		cmocka_unit_test(test_fix),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_random_events_all_stored),
	};

	log_init("test_text", 0, LOG_LVL_ERROR);
	time_set_zone("Asia/Shanghai");
	return TEST_RUN_BACKENDS("test_text", tests, NULL, NULL);
}
