/*
 * Fixed-size open-addressing tables with lazy time expiry, for all
 * detector state.
 *
 * A table is one allocation made at start-up; nothing is allocated per
 * packet.  An entry lives in one of PT_PROBE consecutive slots after its
 * hash.  A lookup compares hash and key in those slots; an insert takes an
 * empty or expired slot among them, and when all are live it overwrites
 * the least recently used one and counts an eviction.  Expiry is lazy (an
 * entry older than ttl is simply free to reuse), so there is no timer wheel
 * and no deletion; pt_sweep() lets a detector visit entries incrementally
 * to act on those that are about to go.
 *
 * Each entry starts with struct pt_hdr, then the key (klen bytes), then
 * the detector's fields.
 */
#ifndef SHAOBING_PKT_TABLE_H
#define SHAOBING_PKT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_PROBE	8

struct pt_hdr {
	uint64_t	h;		/* 0: never used */
	int64_t		last_ms;	/* last touch */
};

struct ptab {
	const char	*name;
	uint8_t		*mem;
	size_t		 esize, klen;
	uint32_t	 mask;
	int64_t		 ttl_ms;
	uint64_t	 inserts, evictions;
	uint32_t	 cursor;		/* pt_sweep position */
};

/*
 * Allocate about `bytes` worth of slots of esize bytes (rounded down to a
 * power of two, at least 64 slots).  0, or -1 on allocation failure.
 */
int	pt_init(struct ptab *t, const char *name, size_t esize, size_t klen,
	    size_t bytes, int64_t ttl_ms);
void	pt_free(struct ptab *t);
size_t	pt_bytes(const struct ptab *t);
size_t	pt_slots(const struct ptab *t);

uint64_t pt_hash(const void *key, size_t len);

/*
 * The live entry for key, or NULL.  With create, a new zeroed entry (key
 * and header filled) and *isnew set.  Touches last_ms.
 */
void	*pt_get(struct ptab *t, uint64_t h, const void *key, int64_t now,
	    bool create, bool *isnew);

static inline bool
pt_live(const struct ptab *t, const struct pt_hdr *e, int64_t now)
{
	return e->h != 0 && now - e->last_ms <= t->ttl_ms;
}

/* Slot i (for sweeps). */
static inline void *
pt_slot(const struct ptab *t, uint32_t i)
{
	return t->mem + (size_t)i * t->esize;
}

#endif
