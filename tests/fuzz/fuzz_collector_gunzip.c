/*
 * Fuzz the collector's bounded gzip decoder (collector/inflate.c):
 * any bytes, a small cap; it must never read or write out of bounds nor
 * return more than cap bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "collector/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = NULL, err[256];
	size_t	 outlen = 0;
	int	 r;

	r = body_gunzip(data, size, 65536, &out, &outlen, err, sizeof(err));
	if (r == 0 && (outlen > 65536 || out == NULL || out[outlen] != '\0'))
		abort();
	if (r != 0 && out != NULL)
		abort();
	free(out);
	return 0;
}
