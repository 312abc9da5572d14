/*
 * common/pki: the CA, server and client profiles, PEM files and their
 * modes, fingerprints, CSR signing and its refusals.  The certificates
 * are checked with OpenSSL's own verifier after a PEM round trip, so
 * the test does not trust pki.c to judge its own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/pki.h"

struct fx {
	struct pki_key	*cakey;
	struct pki_cert	*ca;
	char		 dir[64];
};

static int
setup(void **state)
{
	struct fx	*fx = calloc(1, sizeof(*fx));
	char		 err[256];

	assert_non_null(fx);
	fx->cakey = pki_key_new(err, sizeof(err));
	assert_non_null(fx->cakey);
	fx->ca = pki_ca_new(fx->cakey, "Test CA", 30, err, sizeof(err));
	assert_non_null(fx->ca);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_pki.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*fx = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	pki_cert_free(fx->ca);
	pki_key_free(fx->cakey);
	free(fx);
	return 0;
}

/* An independent OpenSSL X509 from our certificate's PEM. */
static X509 *
to_x509(const struct pki_cert *c)
{
	char	 err[256], *pem = pki_cert_to_pem(c, err, sizeof(err));
	BIO	*b;
	X509	*x;

	assert_non_null(pem);
	b = BIO_new_mem_buf(pem, -1);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	assert_non_null(x);
	return x;
}

/* Chain check with a given purpose; 1 when OpenSSL accepts it. */
static int
verify(const struct pki_cert *ca, const struct pki_cert *c, int purpose)
{
	X509		*xca = to_x509(ca), *x = to_x509(c);
	X509_STORE	*st = X509_STORE_new();
	X509_STORE_CTX	*ctx = X509_STORE_CTX_new();
	int		 ok;

	X509_STORE_add_cert(st, xca);
	X509_STORE_CTX_init(ctx, st, x, NULL);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(x);
	X509_free(xca);
	return ok;
}

static void
test_ca(void **state)
{
	struct fx	*fx = *state;
	X509		*x = to_x509(fx->ca);
	char		 cn[64];
	long long	 ms;

	assert_int_equal(X509_check_ca(x), 1);
	assert_int_equal(pki_cert_subject_cn(fx->ca, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "Test CA");
	assert_int_equal(pki_cert_issued_by(fx->ca, fx->ca), 1);
	assert_int_equal(pki_cert_matches_key(fx->ca, fx->cakey), 1);
	assert_int_equal(pki_cert_not_after(fx->ca, &ms), 0);
	assert_true(ms > (long long)time(NULL) * 1000 + 29LL * 86400000);
	assert_true(ms < (long long)time(NULL) * 1000 + 31LL * 86400000);
	assert_int_equal(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
	X509_free(x);
}

static void
test_server_cert(void **state)
{
	struct fx		*fx = *state;
	const char		*names[] = { "localhost", "127.0.0.1", "::1",
				    "LOCALHOST", "collector.gov.example", "*.example.cn",
				    "127.0.0.1" };
	char			 err[256];
	struct pki_key		*k = pki_key_new(err, sizeof(err));
	struct pki_cert		*c;
	X509			*x;

	c = pki_server_cert_new(fx->ca, fx->cakey, k, "collector", names, 7, 30,
	    err, sizeof(err));
	assert_non_null(c);
	assert_true(verify(fx->ca, c, X509_PURPOSE_SSL_SERVER));
	assert_false(verify(fx->ca, c, X509_PURPOSE_SSL_CLIENT));
	x = to_x509(c);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "collector.gov.example", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "www.example.cn", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "other.example", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "10.0.0.1", 0), 0);
	/* Duplicates (case-insensitive for names) are dropped: 5 entries. */
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(g);
	assert_int_equal(sk_GENERAL_NAME_num(g), 5);
	GENERAL_NAMES_free(g);
	assert_int_equal(X509_check_ca(x), 0);
	X509_free(x);
	pki_cert_free(c);
	pki_key_free(k);
}

