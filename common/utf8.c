/*
 * UTF-8 helpers (see utf8.h).  RFC 3629: a lead byte 110xxxxx, 1110xxxx
 * or 11110xxx is followed by 1, 2 or 3 bytes 10xxxxxx.
 */
#include "common/utf8.h"

size_t
utf8_cut(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 j, need;

	if (len == 0 || (u[len - 1] & 0x80) == 0)
		return len;
	j = len - 1;
	while (j > 0 && (u[j] & 0xc0) == 0x80)
		j--;
	need = (u[j] & 0xe0) == 0xc0 ? 2 : (u[j] & 0xf0) == 0xe0 ? 3 :
	    (u[j] & 0xf8) == 0xf0 ? 4 : 1;
	return j + need > len ? j : len;
}
