/*
 * The one version number of Shaobing: the top entry of
 * packaging/changelog, put in by the Makefile (make VERSION=V overrides
 * it).  Every binary's --version, the packages, the collector's health
 * answer and the agent's and CLI's User-Agent use it.
 */
#ifndef SHAOBING_COMMON_VERSION_H
#define SHAOBING_COMMON_VERSION_H

extern const char shaobing_version[];

/* "PROGRAM/VERSION" for HTTP User-Agent headers; a static string. */
const char	*version_user_agent(const char *program);

#endif
