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

void *
pt_get(struct ptab *t, uint64_t h, const void *key, int64_t now, bool create,
    bool *isnew)
{
	struct pt_hdr	*e;
	uint32_t	 base = (uint32_t)h & t->mask & ~(uint32_t)(PT_PROBE - 1);
	struct pt_meta	*m = t->meta + base;
	uint32_t	 tag = (uint32_t)(h >> 32) | 1, now_s, ttl_s;
	int		 victim = -1, oldest = -1;

	if (isnew != NULL)
		*isnew = false;
	/* Lookups far outnumber inserts: first only the tags. */
	for (int k = 0; k < PT_PROBE; k++) {
		if (m[k].tag != tag)
			continue;
		e = pt_slot(t, base + (uint32_t)k);
		if (e->h != h || memcmp(e + 1, key, t->klen) != 0)
			continue;
		if (now - e->last_ms <= t->ttl_ms) {
			if (now > e->last_ms) {
				e->last_ms = now;
				m[k].last_s = (uint32_t)(now / 1000);
			}
			return e;
		}
		victim = k;	/* same key, expired: anew */
		break;
	}
	if (!create)
		return NULL;
	now_s = (uint32_t)(now / 1000);
	/* Whole seconds, rounded so that an entry is never taken for expired
	 * early (the entry's own last_ms decides exactly). */
	ttl_s = (uint32_t)(t->ttl_ms / 1000) + 1;
	for (int k = 0; victim < 0 && k < PT_PROBE; k++) {
		if (m[k].tag == 0 || now_s - m[k].last_s > ttl_s)
			victim = k;
		else if (oldest < 0 || m[k].last_s < m[oldest].last_s)
			oldest = k;
	}
	if (victim < 0) {
		victim = oldest;
		t->evictions++;
	}
	t->inserts++;
	e = pt_slot(t, base + (uint32_t)victim);
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
