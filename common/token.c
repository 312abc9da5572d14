/*
 * Random tokens.  See token.h.
 */
#include <string.h>

#include <openssl/rand.h>

#include "common/hex.h"
#include "common/token.h"

int
token_new(const char *prefix, char *out, size_t outlen)
{
	unsigned char		r[TOKEN_RANDOM_BYTES];
	size_t			pl = strlen(prefix);

	if (outlen < pl + TOKEN_HEX_LEN + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	memcpy(out, prefix, pl);
	hex_encode(r, sizeof(r), out + pl);
	explicit_bzero(r, sizeof(r));
	return 0;
}
