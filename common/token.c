/*
 * Random tokens.  See token.h.
 */
#include <string.h>

#include <openssl/rand.h>

#include "common/token.h"

int
token_new(const char *prefix, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		r[TOKEN_RANDOM_BYTES];
	size_t			pl = strlen(prefix);

	if (outlen < pl + TOKEN_HEX_LEN + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	memcpy(out, prefix, pl);
	for (size_t i = 0; i < sizeof(r); i++) {
		out[pl + 2 * i] = hex[r[i] >> 4];
		out[pl + 2 * i + 1] = hex[r[i] & 15];
	}
	out[pl + TOKEN_HEX_LEN] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}
