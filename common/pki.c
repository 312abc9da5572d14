/*
 * Shaobing's PKI on OpenSSL 3: ECDSA P-256 keys, a self-signed CA, the
 * collector's server certificate, agents' client certificates, CSR
 * signing for enrollment, PEM files, fingerprints.  Profiles follow
 * RFC 5280 (section 4.2.1: extensions) as the Web PKI uses them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/event.h"
#include "common/hex.h"
#include "common/pki.h"

#define PKI_CSR_MAX	16384	/* a P-256 CSR is ~500 bytes in PEM */
#define PKI_PEM_MAX	65536

struct pki_key {
	EVP_PKEY	*pk;
};

struct pki_cert {
	X509		*x;
};

enum pki_profile {
	PROFILE_CA,
	PROFILE_SERVER,
	PROFILE_CLIENT,
};

/*
 * err = "what: OpenSSL's reason" (the reason when OpenSSL queued one),
 * then the OpenSSL error queue is emptied so it cannot leak into the
 * next message.
 */
static void	pki_err(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
pki_err(char *err, size_t errlen, const char *fmt, ...)
{
	char		 what[512];
	const char	*reason = NULL;
	unsigned long	 e;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	e = ERR_peek_last_error();
	if (e != 0)
		reason = ERR_reason_error_string(e);
	if (err != NULL && errlen > 0) {
		if (reason != NULL)
			snprintf(err, errlen, "%s: %s", what, reason);
		else
			snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

/* Never prompt on the terminal for a pass phrase: an encrypted key is an error. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

static int
days_ok(int days, char *err, size_t errlen)
{
	if (days < 1 || days > PKI_DAYS_MAX) {
		pki_err(err, errlen, "validity of %d days is out of range 1..%d",
		    days, PKI_DAYS_MAX);
		return -1;
	}
	return 0;
}

struct pki_key *
pki_key_new(char *err, size_t errlen)
{
	struct pki_key	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		pki_err(err, errlen, "out of memory");
		return NULL;
	}
	if ((k->pk = EVP_EC_gen("P-256")) == NULL) {
		pki_err(err, errlen, "cannot generate an ECDSA P-256 key");
		free(k);
		return NULL;
	}
	return k;
}

void
pki_key_free(struct pki_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

void
pki_cert_free(struct pki_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	free(c);
}

static struct pki_cert *
cert_wrap(X509 *x, char *err, size_t errlen)
{
	struct pki_cert	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		pki_err(err, errlen, "out of memory");
		X509_free(x);
		return NULL;
	}
	c->x = x;
	return c;
}

/*
 * A DNS name for a subjectAltName: labels of letters, digits and '-'
 * (not at either end), 1..63 bytes each, 253 in all, an optional
 * leading "*." (RFC 1123 section 2.1, RFC 6125 section 6.4.3).
 */
static int
dns_name_ok(const char *s)
{
	size_t	len = strlen(s), lab = 0;

	if (len == 0 || len > PKI_NAME_MAX)
		return 0;
	if (strncmp(s, "*.", 2) == 0) {
		s += 2;
		if (*s == '\0')
			return 0;
	}
	for (const char *p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (lab == 0 || lab > 63 || p[-1] == '-')
				return 0;
			if (*p == '\0')
				return 1;
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if (*p == '-' && lab == 0)
			return 0;
		lab++;
	}
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value,
    char *err, size_t errlen)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL) {
		pki_err(err, errlen, "cannot make extension %s=%s",
		    OBJ_nid2sn(nid), value);
		return -1;
	}
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok) {
		pki_err(err, errlen, "cannot add extension %s", OBJ_nid2sn(nid));
		return -1;
	}
	return 0;
}

/* A random positive 127-bit serial (RFC 5280 section 4.1.2.2: <= 20 octets). */
static int
set_serial(X509 *x, char *err, size_t errlen)
{
	unsigned char	 b[16];
	BIGNUM		*bn = NULL;
	int		 rc = -1;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		pki_err(err, errlen, "cannot draw a random serial number");
		goto out;
	}
	b[0] &= 0x7f;
	b[0] |= 0x40;	/* never zero, never negative */
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		pki_err(err, errlen, "cannot set the serial number");
		goto out;
	}
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/*
 * Build and sign a certificate.  issuer NULL means self-signed (the CA).
 * sans is taken as is (not freed).
 */
