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
 * Can the agent drop to user?  0 when the user exists and so does its
 * primary group; -1 with why ("user 'x' does not exist; ...") otherwise.
 * Called at start, before any capture handle opens.
 */
int	privdrop_check(const char *user, char *why, size_t whylen);

/*
 * When running as root: setgroups, setgid, setuid to user, keeping
 * CAP_NET_RAW and CAP_NET_ADMIN (and nothing else) when keep_net is set.
 * Logs one line saying what it did.  Fails closed: -1 with why when the
 * user or group does not exist or any step fails (running as root, or
 * with half-dropped privileges, is worse than not running); the caller
 * exits with status 2.  0 when dropped, or when not root to begin with.
 */
int	privdrop(const char *user, bool keep_net, char *why, size_t whylen);

#endif
