/*
 * The TLS assessment (see tls.h).  One verified handshake gives the
 * protocol, cipher, group, chain and certificate; then one handshake per
 * protocol version (OpenSSL, security level 0, as far as the local
 * library can still offer the version) and one raw ClientHello per weak
 * cipher class tell what else the server accepts.
 *
 * Verification collects every error (the callback records and goes on)
 * so one run can say "expired AND wrong host name".  Validity dates are
 * judged here from the chain rather than from the verifier, so that an
 * untrusted chain still gets its expiry checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/text.h"
#include "common/timeutil.h"
#include "probes/ports/ports.h"
#include "probes/tls/tls.h"

#define VERR_MAX	16
#define WEAK_RSA_BITS	2048
#define WEAK_EC_BITS	224

struct verr {
	int	err;
	int	depth;
};

struct vstate {
	struct verr	e[VERR_MAX];
	int		n;
};

/* Weak cipher classes, IANA TLS Cipher Suite registry values. */
static const uint16_t suites_null[] = { 0x0001, 0x0002, 0x003b, 0xc006,
    0xc010, 0xc015, 0x002c, 0x002d, 0x002e };
static const uint16_t suites_export[] = { 0x0003, 0x0006, 0x0008, 0x000b,
    0x000e, 0x0011, 0x0014, 0x0017, 0x0019, 0x0062, 0x0063, 0x0064, 0x0065 };
static const uint16_t suites_rc4[] = { 0x0004, 0x0005, 0x0018, 0x0066,
    0x008a, 0x008e, 0x0092, 0xc002, 0xc007, 0xc00c, 0xc011, 0xc016 };
static const uint16_t suites_3des[] = { 0x000a, 0x000d, 0x0010, 0x0013,
    0x0016, 0x001b, 0x008b, 0x008f, 0x0093, 0xc003, 0xc008, 0xc00d, 0xc012,
    0xc017 };
static const uint16_t suites_anon[] = { 0x0018, 0x001b, 0x0034, 0x003a,
    0x006c, 0x006d, 0x00a6, 0x00a7, 0xc015, 0xc016, 0xc017, 0xc018, 0xc019,
    0x0046, 0x0089, 0x009b, 0x00bf, 0x00c5 };

static const struct {
	const char	*name;
	const uint16_t	*suites;
	size_t		 n;
	const char	*zh;
} weak_classes[] = {
#define WC(name, a, zh) { name, a, sizeof(a) / sizeof(a[0]), zh }
	WC("NULL", suites_null, "无加密"),
	WC("EXPORT", suites_export, "出口级"),
	WC("RC4", suites_rc4, "RC4"),
	WC("3DES", suites_3des, "3DES"),
	WC("anonymous", suites_anon, "匿名"),
#undef WC
};

static const struct {
	const char	*name;
	int		 version;
	const char	*code;		/* finding when accepted, or NULL */
} versions[] = {
	{ "TLSv1.0", TLS1_VERSION, "tls10_accepted" },
	{ "TLSv1.1", TLS1_1_VERSION, "tls11_accepted" },
	{ "TLSv1.2", TLS1_2_VERSION, NULL },
	{ "TLSv1.3", TLS1_3_VERSION, NULL },
};

static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL		*ssl = X509_STORE_CTX_get_ex_data(x,
			    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct vstate	*v = ssl ? SSL_get_app_data(ssl) : NULL;
	int		 err = X509_STORE_CTX_get_error(x);
	int		 depth = X509_STORE_CTX_get_error_depth(x);

	if (!ok && v != NULL) {
		for (int i = 0; i < v->n; i++)
			if (v->e[i].err == err && v->e[i].depth == depth)
				return 1;
		if (v->n < VERR_MAX) {
			v->e[v->n].err = err;
			v->e[v->n].depth = depth;
			v->n++;
		}
	}
	return 1;	/* go on: we judge the whole chain ourselves */
}

static void
ssl_why(const char *what, char *why, size_t whylen)
{
	unsigned long	 e = ERR_peek_last_error();
	const char	*r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(why, whylen, "%s: %s", what, r ? r : "connection closed by "
	    "the server");
	ERR_clear_error();
}

