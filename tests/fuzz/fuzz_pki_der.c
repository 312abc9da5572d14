/*
 * Certificates and certificate requests as DER, the bytes themselves
 * (fuzz_pki and fuzz_enroll_csr take PEM, where most mutations only break
 * the base64 armour).  The input is tried as:
 * - a certificate a TLS server sent (DER on the wire): the --check
 *   report's certificate details (probes/tls tls_cert_json);
 * - the same certificate in PEM armour: pki_cert_from_pem() and what the
 *   collector reads from it (CN, fingerprint, expiry, issuer);
 * - a certificate request (RFC 2986) in PEM armour: pki_sign_csr(), which
 *   must give a certificate for the given name signed by the CA, or NULL.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/pki.h"
#include "probes/tls/tls.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pki_key	*ca_key;
static struct pki_cert	*ca;

/* DER bytes in PEM armour with LABEL, in a malloc'd string. */
static char *
armour(const uint8_t *data, size_t size, const char *label, size_t *len)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *s = NULL;
	long	 n;

	if (b == NULL)
		abort();
	if (PEM_write_bio(b, label, "", data, (long)size) > 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0 && (s = malloc((size_t)n)) != NULL) {
		memcpy(s, p, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(b);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char	*p = data;
	char			 err[512], cn[64], fp[PKI_FINGERPRINT_LEN], *pem;
	size_t			 len;
	struct pki_cert		*c;
	X509			*x;
	json_t			*j;
	long long		 ms;

	if (ca == NULL) {
		if ((ca_key = pki_key_new(err, sizeof(err))) == NULL ||
		    (ca = pki_ca_new(ca_key, "Fuzz CA", 1, err, sizeof(err))) == NULL)
			abort();
	}
	if ((x = d2i_X509(NULL, &p, (long)size)) != NULL) {
		if ((j = tls_cert_json(x)) == NULL || !json_is_object(j))
			abort();
		json_decref(j);
		X509_free(x);
	}
	if ((pem = armour(data, size, "CERTIFICATE", &len)) != NULL) {
		if ((c = pki_cert_from_pem(pem, len, err, sizeof(err))) != NULL) {
			(void)pki_cert_subject_cn(c, cn, sizeof(cn));
			(void)pki_cert_fingerprint(c, fp, sizeof(fp));
			(void)pki_cert_not_after(c, &ms);
			(void)pki_cert_issued_by(c, ca);
			pki_cert_free(c);
		}
		free(pem);
	}
	if ((pem = armour(data, size, "CERTIFICATE REQUEST", &len)) != NULL) {
		c = pki_sign_csr(ca, ca_key, pem, len, "pc-01", 1, err,
		    sizeof(err));
		if (c != NULL) {
			if (pki_cert_subject_cn(c, cn, sizeof(cn)) == -1 ||
			    strcmp(cn, "pc-01") != 0 || !pki_cert_issued_by(c, ca))
				abort();
			pki_cert_free(c);
		}
		free(pem);
	}
	return 0;
}
