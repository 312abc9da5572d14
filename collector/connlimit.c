/*
 * Connection slots against slow and hostile clients.  See connlimit.h.
 *
 * Every record is on `all` (accept order, oldest first).  A held,
 * unverified record whose address is known is also on its address's
 * list (oldest first), so the oldest of an address is its list's head
 * and its count is the list's length; until its address is known, it is
 * on `pending` instead (through the same link).  Addresses live in a small hash
 * table and on one list for the busiest-address scan; an address with
 * no unverified connection left is freed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "collector/connlimit.h"

#define CL_BUCKETS	1024
#define CL_ADDR_MAX	64

struct cl_addr;

struct cl_conn {
	void			*owner;
	int64_t			 since_ms;	/* accept or last answer */
	uint64_t		 order;		/* accept order */
	int			 agent;
	int			 cut;
	int			 addressed;
	int			 pending;	/* on cl->pending */
	struct cl_addr		*a;		/* while on a->conns */
	TAILQ_ENTRY(cl_conn)	 all;
	TAILQ_ENTRY(cl_conn)	 same;
};
TAILQ_HEAD(cl_conns, cl_conn);

struct cl_addr {
	char			 addr[CL_ADDR_MAX];
	size_t			 n;		/* length of conns */
	struct cl_conns		 conns;
	struct cl_addr		*hnext;
	LIST_ENTRY(cl_addr)	 entry;
};

struct connlimit {
	struct cl_conns		 all;
	struct cl_conns		 pending;	/* address not known yet */
	struct cl_addr		*bucket[CL_BUCKETS];
	LIST_HEAD(, cl_addr)	 addrs;
	struct connlimit_counts	 counts;
	uint64_t		 next_order;
};

static unsigned
addr_hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % CL_BUCKETS;
}

struct connlimit *
connlimit_new(void)
{
	struct connlimit *cl;

	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return NULL;
	TAILQ_INIT(&cl->all);
	TAILQ_INIT(&cl->pending);
	LIST_INIT(&cl->addrs);
	return cl;
}

void
connlimit_free(struct connlimit *cl)
{
	struct cl_conn *c;

	if (cl == NULL)
		return;
	while ((c = TAILQ_FIRST(&cl->all)) != NULL)
		connlimit_close(cl, c);
	free(cl);
}

static struct cl_addr *
addr_get(struct connlimit *cl, const char *addr)
{
	unsigned	 h = addr_hash(addr);
	struct cl_addr	*a;

	for (a = cl->bucket[h]; a != NULL; a = a->hnext)
		if (strcmp(a->addr, addr) == 0)
			return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	/* Longer than any numeric IPv6 address: truncated, still a key. */
	memcpy(a->addr, addr, strnlen(addr, sizeof(a->addr) - 1));
	TAILQ_INIT(&a->conns);
	a->hnext = cl->bucket[h];
	cl->bucket[h] = a;
	LIST_INSERT_HEAD(&cl->addrs, a, entry);
	return a;
}

/*
 * Take c off its address's list (and free the address when empty), or
 * off the pending list.
 */
static void
addr_leave(struct connlimit *cl, struct cl_conn *c)
{
	struct cl_addr	*a = c->a, **pp;

	if (c->pending) {
		TAILQ_REMOVE(&cl->pending, c, same);
		c->pending = 0;
	}
	if (a == NULL)
		return;
	TAILQ_REMOVE(&a->conns, c, same);
	a->n--;
	c->a = NULL;
	if (a->n > 0)
		return;
	for (pp = &cl->bucket[addr_hash(a->addr)]; *pp != a; pp = &(*pp)->hnext)
		;
	*pp = a->hnext;
	LIST_REMOVE(a, entry);
	free(a);
}

