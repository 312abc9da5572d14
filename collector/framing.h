/*
 * Request framing (RFC 9112 section 6): which header says where a
 * request's body ends.  libevent's evhttp reads Content-Length itself
 * with strtoll and only its first occurrence, so "+5", several
 * Content-Length lines or Content-Length beside Transfer-Encoding would
 * frame the body differently from a proxy in front of us (request
 * smuggling).  http.c checks every request here first and answers a
 * failure with 400 and closes the connection.
 */
#ifndef SHAOBING_FRAMING_H
#define SHAOBING_FRAMING_H

#include <stddef.h>

/* Longest Content-Length accepted (digits): far above any body limit. */
#define FRAMING_CL_DIGITS	15

/*
 * cl: the values of every Content-Length field (ncl of them), te: of
 * every Transfer-Encoding field (nte).  0 when the framing is
 * unambiguous (at most one Content-Length of 1-15 digits and no
 * Transfer-Encoding; or one Transfer-Encoding "chunked" and no
 * Content-Length); -1 with why set otherwise.
 */
int	framing_check(const char *const *cl, size_t ncl,
	    const char *const *te, size_t nte, char *why, size_t whylen);

#endif
