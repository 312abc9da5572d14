/*
 * Fixed-size tables: see table.h for the contract.
 */
#include <stdlib.h>
#include <string.h>

#include "probes/packet/table.h"

int
pt_init(struct ptab *t, const char *name, size_t esize, size_t klen,
    size_t bytes, int64_t ttl_ms)
{
	size_t	n = 64;

	memset(t, 0, sizeof(*t));
	while (n * 2 * esize <= bytes && n < (1u << 30))
		n *= 2;
	t->name = name;
	t->esize = esize;
	t->klen = klen;
	t->mask = (uint32_t)(n - 1);
	t->ttl_ms = ttl_ms;
	/* calloc: pages untouched until used, so RSS follows real use. */
	t->mem = calloc(n, esize);
	return t->mem == NULL ? -1 : 0;
}

void
pt_free(struct ptab *t)
{
	if (t == NULL)
		return;
	free(t->mem);
	t->mem = NULL;
}

size_t
pt_slots(const struct ptab *t)
{
	return (size_t)t->mask + 1;
}

size_t
pt_bytes(const struct ptab *t)
{
	return pt_slots(t) * t->esize;
}

/* 64-bit mix over the key (keys are a few dozen bytes): fast, not keyed. */
uint64_t
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

void *
pt_get(struct ptab *t, uint64_t h, const void *key, int64_t now, bool create,
    bool *isnew)
{
	struct pt_hdr	*e, *victim = NULL;
	uint32_t	 i = (uint32_t)h & t->mask;
	int64_t		 oldest = INT64_MAX;
	bool		 evict = true;

	if (isnew != NULL)
		*isnew = false;
	for (int k = 0; k < PT_PROBE; k++, i = (i + 1) & t->mask) {
		e = pt_slot(t, i);
		if (e->h == h && memcmp(e + 1, key, t->klen) == 0) {
			if (now - e->last_ms <= t->ttl_ms) {
				if (now > e->last_ms)
					e->last_ms = now;
				return e;
			}
			/* Same key, expired: start it afresh in place. */
			victim = e;
			evict = false;
			break;
		}
		if (!create)
			continue;
		if (e->h == 0 || now - e->last_ms > t->ttl_ms) {
			if (evict) {
				victim = e;
				evict = false;
			}
		} else if (evict && e->last_ms < oldest) {
			oldest = e->last_ms;
			victim = e;
		}
	}
	if (!create || victim == NULL)
		return NULL;
	if (evict)
		t->evictions++;
	t->inserts++;
	memset(victim, 0, t->esize);
	victim->h = h;
	victim->last_ms = now;
	memcpy(victim + 1, key, t->klen);
	if (isnew != NULL)
		*isnew = true;
	return victim;
}