struct cl_conn *
connlimit_open(struct connlimit *cl, void *owner, int64_t now_ms)
{
	struct cl_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->owner = owner;
	c->since_ms = now_ms;
	c->order = cl->next_order++;
	TAILQ_INSERT_TAIL(&cl->all, c, all);
	TAILQ_INSERT_TAIL(&cl->pending, c, same);
	c->pending = 1;
	cl->counts.total++;
	cl->counts.held++;
	cl->counts.unverified++;
	return c;
}

void
connlimit_cut(struct connlimit *cl, struct cl_conn *c)
{
	if (c->cut)
		return;
	c->cut = 1;
	addr_leave(cl, c);
	cl->counts.held--;
	if (!c->agent)
		cl->counts.unverified--;
}

void
connlimit_close(struct connlimit *cl, struct cl_conn *c)
{
	if (c == NULL)
		return;
	connlimit_cut(cl, c);
	TAILQ_REMOVE(&cl->all, c, all);
	cl->counts.total--;
	free(c);
}

int
connlimit_set_addr(struct connlimit *cl, struct cl_conn *c, const char *addr,
    const struct connlimit_limits *lim)
{
	struct cl_addr *a;

	if (c->addressed)
		return 0;
	c->addressed = 1;
	addr_leave(cl, c);		/* off pending */
	if (c->cut || c->agent || (a = addr_get(cl, addr)) == NULL)
		return 0;
	TAILQ_INSERT_TAIL(&a->conns, c, same);
	a->n++;
	c->a = a;
	return a->n > lim->per_addr;
}

struct cl_conn *
connlimit_unaddressed(struct connlimit *cl, struct cl_conn *after)
{
	return after ? TAILQ_NEXT(after, same) : TAILQ_FIRST(&cl->pending);
}

void *
connlimit_owner(const struct cl_conn *c)
{
	return c->owner;
}

void
connlimit_agent(struct connlimit *cl, struct cl_conn *c)
{
	if (c->agent)
		return;
	c->agent = 1;
	addr_leave(cl, c);
	if (!c->cut)
		cl->counts.unverified--;
}

int
connlimit_is_agent(const struct cl_conn *c)
{
	return c->agent;
}

void
connlimit_answered(struct cl_conn *c, int64_t now_ms)
{
	c->since_ms = now_ms;
}

struct connlimit_counts
connlimit_counts(const struct connlimit *cl)
{
	return cl->counts;
}

struct cl_conn *
connlimit_victim(const struct connlimit *cl)
{
	const struct cl_addr	*a, *best = NULL;
	const struct cl_conn	*head, *bhead = NULL;

	LIST_FOREACH(a, &cl->addrs, entry) {
		head = TAILQ_FIRST(&a->conns);
		if (best == NULL || a->n > best->n ||
		    (a->n == best->n && head->order < bhead->order)) {
			best = a;
			bhead = head;
		}
	}
	return best ? TAILQ_FIRST(&best->conns) : NULL;
}

size_t
connlimit_make_room(struct connlimit *cl, const struct connlimit_limits *lim,
    connlimit_cut_fn *cut, void *arg, int *full)
{
	size_t		 n = 0;
	size_t		 unv_max = lim->slots > lim->agent_slots ?
			    lim->slots - lim->agent_slots : 0;
	struct cl_conn	*v;

	while (cl->counts.held > lim->slots || cl->counts.unverified > unv_max) {
		if ((v = connlimit_victim(cl)) == NULL)
			break;
		connlimit_cut(cl, v);
		cut(v->owner, arg);
		n++;
	}
	/* Room for one more: a free slot, or a victim the next one may push out. */
	*full = cl->counts.held >= lim->slots && connlimit_victim(cl) == NULL;
	return n;
}

size_t
connlimit_sweep(struct connlimit *cl, const struct connlimit_limits *lim,
    int64_t now_ms, connlimit_cut_fn *cut, void *arg)
{
	struct cl_conn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &cl->all, all) {
		if (c->cut || now_ms - c->since_ms <= (c->agent ? lim->agent_ms :
		    lim->head_ms))
			continue;
		connlimit_cut(cl, c);
		cut(c->owner, arg);
		n++;
	}
	return n;
}
