/*
 * Block list (blocklist): traffic to or from an address in the configured
 * file of IPs and CIDR prefixes (one a line, '#' starts a comment).  The
 * file becomes a sorted array of merged [lo, hi] ranges, so a packet costs
 * two binary searches.  One finding per (listed address, other party) per
 * realert.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/packet/engine.h"

static int
addr_cmp(const struct paddr *a, const struct paddr *b)
{
	return memcmp(a->a, b->a, 16);
}

static int
range_cmp(const void *x, const void *y)
{
	return addr_cmp(&((const struct blockrange *)x)->lo,
	    &((const struct blockrange *)y)->lo);
}

static void
cidr_range(const struct cidr *c, struct blockrange *r)
{
	r->lo = c->addr;
	r->hi = c->addr;
	for (int i = 0; i < 16; i++) {
		int	keep = (int)c->plen - i * 8;

		if (keep <= 0)
			r->hi.a[i] = 0xff;
		else if (keep < 8)
			r->hi.a[i] |= (uint8_t)(0xff >> keep);
	}
}

int
blocklist_load(const char *path, struct blockrange **out, size_t *n,
    char *why, size_t whylen)
{
	FILE			*f;
	char			 line[512], *s, *end;
	struct blockrange	*v = NULL, *nv;
	size_t			 cnt = 0, cap = 0, w;
	struct cidr		 c;
	int			 lineno = 0, rc = -1;

	*out = NULL;
	*n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, whylen, "%s: cannot open the block list: %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (end = s + strlen(s); end > s && (end[-1] == ' ' ||
		    end[-1] == '\t'); end--)
			;
		*end = '\0';
		if (*s == '\0')
			continue;
		if (cidr_parse(s, &c) == -1) {
			snprintf(why, whylen, "%s:%d: '%.64s' is not an IP address "
			    "or CIDR prefix", path, lineno, s);
			goto out;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				snprintf(why, whylen, "%s: out of memory", path);
				goto out;
			}
			v = nv;
		}
		cidr_range(&c, &v[cnt++]);
	}
	if (ferror(f)) {
		snprintf(why, whylen, "%s: read error", path);
		goto out;
	}
	qsort(v, cnt, sizeof(*v), range_cmp);
	/* Merge overlapping ranges so a search finds at most one. */
	w = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (w > 0 && addr_cmp(&v[i].lo, &v[w - 1].hi) <= 0) {
			if (addr_cmp(&v[i].hi, &v[w - 1].hi) > 0)
				v[w - 1].hi = v[i].hi;
			continue;
		}
		v[w++] = v[i];
	}
	*out = v;
	*n = w;
	v = NULL;
	rc = 0;
out:
	free(v);
	fclose(f);
	return rc;
}

static bool
listed(const struct pkt_engine *e, const struct paddr *a)
{
	size_t	lo = 0, hi = e->nblock;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (addr_cmp(a, &e->block[mid].lo) < 0)
			hi = mid;
		else if (addr_cmp(a, &e->block[mid].hi) > 0)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static void
block_report(struct pkt_engine *e, const struct pkt *p, const struct paddr *bad,
    const struct paddr *other, const char *dir)
{
	char	b[48], o[48], key[128];

	if (cidrset_match(&e->c.blocklist_allow, other) ||
	    eng_reported_recently(e, FT_BLOCKLIST, bad, 16, other, 16))
		return;
	paddr_str(bad, b, sizeof(b));
	paddr_str(other, o, sizeof(o));
	snprintf(key, sizeof(key), "blocklist:%s:%s", b, o);
	eng_report(e, FT_BLOCKLIST, SEV_HIGH, key, o, json_pack("[s]", b),
	    p->ts_ms, p->ts_ms, 1, json_pack("{s:s,s:s,s:i,s:i,s:i}",
	    "listed", b, "direction", dir, "protocol", (json_int_t)p->proto,
	    "sport", (json_int_t)p->sport, "dport", (json_int_t)p->dport));
}

void
blocklist_packet(struct pkt_engine *e, const struct pkt *p)
{
	if (e->c.disabled[FT_BLOCKLIST])
		return;
	if (listed(e, &p->dst))
		block_report(e, p, &p->dst, &p->src, "to");
	if (listed(e, &p->src))
		block_report(e, p, &p->src, &p->dst, "from");
}
