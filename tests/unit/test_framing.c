/*
 * Request framing (collector/framing.c): one Content-Length of plain
 * digits, or Transfer-Encoding: chunked alone; anything else refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collector/framing.h"

static int
cl1(const char *v, char *why, size_t whylen)
{
	const char *cl[1] = { v };

	return framing_check(cl, 1, NULL, 0, why, whylen);
}

static void
test_good(void **state)
{
	const char	*te[1] = { "Chunked" };
	char		 why[200];

	(void)state;
	assert_int_equal(framing_check(NULL, 0, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(cl1("0", why, sizeof(why)), 0);
	assert_int_equal(cl1("17", why, sizeof(why)), 0);
	assert_int_equal(cl1("000000000000042", why, sizeof(why)), 0);
	assert_int_equal(framing_check(NULL, 0, te, 1, why, sizeof(why)), 0);
}

static void
test_bad_values(void **state)
{
	/* Signs, spaces inside, lists, hex, octal-ish, empty, overflow. */
	const char *bad[] = { "+7", "-0", "-12", "7 ", "\t7", "7,7", "7, 7",
	    "0x1f", "0X1F", "1e3", "", "3.0", "12345678901234567890",
	    "9999999999999999", "\xc2\xb9", "4\"}\\", "7\r\n" };
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(cl1(bad[i], why, sizeof(why)), -1);
		assert_non_null(strstr(why, "Content-Length"));
		/* The quoted value is safe inside a JSON string. */
		assert_null(strchr(why, '\\'));
		assert_null(strchr(why + strlen("Content-Length \""), '\r'));
	}
}

static void
test_duplicates(void **state)
{
	const char	*same[] = { "9", "9" }, *diff[] = { "3", "31", "3" };
	const char	*te2[] = { "chunked", "chunked" }, *teg[] = { "gzip" };
	const char	*tegc[] = { "gzip, chunked" }, *cl[] = { "4" };
	char		 why[200];

	(void)state;
	/* Even identical values: one field only. */
	assert_int_equal(framing_check(same, 2, NULL, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "2 Content-Length"));
	assert_int_equal(framing_check(diff, 3, NULL, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "3 Content-Length"));
	assert_int_equal(framing_check(NULL, 0, te2, 2, why, sizeof(why)), -1);
	assert_int_equal(framing_check(NULL, 0, teg, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "gzip"));
	assert_int_equal(framing_check(NULL, 0, tegc, 1, why, sizeof(why)), -1);
	/* Both framings: refused whatever the values. */
	assert_int_equal(framing_check(cl, 1, te2, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "both"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_duplicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