/*
 * A client context at security level 0 (we want to see weak servers, not
 * refuse them) with versions min..max (0 = library bounds).
 */
static SSL_CTX *
mk_ctx(int minv, int maxv, const char *ciphers, const char *ca, int verify,
    char *why, size_t whylen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ssl_why("SSL_CTX_new", why, whylen);
		return NULL;
	}
	if (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		ssl_why("cipher list", why, whylen);
		goto fail;
	}
	SSL_CTX_set_security_level(ctx, 0);
	if ((minv && SSL_CTX_set_min_proto_version(ctx, minv) != 1) ||
	    (maxv && SSL_CTX_set_max_proto_version(ctx, maxv) != 1)) {
		ssl_why("protocol version", why, whylen);
		goto fail;
	}
	if (verify) {
		if (ca != NULL) {
			if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
				char w[200];

				ssl_why("", w, sizeof(w));
				snprintf(why, whylen, "cannot load CA bundle %s%s",
				    ca, w);
				goto fail;
			}
		} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			ssl_why("system CA store", why, whylen);
			goto fail;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int
is_ip(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		struct pollfd	pfd = { fd, ev, 0 };
		int64_t		left = deadline - time_mono_ms();
		int		r;

		if (left <= 0)
			return -1;
		r = poll(&pfd, 1, (int)left);
		if (r == 1)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

/*
 * TCP connect + STARTTLS prelude.  -1 with why and *pstate (enum
 * port_state); -2 when the server refused STARTTLS (*pstate -2 too).
 */
static int
open_plain(const struct tls_opts *o, const struct sockaddr_storage *ss,
    socklen_t sl, int *pstate, char *why, size_t whylen)
{
	enum port_state	st;
	int		fd, rc;

	fd = net_connect(ss, sl, o->timeout_ms, &st, why, whylen);
	if (pstate != NULL)
		*pstate = (int)st;
	if (fd == -1)
		return -1;
	if (o->scheme == SCHEME_SMTP || o->scheme == SCHEME_IMAP ||
	    o->scheme == SCHEME_POP3) {
		rc = starttls_negotiate(fd, o->scheme, "shaobing-agent.invalid",
		    o->timeout_ms, why, whylen);
		if (rc != 0) {
			close(fd);
			if (rc == -2 && pstate != NULL)
				*pstate = -2;	/* TCP fine, STARTTLS refused */
			return rc;
		}
	}
	return fd;
}

/* Handshake on a new connection.  NULL with why on failure. */
static SSL *
handshake(const struct tls_opts *o, SSL_CTX *ctx, const struct sockaddr_storage *ss,
    socklen_t sl, struct vstate *vs, int64_t *hs_ms, int *pstate, int *untestable,
    char *why, size_t whylen)
{
	const char	*name = o->servername ? o->servername : o->host;
	SSL		*ssl = NULL;
	int		 fd;
	int64_t		 t0, deadline;
	STACK_OF(SSL_CIPHER) *sup;

	if (untestable != NULL)
		*untestable = 0;
	ssl = SSL_new(ctx);
	if (ssl == NULL) {
		ssl_why("SSL_new", why, whylen);
		return NULL;
	}
	/* Can the local library offer anything for these versions at all? */
	sup = SSL_get1_supported_ciphers(ssl);
	if (sup == NULL || sk_SSL_CIPHER_num(sup) == 0) {
		sk_SSL_CIPHER_free(sup);
		SSL_free(ssl);
		if (untestable != NULL)
			*untestable = 1;
		snprintf(why, whylen, "the local OpenSSL (%s) cannot offer it",
		    OpenSSL_version(OPENSSL_VERSION));
		return NULL;
	}
	sk_SSL_CIPHER_free(sup);
	if ((fd = open_plain(o, ss, sl, pstate, why, whylen)) < 0) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_fd(ssl, fd);
	SSL_set_app_data(ssl, vs);
	if (!is_ip(name))
		SSL_set_tlsext_host_name(ssl, name);
	SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
	t0 = time_mono_ms();
	deadline = t0 + o->timeout_ms;
	for (;;) {
		int r, e;

		ERR_clear_error();
		if ((r = SSL_connect(ssl)) == 1)
			break;
		e = SSL_get_error(ssl, r);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    deadline) == -1) {
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				snprintf(why, whylen, "TLS handshake timed out");
			else
				ssl_why("TLS handshake failed", why, whylen);
			SSL_free(ssl);
			close(fd);
			return NULL;
		}
	}
	if (hs_ms != NULL)
		*hs_ms = time_mono_ms() - t0;
	return ssl;
}