static X509 *
cert_build(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *subject_key,
    const char *cn, int days, enum pki_profile profile, GENERAL_NAMES *sans,
    char *err, size_t errlen)
{
	X509		*x = NULL;
	X509_NAME	*name;
	X509V3_CTX	 ctx;

	if (days_ok(days, err, errlen) == -1)
		return NULL;
	if (cn == NULL || *cn == '\0' || strlen(cn) > 64) {
		pki_err(err, errlen, "common name must have 1 to 64 bytes");
		return NULL;
	}
	if (issuer != NULL && X509_check_private_key(issuer, issuer_key) != 1) {
		pki_err(err, errlen, "the CA key does not belong to the CA certificate");
		return NULL;
	}
	if ((x = X509_new()) == NULL || !X509_set_version(x, X509_VERSION_3)) {
		pki_err(err, errlen, "out of memory");
		goto fail;
	}
	if (set_serial(x, err, errlen) == -1)
		goto fail;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -PKI_SKEW_S) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL) {
		pki_err(err, errlen, "cannot set the validity period");
		goto fail;
	}
	name = X509_get_subject_name(x);
	if ((profile == PROFILE_CA && !X509_NAME_add_entry_by_txt(name, "O",
	    MBSTRING_UTF8, (const unsigned char *)"Shaobing", -1, -1, 0)) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0)) {
		pki_err(err, errlen, "cannot set subject CN=%s", cn);
		goto fail;
	}
	if (!X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(x, subject_key)) {
		pki_err(err, errlen, "cannot set issuer or public key");
		goto fail;
	}

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	switch (profile) {
	case PROFILE_CA:
		if (add_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0", err, errlen) == -1 ||
		    add_ext(x, &ctx, NID_key_usage,
		    "critical,keyCertSign,cRLSign", err, errlen) == -1)
			goto fail;
		break;
	case PROFILE_SERVER:
	case PROFILE_CLIENT:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE",
		    err, errlen) == -1 ||
		    add_ext(x, &ctx, NID_key_usage,
		    EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature", err, errlen) == -1 ||
		    add_ext(x, &ctx, NID_ext_key_usage,
		    profile == PROFILE_SERVER ? "serverAuth" : "clientAuth",
		    err, errlen) == -1)
			goto fail;
		break;
	}
	/* The subject key id first: a self-signed CA's AKI copies it. */
	if (add_ext(x, &ctx, NID_subject_key_identifier, "hash",
	    err, errlen) == -1 ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always",
	    err, errlen) == -1)
		goto fail;
	if (sans != NULL && X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0,
	    X509V3_ADD_DEFAULT) != 1) {
		pki_err(err, errlen, "cannot add the subjectAltName");
		goto fail;
	}
	if (X509_sign(x, issuer_key, EVP_sha256()) == 0) {
		pki_err(err, errlen, "cannot sign the certificate");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

struct pki_cert *
pki_ca_new(struct pki_key *key, const char *cn, int days,
    char *err, size_t errlen)
{
	X509	*x;

	if (key == NULL) {
		pki_err(err, errlen, "no CA key");
		return NULL;
	}
	x = cert_build(NULL, key->pk, key->pk, cn, days, PROFILE_CA, NULL,
	    err, errlen);
	return x == NULL ? NULL : cert_wrap(x, err, errlen);
}

/* Append one SAN entry unless already present (names compared without case). */
static int
san_add(GENERAL_NAMES *gens, const char *s, char *err, size_t errlen)
{
	GENERAL_NAME		*g = NULL;
	ASN1_OCTET_STRING	*ip;
	ASN1_IA5STRING		*dns = NULL;

	if ((ip = a2i_IPADDRESS(s)) != NULL) {
		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			GENERAL_NAME *o = sk_GENERAL_NAME_value(gens, i);
			if (o->type == GEN_IPADD &&
			    ASN1_OCTET_STRING_cmp(o->d.iPAddress, ip) == 0) {
				ASN1_OCTET_STRING_free(ip);
				return 0;
			}
		}
		if ((g = GENERAL_NAME_new()) == NULL) {
			ASN1_OCTET_STRING_free(ip);
			goto nomem;
		}
		GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	} else {
		ERR_clear_error();	/* a2i_IPADDRESS queued "not an address" */
		if (!dns_name_ok(s)) {
			pki_err(err, errlen, "'%s' is neither an IP address nor "
			    "a DNS name (letters, digits, '-', '.')", s);
			return -1;
		}
		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			GENERAL_NAME *o = sk_GENERAL_NAME_value(gens, i);
			if (o->type == GEN_DNS && strcasecmp(s,
			    (const char *)ASN1_STRING_get0_data(o->d.dNSName)) == 0)
				return 0;
		}
		if ((dns = ASN1_IA5STRING_new()) == NULL ||
		    !ASN1_STRING_set(dns, s, (int)strlen(s)) ||
		    (g = GENERAL_NAME_new()) == NULL) {
			ASN1_IA5STRING_free(dns);
			goto nomem;
		}
		GENERAL_NAME_set0_value(g, GEN_DNS, dns);
	}
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		goto nomem;
	}
	return 0;
