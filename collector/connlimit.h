/*
 * Connection slots of the agent port against slow and hostile clients
 * (slow loris), without any I/O: tls.c keeps one record per connection
 * here and shuts down the ones this module names.
 *
 * A connection is "unverified" until its TLS handshake ended with a
 * verified agent certificate.  Rules ([server] options, collector.ini):
 * - slots: connections held at most (max_connections);
 * - agent_slots of those are kept for verified agents: unverified
 *   connections hold at most slots - agent_slots;
 * - per_addr: unverified connections one address may hold; the newest
 *   beyond it is cut;
 * - head_ms: an unverified connection's TLS handshake and request must
 *   arrive within it (from accept, or from its last answer); agent_ms
 *   (request_timeout) for a verified agent;
 * - to make room, the oldest unverified connection of the address that
 *   holds the most of them is cut, so that a flood from one address
 *   (or a few) pushes out its own connections, not other addresses'.
 *   A verified agent's connection is never cut to make room.
 */
#ifndef SHAOBING_CONNLIMIT_H
#define SHAOBING_CONNLIMIT_H

#include <stddef.h>
#include <stdint.h>

struct connlimit;
struct cl_conn;

struct connlimit_limits {
	size_t	slots;
	size_t	agent_slots;
	size_t	per_addr;
	int64_t	head_ms;
	int64_t	agent_ms;
};

struct connlimit_counts {
	size_t	total;		/* records, cut ones not yet closed too */
	size_t	held;		/* not cut */
	size_t	unverified;	/* held, no verified certificate (yet) */
};

/*
 * cut(owner, arg): shut the connection down; its connlimit_close() comes
 * later (not from inside cut).
 */
typedef void	connlimit_cut_fn(void *owner, void *arg);

struct connlimit	*connlimit_new(void);
/* Frees the table and every record still open. */
void			 connlimit_free(struct connlimit *cl);

/* A new connection (address not known yet), accepted at now.  NULL: no memory. */
struct cl_conn		*connlimit_open(struct connlimit *cl, void *owner,
			    int64_t now_ms);
/* The connection is gone: forget its record. */
void			 connlimit_close(struct connlimit *cl, struct cl_conn *c);
/*
 * The peer's address (no port), once.  Returns 1 when that address now
 * holds more than per_addr unverified connections: the caller cuts c
 * (connlimit_cut), the newest.  0 otherwise.
 */
int			 connlimit_set_addr(struct connlimit *cl,
			    struct cl_conn *c, const char *addr,
			    const struct connlimit_limits *lim);
/* Records whose address is not known yet, oldest first (cursor NULL to start). */
struct cl_conn		*connlimit_unaddressed(struct connlimit *cl,
			    struct cl_conn *after);
void			*connlimit_owner(const struct cl_conn *c);
/* The handshake ended with a verified agent certificate. */
void			 connlimit_agent(struct connlimit *cl, struct cl_conn *c);
int			 connlimit_is_agent(const struct cl_conn *c);
/* A request was answered: the deadline starts again. */
void			 connlimit_answered(struct cl_conn *c, int64_t now_ms);
/* Mark c cut (the caller shuts it down); it no longer holds a slot. */
void			 connlimit_cut(struct connlimit *cl, struct cl_conn *c);

struct connlimit_counts	 connlimit_counts(const struct connlimit *cl);
/*
 * The connection to cut to make room: the oldest unverified one of the
 * address with the most unverified connections (ties: the address whose
 * oldest is older).  NULL when there is none (every slot an agent or a
 * connection whose address is not known yet).
 */
struct cl_conn		*connlimit_victim(const struct connlimit *cl);
/*
 * Cut victims while more than slots connections, or more than
 * slots - agent_slots unverified ones, are held.  Returns how many were
 * cut; *full is 1 when no room is left for another connection and none
 * can be made (the listener should wait).
 */
size_t			 connlimit_make_room(struct connlimit *cl,
			    const struct connlimit_limits *lim,
			    connlimit_cut_fn *cut, void *arg, int *full);
/*
 * Cut every held connection past its deadline (head_ms unverified,
 * agent_ms agents) at now.  Returns how many.
 */
size_t			 connlimit_sweep(struct connlimit *cl,
			    const struct connlimit_limits *lim, int64_t now_ms,
			    connlimit_cut_fn *cut, void *arg);

#endif
