/*
 * common/conf: syntax errors with FILE:LINE, every option type at and
 * beyond its range, defaults, validators, named sections, unused keys,
 * and the conversions on their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/conf.h"

struct all {
	int	i;
	int64_t	i64;
	double	d;
	bool	b;
	char	s[8];
	int64_t	dur;
	int64_t	size;
	int	e;
	int	odd;
};

static const char *const colours[] = { "red", "green", "blue", NULL };

static int
v_odd(const void *field, char *why, size_t whylen)
{
	if (*(const int *)field % 2 == 0) {
		snprintf(why, whylen, "%d is even", *(const int *)field);
		return -1;
	}
	return 0;
}

#define O(f) offsetof(struct all, f)
static const struct conf_opt opts[] = {
	{ "i", CONF_INT, O(i), 0, -5, 10, "3", NULL, NULL, NULL },
	{ "i64", CONF_I64, O(i64), 0, 0, INT64_MAX, "1", NULL, NULL, NULL },
	{ "d", CONF_DOUBLE, O(d), 0, 0, 100, "95%", NULL, NULL, NULL },
	{ "b", CONF_BOOL, O(b), 0, 0, 0, "no", NULL, NULL, NULL },
	{ "s", CONF_STR, O(s), sizeof(((struct all *)0)->s), 0, 0, "abc",
	    NULL, NULL, NULL },
	{ "dur", CONF_DURATION, O(dur), 0, 0, 7 * 86400000LL, "30s", NULL,
	    NULL, NULL },
	{ "size", CONF_SIZE, O(size), 0, 1, (int64_t)1 << 40, "64M", NULL,
	    NULL, NULL },
	{ "e", CONF_ENUM, O(e), 0, 0, 0, "green", colours, NULL, NULL },
	{ "odd", CONF_INT, O(odd), 0, 0, 100, "1", NULL, v_odd, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/* Apply [x] of text; "" on success, else the message. */
static const char *
apply(const char *text, struct all *a)
{
	static struct conf_err	 err;
	struct conf		*c;
	int			 rc;

	memset(&err, 0, sizeof(err));
	memset(a, 0, sizeof(*a));
	if ((c = conf_load_string("t.ini", text, &err)) == NULL)
		return err.msg;
	rc = conf_apply(c, "x", opts, a, &err);
	if (rc == 0)
		rc = conf_check_unused(c, &err);
	conf_free(c);
	return rc == 0 ? "" : err.msg;
}

static void
test_defaults(void **state)
{
	struct all a;

	(void)state;
	assert_string_equal(apply("", &a), "");
	assert_int_equal(a.i, 3);
	assert_int_equal(a.i64, 1);
	assert_true(a.d == 95.0);
	assert_false(a.b);
	assert_string_equal(a.s, "abc");
	assert_int_equal(a.dur, 30000);
	assert_int_equal(a.size, 64 << 20);
	assert_int_equal(a.e, 1);
	assert_int_equal(a.odd, 1);
}

static void
test_values(void **state)
{
	struct all a;

	(void)state;
	assert_string_equal(apply("[x]\ni = -5\ni64 = 9223372036854775807\n"
	    "d = 0.5\nb = YES\ns = 1234567\ndur = 500ms\nsize = 1G\n"
	    "e = blue\nodd = 99\n", &a), "");
	assert_int_equal(a.i, -5);
	assert_int_equal(a.i64, INT64_MAX);
	assert_true(a.d == 0.5);
	assert_true(a.b);
	assert_string_equal(a.s, "1234567");
	assert_int_equal(a.dur, 500);
	assert_int_equal(a.size, 1 << 30);
	assert_int_equal(a.e, 2);
	assert_int_equal(a.odd, 99);
	/* Inline comment and spaces. */
	assert_string_equal(apply("[ x ]\n  i = 10 ; the maximum\n", &a), "");
	assert_int_equal(a.i, 10);
}

