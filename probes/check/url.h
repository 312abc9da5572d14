/*
 * Check targets written as URLs (command line and [target] url=):
 *
 *   tls://HOST[:PORT]            TLS assessment (default port 443)
 *   https://HOST[:PORT][/PATH]   TLS assessment + HTTP status, redirect, HSTS
 *   smtp://HOST[:PORT]           STARTTLS (RFC 3207), default 25
 *   imap://HOST[:PORT]           STARTTLS (RFC 3501 6.2.1), default 143
 *   pop3://HOST[:PORT]           STLS (RFC 2595 4), default 110
 *   tcp://HOST:PORT[,PORT|,A-B]  TCP connect checks
 *   dns://HOST[:PORT][/NAME]     UDP DNS query (default 53, name ".")
 *   icmp://HOST                  ICMP echo (IPv4)
 *   snmp://[COMMUNITY@]HOST[:PORT]  SNMP v2c (default 161, community
 *                                "public"); SNMPv3 secrets come from
 *                                the [target] section, never the URL
 *
 * HOST is a DNS name, an IPv4 address or [IPv6].  The parser reads only
 * within the given length and never past a NUL.
 */
#ifndef SHAOBING_CHECK_URL_H
#define SHAOBING_CHECK_URL_H

#include <stddef.h>
#include <stdint.h>

#define CHECK_HOST_MAX	256
#define CHECK_PATH_MAX	512
#define CHECK_PORTS_MAX	4096

enum check_scheme {
	SCHEME_TLS = 0,
	SCHEME_HTTPS,
	SCHEME_SMTP,
	SCHEME_IMAP,
	SCHEME_POP3,
	SCHEME_TCP,
	SCHEME_DNS,
	SCHEME_ICMP,
	SCHEME_SNMP,
};

struct check_url {
	enum check_scheme	scheme;
	char			host[CHECK_HOST_MAX];	/* without brackets */
	uint16_t		ports[CHECK_PORTS_MAX];
	size_t			nports;
	char			path[CHECK_PATH_MAX];	/* https: "/..." ; dns: query name */
	char			community[64];	/* snmp: before '@'; "" when absent */
};

/* 0, or -1 with why ("port 70000 out of range 1..65535"). */
int	check_url_parse(const char *s, size_t len, struct check_url *u,
	    char *why, size_t whylen);
/*
 * A port list "22,80,443,8000-8010" (ranges inclusive) appended to
 * ports[*n...] (cap CHECK_PORTS_MAX).  0, or -1 with why.
 */
int	check_ports_parse(const char *s, size_t len, uint16_t *ports, size_t *n,
	    char *why, size_t whylen);
/* Does the scheme speak TLS (directly or after STARTTLS)? */
int	check_scheme_tls(enum check_scheme s);
const char *check_scheme_name(enum check_scheme s);

#endif
