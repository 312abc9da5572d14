/*
 * Dropping root after the capture handles are open (after tcpdump's
 * droproot()).
 */
#ifndef SHAOBING_AGENT_PRIVDROP_H
#define SHAOBING_AGENT_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Look user up.  0 with uid/gid; -1 when there is no such user.
 */
int	privdrop_lookup(const char *user, uid_t *uid, gid_t *gid);

/*
 * When running as root and user exists: setgroups, setgid, setuid to it,
 * keeping CAP_NET_RAW and CAP_NET_ADMIN (and nothing else) when keep_net
 * is set.  Logs one line saying what it did; warns and keeps running
 * when the user does not exist; fatal() when a step fails half-way
 * (running with half-dropped privileges is worse than not running).
 */
void	privdrop(const char *user, bool keep_net);

#endif