static void
test_value_errors(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "[x]\ni = 11\n", "t.ini:2: [x] i: 11 is out of range (-5..10)" },
		{ "[x]\ni = -6\n", "t.ini:2: [x] i: -6 is out of range (-5..10)" },
		{ "[x]\ni = 3x\n", "t.ini:2: [x] i: '3x' is not a whole number" },
		{ "[x]\ni =\n", "t.ini:2: [x] i: '' is not a whole number" },
		{ "[x]\ni64 = 99999999999999999999\n",
		  "t.ini:2: [x] i64: '99999999999999999999' is not a whole "
		  "number" },
		{ "[x]\nd = 101\n", "t.ini:2: [x] d: 101 is out of range (0..100)" },
		{ "[x]\nd = nan\n", "t.ini:2: [x] d: 'nan' is not a number" },
		{ "[x]\nd = inf\n", "t.ini:2: [x] d: 'inf' is not a number" },
		{ "[x]\nd = 5 %%\n", "t.ini:2: [x] d: '5 %%' is not a number" },
		{ "[x]\nb = maybe\n", "t.ini:2: [x] b: 'maybe' is not yes or no" },
		{ "[x]\ns = 12345678\n",
		  "t.ini:2: [x] s: value longer than 7 bytes" },
		{ "[x]\ndur = 8d\n",
		  "t.ini:2: [x] dur: '8d' is out of range (0ms..604800000ms)" },
		{ "[x]\ndur = 5 weeks\n",
		  "t.ini:2: [x] dur: '5 weeks' is not a duration (e.g. 500ms, "
		  "30s, 5m, 6h, 1d)" },
		{ "[x]\ndur = 99999999999999999d\n",
		  "t.ini:2: [x] dur: '99999999999999999d' is out of range "
		  "(0ms..604800000ms)" },
		{ "[x]\nsize = 0\n",
		  "t.ini:2: [x] size: '0' is out of range (1..1099511627776 "
		  "bytes)" },
		{ "[x]\nsize = -1k\n",
		  "t.ini:2: [x] size: '-1k' is not a size (e.g. 512k, 64M, 1G)" },
		{ "[x]\nsize = 2T\n",
		  "t.ini:2: [x] size: '2T' is not a size (e.g. 512k, 64M, 1G)" },
		{ "[x]\nsize = 9999999999999G\n",
		  "t.ini:2: [x] size: '9999999999999G' is out of range "
		  "(1..1099511627776 bytes)" },
		{ "[x]\ne = Red\n",
		  "t.ini:2: [x] e: 'Red' is not one of: red, green, blue" },
		{ "[x]\nodd = 4\n", "t.ini:2: [x] odd: 4 is even" },
		{ "[x]\nzzz = 1\n", "t.ini:2: unknown key 'zzz' in [x]" },
		{ "[x]\n[y]\n", "t.ini:2: unknown section [y]" },
		/* The first problem in file order is the one reported. */
		{ "[y]\n[x]\nzzz = 1\n", "t.ini:1: unknown section [y]" },
		{ "[x]\nzzz = 1\n[y]\n", "t.ini:2: unknown key 'zzz' in [x]" },
		/* Syntax. */
		{ "[x\n", "t.ini:1: cannot parse this line (expected [section], "
		  "key = value, or a comment)" },
		{ "[x]\njust words\n", "t.ini:2: cannot parse this line "
		  "(expected [section], key = value, or a comment)" },
		{ "i = 1\n[x]\n", "t.ini:1: key 'i' is outside any [section]" },
		{ "[x]\ni = 1\n\ni = 2\n", "t.ini:4: key 'i' given twice in [x] "
		  "(first at line 2)" },
		/* The first syntax error wins over later ones (was: the last). */
		{ "i = 1\n[x]\nb = 1\nb = 2\n",
		  "t.ini:1: key 'i' is outside any [section]" },
	};
	struct all a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = apply(cases[i].text, &a);

		if (strcmp(got, cases[i].msg) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
			    cases[i].msg);
	}
}

static void
test_long_lines(void **state)
{
	char		 text[6000], v[300];
	struct all	 a;
	const char	*m;

	(void)state;
	/*
	 * Was: a value longer than inih's 200-byte line buffer was cut
	 * silently.  Now it is an error naming the line.
	 */
	memset(v, 'a', 250);
	v[250] = '\0';
	snprintf(text, sizeof(text), "[x]\n; ok\ns = %s\n", v);
	m = apply(text, &a);
	assert_string_equal(m, "t.ini:3: line longer than 198 bytes");
	/* The longest line that fits is accepted whole. */
	memset(v, ' ', 190);
	v[190] = '\0';
	snprintf(text, sizeof(text), "[x]\ni = 7%s\n", v);
	assert_string_equal(apply(text, &a), "");
	assert_int_equal(a.i, 7);
	/* Beyond our own 4 KB bound, up front. */
	memset(text, 'x', 5000);
	text[5000] = '\0';
	assert_string_equal(apply(text, &a),
	    "t.ini:1: line longer than 4094 bytes");
}