static void
ssl_close(SSL *ssl)
{
	int fd;

	if (ssl == NULL)
		return;
	fd = SSL_get_fd(ssl);
	SSL_shutdown(ssl);	/* one non-blocking try; we do not wait */
	SSL_free(ssl);
	if (fd != -1)
		close(fd);
}

/* ---- certificate details -------------------------------------------- */

static json_t *
name_json(const X509_NAME *n)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p;
	long	 len;
	json_t	*s;

	if (b == NULL)
		return json_null();
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &p);
	s = text_jsonn(p, len > 0 ? (size_t)len : 0);
	BIO_free(b);
	return s ? s : json_null();
}

static int64_t
asn1_ms(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm) * 1000;
}

/* Whole days from now until t (negative when past). */
static int64_t
days_until(const ASN1_TIME *t)
{
	int	day = 0, sec = 0;
	int64_t	total;

	if (ASN1_TIME_diff(&day, &sec, NULL, t) != 1)
		return 0;
	total = (int64_t)day * 86400 + sec;
	return total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
}

static json_t *
time_json(const ASN1_TIME *t)
{
	char buf[32];

	if (time_format_utc(asn1_ms(t), buf, sizeof(buf)) == -1)
		return json_null();
	return text_json(buf);
}

static json_t *
sans_json(X509 *c)
{
	GENERAL_NAMES	*gens = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
	json_t		*a = json_array();

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME	*g = sk_GENERAL_NAME_value(gens, i);
		char			 ip[INET6_ADDRSTRLEN];

		if (g->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);

			json_array_append_new(a, text_jsonn(
			    (const char *)d, l > 0 ? (size_t)l : 0));
		} else if (g->type == GEN_IPADD) {
			const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);
			int l = ASN1_STRING_length(g->d.iPAddress);

			if ((l == 4 && inet_ntop(AF_INET, d, ip, sizeof(ip))) ||
			    (l == 16 && inet_ntop(AF_INET6, d, ip, sizeof(ip))))
				json_array_append_new(a, text_json(ip));
		}
	}
	GENERAL_NAMES_free(gens);
	return a;
}

static void
key_info(X509 *c, char *type, size_t tlen, int *bits)
{
	EVP_PKEY	*pk = X509_get0_pubkey(c);
	char		 grp[48];
	size_t		 glen = 0;

	*bits = 0;
	snprintf(type, tlen, "unknown");
	if (pk == NULL)
		return;
	*bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:	snprintf(type, tlen, "RSA"); break;
	case EVP_PKEY_DSA:	snprintf(type, tlen, "DSA"); break;
	case EVP_PKEY_ED25519:	snprintf(type, tlen, "Ed25519"); break;
	case EVP_PKEY_ED448:	snprintf(type, tlen, "Ed448"); break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, grp, sizeof(grp), &glen) == 1)
			snprintf(type, tlen, "EC %s", grp);
		else
			snprintf(type, tlen, "EC");
		break;
	default:
		snprintf(type, tlen, "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
	}
}

static int
weak_sig_nid(int nid)
{
	return nid == NID_md5WithRSAEncryption || nid == NID_md2WithRSAEncryption ||
	    nid == NID_md4WithRSAEncryption || nid == NID_sha1WithRSAEncryption ||
	    nid == NID_ecdsa_with_SHA1 || nid == NID_dsaWithSHA1 ||
	    nid == NID_sha1WithRSA;
}

