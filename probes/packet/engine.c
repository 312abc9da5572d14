/*
 * The packet-anomaly engine: sets up the registered detectors
 * (detectors.c) and their tables from one memory cap, decodes frames and
 * dispatches each packet to the detectors that asked for its protocol.
 * Options are in options.c, the finding format in report.c.
 */
#include <stddef.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/packet/detector.h"
#include "probes/selfaddr.h"

/* ---- set-up ------------------------------------------------------------ */

/* Allocate the tables of one detector (base: its state) or the engine's. */
static int
tables_init(struct pkt_engine *e, void *base, const struct det_table *t,
    const void *conf, char *err, size_t errlen)
{
	size_t	cap = (size_t)e->c.memory_cap;

	for (; t != NULL && t->name != NULL; t++) {
		struct ptab	*pt = (struct ptab *)((char *)base + t->off);
		int64_t		 ttl = t->ttl ? t->ttl(&e->c, conf) : t->ttl_ms;

		if (pt_init(pt, t->name, t->esize, t->klen,
		    cap / 1000 * t->permille, ttl) == -1) {
			snprintf(err, errlen, "cannot allocate the %s table "
			    "(memory_cap %zu bytes); lower [packet] memory_cap",
			    t->name, cap);
			return -1;
		}
		if (t->zlen != 0)
			pt_set_zlen(pt, t->zlen);
	}
	return 0;
}

/* Apply fn to every table of base. */
static void
tables_each(void *base, const struct det_table *t,
    void (*fn)(const struct ptab *, void *), void *arg)
{
	for (; t != NULL && t->name != NULL; t++)
		fn((const struct ptab *)((char *)base + t->off), arg);
}

/* A detector with every type disabled need not run at all. */
static bool
all_disabled(const struct pkt_engine *e, const struct detector_ops *d,
    int type0)
{
	for (int i = 0; d->types[i] != NULL; i++)
		if (!e->c.disabled[type0 + i])
			return false;
	return true;
}

#define F_PORT		0x01
#define F_TCP		0x02
#define F_PAYLOAD	0x04

static int
hooks_add(struct pkt_engine *e, const struct detector_ops *d, void *self,
    char *err, size_t errlen)
{
	for (const struct det_hook *h = d->packet; h && h->packet; h++) {
		struct eng_hook	 x = { h->packet, self, h->port, h->tcp_mask,
		    h->tcp_want, (uint8_t)((h->port ? F_PORT : 0) |
		    (h->tcp_mask ? F_TCP : 0) |
		    (h->flags & DET_PAYLOAD ? F_PAYLOAD : 0)) };

		for (int own = 0; own < 2; own++) {
			struct eng_hook	*a = e->hooks[own][h->stage];
			int		 n = 0;

			if (own && (h->flags & DET_SKIP_OWN))
				continue;
			while (a[n].fn != NULL)
				n++;
			if (n == PKT_HOOKS_MAX) {
				snprintf(err, errlen, "detector %s: more than %d "
				    "hooks on one protocol", d->name, PKT_HOOKS_MAX);
				return -1;
			}
			a[n] = x;
		}
	}
	return 0;
}

static void
table_free(const struct ptab *t, void *arg)
{
	(void)arg;
	pt_free((struct ptab *)t);
}

static void
detector_stop(struct pkt_engine *e, int i)
{
	const struct detector_ops *d = e->det[i].ops;
	void		*self = e->det[i].self;

	if (self == NULL)
		return;
	if (d->free != NULL)
		d->free(self);
	tables_each(self, d->tables, table_free, NULL);
	free(self);
	e->det[i].self = NULL;
}