nomem:
	pki_err(err, errlen, "out of memory");
	return -1;
}

struct pki_cert *
pki_server_cert_new(const struct pki_cert *ca, struct pki_key *ca_key,
    struct pki_key *key, const char *cn, const char *const *names,
    size_t nnames, int days, char *err, size_t errlen)
{
	GENERAL_NAMES	*gens;
	X509		*x = NULL;

	if (ca == NULL || ca_key == NULL || key == NULL) {
		pki_err(err, errlen, "missing CA certificate, CA key or key");
		return NULL;
	}
	if (nnames == 0) {
		pki_err(err, errlen, "a server certificate needs at least one name");
		return NULL;
	}
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL) {
		pki_err(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nnames; i++)
		if (san_add(gens, names[i], err, errlen) == -1)
			goto out;
	x = cert_build(ca->x, ca_key->pk, key->pk, cn, days, PROFILE_SERVER,
	    gens, err, errlen);
out:
	GENERAL_NAMES_free(gens);
	return x == NULL ? NULL : cert_wrap(x, err, errlen);
}

struct pki_cert *
pki_client_cert_new(const struct pki_cert *ca, struct pki_key *ca_key,
    struct pki_key *key, const char *name, int days, char *err, size_t errlen)
{
	X509	*x;

	if (ca == NULL || ca_key == NULL || key == NULL) {
		pki_err(err, errlen, "missing CA certificate, CA key or key");
		return NULL;
	}
	if (name == NULL || !event_name_ok(name, EVENT_AGENT_MAX)) {
		pki_err(err, errlen, "agent name '%s' is not valid: use 1 to %d "
		    "letters, digits, '.', '_' or '-'", name != NULL ? name : "",
		    EVENT_AGENT_MAX - 1);
		return NULL;
	}
	x = cert_build(ca->x, ca_key->pk, key->pk, name, days, PROFILE_CLIENT,
	    NULL, err, errlen);
	return x == NULL ? NULL : cert_wrap(x, err, errlen);
}

/* Contents of a memory BIO as a malloc'd NUL-terminated string. */
static char *
bio_strdup(BIO *b, char *err, size_t errlen)
{
	char	*data, *s;
	long	 n;

	n = BIO_get_mem_data(b, &data);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL) {
		pki_err(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	return s;
}

char *
pki_csr_new(struct pki_key *key, const char *name, char *err, size_t errlen)
{
	X509_REQ	*req = NULL;
	BIO		*b = NULL;
	char		*pem = NULL;

	if (key == NULL || name == NULL || *name == '\0' || strlen(name) > 64) {
		pki_err(err, errlen, "a CSR needs a key and a name of 1 to 64 bytes");
		return NULL;
	}
	if ((req = X509_REQ_new()) == NULL ||
	    !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
	    MBSTRING_UTF8, (const unsigned char *)name, -1, -1, 0) ||
	    !X509_REQ_set_pubkey(req, key->pk) ||
	    X509_REQ_sign(req, key->pk, EVP_sha256()) == 0) {
		pki_err(err, errlen, "cannot make a CSR for %s", name);
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_REQ(b, req)) {
		pki_err(err, errlen, "cannot encode the CSR");
		goto out;
	}
	pem = bio_strdup(b, err, errlen);
out:
	BIO_free(b);
	X509_REQ_free(req);
	return pem;
}

