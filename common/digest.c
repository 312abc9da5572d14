/*
 * SHA-256 through OpenSSL 3's EVP interface (FIPS 180-4).
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "common/digest.h"
#include "common/hex.h"

struct digest {
	EVP_MD_CTX	*ctx;
	int		 failed;
};

struct digest *
digest_sha256_new(void)
{
	struct digest *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->ctx = EVP_MD_CTX_new();
	if (d->ctx == NULL || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		digest_free(d);
		return NULL;
	}
	return d;
}

int
digest_update(struct digest *d, const void *p, size_t n)
{
	if (d->failed)
		return -1;
	if (n > 0 && EVP_DigestUpdate(d->ctx, p, n) != 1) {
		d->failed = 1;
		return -1;
	}
	return 0;
}

int
digest_final_hex(struct digest *d, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = -1;

	if (d == NULL || d->failed || EVP_DigestFinal_ex(d->ctx, md, &mdlen) != 1 ||
	    outlen < (size_t)mdlen * 2 + 1)
		goto out;
	hex_encode(md, mdlen, out);
	rc = 0;
out:
	digest_free(d);
	return rc;
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int
digest_sha256_hex(const void *p, size_t n, char *out, size_t outlen)
{
	struct digest *d = digest_sha256_new();

	if (d == NULL)
		return -1;
	if (digest_update(d, p, n) == -1) {
		digest_free(d);
		return -1;
	}
	return digest_final_hex(d, out, outlen);
}