json_t *
tls_cert_json(X509 *c)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	char		hex[EVP_MAX_MD_SIZE * 3 + 1], ktype[64];
	int		bits;
	json_t		*o;

	hex[0] = '\0';
	if (X509_digest(c, EVP_sha256(), md, &mdlen) == 1)
		for (unsigned int i = 0; i < mdlen; i++)
			snprintf(hex + i * 3, sizeof(hex) - i * 3, "%02X%s", md[i],
			    i + 1 < mdlen ? ":" : "");
	key_info(c, ktype, sizeof(ktype), &bits);
	o = json_object();
	json_object_set_new(o, "subject", name_json(X509_get_subject_name(c)));
	json_object_set_new(o, "issuer", name_json(X509_get_issuer_name(c)));
	json_object_set_new(o, "sans", sans_json(c));
	json_object_set_new(o, "sha256", text_json(hex));
	json_object_set_new(o, "key_type", text_json(ktype));
	json_object_set_new(o, "key_bits", json_integer(bits));
	json_object_set_new(o, "sig_alg",
	    text_json(OBJ_nid2ln(X509_get_signature_nid(c))));
	json_object_set_new(o, "not_before", time_json(X509_get0_notBefore(c)));
	json_object_set_new(o, "not_after", time_json(X509_get0_notAfter(c)));
	json_object_set_new(o, "days_left",
	    json_integer(days_until(X509_get0_notAfter(c))));
	return o;
}

static const char *
subject_cn(X509 *c, char *buf, size_t len)
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName,
	    buf, (int)len) < 0)
		snprintf(buf, len, "(no CN)");
	return buf;
}

/* ---- verdicts from the verified handshake ----------------------------- */

