/*
 * The one version number of Shaobing: the top entry of
 * packaging/changelog, put in by the Makefile (make VERSION=V overrides
 * it).  Every binary's --version, the packages, the collector's health
 * answer and the User-Agent of every HTTP client (agent, CLI,
 * notifications, website and TLS checks) use it.
 */
#ifndef SHAOBING_COMMON_VERSION_H
#define SHAOBING_COMMON_VERSION_H

#include <stddef.h>

extern const char shaobing_version[];

/* Room for any User-Agent version_user_agent() writes. */
#define VERSION_UA_MAX	160

/*
 * fmt with every "%V" replaced by "PROGRAM/VERSION", for the HTTP
 * User-Agent header of every client (libcurl copies it), into buf;
 * returns buf.  fmt NULL: "%V".
 */
const char	*version_user_agent(char *buf, size_t len, const char *program,
		    const char *fmt);

#endif
