/*
 * Secrets handed to people and programs: enrollment and API tokens,
 * console session ids and CSRF tokens.  One generator, OpenSSL's
 * RAND_bytes (the CSPRNG the certificates already use).
 */
#ifndef SHAOBING_TOKEN_H
#define SHAOBING_TOKEN_H

#include <stddef.h>

#define TOKEN_RANDOM_BYTES	32
#define TOKEN_HEX_LEN		(2 * TOKEN_RANDOM_BYTES)	/* 64 */

/*
 * prefix ("sbe_", "sbk_" or "") then 64 lowercase hex digits of 32 random
 * bytes, NUL-terminated, into out.  -1 when outlen is smaller than
 * strlen(prefix) + 65 or the generator fails (out is then unusable).
 */
int	token_new(const char *prefix, char *out, size_t outlen);

#endif
