/*
 * The small common helpers, one copy each: csv_cell (the formula guard),
 * time_parse_date, conf_err_set / conf_why_set, token_new, hex, the OUI table
 * and MAC parsing (common/oui.c), inventory_print.
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

#include "common/conf.h"
#include "common/csv.h"
#include "common/hex.h"
#include "common/inventory_print.h"
#include "common/oui.h"
#include "common/timeutil.h"
#include "common/token.h"
#include "common/version.h"

/* What csv_cell writes for s. */
static char *
cell(const char *s)
{
	char	*p = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&p, &n);

	assert_non_null(f);
	csv_cell(f, s);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void
test_csv_cell(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "a,b\nc", "\"a,b\nc\"" },
		{ "=1+1", "\"'=1+1\"" },
		{ "+86 10", "\"'+86 10\"" },
		{ "-2", "\"'-2\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "a=b", "\"a=b\"" },
		{ "端口扫描 port scan", "\"端口扫描 port scan\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = cell(rows[i].in);

		assert_string_equal(got, rows[i].out);
		free(got);
	}
}

static void
test_parse_date(void **state)
{
	static const char *const bad[] = {
		"", "2026-1-01", "2026-01-1", "2026/01/01", "1969-12-31",
		"2026-00-10", "2026-13-01", "2026-01-00", "2026-01-32",
		"2025-02-29", "2026-04-31", "2100-02-29", "2026-01-01 ",
		" 2026-01-01", "2026-01-0x", "+026-01-01", "２０２６-01-01",
	};
	int64_t		day = 12345;
	int		y;
	unsigned	m, d;

	(void)state;
	assert_int_equal(time_parse_date("1970-01-01", 10, &day), 0);
	assert_int_equal(day, 0);
	assert_int_equal(time_parse_date("2024-02-29", 10, &day), 0);
	time_civil_from_days(day, &y, &m, &d);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_int_equal(time_parse_date("2000-02-29", 10, &day), 0);
	assert_int_equal(time_parse_date("9999-12-31", 10, &day), 0);
	/* Exactly n bytes: what follows is not read. */
	assert_int_equal(time_parse_date("2026-11-27T13:37:20Z", 10, &day), 0);
	assert_int_equal(time_parse_date("2026-11-27", 9, &day), -1);
	assert_int_equal(time_parse_date(NULL, 10, &day), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		day = 777;
		assert_int_equal(time_parse_date(bad[i], strlen(bad[i]), &day),
		    -1);
		assert_int_equal(day, 777);
	}
}

static void
test_err_set(void **state)
{
	struct conf_err	err;
	char		why[8];

	(void)state;
	conf_err_set(&err, "%s:%d: %s", "a.ini", 3, "bad");
	assert_string_equal(err.msg, "a.ini:3: bad");
	conf_err_set(NULL, "ignored %d", 1);
	/* Cut UTF-8-safely (common/text.h), marked with "…". */
	conf_why_set(why, sizeof(why), "%s", "longer than eight");
	assert_string_equal(why, "long\u2026");
	conf_why_set(why, sizeof(why), "%s", "\u00e9\u00e9\u00e9\u00e9\u00e9");
	assert_string_equal(why, "\u00e9\u00e9\u2026");
	conf_why_set(NULL, 10, "x");
	why[0] = 'q';
	conf_why_set(why, 0, "x");
	assert_int_equal(why[0], 'q');
}

static void
test_token(void **state)
{
	char a[4 + TOKEN_HEX_LEN + 1], b[4 + TOKEN_HEX_LEN + 1];

	(void)state;
	assert_int_equal(token_new("sbk_", a, sizeof(a)), 0);
	assert_int_equal(token_new("sbk_", b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 4 + TOKEN_HEX_LEN);
	assert_memory_equal(a, "sbk_", 4);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), TOKEN_HEX_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(token_new("", a, TOKEN_HEX_LEN + 1), 0);
	assert_int_equal(strlen(a), TOKEN_HEX_LEN);
	assert_int_equal(token_new("", a, TOKEN_HEX_LEN), -1);
	assert_int_equal(token_new("sbe_", b, TOKEN_HEX_LEN + 4), -1);
}

static void
test_hex(void **state)
{
	static const unsigned char b[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[2 * sizeof(b) + 1];

	(void)state;
	hex_encode(b, sizeof(b), out);
	assert_string_equal(out, "000fa5ff");
	hex_encode(b, 0, out);
	assert_string_equal(out, "");
	assert_int_equal(hex_digit('0'), 0);
	assert_int_equal(hex_digit('9'), 9);
	assert_int_equal(hex_digit('a'), 10);
	assert_int_equal(hex_digit('F'), 15);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(':'), -1);
	assert_int_equal(hex_digit(0x80), -1);
	assert_int_equal(hex_digit(-1), -1);
}