static int
each(void *arg, const char *name, const char *section, int line)
{
	char *acc = arg;

	snprintf(acc + strlen(acc), 256 - strlen(acc), "%s|%s|%d;", name,
	    section, line);
	return strcmp(name, "stop") == 0 ? 7 : 0;
}

static void
test_foreach_and_file(void **state)
{
	struct conf_err	 err;
	struct conf	*c;
	char		 acc[256] = "";
	FILE		*f;

	(void)state;
	c = conf_load_string("t.ini", "[target web]\nurl = a\n\n[target  db]\n"
	    "[other]\n[target stop]\n[target after]\n", &err);
	assert_non_null(c);
	assert_int_equal(conf_foreach(c, "target", each, acc), 7);
	assert_string_equal(acc, "web|target web|1;db|target  db|4;"
	    "stop|target stop|6;");
	assert_true(conf_has_section(c, "other"));
	assert_int_equal(conf_section_line(c, "other"), 5);
	assert_int_equal(conf_section_line(c, "absent"), 0);
	/* url was never asked for. */
	assert_int_equal(conf_check_unused(c, &err), -1);
	assert_string_equal(err.msg, "t.ini:2: unknown key 'url' in [target web]");
	conf_free(c);
	conf_free(NULL);

	assert_null(conf_load("/nonexistent/x.ini", &err));
	assert_string_equal(err.msg, "/nonexistent/x.ini: cannot open: No such "
	    "file or directory");
	f = fopen("/tmp/test_conf_nul.ini", "w");
	assert_non_null(f);
	fwrite("[x]\ni = 1\0\n", 1, 11, f);
	fclose(f);
	assert_null(conf_load("/tmp/test_conf_nul.ini", &err));
	assert_non_null(strstr(err.msg, "NUL byte"));
	remove("/tmp/test_conf_nul.ini");
}

static void
test_parsers(void **state)
{
	char	 why[128], item[8];
	int64_t	 v;
	double	 d;
	bool	 b;
	const char *cur;

	(void)state;
	assert_int_equal(parse_duration_ms("90", 0, INT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 90000);
	assert_int_equal(parse_duration_ms("2h", 0, INT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 7200000);
	assert_int_equal(parse_duration_ms("3min", 0, INT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 180000);
	assert_int_equal(parse_duration_ms("-1s", 0, INT64_MAX, &v, why,
	    sizeof(why)), -1);
	assert_int_equal(parse_size("8MB", 0, INT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 8 << 20);
	assert_int_equal(parse_size("64kib", 0, INT64_MAX, &v, why,
	    sizeof(why)), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(parse_size("12 bytes", 0, INT64_MAX, &v, why,
	    sizeof(why)), -1);
	assert_int_equal(parse_i64(" 42 ", 0, 100, &v, why, sizeof(why)), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_i64("0x10", 0, 100, &v, why, sizeof(why)), -1);
	assert_int_equal(parse_double("1e3", 0, 1e6, &d, why, sizeof(why)), 0);
	assert_true(d == 1000.0);
	assert_int_equal(parse_double("", 0, 1, &d, why, sizeof(why)), -1);
	assert_int_equal(parse_bool("Off", &b, why, sizeof(why)), 0);
	assert_false(b);
	assert_int_equal(parse_bool("", &b, why, sizeof(why)), -1);

	cur = " a, bb ,ccc  dddddddd";
	assert_int_equal(conf_list_next(&cur, item, sizeof(item)), 1);
	assert_string_equal(item, "a");
	assert_int_equal(conf_list_next(&cur, item, sizeof(item)), 1);
	assert_string_equal(item, "bb");
	assert_int_equal(conf_list_next(&cur, item, sizeof(item)), 1);
	assert_string_equal(item, "ccc");
	assert_int_equal(conf_list_next(&cur, item, sizeof(item)), -1);
	cur = " ,, ";
	assert_int_equal(conf_list_next(&cur, item, sizeof(item)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_foreach_and_file),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