static int
detector_start(struct pkt_engine *e, int i, int type0, char *err,
    size_t errlen)
{
	const struct detector_ops *d = detector_registry[i];
	const void	*conf = pkt_conf_detector(&e->c, i);
	void		*self;
	int		 r;

	e->det[i].ops = d;
	if ((self = calloc(1, d->state_size ? d->state_size : 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->det[i].self = self;
	if (tables_init(e, self, d->tables, conf, err, errlen) == -1)
		return -1;
	r = d->init ? d->init(e, self, conf, type0, err, errlen) : 0;
	if (r == -1)
		return -1;
	/* Nothing to do (its configuration found nothing to look for, or
	 * every type it reports is disabled): not called at all.  It was
	 * still set up, so bad configuration fails the same either way. */
	if (r == 1 || all_disabled(e, d, type0)) {
		detector_stop(e, i);
		return 0;
	}
	return hooks_add(e, d, self, err, errlen);
}

struct pkt_engine *
pkt_engine_new(const struct pkt_conf *pc, const struct pkt_sink *sink,
    char *err, size_t errlen)
{
	struct pkt_engine	*e;
	int			 type0 = 0;

	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->c = *pc;
	e->sink = *sink;
	if (tables_init(e, e, engine_tables, NULL, err, errlen) == -1)
		goto fail;
	for (int i = 0; detector_registry[i] != NULL; i++) {
		if (i == PKT_DETECTORS_MAX) {
			snprintf(err, errlen, "more than %d detectors",
			    PKT_DETECTORS_MAX);
			goto fail;
		}
		e->ndet = i + 1;
		if (detector_start(e, i, type0, err, errlen) == -1)
			goto fail;
		for (const char *const *t = detector_registry[i]->types; *t; t++)
			type0++;
	}
	return e;
fail:
	pkt_engine_free(e);
	return NULL;
}


void
pkt_engine_free(struct pkt_engine *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->ndet; i++)
		detector_stop(e, i);
	tables_each(e, engine_tables, table_free, NULL);
	free(e);
}

static void
table_bytes(const struct ptab *t, void *arg)
{
	*(size_t *)arg += t->mem != NULL ? pt_bytes(t) : 0;
}

size_t
pkt_engine_bytes(const struct pkt_engine *e)
{
	size_t	n = sizeof(*e);

	tables_each((void *)e, engine_tables, table_bytes, &n);
	for (int i = 0; i < e->ndet; i++) {
		const struct detector_ops *d = e->det[i].ops;

		if (e->det[i].self == NULL)
			continue;
		n += d->state_size;
		tables_each(e->det[i].self, d->tables, table_bytes, &n);
		if (d->bytes != NULL)
			n += d->bytes(e->det[i].self);
	}
	return n;
}

static void
table_evictions(const struct ptab *t, void *arg)
{
	*(uint64_t *)arg += t->evictions;
}

static void
detectors_flush(struct pkt_engine *e, bool final)
{
	for (int i = 0; i < e->ndet; i++)
		if (e->det[i].self != NULL && e->det[i].ops->flush != NULL)
			e->det[i].ops->flush(e, e->det[i].self, e->now, final);
}

void
pkt_engine_flush(struct pkt_engine *e, int64_t now_ms, bool final)
{
	uint64_t	sum = 0;

	if (now_ms > e->now)
		e->now = now_ms;
	detectors_flush(e, final);
	tables_each(e, engine_tables, table_evictions, &sum);
	for (int i = 0; i < e->ndet; i++)
		if (e->det[i].self != NULL)
			tables_each(e->det[i].self, e->det[i].ops->tables,
			    table_evictions, &sum);
	e->st.evictions = sum;
}

/* ---- per packet -------------------------------------------------------- */

static void
engine_clock(struct pkt_engine *e, int64_t ts)
{
	if (!e->started) {
		e->started = true;
		e->first_ms = ts;
		e->tick_ms = ts;
	}
	/* Packet time may step back a little (several interfaces, clock
	 * adjustments): the engine's clock never does. */
	if (ts > e->now)
		e->now = ts;
	if (e->now - e->tick_ms >= 1000) {
		e->tick_ms = e->now;
		detectors_flush(e, false);
	}
}

/*
 * Was src -> dst one of the agent's own port and TLS checks
 * (probes/selfaddr.h)?  Those connect to many ports of a host, to many
 * hosts, and may be refused or time out: exactly a scan's shape.  Only
 * that direction is skipped: the answers then match no pending probe,
 * and the checked host scanning this one is still a scan.
 */
static bool
eng_own_check(const struct paddr *src, const struct paddr *dst)
{
	if (paddr_is_v4(src) && paddr_is_v4(dst))
		return selfaddr_contains_flow(AF_INET, src->a + 12, dst->a + 12);
	return selfaddr_contains_flow(AF_INET6, src->a, dst->a);
}

/* The packet is the agent's own check, or its ARP request on the LAN. */
static bool
eng_own_packet(const struct pkt *p)
{
	if (selfaddr_count() == 0)
		return false;		/* no checks: the usual case, no lock */
	if (p->l3 == PKT_L3_ARP)
		return eng_own_check(&p->arp_spa, &p->arp_tpa);
	return eng_own_check(&p->src, &p->dst);
}

/* The filters of a hook that has some (most have none). */
static inline bool
hook_wants(const struct eng_hook *h, const struct pkt *p)
{
	return (!(h->filt & F_PORT) || p->sport == h->port ||
	    p->dport == h->port) &&
	    (!(h->filt & F_TCP) || (p->tcp_flags & h->tcp_mask) == h->tcp_want) &&
	    (!(h->filt & F_PAYLOAD) || p->paylen != 0);
}

/* The hooks of one stage whose filters pass. */
static inline void
dispatch(struct pkt_engine *e, const struct eng_hook *h, const struct pkt *p)
{
	for (; h->fn != NULL; h++)
		if (h->filt == 0 || hook_wants(h, p))
			h->fn(e, h->self, p);
}

void
pkt_engine_packet(struct pkt_engine *e, const struct pkt *p)
{
	/* The agent's own checks are no scan, sweep or flood. */
	struct eng_hook	(*hooks)[PKT_HOOKS_MAX + 1];

	engine_clock(e, p->ts_ms);
	if (p->has_mac)
		dispatch(e, e->hooks[0][DET_MAC], p);
	if (p->l3 == PKT_L3_ARP) {
		dispatch(e, e->hooks[eng_own_packet(p)][DET_ARP], p);
		return;
	}
	if (p->l3 != PKT_L3_IP)
		return;
	if (p->frag)
		e->st.fragments++;
	hooks = e->hooks[eng_own_packet(p)];
	dispatch(e, hooks[DET_IP], p);
	if (!p->l4)
		return;
	switch (p->proto) {
	case 6:
		dispatch(e, hooks[DET_TCP], p);
		break;
	case 17:
		dispatch(e, hooks[DET_UDP], p);
		break;
	case 1:
	case 58:
		dispatch(e, hooks[DET_ICMP], p);
		break;
	}
}

void
pkt_engine_frame(struct pkt_engine *e, int link, int64_t ts_ms,
    const uint8_t *data, size_t caplen, size_t wirelen)
{
	struct pkt	p;

	e->st.packets++;
	e->st.bytes += wirelen;
	p.ts_ms = ts_ms;
	p.wirelen = (uint32_t)wirelen;
	switch (pkt_decode(&p, link, data, caplen)) {
	case PKT_OK:
		break;
	case PKT_TRUNCATED:
		e->st.truncated++;
		return;
	case PKT_INVALID:
		e->st.invalid++;
		return;
	case PKT_UNSUPPORTED:
		e->st.unsupported++;
		/* The MAC still tells of a device. */
		if (p.has_mac) {
			engine_clock(e, ts_ms);
			dispatch(e, e->hooks[0][DET_MAC], &p);
		}
		return;
	}
	pkt_engine_packet(e, &p);
}