/* Keys we accept from a CSR: ECDSA P-256/P-384, RSA >= 2048 bits. */
static int
csr_key_ok(EVP_PKEY *pk, char *err, size_t errlen)
{
	char		 group[64];
	size_t		 glen = 0;
	int		 nid, ok;
	EVP_PKEY_CTX	*pctx;

	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen)) {
			pki_err(err, errlen, "CSR: EC key without a named curve");
			return -1;
		}
		if ((nid = OBJ_sn2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
			pki_err(err, errlen, "CSR: EC curve %s is not accepted "
			    "(use P-256 or P-384)", group);
			return -1;
		}
		break;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pk) < 2048) {
			pki_err(err, errlen, "CSR: RSA key of %d bits is too "
			    "small (at least 2048)", EVP_PKEY_get_bits(pk));
			return -1;
		}
		break;
	default:
		pki_err(err, errlen, "CSR: key type %s is not accepted "
		    "(use ECDSA P-256)", OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
		return -1;
	}
	/* A point off the curve must not end up in a certificate. */
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL) {
		pki_err(err, errlen, "out of memory");
		return -1;
	}
	ok = EVP_PKEY_public_check(pctx);
	EVP_PKEY_CTX_free(pctx);
	if (ok != 1) {
		pki_err(err, errlen, "CSR: the public key is invalid");
		return -1;
	}
	return 0;
}

struct pki_cert *
pki_sign_csr(const struct pki_cert *ca, struct pki_key *ca_key,
    const char *csr_pem, size_t len, const char *name, int days,
    char *err, size_t errlen)
{
	BIO		*b = NULL;
	X509_REQ	*req = NULL;
	EVP_PKEY	*pk;
	X509		*x = NULL;

	if (ca == NULL || ca_key == NULL || csr_pem == NULL) {
		pki_err(err, errlen, "missing CA certificate, CA key or CSR");
		return NULL;
	}
	if (len == 0 || len > PKI_CSR_MAX) {
		pki_err(err, errlen, "CSR: %zu bytes, expected 1 to %d", len,
		    PKI_CSR_MAX);
		return NULL;
	}
	if (name == NULL || !event_name_ok(name, EVENT_AGENT_MAX)) {
		pki_err(err, errlen, "agent name '%s' is not valid",
		    name != NULL ? name : "");
		return NULL;
	}
	if ((b = BIO_new_mem_buf(csr_pem, (int)len)) == NULL) {
		pki_err(err, errlen, "out of memory");
		goto out;
	}
	if ((req = PEM_read_bio_X509_REQ(b, NULL, no_passphrase, NULL)) == NULL) {
		pki_err(err, errlen, "CSR: not a PEM certificate request");
		goto out;
	}
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL) {
		pki_err(err, errlen, "CSR: no usable public key");
		goto out;
	}
	if (csr_key_ok(pk, err, errlen) == -1)
		goto out;
	if (X509_REQ_verify(req, pk) != 1) {
		pki_err(err, errlen, "CSR: its signature does not verify");
		goto out;
	}
	x = cert_build(ca->x, ca_key->pk, pk, name, days, PROFILE_CLIENT, NULL,
	    err, errlen);
out:
	X509_REQ_free(req);
	BIO_free(b);
	return x == NULL ? NULL : cert_wrap(x, err, errlen);
}

/*
 * Write len bytes to path through a temporary file in the same folder
 * (mode applied with fchmod, so the umask cannot widen or narrow it),
 * fsync, rename, fsync the folder.
 */
