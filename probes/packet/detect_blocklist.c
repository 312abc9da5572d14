/*
 * Block list (blocklist): traffic to or from an address in the configured
 * file of IPs and CIDR prefixes (one a line, '#' starts a comment).  The
 * file becomes a sorted array of merged [lo, hi] ranges, so a packet costs
 * two binary searches.  One finding per (listed address, other party) per
 * realert.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/packet/detector.h"

struct blocklist_conf {
	char		blocklist_file[256];
	char		blocklist_allow_s[1024];
	struct cidrset	blocklist_allow;
};

struct blocklist_det {
	const struct blocklist_conf *c;
	int			 type0;
	struct blockrange	*block;
	size_t			 nblock;
};

static const char *const blocklist_types[] = { "blocklist", NULL };

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
listed(const struct blocklist_det *d, const struct paddr *a)
{
	size_t	lo = 0, hi = d->nblock;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (addr_cmp(a, &d->block[mid].lo) < 0)
			hi = mid;
		else if (addr_cmp(a, &d->block[mid].hi) > 0)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static void
block_report(struct pkt_engine *e, struct blocklist_det *d,
    const struct pkt *p, const struct paddr *bad,
    const struct paddr *other, const char *dir)
{
	char	b[48], o[48], key[128];

	if (cidrset_match(&d->c->blocklist_allow, other) ||
	    eng_reported_recently(e, d->type0, bad, 16, other, 16))
		return;
	paddr_str(bad, b, sizeof(b));
	paddr_str(other, o, sizeof(o));
	snprintf(key, sizeof(key), "blocklist:%s:%s", b, o);
	eng_report(e, d->type0, SEV_HIGH, key, o, json_pack("[s]", b),
	    p->ts_ms, p->ts_ms, 1, json_pack("{s:s,s:s,s:i,s:i,s:i}",
	    "listed", b, "direction", dir, "protocol", (json_int_t)p->proto,
	    "sport", (json_int_t)p->sport, "dport", (json_int_t)p->dport));
}

static void
blocklist_packet(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct blocklist_det	*d = self;

	if (listed(d, &p->dst))
		block_report(e, d, p, &p->dst, &p->src, "to");
	if (listed(d, &p->src))
		block_report(e, d, p, &p->src, &p->dst, "from");
}

/* ---- registration -------------------------------------------------------- */

/* Without a file there is nothing to look for: not called at all. */
static int
blocklist_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct blocklist_det	*d = self;

	(void)e;
	d->c = conf;
	d->type0 = type0;
	if (d->c->blocklist_file[0] == '\0')
		return 1;
	if (blocklist_load(d->c->blocklist_file, &d->block, &d->nblock, err,
	    errlen) == -1)
		return -1;
	return d->nblock == 0 ? 1 : 0;
}

static size_t
blocklist_bytes(const void *self)
{
	return ((const struct blocklist_det *)self)->nblock *
	    sizeof(struct blockrange);
}

static void
blocklist_free(void *self)
{
	free(((struct blocklist_det *)self)->block);
}

static int
blocklist_conf_finish(void *conf, char *why, size_t whylen)
{
	struct blocklist_conf	*c = conf;

	return cidrset_parse(c->blocklist_allow_s, &c->blocklist_allow, why,
	    whylen);
}

#define O(f)	offsetof(struct blocklist_conf, f)
#define S(f)	O(f), sizeof(((struct blocklist_conf *)0)->f)
static const struct conf_opt blocklist_opts[] = {
	{ "blocklist", CONF_STR, S(blocklist_file), 0, 0, "", NULL, NULL,
	  "file of IPs and CIDRs, one a line" },
	{ "blocklist_allow", CONF_STR, S(blocklist_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "addresses of the blocklist never reported" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

static const struct det_hook blocklist_hooks[] = {
	{ DET_IP, 0, 0, 0, 0, blocklist_packet },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops blocklist_detector = {
	.name = "blocklist",
	.types = blocklist_types,
	.options = blocklist_opts,
	.conf_size = sizeof(struct blocklist_conf),
	.conf_finish = blocklist_conf_finish,
	.state_size = sizeof(struct blocklist_det),
	.init = blocklist_init,
	.packet = blocklist_hooks,
	.bytes = blocklist_bytes,
	.free = blocklist_free,
};
