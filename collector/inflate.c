/*
 * Bounded gzip decoding of request bodies (RFC 1952 framing, RFC 1951
 * deflate; zlib does the bit-level work).  A body that would inflate past
 * the cap is refused as soon as the cap is crossed, so a gzip bomb costs
 * at most cap bytes of memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "collector/api.h"

int
body_gunzip(const void *in, size_t inlen, size_t cap, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	z_stream	 z;
	char		*buf = NULL, *p;
	size_t		 size = 0, used = 0;
	int		 zr, rc = -1, init = 0;

	*out = NULL;
	*outlen = 0;
	memset(&z, 0, sizeof(z));
	if (inlen == 0) {
		snprintf(err, errlen, "gzip body is empty");
		goto out;
	}
	/* 16 + MAX_WBITS: gzip framing only (no zlib or raw deflate). */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "gzip: cannot initialise zlib");
		goto out;
	}
	init = 1;
	z.next_in = (Bytef *)(uintptr_t)in;
	/* The body is bounded by max_body before we get here; still, zlib's
	   counters are 32-bit, so feed at most 1 GiB at once. */
	if (inlen > (1u << 30)) {
		snprintf(err, errlen, "gzip body too large");
		rc = -2;
		goto out;
	}
	z.avail_in = (uInt)inlen;
	for (;;) {
		if (used == size) {
			size_t want = size ? size * 2 : (inlen * 4 > 4096 ?
			    inlen * 4 : 4096);

			if (size > cap) {
				snprintf(err, errlen, "body inflates to more "
				    "than %zu bytes", cap);
				rc = -2;
				goto out;
			}
			if (want > cap + 1)
				want = cap + 1;
			if ((p = realloc(buf, want + 1)) == NULL) {
				snprintf(err, errlen, "gzip: out of memory");
				goto out;
			}
			buf = p;
			size = want;
		}
		z.next_out = (Bytef *)buf + used;
		z.avail_out = (uInt)(size - used);
		zr = inflate(&z, Z_NO_FLUSH);
		used = size - z.avail_out;
		if (used > cap) {
			snprintf(err, errlen, "body inflates to more than %zu "
			    "bytes", cap);
			rc = -2;
			goto out;
		}
		if (zr == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			/* RFC 1952 2.2: a file is a series of members. */
			if (inflateReset(&z) != Z_OK) {
				snprintf(err, errlen, "gzip: reset failed");
				goto out;
			}
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			snprintf(err, errlen, "gzip body is truncated");
			goto out;
		}
		if (zr == Z_BUF_ERROR && used == size)
			continue;	/* output full: grow */
		snprintf(err, errlen, "gzip body is invalid: %s",
		    z.msg ? z.msg : "corrupt data");
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = 0;
out:
	if (init)
		inflateEnd(&z);
	free(buf);
	return rc;
}