static int
write_atomic(const char *path, const char *data, size_t len, mode_t mode,
    char *err, size_t errlen)
{
	char	 tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int	 fd = -1, dfd, rc = -1;
	size_t	 off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		pki_err(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		pki_err(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		pki_err(err, errlen, "%s: cannot set mode: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			pki_err(err, errlen, "%s: cannot write: %s", tmp,
			    n == 0 ? "short write" : strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		pki_err(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		pki_err(err, errlen, "%s: cannot rename into place: %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else
		snprintf(dir, sizeof(dir), ".");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);	/* best effort: the file itself is safe */
		close(dfd);
	}
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
pki_key_write(const struct pki_key *k, const char *path, char *err, size_t errlen)
{
	BIO	*b;
	char	*data;
	long	 n;
	int	 rc = -1;

	if (k == NULL) {
		pki_err(err, errlen, "%s: no key to write", path);
		return -1;
	}
	/* Secure heap when available: the key never sits in ordinary free()d memory. */
	if ((b = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PrivateKey(b, k->pk, NULL, NULL, 0, NULL, NULL)) {
		pki_err(err, errlen, "%s: cannot encode the key", path);
		goto out;
	}
	if ((n = BIO_get_mem_data(b, &data)) <= 0) {
		pki_err(err, errlen, "%s: cannot encode the key", path);
		goto out;
	}
	rc = write_atomic(path, data, (size_t)n, 0600, err, errlen);
out:
	BIO_free(b);
	return rc;
}

int
pki_cert_write(const struct pki_cert *c, const char *path, char *err, size_t errlen)
{
	char	*pem;
	int	 rc;

	if ((pem = pki_cert_to_pem(c, err, errlen)) == NULL)
		return -1;
	rc = write_atomic(path, pem, strlen(pem), 0644, err, errlen);
	free(pem);
	return rc;
}

char *
pki_cert_to_pem(const struct pki_cert *c, char *err, size_t errlen)
{
	BIO	*b;
	char	*pem = NULL;

	if (c == NULL) {
		pki_err(err, errlen, "no certificate");
		return NULL;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL || !PEM_write_bio_X509(b, c->x))
		pki_err(err, errlen, "cannot encode the certificate");
	else
		pem = bio_strdup(b, err, errlen);
	BIO_free(b);
	return pem;
}

static BIO *
open_read(const char *path, char *err, size_t errlen)
{
	FILE	*f;
	BIO	*b;

	if ((f = fopen(path, "r")) == NULL) {
		pki_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if ((b = BIO_new_fp(f, BIO_CLOSE)) == NULL) {
		fclose(f);
		pki_err(err, errlen, "out of memory");
	}
	return b;
}

struct pki_key *
pki_key_load(const char *path, char *err, size_t errlen)
{
	BIO		*b;
	EVP_PKEY	*pk;
	struct pki_key	*k;

	if ((b = open_read(path, err, errlen)) == NULL)
		return NULL;
	pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (pk == NULL) {
		pki_err(err, errlen, "%s: not a PEM private key (or an encrypted "
		    "one, which is not supported)", path);
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		pki_err(err, errlen, "out of memory");
		return NULL;
	}
	k->pk = pk;
	return k;
}

struct pki_cert *
pki_cert_load(const char *path, char *err, size_t errlen)
{
	BIO	*b;
	X509	*x;

	if ((b = open_read(path, err, errlen)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (x == NULL) {
		pki_err(err, errlen, "%s: not a PEM certificate", path);
		return NULL;
	}
	return cert_wrap(x, err, errlen);
}

struct pki_cert *
pki_cert_from_pem(const char *pem, size_t len, char *err, size_t errlen)
{
	BIO	*b;
	X509	*x;

	if (pem == NULL || len == 0 || len > PKI_PEM_MAX) {
		pki_err(err, errlen, "certificate: %zu bytes, expected 1 to %d",
		    len, PKI_PEM_MAX);
		return NULL;
	}
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		pki_err(err, errlen, "out of memory");
		return NULL;
	}
	x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (x == NULL) {
		pki_err(err, errlen, "not a PEM certificate");
		return NULL;
	}
	return cert_wrap(x, err, errlen);
}

int
pki_cert_matches_key(const struct pki_cert *c, const struct pki_key *k)
{
	int	ok;

	if (c == NULL || k == NULL)
		return 0;
	ok = X509_check_private_key(c->x, k->pk) == 1;
	ERR_clear_error();
	return ok;
}

int
pki_cert_fingerprint(const struct pki_cert *c, char *out, size_t outlen)
{
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 n = 0;

	if (c == NULL || outlen < PKI_FINGERPRINT_LEN ||
	    X509_digest(c->x, EVP_sha256(), md, &n) != 1 || n != 32) {
		ERR_clear_error();
		return -1;
	}
	hex_encode(md, n, out);
	return 0;
}

int
pki_cert_subject_cn(const struct pki_cert *c, char *out, size_t outlen)
{
	X509_NAME	*name;
	X509_NAME_ENTRY	*e;
	unsigned char	*utf8 = NULL;
	int		 i, n, rc = -1;

	if (c == NULL || outlen == 0 ||
	    (name = X509_get_subject_name(c->x)) == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    (e = X509_NAME_get_entry(name, i)) == NULL)
		goto out;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	/* An embedded NUL would let "a\0b" pass as "a". */
	if (n < 0 || (size_t)n >= outlen || memchr(utf8, '\0', (size_t)n) != NULL)
		goto out;
	memcpy(out, utf8, (size_t)n);
	out[n] = '\0';
	rc = 0;
out:
	OPENSSL_free(utf8);
	ERR_clear_error();
	return rc;
}

int
pki_cert_names(const struct pki_cert *c, char *out, size_t outlen)
{
	GENERAL_NAMES	*gens;
	size_t		 used = 0;
	int		 rc = -1;

	if (c == NULL || outlen == 0)
		return -1;
	out[0] = '\0';
	if ((gens = X509_get_ext_d2i(c->x, NID_subject_alt_name, NULL,
	    NULL)) == NULL)
		goto out;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);
		char			 one[INET6_ADDRSTRLEN + 2];
		const unsigned char	*d;
		int			 n, w;

		if (g->type == GEN_DNS) {
			d = ASN1_STRING_get0_data(g->d.dNSName);
			n = ASN1_STRING_length(g->d.dNSName);
			if (n <= 0 || n > PKI_NAME_MAX ||
			    memchr(d, '\0', (size_t)n) != NULL)
				continue;
			w = snprintf(out + used, outlen - used, "%s%.*s",
			    used ? " " : "", n, (const char *)d);
		} else if (g->type == GEN_IPADD) {
			char	addr[INET6_ADDRSTRLEN];

			d = ASN1_STRING_get0_data(g->d.iPAddress);
			n = ASN1_STRING_length(g->d.iPAddress);
			if ((n != 4 && n != 16) || inet_ntop(n == 4 ? AF_INET :
			    AF_INET6, d, addr, sizeof(addr)) == NULL)
				continue;
			snprintf(one, sizeof(one), n == 4 ? "%s" : "[%s]", addr);
			w = snprintf(out + used, outlen - used, "%s%s",
			    used ? " " : "", one);
		} else
			continue;
		if (w < 0 || (size_t)w >= outlen - used)
			goto out;
		used += (size_t)w;
	}
	rc = used > 0 ? 0 : -1;
out:
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return rc;
}

int
pki_cert_not_after(const struct pki_cert *c, long long *ms)
{
	struct tm	tm;

	if (c == NULL || ASN1_TIME_to_tm(X509_get0_notAfter(c->x), &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	*ms = (long long)timegm(&tm) * 1000;
	return 0;
}

int
pki_cert_not_before(const struct pki_cert *c, long long *ms)
{
	struct tm	tm;

	if (c == NULL || ASN1_TIME_to_tm(X509_get0_notBefore(c->x), &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	*ms = (long long)timegm(&tm) * 1000;
	return 0;
}

int
pki_cert_issued_by(const struct pki_cert *c, const struct pki_cert *ca)
{
	EVP_PKEY	*pk;
	int		 ok;

	if (c == NULL || ca == NULL || (pk = X509_get0_pubkey(ca->x)) == NULL)
		return 0;
	ok = X509_check_issued(ca->x, c->x) == X509_V_OK &&
	    X509_verify(c->x, pk) == 1;
	ERR_clear_error();
	return ok;
}

int
pki_identity_check(const char *ca_path, const char *cert_path,
    const char *key_path, char *err, size_t errlen)
{
	struct pki_cert	*ca = NULL, *c = NULL;
	struct pki_key	*k = NULL;
	int		 rc = -1;

	if ((ca = pki_cert_load(ca_path, err, errlen)) == NULL ||
	    (c = pki_cert_load(cert_path, err, errlen)) == NULL ||
	    (k = pki_key_load(key_path, err, errlen)) == NULL)
		goto out;
	if (!pki_cert_matches_key(c, k))
		pki_err(err, errlen, "%s does not belong to the certificate %s",
		    key_path, cert_path);
	else
		rc = 0;
out:
	pki_key_free(k);
	pki_cert_free(c);
	pki_cert_free(ca);
	return rc;
}