static void
judge_chain(const struct tls_opts *o, SSL *ssl, const struct vstate *vs,
    json_t *rep, struct findings *f, const char *what)
{
	const char	*name = o->servername ? o->servername : o->host;
	X509		*leaf = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509)	*sent = SSL_get_peer_cert_chain(ssl);
	STACK_OF(X509)	*chain = SSL_get0_verified_chain(ssl);
	json_t		*jc = json_array(), *errs = json_array();
	int64_t		 min_days = INT64_MAX;
	X509		*min_cert = NULL;
	int		 expired_done = 0, nyv_done = 0, untrusted_done = 0;
	int		 incomplete_done = 0, weak_sig_done = 0;
	char		 cn[256];

	if (chain == NULL || sk_X509_num(chain) == 0)
		chain = sent;
	json_object_set_new(rep, "certificate", tls_cert_json(leaf));

	/* Dates, keys and signatures of every certificate in the chain. */
	for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		X509	*c = sk_X509_value(chain, i);
		int64_t	 left = days_until(X509_get0_notAfter(c));
		int	 self = X509_check_issued(c, c) == X509_V_OK;

		json_array_append_new(jc, json_pack("{s:o, s:o, s:o, s:I}",
		    "subject", name_json(X509_get_subject_name(c)),
		    "issuer", name_json(X509_get_issuer_name(c)),
		    "not_after", time_json(X509_get0_notAfter(c)),
		    "days_left", (json_int_t)left));
		if (left < 0 && !expired_done++)
			findings_add(f, "cert_expired", i == 0 ? SEV_CRITICAL :
			    SEV_HIGH, what, json_pack("{s:i, s:o, s:I}", "depth", i,
			    "subject", text_json(subject_cn(c, cn, sizeof(cn))),
			    "days_left", (json_int_t)left),
			    "证书已过期 certificate %s%s expired %lld days ago",
			    i == 0 ? "" : "in the chain: ", cn, (long long)-left);
		if (days_until(X509_get0_notBefore(c)) >= 0 &&
		    X509_cmp_current_time(X509_get0_notBefore(c)) > 0 && !nyv_done++)
			findings_add(f, "cert_not_yet_valid", SEV_HIGH, what,
			    json_pack("{s:i, s:o}", "depth", i, "subject",
			    text_json(subject_cn(c, cn, sizeof(cn)))),
			    "证书尚未生效 certificate %s is not valid yet "
			    "(its clock or ours is wrong)", cn);
		if (left >= 0 && left < min_days) {
			min_days = left;
			min_cert = c;
		}
		if (!self && weak_sig_nid(X509_get_signature_nid(c)) &&
		    !weak_sig_done++)
			findings_add(f, "weak_signature", SEV_MEDIUM, what,
			    json_pack("{s:i, s:s}", "depth", i, "sig_alg",
			    OBJ_nid2ln(X509_get_signature_nid(c))),
			    "签名算法过弱 certificate %s is signed with %s",
			    subject_cn(c, cn, sizeof(cn)),
			    OBJ_nid2ln(X509_get_signature_nid(c)));
	}
	json_object_set_new(rep, "chain", jc);
	if (min_cert != NULL) {
		json_object_set_new(rep, "chain_min_days", json_integer(min_days));
		if (min_days < o->warn_days)
			findings_add(f, "cert_expiring", min_days < o->crit_days ?
			    SEV_HIGH : SEV_MEDIUM, what,
			    json_pack("{s:o, s:I}", "subject",
			    text_json(subject_cn(min_cert, cn, sizeof(cn))), "days_left",
			    (json_int_t)min_days),
			    "证书即将过期 certificate %s expires in %lld days",
			    cn, (long long)min_days);
	}

	/* Key of the leaf. */
	{
		char	ktype[64];
		int	bits;

		key_info(leaf, ktype, sizeof(ktype), &bits);
		if (((strcmp(ktype, "RSA") == 0 || strcmp(ktype, "DSA") == 0) &&
		    bits < WEAK_RSA_BITS) ||
		    (strncmp(ktype, "EC", 2) == 0 && bits < WEAK_EC_BITS))
			findings_add(f, "weak_key", SEV_HIGH, what,
			    json_pack("{s:s, s:i}", "key_type", ktype, "bits", bits),
			    "密钥过短 %s key of %d bits; use RSA >= 2048 or "
			    "EC >= 256", ktype, bits);
	}

	/* Host name (RFC 6125), independent of the chain's trust. */
	if ((is_ip(name) ? X509_check_ip_asc(leaf, name, 0) :
	    X509_check_host(leaf, name, 0, 0, NULL)) != 1)
		findings_add(f, "hostname_mismatch", SEV_HIGH, what,
		    json_pack("{s:o}", "name", text_json(name)),
		    "主机名不匹配 the certificate is not valid for %s", name);

	/* Trust, in plain words. */
	for (int i = 0; i < vs->n; i++) {
		int		 e = vs->e[i].err;
		const char	*r = X509_verify_cert_error_string(e);

		json_array_append_new(errs, json_pack("{s:i, s:i, s:s}", "depth",
		    vs->e[i].depth, "code", e, "reason", r));
		switch (e) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
		case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
		case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
			break;	/* judged from the dates above */
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			findings_add(f, "cert_self_signed", SEV_HIGH, what, NULL,
			    "自签名证书 the server's certificate is self-signed: "
			    "browsers will not trust it");
			untrusted_done = 1;
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
			/*
			 * Missing intermediate, or unknown CA?  The same error
			 * either way.  When the server sent its certificate
			 * alone, or the top of what it sent names where to
			 * fetch the issuer (AIA), the chain is incomplete;
			 * otherwise the issuer is simply not trusted.
			 */
			int	 nsent = sent ? sk_X509_num(sent) : 0;
			X509	*top = nsent ? sk_X509_value(sent, nsent - 1) : leaf;
			AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(top,
			    NID_info_access, NULL, NULL);
			int	 has_aia = aia != NULL;

			AUTHORITY_INFO_ACCESS_free(aia);
			if (nsent <= 1 || has_aia) {
				if (!incomplete_done++)
					findings_add(f, "chain_incomplete", SEV_HIGH,
					    what, json_pack("{s:i}", "sent", nsent),
					    "证书链不完整 the server sent %d "
					    "certificate(s) and not the intermediate "
					    "that issued %s; add it to the server's "
					    "chain file", nsent,
					    subject_cn(top, cn, sizeof(cn)));
			} else if (!untrusted_done++)
				findings_add(f, "cert_untrusted", SEV_HIGH, what,
				    json_pack("{s:s}", "reason", r),
				    "证书不受信任 the chain is issued by a CA that "
				    "is not trusted here (%s)", r);
			break;
		}
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			if (!untrusted_done++)
				findings_add(f, "cert_untrusted", SEV_HIGH, what,
				    json_pack("{s:s}", "reason", r),
				    "证书不受信任 the chain ends at a root CA "
				    "that is not trusted here");
			break;
		default:
			if (!untrusted_done++)
				findings_add(f, "cert_untrusted", SEV_HIGH, what,
				    json_pack("{s:s}", "reason", r),
				    "证书验证失败 the chain does not verify: %s", r);
		}
	}
	json_object_set_new(rep, "verify", json_pack("{s:b, s:o}", "ok",
	    vs->n == 0, "errors", errs));
}

