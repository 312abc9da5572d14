/*
 * Fuzz the request framing check (collector/framing.c): the input split
 * at NUL bytes into field values, the first byte choosing how many are
 * Content-Length and how many Transfer-Encoding.  It must not read out
 * of bounds, must accept only plain digits, and its message must fit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*v[8];
	char		*buf, why[64];
	size_t		 n = 0, ncl, i;

	if (size < 1)
		return 0;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (i = 0; i < size - 1 && n < 8; ) {
		v[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	ncl = (size_t)(data[0] & 7) < n ? (size_t)(data[0] & 7) : n;
	why[0] = '\0';
	if (framing_check(v, ncl, v + ncl, n - ncl, why, sizeof(why)) == 0) {
		if (n - ncl > 1 || ncl > 1 || (ncl == 1 && n > ncl))
			abort();
		if (ncl == 1 && (v[0][0] == '\0' ||
		    strspn(v[0], "0123456789") != strlen(v[0])))
			abort();
	} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
		abort();
	free(buf);
	return 0;
}
