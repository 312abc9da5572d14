/*
 * selfaddr: the addresses the agent's own active checks use, shared with
 * the packet detectors so that the agent's port and TLS checks are never
 * reported as a scan of the office's own servers.
 *
 * The check probes record every (source, destination) pair they connect
 * with; the packet engine asks before it counts a flow:
 *
 *	if (selfaddr_contains_flow(AF_INET, &ip->saddr, &ip->daddr))
 *		skip;			// our own check
 *
 * selfaddr_contains() answers for a source address alone (any
 * destination).  Addresses are raw network-order bytes: 4 for AF_INET,
 * 16 for AF_INET6.  The set is bounded (SELFADDR_MAX pairs, oldest
 * replaced first) and safe to use from several threads.
 */
#ifndef SHAOBING_SELFADDR_H
#define SHAOBING_SELFADDR_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

#define SELFADDR_MAX	1024

/* Record src (and dst, which may be NULL for "any").  -1 on a bad family. */
int	selfaddr_add(int family, const void *src, const void *dst);
/* Same from socket addresses (getsockname()/getpeername() results). */
int	selfaddr_add_sockaddr(const struct sockaddr *src, const struct sockaddr *dst);
/* Textual form ("192.0.2.1", "::1"); -1 when it is not an address. */
int	selfaddr_add_str(const char *src, const char *dst);

/* Is src one of the checks' source addresses (towards any destination)? */
bool	selfaddr_contains(int family, const void *src);
/* Was src -> dst (either direction) one of the checks' connections? */
bool	selfaddr_contains_pair(int family, const void *src, const void *dst);
/*
 * Was src -> dst, in this direction, one of the checks' connections?
 * What the packet engine asks: the checks' own probes are skipped, while
 * the checked host probing us is still judged (answers to probes that
 * were skipped match nothing, so they need no exemption).
 */
bool	selfaddr_contains_flow(int family, const void *src, const void *dst);
bool	selfaddr_contains_str(const char *src);

/* Pairs recorded; lock-free, so the packet engine may ask per packet. */
size_t	selfaddr_count(void);
void	selfaddr_clear(void);

#endif
