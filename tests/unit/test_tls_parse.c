/*
 * The parsers of the TLS checks: check URLs, port lists, HSTS values,
 * STARTTLS replies, the raw ClientHello / ServerHello, DNS replies,
 * banners.  Table-driven over byte strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probes/check/url.h"
#include "probes/ports/ports.h"
#include "probes/tls/tls.h"

static void
test_url_ok(void **st)
{
	static const struct {
		const char		*in;
		enum check_scheme	 scheme;
		const char		*host;
		size_t			 nports;
		uint16_t		 first, last;
		const char		*path;
	} t[] = {
		{ "tls://example.cn", SCHEME_TLS, "example.cn", 1, 443, 443, "" },
		{ "tls://example.cn:8443", SCHEME_TLS, "example.cn", 1, 8443, 8443, "" },
		{ "https://www.gov.cn", SCHEME_HTTPS, "www.gov.cn", 1, 443, 443, "/" },
		{ "HTTPS://[::1]:4433/a/b?c", SCHEME_HTTPS, "::1", 1, 4433, 4433, "/a/b?c" },
		{ "smtp://mail", SCHEME_SMTP, "mail", 1, 25, 25, "" },
		{ "imap://mail:1143", SCHEME_IMAP, "mail", 1, 1143, 1143, "" },
		{ "pop3://10.0.0.1", SCHEME_POP3, "10.0.0.1", 1, 110, 110, "" },
		{ "tcp://h:22,80,443", SCHEME_TCP, "h", 3, 22, 443, "" },
		{ "tcp://h:8000-8009,1", SCHEME_TCP, "h", 11, 8000, 1, "" },
		{ "tcp://h:1-65535", SCHEME_TCP, "h", 4096, 1, 4096, "" },
		{ "dns://ns1", SCHEME_DNS, "ns1", 1, 53, 53, "." },
		{ "dns://ns1:5353/www.example.cn", SCHEME_DNS, "ns1", 1, 5353, 5353, "www.example.cn" },
	};
	struct check_url	u;
	char			why[256];

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = check_url_parse(t[i].in, strlen(t[i].in), &u, why, sizeof(why));

		if (strcmp(t[i].in, "tcp://h:1-65535") == 0) {
			/* More than CHECK_PORTS_MAX: refused, said so. */
			assert_int_equal(rc, -1);
			assert_non_null(strstr(why, "more than 4096 ports"));
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(u.scheme, t[i].scheme);
		assert_string_equal(u.host, t[i].host);
		assert_int_equal(u.nports, t[i].nports);
		assert_int_equal(u.ports[0], t[i].first);
		assert_int_equal(u.ports[u.nports - 1], t[i].last);
		assert_string_equal(u.path, t[i].path);
	}
}

static void
test_url_bad(void **st)
{
	static const struct {
		const char *in, *why;
	} t[] = {
		{ "example.cn", "expected SCHEME://HOST" },
		{ "ftp://x", "unknown scheme 'ftp'" },
		{ "tls://", "missing host name" },
		{ "tls://h:0", "port 0 out of range" },
		{ "tls://h:65536", "port 65536 out of range" },
		{ "tls://h:123456", "port number too long" },
		{ "tls://h:", "expected a port number" },
		{ "tcp://h", "tcp:// needs ports" },
		{ "tcp://h:9-1", "port range 9-1 is backwards" },
		{ "tcp://h:1,,2", "expected a port number" },
		{ "tls://h/x", "unexpected '/' after the host" },
		{ "https://[::1", "missing ']'" },
		{ "https://[zz]", "bad character in IPv6" },
		{ "https://h/a b", "control or non-ASCII" },
		{ "tls://h x", "unexpected ' ' after the host" },
	};
	struct check_url	u;
	char			why[256];

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		assert_int_equal(check_url_parse(t[i].in, strlen(t[i].in), &u, why,
		    sizeof(why)), -1);
		if (strstr(why, t[i].why) == NULL)
			fail_msg("%s: got '%s', want '%s'", t[i].in, why, t[i].why);
	}
	/* The length bound is honoured: no read past len. */
	assert_int_equal(check_url_parse("tls://abc", 7, &u, why, sizeof(why)), 0);
	assert_string_equal(u.host, "a");
}

