/*
 * Fuzz the signing of a certificate request received at enrollment or
 * renewal (common/pki.c pki_sign_csr, RFC 2986 in PEM): any bytes must
 * give a certificate for the given name, or NULL with a reason, never a
 * crash or a certificate for another key than the request's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pki_key	*ca_key;
static struct pki_cert	*ca;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pki_cert	*c;
	char		 err[256], cn[64];

	if (ca == NULL) {
		if ((ca_key = pki_key_new(err, sizeof(err))) == NULL ||
		    (ca = pki_ca_new(ca_key, "fuzz CA", 30, err,
		    sizeof(err))) == NULL)
			abort();
	}
	c = pki_sign_csr(ca, ca_key, (const char *)data, size, "pc-01", 30,
	    err, sizeof(err));
	if (c != NULL) {
		if (pki_cert_subject_cn(c, cn, sizeof(cn)) == -1 ||
		    cn[0] != 'p' || !pki_cert_issued_by(c, ca))
			abort();
		pki_cert_free(c);
	}
	return 0;
}
