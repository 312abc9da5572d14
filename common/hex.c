/*
 * Hexadecimal digits.  See hex.h.
 */
#include "common/hex.h"

void
hex_encode(const void *b, size_t n, char *out)
{
	static const char	 hx[] = "0123456789abcdef";
	const unsigned char	*p = b;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