static void
test_ports_list(void **st)
{
	uint16_t	p[CHECK_PORTS_MAX];
	size_t		n = 0;
	char		why[128];

	(void)st;
	assert_int_equal(check_ports_parse("22, 80,443 8000-8002", 64, p, &n, why,
	    sizeof(why)), 0);
	assert_int_equal(n, 6);
	assert_int_equal(p[5], 8002);
	n = 0;
	assert_int_equal(check_ports_parse("", 1, p, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(check_ports_parse("22x", 3, p, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unexpected 'x'"));
}

static void
test_hsts(void **st)
{
	static const struct {
		const char	*in;
		int		 rc;
		int64_t		 age;
		bool		 sub;
	} t[] = {
		{ "max-age=31536000", 0, 31536000, false },
		{ " max-age=31536000; includeSubDomains; preload", 0, 31536000, true },
		{ "MAX-AGE = \"600\" ;INCLUDESUBDOMAINS", 0, 600, true },
		{ "max-age=0", 0, 0, false },
		{ "includeSubDomains", -1, -1, true },
		{ "max-age=1; max-age=2", -1, 1, false },	/* twice: invalid */
		{ "max-age=", -1, -1, false },
		{ "max-age=12x", -1, -1, false },
		{ "max-age=\"12", -1, -1, false },
		{ "max-age=99999999999999999999999", 0, 999999999999, false },
		{ "", -1, -1, false },
		{ "foo=\"a;b\"; max-age=5", 0, 5, false },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t	age;
		bool	sub;
		int	rc = hsts_parse(t[i].in, strlen(t[i].in), &age, &sub);

		if (rc != t[i].rc)
			fail_msg("'%s': rc %d want %d", t[i].in, rc, t[i].rc);
		if (rc == 0) {
			assert_int_equal(age, t[i].age);
			assert_int_equal(sub, t[i].sub);
		}
	}
}

static void
test_starttls_replies(void **st)
{
	static const struct {
		enum check_scheme	 s;
		const char		*tag;
		const char		*in;
		int			 rc, code;
		bool			 starttls;
	} t[] = {
		{ SCHEME_SMTP, NULL, "220 mx ESMTP\r\n", 1, 220, false },
		{ SCHEME_SMTP, NULL, "220 mx ESMTP", 0, 0, false },	/* no CRLF yet */
		{ SCHEME_SMTP, NULL, "250-mx\r\n250-PIPELINING\r\n", 0, 0, false },
		{ SCHEME_SMTP, NULL, "250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n", 1, 250, true },
		{ SCHEME_SMTP, NULL, "250-mx\r\n250 STARTTLSX\r\n", 1, 250, false },
		{ SCHEME_SMTP, NULL, "250-mx\r\n251 x\r\n", -1, 0, false },
		{ SCHEME_SMTP, NULL, "2x0 mx\r\n", -1, 0, false },
		{ SCHEME_SMTP, NULL, "220\r\n", 1, 220, false },
		{ SCHEME_SMTP, NULL, "220_x\r\n", -1, 0, false },
		{ SCHEME_IMAP, NULL, "* OK IMAP4rev1 ready\r\n", 1, 1, false },
		{ SCHEME_IMAP, NULL, "* BYE go away\r\n", 1, 0, false },
		{ SCHEME_IMAP, NULL, "+ hi\r\n", -1, 0, false },
		{ SCHEME_IMAP, "a1", "* CAPABILITY x\r\na1 OK Begin TLS\r\n", 1, 1, false },
		{ SCHEME_IMAP, "a1", "a1 BAD no\r\n", 1, 0, false },
		{ SCHEME_IMAP, "a1", "a2 OK\r\n", -1, 0, false },
		{ SCHEME_IMAP, "a1", "a1OK\r\n", -1, 0, false },
		{ SCHEME_POP3, NULL, "+OK POP3 ready\r\n", 1, 1, false },
		{ SCHEME_POP3, NULL, "-ERR no\r\n", 1, 0, false },
		{ SCHEME_POP3, NULL, "HELLO\r\n", -1, 0, false },
		{ SCHEME_TLS, NULL, "+OK\r\n", -1, 0, false },
	};

	(void)st;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int	code = 0;
		bool	has = false;
		int	rc = starttls_reply(t[i].s, (const uint8_t *)t[i].in,
			    strlen(t[i].in), t[i].tag, &code, &has);

		if (rc != t[i].rc)
			fail_msg("case %zu '%s': rc %d want %d", i, t[i].in, rc, t[i].rc);
		if (rc == 1) {
			assert_int_equal(code, t[i].code);
			assert_int_equal(has, t[i].starttls);
		}
	}
}

static void
test_hello(void **st)
{
	static const uint16_t	suites[] = { 0x0004, 0x0005 };
	uint8_t			b[1024];
	int			n;
	struct tls_server_hello	sh;
	/* A ServerHello choosing 0x0005 at TLS 1.2, empty session id. */
	uint8_t			hello[5 + 4 + 38];
	static const uint8_t	alert[] = { 21, 3, 3, 0, 2, 2, 40 };

	(void)st;
	n = tls_hello_build(suites, 2, "www.example.cn", b, sizeof(b));
	assert_true(n > 50);
	assert_int_equal(b[0], 22);
	assert_int_equal((b[3] << 8 | b[4]) + 5, n);		/* record length */
	assert_int_equal(b[5], 1);				/* client_hello */
	assert_int_equal((b[6] << 16 | b[7] << 8 | b[8]) + 9, n);
	assert_non_null(memmem(b, (size_t)n, "www.example.cn", 14));
	/* No SNI for an address. */
	n = tls_hello_build(suites, 2, "127.0.0.1", b, sizeof(b));
	assert_null(memmem(b, (size_t)n, "127.0.0.1", 9));
	assert_int_equal(tls_hello_build(suites, 2, "x", b, 40), -1);

	memset(hello, 0, sizeof(hello));
	hello[0] = 22; hello[1] = 3; hello[2] = 3; hello[3] = 0; hello[4] = 42;
	hello[5] = 2; hello[6] = 0; hello[7] = 0; hello[8] = 38;
	hello[9] = 3; hello[10] = 3;		/* version; random 32 zero */
	hello[43] = 0;				/* session id len */
	hello[44] = 0x00; hello[45] = 0x05;	/* cipher */
	assert_int_equal(tls_server_hello_parse(hello, sizeof(hello), &sh), 1);
	assert_int_equal(sh.cipher, 0x0005);
	assert_int_equal(sh.version, 0x0303);
	/* Every truncation asks for more or is malformed; never reads past. */
	for (size_t k = 0; k < sizeof(hello); k++) {
		int r = tls_server_hello_parse(hello, k, &sh);

		assert_true(r == 0 || r == -1);
	}
	assert_int_equal(tls_server_hello_parse(alert, sizeof(alert), &sh), 2);
	assert_int_equal(sh.alert, 40);
	assert_int_equal(tls_server_hello_parse((const uint8_t *)"HTTP/1.1 400",
	    12, &sh), -1);
}

static void
test_dns_reply(void **st)
{
	uint8_t			q[300];
	struct dns_result	r;
	int			n;

	(void)st;
	n = dns_query_build(0x1234, "www.example.cn", 1, q, sizeof(q));
	assert_int_equal(n, 12 + 16 + 4);
	assert_int_equal(dns_query_build(1, "a..b", 1, q, sizeof(q)), -1);
	assert_int_equal(dns_query_build(1, ".", 1, q, sizeof(q)), 12 + 1 + 4);
	/* Turn the query into a reply: QR set, RCODE 3 (NXDOMAIN). */
	n = dns_query_build(0x1234, "www.example.cn", 1, q, sizeof(q));
	q[2] |= 0x80;
	q[3] = 0x83;
	memset(&r, 0, sizeof(r));
	assert_int_equal(dns_reply_parse(q, (size_t)n, 0x1234, &r), 0);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(dns_reply_parse(q, (size_t)n, 0x4321, &r), -1);
	assert_non_null(strstr(r.why, "not ours"));
	for (int k = 0; k < n; k++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(dns_reply_parse(q, (size_t)k, 0x1234, &r), -1);
	}
	q[2] &= 0x7f;
	assert_int_equal(dns_reply_parse(q, (size_t)n, 0x1234, &r), -1);
	assert_non_null(strstr(r.why, "QR bit"));
}

static void
test_banner_clean(void **st)
{
	char	out[16];

	(void)st;
	assert_int_equal(port_banner_clean((const uint8_t *)"SSH-2.0-OpenSSH\r\nxx",
	    19, out, sizeof(out)), 15);
	assert_string_equal(out, "SSH-2.0-OpenSSH");
	port_banner_clean((const uint8_t *)"\r\n220 a\x01\xff b  \n", 14, out,
	    sizeof(out));
	assert_string_equal(out, "220 a.. b");
	port_banner_clean((const uint8_t *)"0123456789abcdefghij", 20, out,
	    sizeof(out));
	assert_int_equal(strlen(out), 15);
	assert_int_equal(port_banner_clean((const uint8_t *)"x", 1, out, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_ok),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_ports_list),
		cmocka_unit_test(test_hsts),
		cmocka_unit_test(test_starttls_replies),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_dns_reply),
		cmocka_unit_test(test_banner_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
