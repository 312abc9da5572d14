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
	t->zlen = esize;
	/* calloc: pages untouched until used, so RSS follows real use. */
	t->mem = calloc(n, esize);
	t->meta = aligned_alloc(64, n * sizeof(*t->meta));
	if (t->mem == NULL || t->meta == NULL)
		return -1;
	memset(t->meta, 0, n * sizeof(*t->meta));
	return 0;
}

void
pt_set_zlen(struct ptab *t, size_t zlen)
{
	t->zlen = zlen < t->esize ? zlen : t->esize;
}

void
pt_free(struct ptab *t)
{
	if (t == NULL)
		return;
	free(t->mem);
	free(t->meta);
	t->mem = NULL;
	t->meta = NULL;
}

size_t
pt_slots(const struct ptab *t)
{
	return (size_t)t->mask + 1;
}

size_t
pt_bytes(const struct ptab *t)
{
	return pt_slots(t) * (t->esize + sizeof(struct pt_meta));
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
	struct pt_hdr	*e;
	struct pt_meta	*m = t->meta + ((uint32_t)h & t->mask & ~(uint32_t)(PT_PROBE - 1));
	uint32_t	 tag = (uint32_t)(h >> 32) | 1, now_s = (uint32_t)(now / 1000);
	/* Whole seconds, rounded so that an entry is never taken for expired
	 * early (the entry's own last_ms decides exactly). */
	uint32_t	 ttl_s = (uint32_t)(t->ttl_ms / 1000) + 1;
	int		 victim = -1, oldest = -1;

	if (isnew != NULL)
		*isnew = false;
	for (int k = 0; k < PT_PROBE; k++) {
		if (m[k].tag == tag) {
			e = pt_slot(t, (uint32_t)(m - t->meta) + (uint32_t)k);
			if (e->h == h && memcmp(e + 1, key, t->klen) == 0) {
				if (now - e->last_ms <= t->ttl_ms) {
					if (now > e->last_ms) {
						e->last_ms = now;
						m[k].last_s = now_s;
					}
					return e;
				}
				victim = k;	/* same key, expired: anew */
				oldest = -1;
				break;
			}
		}
		if (!create || victim >= 0)
			continue;
		if (m[k].tag == 0 || now_s - m[k].last_s > ttl_s)
			victim = k;
		else if (oldest < 0 || m[k].last_s < m[oldest].last_s)
			oldest = k;
	}
	if (!create)
		return NULL;
	if (victim < 0) {
		victim = oldest;
		t->evictions++;
	}
	t->inserts++;
	e = pt_slot(t, (uint32_t)(m - t->meta) + (uint32_t)victim);
	memset(e, 0, t->zlen);
	e->h = h;
	e->last_ms = now;
	memcpy(e + 1, key, t->klen);
	m[victim].tag = tag;
	m[victim].last_s = now_s;
	if (isnew != NULL)
		*isnew = true;
	return e;
}
