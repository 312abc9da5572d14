/*
 * Fixed-size open-addressing tables with lazy time expiry, for all
 * detector state.
 *
 * A table is allocated once at start-up; nothing is allocated per packet.
 * Slots are grouped in buckets of PT_PROBE; an entry lives in the bucket
 * its hash names.  Each bucket has a 64-byte line of (tag, last second)
 * pairs, so a lookup costs one cache miss for the bucket and one for the
 * entry whose tag matches, however large the entries are.  An insert
 * takes an empty or expired slot of the bucket, and when all are live it
 * overwrites the least recently used one and counts an eviction.  Expiry is lazy (an
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
#include <string.h>

#define PT_PROBE	8

struct pt_hdr {
	uint64_t	h;		/* 0: never used */
	int64_t		last_ms;	/* last touch */
};

struct pt_meta {
	uint32_t	tag;		/* 0: empty */
	uint32_t	last_s;		/* last touch, seconds */
};

struct ptab {
	const char	*name;
	uint8_t		*mem;
	struct pt_meta	*meta;
	size_t		 esize, klen;
	size_t		 zlen;		/* bytes cleared on insert (all by default) */
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
/*
 * Clear only the first zlen bytes of a new entry: for entries whose tail
 * is an array bounded by a count kept in the cleared part.
 */
void	pt_set_zlen(struct ptab *t, size_t zlen);
size_t	pt_bytes(const struct ptab *t);
size_t	pt_slots(const struct ptab *t);

/*
 * 64-bit mix over the key (keys are a few dozen bytes): fast, not keyed.
 * Inline: each caller's key has a size known there, so the loop unrolls.
 */
static inline uint64_t
pt_hash(const void *key, size_t len)
{
	const uint8_t	*p = key;
	uint64_t	 h = 0x9e3779b97f4a7c15ull ^ len, w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h | 1;	/* 0 marks an unused slot */
}

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