/* ---- raw hello probes ------------------------------------------------ */

/* 1 accepted, 0 refused, -1 could not tell (why). */
static int
probe_suites(const struct tls_opts *o, const struct sockaddr_storage *ss,
    socklen_t sl, const uint16_t *suites, size_t n, char *why, size_t whylen)
{
	uint8_t			 hello[1024], buf[4096];
	size_t			 got = 0;
	int			 fd, len, rc = -1;
	int64_t			 deadline;
	struct tls_server_hello	 sh;

	len = tls_hello_build(suites, n, o->servername ? o->servername : o->host,
	    hello, sizeof(hello));
	if (len < 0) {
		snprintf(why, whylen, "ClientHello too large");
		return -1;
	}
	if ((fd = open_plain(o, ss, sl, NULL, why, whylen)) < 0)
		return -1;
	deadline = time_mono_ms() + o->timeout_ms;
	if (send(fd, hello, (size_t)len, MSG_NOSIGNAL) != len) {
		snprintf(why, whylen, "send: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t	r;
		int	p;

		if (wait_fd(fd, POLLIN, deadline) == -1) {
			snprintf(why, whylen, "no answer to ClientHello");
			goto out;
		}
		r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
			rc = 0;		/* hung up on us: refused */
			goto out;
		}
		if (r < 0)
			continue;
		got += (size_t)r;
		p = tls_server_hello_parse(buf, got, &sh);
		if (p == 2) {
			rc = 0;
			goto out;
		}
		if (p == 1) {
			rc = 0;
			for (size_t i = 0; i < n; i++)
				if (suites[i] == sh.cipher)
					rc = 1;
			goto out;
		}
		if (p == -1 || got == sizeof(buf)) {
			snprintf(why, whylen, "the answer is not TLS");
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* ---- the whole assessment -------------------------------------------- */

int
tls_assess(const struct tls_opts *o, json_t **report, struct findings *f,
    int *port_state, char *why, size_t whylen)
{
	const char		*name = o->servername ? o->servername : o->host;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	struct vstate		 vs;
	int64_t			 hs_ms = 0;
	json_t			*rep, *jv, *jw;
	char			 ip[INET6_ADDRSTRLEN], what[CHECK_HOST_MAX + 8];
	char			 w2[256];
	int			 rc = -1, st = PORT_ERROR, grp;
	const unsigned char	*ocsp = NULL;
	long			 ocsplen;

	memset(&vs, 0, sizeof(vs));
	*report = rep = json_object();
	snprintf(what, sizeof(what), "%s:%u", name, o->port);
	json_object_set_new(rep, "target", text_json(what));
	json_object_set_new(rep, "host", text_json(o->host));
	json_object_set_new(rep, "port", json_integer(o->port));
	json_object_set_new(rep, "servername", text_json(name));
	json_object_set_new(rep, "scheme", text_json(check_scheme_name(o->scheme)));
	if (net_resolve(o->host, o->port, &ss, &sl, why, whylen) == -1)
		goto out;
	net_ntop(&ss, ip, sizeof(ip));
	json_object_set_new(rep, "address", text_json(ip));

	if ((ctx = mk_ctx(0, 0, "ALL:@SECLEVEL=0", o->ca_file, 1, why,
	    whylen)) == NULL)
		goto out;
	ssl = handshake(o, ctx, &ss, sl, &vs, &hs_ms, &st, NULL, why, whylen);
	if (ssl == NULL) {
		if (st == -2)
			findings_add(f, "starttls_unavailable", SEV_HIGH, what, NULL,
			    "不支持 STARTTLS %s", why);
		json_object_set_new(rep, "error", text_json(why));
		goto out;
	}
	st = PORT_OPEN;
	json_object_set_new(rep, "handshake_ms", json_integer(hs_ms));
	json_object_set_new(rep, "protocol", text_json(SSL_get_version(ssl)));
	json_object_set_new(rep, "cipher",
	    text_json(SSL_CIPHER_get_name(SSL_get_current_cipher(ssl))));
	grp = SSL_get_negotiated_group(ssl);
	json_object_set_new(rep, "group", grp > 0 && SSL_group_to_name(ssl, grp) ?
	    text_json(SSL_group_to_name(ssl, grp)) : json_null());
	ocsplen = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp);
	json_object_set_new(rep, "ocsp_stapled", json_boolean(ocsplen > 0 &&
	    ocsp != NULL));
	if (SSL_get0_peer_certificate(ssl) == NULL) {
		snprintf(why, whylen, "the server sent no certificate");
		goto out;
	}
	judge_chain(o, ssl, &vs, rep, f, what);
	ssl_close(ssl);
	ssl = NULL;
	SSL_CTX_free(ctx);
	ctx = NULL;

	/* Protocol versions, one handshake each. */
	jv = json_object();
	json_object_set_new(rep, "versions", jv);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		int	untestable = 0;
		SSL	*s;

		ctx = mk_ctx(versions[i].version, versions[i].version,
		    "ALL:@SECLEVEL=0", NULL, 0, w2, sizeof(w2));
		s = ctx ? handshake(o, ctx, &ss, sl, NULL, NULL, NULL, &untestable,
		    w2, sizeof(w2)) : NULL;
		if (s != NULL) {
			json_object_set_new(jv, versions[i].name,
			    text_json("accepted"));
			if (versions[i].code != NULL)
				findings_add(f, versions[i].code, SEV_MEDIUM, what,
				    NULL, "接受过时协议 the server accepts %s "
				    "(deprecated by RFC 8996); allow TLS 1.2 and "
				    "1.3 only", versions[i].name);
		} else if (ctx == NULL || untestable) {
			char v[300];

			snprintf(v, sizeof(v), "untested: %s", w2);
			json_object_set_new(jv, versions[i].name, text_json(v));
		} else
			json_object_set_new(jv, versions[i].name,
			    text_json("refused"));
		ssl_close(s);
		SSL_CTX_free(ctx);
		ctx = NULL;
	}

	/* Weak cipher classes, one raw ClientHello each. */
	jw = json_object();
	json_object_set_new(rep, "weak_ciphers", jw);
	for (size_t i = 0; i < sizeof(weak_classes) / sizeof(weak_classes[0]); i++) {
		int	r = probe_suites(o, &ss, sl, weak_classes[i].suites,
			    weak_classes[i].n, w2, sizeof(w2));
		char	k[CHECK_HOST_MAX + 24], v[300];

		if (r == 1) {
			json_object_set_new(jw, weak_classes[i].name,
			    text_json("accepted"));
			snprintf(k, sizeof(k), "%s:%s", what, weak_classes[i].name);
			findings_add(f, "weak_cipher", SEV_HIGH, k,
			    json_pack("{s:s}", "class", weak_classes[i].name),
			    "接受弱加密套件 the server accepts %s (%s) cipher "
			    "suites; disable them", weak_classes[i].name,
			    weak_classes[i].zh);
		} else if (r == 0)
			json_object_set_new(jw, weak_classes[i].name,
			    text_json("refused"));
		else {
			snprintf(v, sizeof(v), "untested: %s", w2);
			json_object_set_new(jw, weak_classes[i].name, text_json(v));
		}
	}

	if (o->scheme == SCHEME_HTTPS)
		tls_http_check(o, ip, rep, f);
	rc = 0;
out:
	if (port_state != NULL)
		*port_state = st;
	ssl_close(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