static const char oui_text[] =
	"OUI/MA-L                                                    Organization\n"
	"company_id                                                  Organization\n"
	"\n"
	"00-22-72   (hex)\t\tAmerican Micro-Fuel Device Corp.\n"
	"002272     (base 16)\t\tAmerican Micro-Fuel Device Corp.\n"
	"D4-5D-64   (hex)\t\tASUSTek COMPUTER INC.\r\n"
	"ZZ-00-00   (hex)\t\tbroken\n";

static void
test_oui(void **state)
{
	static const uint8_t	 asus[6] = { 0xd4, 0x5d, 0x64, 1, 2, 3 };
	static const uint8_t	 none[6] = { 0x00, 0x11, 0x22, 1, 2, 3 };
	struct oui_table	*t;
	uint8_t			 mac[6];
	size_t			 bad = 0;
	char			 path[] = "/tmp/sb-oui-XXXXXX", buf[64];
	int			 fd;

	(void)state;
	t = oui_parse(oui_text, sizeof(oui_text) - 1, &bad);
	assert_non_null(t);
	assert_int_equal(oui_count(t), 2);
	assert_int_equal(bad, 1);
	assert_string_equal(oui_lookup_mac(t, asus), "ASUSTek COMPUTER INC.");
	assert_null(oui_lookup_mac(t, none));
	assert_string_equal(oui_lookup(t, "00-22-72-AA-BB-CC"),
	    "American Micro-Fuel Device Corp.");
	assert_null(oui_lookup(t, "00:22:72"));
	oui_free(t);

	assert_int_equal(oui_mac_parse("D4:5d:64:01:02:03", mac), 0);
	assert_memory_equal(mac, asus, 6);
	assert_int_equal(oui_mac_parse("d4-5d-64-01-02-03", mac), 0);
	assert_int_equal(oui_mac_parse("00:00:00:00:00:00", mac), -1);
	assert_int_equal(oui_mac_parse("01:00:5e:00:00:01", mac), -1);
	assert_int_equal(oui_mac_parse("ff:ff:ff:ff:ff:ff", mac), -1);
	assert_int_equal(oui_mac_parse("d4:5d:64:01:02:0", mac), -1);
	assert_int_equal(oui_mac_parse("d4:5d:64:01:02:0g", mac), -1);
	assert_int_equal(oui_mac_parse("d4.5d.64.01.02.03", mac), -1);
	assert_int_equal(oui_mac_parse(NULL, mac), -1);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, oui_text, sizeof(oui_text) - 1),
	    (ssize_t)(sizeof(oui_text) - 1));
	close(fd);
	assert_string_equal(oui_file_vendor(path, asus, buf, sizeof(buf)),
	    "ASUSTek COMPUTER INC.");
	assert_null(oui_file_vendor(path, none, buf, sizeof(buf)));
	unlink(path);
	assert_null(oui_file_vendor(path, asus, buf, sizeof(buf)));
}

static void
test_inventory_print(void **state)
{
	json_t	*snap;
	char	*p = NULL;
	size_t	 n = 0;
	FILE	*f;

	(void)state;
	time_set_zone("Asia/Shanghai");
	snap = json_pack("{s:s, s:{s:s, s:s}}", "collected_at",
	    "2026-11-27T13:37:20.000Z", "os", "pretty_name",
	    "Debian GNU/Linux 12", "kernel", "6.1.0");
	assert_non_null(snap);
	assert_non_null(f = open_memstream(&p, &n));
	inventory_print(snap, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(p, "Debian GNU/Linux 12"));
	assert_non_null(strstr(p, "2026-11-27 21:37:20"));
	free(p);
	json_decref(snap);
}

/* Every client's User-Agent carries the one version number. */
static void
test_user_agent(void **state)
{
	char	ua[VERSION_UA_MAX], want[VERSION_UA_MAX], small[12];

	(void)state;
	snprintf(want, sizeof(want), "shaobing-agent/%s", shaobing_version);
	assert_string_equal(version_user_agent(ua, sizeof(ua),
	    "shaobing-agent", NULL), want);
	snprintf(want, sizeof(want), "Mozilla/5.0 (compatible; "
	    "shaobing-agent/%s web)", shaobing_version);
	assert_string_equal(version_user_agent(ua, sizeof(ua),
	    "shaobing-agent", "Mozilla/5.0 (compatible; %V web)"), want);
	/* Too small: cut, never overrun, always terminated. */
	version_user_agent(small, sizeof(small), "shaobing-collector", "ab %V");
	assert_string_equal(small, "ab ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_agent),
		cmocka_unit_test(test_csv_cell),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_err_set),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_oui),
		cmocka_unit_test(test_inventory_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
