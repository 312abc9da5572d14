/*
 * Message digests (SHA-256) for content hashes such as the inventory
 * snapshot's.  This file is the only user of OpenSSL's EVP digest API
 * outside the TLS helpers, so another backend would touch only it.
 */
#ifndef SHAOBING_DIGEST_H
#define SHAOBING_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_HEX	65	/* 64 hex digits + NUL */

struct digest;

/* A new SHA-256 computation; NULL when out of memory. */
struct digest	*digest_sha256_new(void);
/* Feed n bytes; -1 on failure (the digest is then unusable). */
int		 digest_update(struct digest *d, const void *p, size_t n);
/*
 * Lower-case hex of the digest into out (at least DIGEST_SHA256_HEX
 * bytes), then free d.  -1 on failure (d freed all the same).
 */
int		 digest_final_hex(struct digest *d, char *out, size_t outlen);
/* Free without finishing; accepts NULL. */
void		 digest_free(struct digest *d);

/* One-shot: hex SHA-256 of p[0..n). */
int		 digest_sha256_hex(const void *p, size_t n, char *out, size_t outlen);

#endif
