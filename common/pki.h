/*
 * Certificates for Shaobing's own small PKI: one ECDSA P-256 CA per
 * collector, a server certificate for the collector, one client
 * certificate per agent (subject CN = the agent's name, EKU clientAuth).
 *
 * This file and pki.c are the only place in common/ that sees OpenSSL:
 * callers hold opaque struct pki_key / struct pki_cert handles, so the CLI
 * and the tests never include OpenSSL headers (the collector's TLS code
 * has its own).
 *
 * Every function that can fail returns NULL or -1 and writes one line
 * into err (what failed and where, with OpenSSL's reason when it has
 * one).  Every *_free() accepts NULL.
 */
#ifndef SHAOBING_PKI_H
#define SHAOBING_PKI_H

#include <stddef.h>

struct pki_key;		/* EVP_PKEY: an ECDSA P-256 key pair */
struct pki_cert;	/* X509 */

#define PKI_DAYS_MAX		36500	/* 100 years */
#define PKI_CA_DAYS		3650
#define PKI_CERT_DAYS		825	/* CA/Browser limit; fine for a private CA too */
#define PKI_FINGERPRINT_LEN	65	/* 64 hex digits + NUL */
#define PKI_SKEW_S		300	/* notBefore back-dating for clock skew */
#define PKI_NAME_MAX		253	/* a DNS name */

/* A new ECDSA P-256 key pair. */
struct pki_key	*pki_key_new(char *err, size_t errlen);
void		 pki_key_free(struct pki_key *k);

/*
 * A self-signed CA: subject CN=cn, basicConstraints critical CA:TRUE
 * pathlen:0, keyUsage critical keyCertSign+cRLSign, subject and
 * authority key identifiers.  Valid from five minutes ago (clock skew
 * between hosts) for `days` days.
 */
struct pki_cert	*pki_ca_new(struct pki_key *key, const char *cn, int days,
		    char *err, size_t errlen);

/*
 * A TLS server certificate for `key`, signed by the CA: CN=cn,
 * EKU serverAuth, subjectAltName with every entry of names (an IPv4 or
 * IPv6 literal becomes an IP entry, anything else must be a DNS name:
 * letters, digits, '-', '.', optionally a leading "*.").  Duplicates are
 * dropped.  NULL with err naming the bad entry.
 */
struct pki_cert	*pki_server_cert_new(const struct pki_cert *ca,
		    struct pki_key *ca_key, struct pki_key *key, const char *cn,
		    const char *const *names, size_t nnames, int days,
		    char *err, size_t errlen);

/*
 * A TLS client certificate for an agent: CN=name (an agent name:
 * [A-Za-z0-9._-], at most 63 bytes), EKU clientAuth, signed by the CA.
 */
struct pki_cert	*pki_client_cert_new(const struct pki_cert *ca,
		    struct pki_key *ca_key, struct pki_key *key, const char *name,
		    int days, char *err, size_t errlen);

/*
 * A PEM certificate signing request for key with subject CN=name (what an
 * agent sends when it enrolls).  malloc'd NUL-terminated text.
 */
char		*pki_csr_new(struct pki_key *key, const char *name,
		    char *err, size_t errlen);

/*
 * Sign a PEM CSR received from outside (up to 16 KiB): its self-signature
 * must verify and its key must be ECDSA on P-256 or P-384, or RSA of at
 * least 2048 bits.  The subject and extensions the CSR asks for are
 * ignored: the certificate gets CN=name (decided by the caller, e.g. from
 * the enrollment token) and the same profile as pki_client_cert_new().
 */
struct pki_cert	*pki_sign_csr(const struct pki_cert *ca, struct pki_key *ca_key,
		    const char *csr_pem, size_t len, const char *name, int days,
		    char *err, size_t errlen);

void		 pki_cert_free(struct pki_cert *c);

/*
 * Write PEM files.  Both write a temporary file beside path, fsync it and
 * rename it into place, so a crash leaves either the old file or the new
 * one.  The key file is created with mode 0600 (never readable by others,
 * whatever the umask); the certificate with 0644.
 */
int		 pki_key_write(const struct pki_key *k, const char *path,
		    char *err, size_t errlen);
int		 pki_cert_write(const struct pki_cert *c, const char *path,
		    char *err, size_t errlen);

/* Read PEM files (first certificate / key in the file). */
struct pki_key	*pki_key_load(const char *path, char *err, size_t errlen);
struct pki_cert	*pki_cert_load(const char *path, char *err, size_t errlen);
/* Parse one PEM certificate from memory (at most 64 KiB). */
struct pki_cert	*pki_cert_from_pem(const char *pem, size_t len,
		    char *err, size_t errlen);
/* The certificate as PEM text, malloc'd. */
char		*pki_cert_to_pem(const struct pki_cert *c, char *err, size_t errlen);

/* Does key belong to the certificate's public key?  1 yes, 0 no. */
int		 pki_cert_matches_key(const struct pki_cert *c, const struct pki_key *k);

/*
 * SHA-256 of the DER certificate as 64 lowercase hex digits (the form
 * `openssl x509 -fingerprint -sha256` prints, without colons, lowered).
 * out at least PKI_FINGERPRINT_LEN bytes.
 */
int		 pki_cert_fingerprint(const struct pki_cert *c, char *out, size_t outlen);

/* Subject CN into out; -1 when absent or longer than outlen - 1. */
int		 pki_cert_subject_cn(const struct pki_cert *c, char *out, size_t outlen);
/*
 * The subjectAltName entries, DNS names and IP addresses (IPv6 in
 * brackets) in certificate order, separated by one space, into out.
 * -1 when there are none or they do not fit.
 */
int		 pki_cert_names(const struct pki_cert *c, char *out, size_t outlen);
/* notAfter as UTC milliseconds; -1 on error. */
int		 pki_cert_not_after(const struct pki_cert *c, long long *ms);
/* notBefore as UTC milliseconds (renewal at 2/3 of the lifetime); -1. */
int		 pki_cert_not_before(const struct pki_cert *c, long long *ms);
/* Was c signed by ca (signature check only)?  1 yes, 0 no. */
int		 pki_cert_issued_by(const struct pki_cert *c, const struct pki_cert *ca);
/*
 * A TLS client's identity files: the CA certificate, the certificate and
 * its key all load, and the key is the certificate's.  -1 with err
 * naming the file and what is wrong.  (Whether the peer accepts the
 * certificate is the peer's to say.)
 */
int		 pki_identity_check(const char *ca_path, const char *cert_path,
		    const char *key_path, char *err, size_t errlen);

#endif