/* pki_cert_names: the SANs in order, IPv6 bracketed; too small fails. */
static void
test_cert_names(void **state)
{
	struct fx		*fx = *state;
	const char		*names[] = { "192.0.2.10", "collector.office.example",
				    "2001:db8::1", "localhost" };
	char			 err[256], out[256], small[12];
	struct pki_key		*k = pki_key_new(err, sizeof(err));
	struct pki_cert		*c;

	c = pki_server_cert_new(fx->ca, fx->cakey, k, "192.0.2.10", names, 4,
	    30, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(pki_cert_names(c, out, sizeof(out)), 0);
	assert_string_equal(out, "192.0.2.10 collector.office.example "
	    "[2001:db8::1] localhost");
	assert_int_equal(pki_cert_names(c, small, sizeof(small)), -1);
	/* A CA certificate has no SANs. */
	assert_int_equal(pki_cert_names(fx->ca, out, sizeof(out)), -1);
	pki_cert_free(c);
	pki_key_free(k);
}

static void
test_server_cert_bad_names(void **state)
{
	struct fx	*fx = *state;
	static const char *const bad[] = {
		"bad name", "-lead.example", "trail-.example", "a..b", "",
		"*.", "x.*.example", "semi;colon", "DNS:evil,IP:1.2.3.4",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cn",
		"名称.cn",
	};
	char		 err[256];
	struct pki_key	*k = pki_key_new(err, sizeof(err));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *names[] = { "localhost", bad[i] };
		err[0] = '\0';
		assert_null(pki_server_cert_new(fx->ca, fx->cakey, k, "c", names, 2,
		    30, err, sizeof(err)));
		assert_non_null(strstr(err, bad[i]));
	}
	assert_null(pki_server_cert_new(fx->ca, fx->cakey, k, "c", NULL, 0, 30,
	    err, sizeof(err)));
	pki_key_free(k);
}

