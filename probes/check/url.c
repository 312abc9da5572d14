/*
 * Parser for the check URLs (see url.h).  Hand-written rather than
 * curl_url(): the schemes are ours, port lists are not URL syntax, and
 * errors must say exactly what is wrong.
 */
#include <stdio.h>
#include <string.h>

#include "common/rbuf.h"
#include "probes/check/url.h"

static const struct {
	const char		*name;
	enum check_scheme	 scheme;
	uint16_t		 defport;	/* 0: ports required */
} schemes[] = {
	{ "tls",	SCHEME_TLS,	443 },
	{ "https",	SCHEME_HTTPS,	443 },
	{ "smtp",	SCHEME_SMTP,	25 },
	{ "imap",	SCHEME_IMAP,	143 },
	{ "pop3",	SCHEME_POP3,	110 },
	{ "tcp",	SCHEME_TCP,	0 },
	{ "dns",	SCHEME_DNS,	53 },
	{ "icmp",	SCHEME_ICMP,	0 },
	{ "snmp",	SCHEME_SNMP,	161 },
};

const char *
check_scheme_name(enum check_scheme s)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].scheme == s)
			return schemes[i].name;
	return "?";
}

int
check_scheme_tls(enum check_scheme s)
{
	return s == SCHEME_TLS || s == SCHEME_HTTPS || s == SCHEME_SMTP ||
	    s == SCHEME_IMAP || s == SCHEME_POP3;
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int
host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* One decimal port 1..65535 from b, stopping at a non-digit. */
static int
read_port(struct rbuf *b, uint16_t *out, char *why, size_t whylen)
{
	uint32_t	v = 0;
	size_t		nd = 0;
	uint8_t		c;

	while (rbuf_peek_u8(b, 0, &c) == 0 && is_digit(c)) {
		rbuf_skip(b, 1);
		if (++nd > 5) {
			snprintf(why, whylen, "port number too long");
			return -1;
		}
		v = v * 10 + (uint32_t)(c - '0');
	}
	if (nd == 0) {
		snprintf(why, whylen, "expected a port number");
		return -1;
	}
	if (v < 1 || v > 65535) {
		snprintf(why, whylen, "port %u out of range 1..65535", v);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

static int
ports_from(struct rbuf *b, uint16_t *ports, size_t *n, char *why, size_t whylen)
{
	uint8_t	c;

	for (;;) {
		uint16_t lo, hi;

		if (read_port(b, &lo, why, whylen) == -1)
			return -1;
		hi = lo;
		if (rbuf_peek_u8(b, 0, &c) == 0 && c == '-') {
			rbuf_skip(b, 1);
			if (read_port(b, &hi, why, whylen) == -1)
				return -1;
			if (hi < lo) {
				snprintf(why, whylen, "port range %u-%u is backwards",
				    lo, hi);
				return -1;
			}
		}
		for (uint32_t p = lo; p <= hi; p++) {
			if (*n >= CHECK_PORTS_MAX) {
				snprintf(why, whylen, "more than %d ports",
				    CHECK_PORTS_MAX);
				return -1;
			}
			ports[(*n)++] = (uint16_t)p;
		}
		if (rbuf_peek_u8(b, 0, &c) == -1 || c != ',')
			return 0;
		rbuf_skip(b, 1);
	}
}

int
check_ports_parse(const char *s, size_t len, uint16_t *ports, size_t *n,
    char *why, size_t whylen)
{
	struct rbuf	b;
	uint8_t		c;

	rbuf_init(&b, s, strnlen(s, len));
	/* Allow spaces after commas, as people write them in configs. */
	while (rbuf_left(&b) > 0) {
		struct rbuf	one;
		size_t		k = 0;

		while (rbuf_peek_u8(&b, 0, &c) == 0 && (c == ' ' || c == ','))
			rbuf_skip(&b, 1);
		if (rbuf_left(&b) == 0)
			break;
		while (rbuf_peek_u8(&b, k, &c) == 0 && c != ' ' && c != ',')
			k++;
		rbuf_sub(&b, k, &one);
		if (ports_from(&one, ports, n, why, whylen) == -1)
			return -1;
		if (rbuf_left(&one) != 0) {
			snprintf(why, whylen, "unexpected '%c' in port list",
			    one.p[0]);
			return -1;
		}
	}
	return 0;
}

int
check_url_parse(const char *s, size_t len, struct check_url *u, char *why,
    size_t whylen)
{
	struct rbuf	b;
	size_t		i, k;
	uint8_t		c;
	const char	*sep;
	int		found = 0;

	memset(u, 0, sizeof(*u));
	len = strnlen(s, len);
	sep = memmem(s, len, "://", 3);
	if (sep == NULL) {
		snprintf(why, whylen, "expected SCHEME://HOST (tls, https, smtp, "
		    "imap, pop3, tcp, dns, icmp, snmp)");
		return -1;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i].name) == (size_t)(sep - s) &&
		    strncasecmp(s, schemes[i].name, (size_t)(sep - s)) == 0) {
			found = 1;
			break;
		}
	}
	if (!found) {
		snprintf(why, whylen, "unknown scheme '%.*s' (expected tls, "
		    "https, smtp, imap, pop3, tcp, dns, icmp or snmp)",
		    (int)((sep - s) > 16 ? 16 : (sep - s)), s);
		return -1;
	}
	u->scheme = schemes[i].scheme;
	rbuf_init(&b, sep + 3, len - (size_t)(sep + 3 - s));

	/* snmp://COMMUNITY@HOST: the community ends at the last '@'. */
	if (u->scheme == SCHEME_SNMP) {
		size_t at = 0, have = 0;

		for (k = 0; k < rbuf_left(&b); k++)
			if (b.p[k] == '@') {
				at = k;
				have = 1;
			}
		if (have) {
			if (at == 0 || at >= sizeof(u->community)) {
				snprintf(why, whylen, "community must be 1..%zu "
				    "bytes", sizeof(u->community) - 1);
				return -1;
			}
			for (k = 0; k < at; k++)
				if (b.p[k] <= ' ' || b.p[k] >= 0x7f) {
					snprintf(why, whylen, "control or "
					    "non-ASCII byte in the community");
					return -1;
				}
			rbuf_bytes(&b, u->community, at);
			rbuf_skip(&b, 1);
		}
	}

	/* Host: [v6] or name/v4. */
	if (rbuf_peek_u8(&b, 0, &c) == 0 && c == '[') {
		rbuf_skip(&b, 1);
		for (k = 0; rbuf_peek_u8(&b, k, &c) == 0 && c != ']'; k++)
			if (!(is_digit(c) || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
				snprintf(why, whylen, "bad character in IPv6 address");
				return -1;
			}
		if (rbuf_peek_u8(&b, k, &c) == -1) {
			snprintf(why, whylen, "missing ']' after IPv6 address");
			return -1;
		}
		if (k == 0 || k >= sizeof(u->host)) {
			snprintf(why, whylen, "bad IPv6 address length");
			return -1;
		}
		rbuf_bytes(&b, u->host, k);
		rbuf_skip(&b, 1);
	} else {
		for (k = 0; rbuf_peek_u8(&b, k, &c) == 0 && host_char(c); k++)
			;
		if (k == 0) {
			snprintf(why, whylen, "missing host name");
			return -1;
		}
		if (k >= sizeof(u->host)) {
			snprintf(why, whylen, "host name longer than %zu bytes",
			    sizeof(u->host) - 1);
			return -1;
		}
		rbuf_bytes(&b, u->host, k);
	}

	if (rbuf_peek_u8(&b, 0, &c) == 0 && c == ':' &&
	    u->scheme == SCHEME_ICMP) {
		snprintf(why, whylen, "icmp:// takes no port");
		return -1;
	}
	if (rbuf_peek_u8(&b, 0, &c) == 0 && c == ':') {
		rbuf_skip(&b, 1);
		if (u->scheme == SCHEME_TCP) {
			if (ports_from(&b, u->ports, &u->nports, why, whylen) == -1)
				return -1;
		} else if (read_port(&b, &u->ports[0], why, whylen) == -1) {
			return -1;
		} else {
			u->nports = 1;
		}
	} else if (u->scheme == SCHEME_ICMP) {
		u->nports = 0;
	} else if (schemes[i].defport == 0) {
		snprintf(why, whylen, "tcp:// needs ports: tcp://HOST:PORT[,PORT]");
		return -1;
	} else {
		u->ports[0] = schemes[i].defport;
		u->nports = 1;
	}

	/* Path (https) or query name (dns); nothing else may follow. */
	if (rbuf_left(&b) > 0) {
		if (rbuf_peek_u8(&b, 0, &c) == -1 || c != '/' ||
		    (u->scheme != SCHEME_HTTPS && u->scheme != SCHEME_DNS)) {
			snprintf(why, whylen, "unexpected '%c' after the %s",
			    b.p[0], u->scheme == SCHEME_TCP ? "ports" : "host");
			return -1;
		}
		if (u->scheme == SCHEME_DNS)
			rbuf_skip(&b, 1);
		if (rbuf_left(&b) >= sizeof(u->path)) {
			snprintf(why, whylen, "path longer than %zu bytes",
			    sizeof(u->path) - 1);
			return -1;
		}
		for (k = 0; k < rbuf_left(&b); k++)
			if (b.p[k] <= ' ' || b.p[k] >= 0x7f) {
				snprintf(why, whylen, "control or non-ASCII byte "
				    "in path");
				return -1;
			}
		rbuf_bytes(&b, u->path, rbuf_left(&b));
	}
	if (u->scheme == SCHEME_HTTPS && u->path[0] == '\0')
		snprintf(u->path, sizeof(u->path), "/");
	if (u->scheme == SCHEME_DNS && u->path[0] == '\0')
		snprintf(u->path, sizeof(u->path), ".");
	return 0;
}
