/*
 * Request framing checks.  See framing.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "collector/framing.h"

/*
 * At most 24 bytes of v for a message (and a JSON string): printable
 * ASCII as is, anything else (quotes, backslash, controls) as '?'.
 */
static void
shown(const char *v, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; v[i] != '\0' && i < 24 && i + 4 < outlen; i++) {
		unsigned char c = (unsigned char)v[i];

		out[i] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ?
		    (char)c : '?';
	}
	if (v[i] != '\0' && i + 4 < outlen) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

int
framing_check(const char *const *cl, size_t ncl, const char *const *te,
    size_t nte, char *why, size_t whylen)
{
	char	v[128];
	size_t	n;

	if (nte > 0 && ncl > 0) {
		snprintf(why, whylen, "request has both Content-Length and "
		    "Transfer-Encoding (RFC 9112 6.3); send one");
		return -1;
	}
	if (nte > 1) {
		snprintf(why, whylen, "request has %zu Transfer-Encoding "
		    "fields; send one: chunked", nte);
		return -1;
	}
	if (nte == 1 && strcasecmp(te[0], "chunked") != 0) {
		shown(te[0], v, sizeof(v));
		snprintf(why, whylen, "Transfer-Encoding \"%s\" is not "
		    "supported; only chunked", v);
		return -1;
	}
	if (ncl > 1) {
		snprintf(why, whylen, "request has %zu Content-Length fields "
		    "(RFC 9112 6.3); send one", ncl);
		return -1;
	}
	if (ncl == 1) {
		n = strspn(cl[0], "0123456789");
		if (n == 0 || cl[0][n] != '\0' || n > FRAMING_CL_DIGITS) {
			shown(cl[0], v, sizeof(v));
			snprintf(why, whylen, "Content-Length \"%s\" is not 1 to "
			    "%d decimal digits (RFC 9110 8.6)", v,
			    FRAMING_CL_DIGITS);
			return -1;
		}
	}
	return 0;
}
