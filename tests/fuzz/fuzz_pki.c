/*
 * Fuzz the PKI parsers that see outside bytes: pki_sign_csr() (the CSR
 * an enrolling agent sends) and pki_cert_from_pem().  The CA is made
 * once; every input is tried as both.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/pki.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pki_key	*ca_key;
static struct pki_cert	*ca;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[512];
	struct pki_cert	*c;

	if (ca == NULL) {
		if ((ca_key = pki_key_new(err, sizeof(err))) == NULL ||
		    (ca = pki_ca_new(ca_key, "Fuzz CA", 1, err, sizeof(err))) == NULL)
			abort();
	}
	c = pki_sign_csr(ca, ca_key, (const char *)data, size, "fuzz", 1, err,
	    sizeof(err));
	pki_cert_free(c);
	c = pki_cert_from_pem((const char *)data, size, err, sizeof(err));
	if (c != NULL) {
		char cn[64], fp[PKI_FINGERPRINT_LEN];
		long long ms;
		(void)pki_cert_subject_cn(c, cn, sizeof(cn));
		(void)pki_cert_fingerprint(c, fp, sizeof(fp));
		(void)pki_cert_not_after(c, &ms);
		(void)pki_cert_issued_by(c, ca);
	}
	pki_cert_free(c);
	return 0;
}
