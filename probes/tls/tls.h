/*
 * The TLS assessment of one endpoint (OpenSSL for the handshakes, raw
 * ClientHellos for cipher classes the local OpenSSL no longer has,
 * libcurl for the HTTP side of HTTPS targets).
 *
 * tls_assess() produces a JSON report (protocol, cipher, group, chain,
 * certificate details, versions, cipher classes, HTTP) and appends
 * findings with stable codes:
 *   cert_expired cert_not_yet_valid cert_self_signed cert_untrusted
 *   chain_incomplete hostname_mismatch cert_expiring weak_key
 *   weak_signature tls10_accepted tls11_accepted weak_cipher no_hsts
 *   hsts_short no_https_redirect http_error starttls_unavailable
 * (check.c adds tls_failed, port_down, port_exposed.)
 */
#ifndef SHAOBING_TLS_H
#define SHAOBING_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "probes/check/finding.h"
#include "probes/check/url.h"

struct tls_opts {
	const char		*host;		/* to connect to */
	uint16_t		 port;
	const char		*servername;	/* SNI + name to verify; NULL: host */
	const char		*ca_file;	/* NULL: the system store */
	enum check_scheme	 scheme;	/* TLS, HTTPS, SMTP, IMAP, POP3 */
	const char		*path;		/* HTTPS */
	uint16_t		 http_port;	/* HTTPS: where to test the redirect; 0 none */
	int64_t			 timeout_ms;	/* per connection */
	int			 warn_days;	/* cert_expiring (medium) */
	int			 crit_days;	/* cert_expiring (high) */
};

/*
 * Assess one endpoint.  *report gets a new JSON object in any case
 * (partial when the handshake failed).  Returns 0 when the handshake
 * succeeded (findings describe what is wrong), -1 when it could not
 * be made (why filled; *port_state says whether the port was closed,
 * filtered, ...; PORT_OPEN means TCP worked but TLS did not).
 */
/*
 * The "certificate" object of the report for certificate c (an OpenSSL
 * X509, as the server sent it): subject, issuer, SANs, SHA-256, key,
 * signature algorithm, validity.  Exported for tests/fuzz/fuzz_pki_der.c.
 */
struct x509_st;
json_t	*tls_cert_json(struct x509_st *c);

int	tls_assess(const struct tls_opts *o, json_t **report,
	    struct findings *f, int *port_state, char *why, size_t whylen);

/* ---- STARTTLS (starttls.c) ------------------------------------------ */

/*
 * Is the server reply in p..n complete?  Returns 1 with *code (SMTP:
 * the 3-digit code; IMAP/POP3: 1 for OK, 0 for NO/BAD/-ERR), 0 when
 * more bytes are needed, -1 when malformed.  For SMTP *has_starttls
 * tells whether an EHLO reply advertised STARTTLS (RFC 3207 4).
 * imap_tag is the tag to wait for, or NULL for the untagged greeting.
 */
int	starttls_reply(enum check_scheme s, const uint8_t *p, size_t n,
	    const char *imap_tag, int *code, bool *has_starttls);
/* Run the plain-text prelude on fd (blocking with deadline).  -1 with why. */
int	starttls_negotiate(int fd, enum check_scheme s, const char *helo,
	    int64_t timeout_ms, char *why, size_t whylen);

/* ---- raw hello (tls_hello.c) ----------------------------------------- */

struct tls_server_hello {
	uint16_t	version;	/* legacy server_version */
	uint16_t	cipher;
	uint8_t		alert;		/* when the reply was an alert */
};

/*
 * A TLS 1.2 ClientHello record (RFC 5246 7.4.1.2) offering exactly the
 * given suites, with SNI (when sni is a name, not an address) and the
 * groups / point formats / signature algorithms a server needs to pick
 * an ECDHE suite.  Returns its length or -1 when buf is short.
 */
int	tls_hello_build(const uint16_t *suites, size_t nsuites, const char *sni,
	    uint8_t *buf, size_t buflen);
/*
 * Read the server's first flight.  1: ServerHello parsed; 2: an alert
 * (refused); 0: need more bytes; -1 malformed (not TLS).
 */
int	tls_server_hello_parse(const uint8_t *p, size_t n,
	    struct tls_server_hello *sh);

/* ---- HTTP over the TLS endpoint (tls_http.c) ------------------------- */

/*
 * Strict-Transport-Security value (RFC 6797 6.1).  0 with *max_age
 * (seconds) and *subdomains; -1 when there is no valid max-age.
 */
int	hsts_parse(const char *v, size_t len, int64_t *max_age, bool *subdomains);

/* Fill report["http"] and findings for an HTTPS target. */
void	tls_http_check(const struct tls_opts *o, const char *connect_ip,
	    json_t *report, struct findings *f);

#endif