static void
test_client_cert(void **state)
{
	struct fx	*fx = *state;
	char		 err[256], cn[64];
	struct pki_key	*k = pki_key_new(err, sizeof(err));
	struct pki_cert	*c;
	X509		*x;

	c = pki_client_cert_new(fx->ca, fx->cakey, k, "pc-01", 30, err, sizeof(err));
	assert_non_null(c);
	assert_true(verify(fx->ca, c, X509_PURPOSE_SSL_CLIENT));
	assert_false(verify(fx->ca, c, X509_PURPOSE_SSL_SERVER));
	assert_int_equal(pki_cert_subject_cn(c, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "pc-01");
	assert_int_equal(pki_cert_subject_cn(c, cn, 5), -1);	/* too small */
	assert_int_equal(pki_cert_issued_by(c, fx->ca), 1);
	assert_int_equal(pki_cert_issued_by(fx->ca, c), 0);
	assert_int_equal(pki_cert_matches_key(c, k), 1);
	assert_int_equal(pki_cert_matches_key(c, fx->cakey), 0);
	x = to_x509(c);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
	assert_false(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	assert_int_equal(X509_check_ca(x), 0);
	X509_free(x);
	pki_cert_free(c);
	pki_key_free(k);
}

static void
test_client_cert_refusals(void **state)
{
	struct fx	*fx = *state;
	char		 err[256], long_name[80];
	struct pki_key	*k = pki_key_new(err, sizeof(err));
	struct pki_key	*other = pki_key_new(err, sizeof(err));
	struct pki_cert	*ca2;

	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_null(pki_client_cert_new(fx->ca, fx->cakey, k, "pc 01", 30, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "pc 01"));
	assert_null(pki_client_cert_new(fx->ca, fx->cakey, k, "", 30, err, sizeof(err)));
	assert_null(pki_client_cert_new(fx->ca, fx->cakey, k, long_name, 30, err,
	    sizeof(err)));
	long_name[63] = '\0';
	struct pki_cert *ok = pki_client_cert_new(fx->ca, fx->cakey, k, long_name,
	    30, err, sizeof(err));
	assert_non_null(ok);
	pki_cert_free(ok);
	assert_null(pki_client_cert_new(fx->ca, fx->cakey, k, "pc-01", 0, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "out of range"));
	assert_null(pki_client_cert_new(fx->ca, fx->cakey, k, "pc-01",
	    PKI_DAYS_MAX + 1, err, sizeof(err)));
	/* A CA key that is not the CA's. */
	assert_null(pki_client_cert_new(fx->ca, other, k, "pc-01", 30, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "does not belong"));
	/* A certificate from another CA does not verify against ours. */
	ca2 = pki_ca_new(other, "Other CA", 30, err, sizeof(err));
	struct pki_cert *foreign = pki_client_cert_new(ca2, other, k, "pc-01", 30,
	    err, sizeof(err));
	assert_non_null(foreign);
	assert_false(verify(fx->ca, foreign, X509_PURPOSE_SSL_CLIENT));
	assert_int_equal(pki_cert_issued_by(foreign, fx->ca), 0);
	pki_cert_free(foreign);
	pki_cert_free(ca2);
	pki_key_free(other);
	pki_key_free(k);
}

static void
test_files(void **state)
{
	struct fx	*fx = *state;
	char		 err[512], kp[128], cp[128], fp1[PKI_FINGERPRINT_LEN],
			 fp2[PKI_FINGERPRINT_LEN], hex[65];
	struct stat	 st;
	struct pki_key	*k2;
	struct pki_cert	*c2;
	unsigned char	 md[32];
	unsigned int	 n;
	mode_t		 old;

	snprintf(kp, sizeof(kp), "%s/ca.key", fx->dir);
	snprintf(cp, sizeof(cp), "%s/ca.crt", fx->dir);
	old = umask(0);		/* the key must be 0600 whatever the umask */
	assert_int_equal(pki_key_write(fx->cakey, kp, err, sizeof(err)), 0);
	assert_int_equal(pki_cert_write(fx->ca, cp, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(kp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(cp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	k2 = pki_key_load(kp, err, sizeof(err));
	assert_non_null(k2);
	c2 = pki_cert_load(cp, err, sizeof(err));
	assert_non_null(c2);
	assert_int_equal(pki_cert_matches_key(c2, k2), 1);
	assert_int_equal(pki_cert_fingerprint(fx->ca, fp1, sizeof(fp1)), 0);
	assert_int_equal(pki_cert_fingerprint(c2, fp2, sizeof(fp2)), 0);
	assert_string_equal(fp1, fp2);
	assert_int_equal(strlen(fp1), 64);
	assert_int_equal(pki_cert_fingerprint(c2, fp2, 64), -1);

	/* Same digest as OpenSSL computes over the DER. */
	X509 *x = to_x509(c2);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex, fp1);
	X509_free(x);

	/* Overwrite in place keeps the mode and leaves no temporary behind. */
	assert_int_equal(pki_key_write(k2, kp, err, sizeof(err)), 0);
	assert_int_equal(stat(kp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 2", fx->dir);
	assert_int_equal(system(cmd), 0);
	pki_cert_free(c2);
	pki_key_free(k2);
}

static void
test_file_errors(void **state)
{
	struct fx	*fx = *state;
	char		 err[512], p[128];
	FILE		*f;

	snprintf(p, sizeof(p), "%s/missing.crt", fx->dir);
	assert_null(pki_cert_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "No such file"));
	snprintf(p, sizeof(p), "%s/junk.pem", fx->dir);
	f = fopen(p, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
	    "-----END CERTIFICATE-----\n", f);
	fclose(f);
	assert_null(pki_cert_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "not a PEM certificate"));
	assert_null(pki_key_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "not a PEM private key"));
	snprintf(p, sizeof(p), "%s/no/such/dir/x.key", fx->dir);
	assert_int_equal(pki_key_write(fx->cakey, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	assert_null(pki_cert_from_pem("", 0, err, sizeof(err)));
	assert_null(pki_cert_from_pem("garbage", 7, err, sizeof(err)));
}

static void
test_sign_csr(void **state)
{
	struct fx	*fx = *state;
	char		 err[256], cn[64];
	struct pki_key	*k = pki_key_new(err, sizeof(err));
	char		*csr = pki_csr_new(k, "asked-for-name", err, sizeof(err));
	struct pki_cert	*c;

	assert_non_null(csr);
	/* The CN comes from the caller (the enrollment token), not the CSR. */
	c = pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "pc-07", 30, err,
	    sizeof(err));
	assert_non_null(c);
	assert_int_equal(pki_cert_subject_cn(c, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "pc-07");
	assert_int_equal(pki_cert_matches_key(c, k), 1);
	assert_true(verify(fx->ca, c, X509_PURPOSE_SSL_CLIENT));
	pki_cert_free(c);

	/* Bad agent name, length bounds. */
	assert_null(pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "a/b", 30,
	    err, sizeof(err)));
	assert_null(pki_sign_csr(fx->ca, fx->cakey, csr, 0, "pc", 30, err,
	    sizeof(err)));
	assert_null(pki_sign_csr(fx->ca, fx->cakey, csr, 16385, "pc", 30, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "16385"));

	/* A tampered request: the signature no longer verifies. */
	char *body = strstr(csr, "\n") + 1;
	size_t off = (size_t)(body - csr) + 200;
	csr[off] = csr[off] == 'A' ? 'B' : 'A';
	c = pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "pc-07", 30, err,
	    sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "CSR"));
	free(csr);

	/* Garbage. */
	assert_null(pki_sign_csr(fx->ca, fx->cakey, "hello", 5, "pc", 30, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "not a PEM certificate request"));
	pki_key_free(k);
}

/* A CSR for an OpenSSL key made here (curves and sizes pki.c does not make). */
static char *
csr_for(EVP_PKEY *pk)
{
	X509_REQ	*req = X509_REQ_new();
	BIO		*b = BIO_new(BIO_s_mem());
	char		*data, *s;
	long		 n;

	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
	    MBSTRING_ASC, (const unsigned char *)"x", -1, -1, 0);
	X509_REQ_set_pubkey(req, pk);
	assert_true(X509_REQ_sign(req, pk, EVP_sha256()) > 0);
	PEM_write_bio_X509_REQ(b, req);
	n = BIO_get_mem_data(b, &data);
	s = strndup(data, (size_t)n);
	BIO_free(b);
	X509_REQ_free(req);
	return s;
}

static void
test_sign_csr_key_types(void **state)
{
	struct fx	*fx = *state;
	char		 err[256], *csr;
	struct pki_cert	*c;
	EVP_PKEY	*pk;

	pk = EVP_EC_gen("P-384");
	csr = csr_for(pk);
	c = pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "pc", 30, err,
	    sizeof(err));
	assert_non_null(c);
	pki_cert_free(c);
	free(csr);
	EVP_PKEY_free(pk);

	pk = EVP_EC_gen("secp256k1");
	csr = csr_for(pk);
	assert_null(pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "pc", 30,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "curve"));
	free(csr);
	EVP_PKEY_free(pk);

	pk = EVP_RSA_gen(1024);
	csr = csr_for(pk);
	assert_null(pki_sign_csr(fx->ca, fx->cakey, csr, strlen(csr), "pc", 30,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "1024"));
	free(csr);
	EVP_PKEY_free(pk);

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	X509_REQ *req = X509_REQ_new();
	X509_REQ_set_pubkey(req, pk);
	assert_true(X509_REQ_sign(req, pk, NULL) > 0);
	BIO *b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509_REQ(b, req);
	char *data;
	long n = BIO_get_mem_data(b, &data);
	assert_null(pki_sign_csr(fx->ca, fx->cakey, data, (size_t)n, "pc", 30,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "not accepted"));
	BIO_free(b);
	X509_REQ_free(req);
	EVP_PKEY_free(pk);
}

/* A CN with an embedded NUL must not read as its prefix. */
static void
test_cn_with_nul(void **state)
{
	struct fx	*fx = *state;
	EVP_PKEY	*pk = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	BIO		*b = BIO_new(BIO_s_mem());
	char		*data, err[256], cn[64];
	long		 n;
	struct pki_cert	*c;

	(void)fx;
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", V_ASN1_UTF8STRING,
	    (const unsigned char *)"pc\0evil", 7, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pk);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	c = pki_cert_from_pem(data, (size_t)n, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(pki_cert_subject_cn(c, cn, sizeof(cn)), -1);
	pki_cert_free(c);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static void
test_null_frees(void **state)
{
	(void)state;
	pki_key_free(NULL);
	pki_cert_free(NULL);
	assert_int_equal(pki_cert_matches_key(NULL, NULL), 0);
	assert_int_equal(pki_cert_issued_by(NULL, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca),
		cmocka_unit_test(test_server_cert),
		cmocka_unit_test(test_server_cert_bad_names),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_client_cert_refusals),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_sign_csr),
		cmocka_unit_test(test_sign_csr_key_types),
		cmocka_unit_test(test_cn_with_nul),
		cmocka_unit_test(test_null_frees),
		cmocka_unit_test(test_cert_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
