/*
 * Floods (syn_flood, icmp_flood, udp_flood): packets per second towards one
 * destination far above both a configured floor and its own usual rate.
 *
 * Counting is in one-second windows per (destination, protocol, port):
 * SYNs per destination port (a scan spreads over ports, a flood does not),
 * ICMP (all but echo replies) and UDP per destination host.  A window is
 * hot when its count is >= the rate and >= factor x the destination's
 * usual rate (an exponential average of its quiet windows), and for UDP
 * only when the destination answered less than 1 packet in 20 (a
 * download or a call is answered; a flood is not).  flood_seconds hot
 * windows make a finding (quiet pauses of up to FLOOD_GAP_MS inside the
 * streak are allowed: floods come in bursts), and so does a single window
 * at ten times the rate.
 *
 * A destination first seen above the rate counts as flooded: its usual
 * rate is not known yet (synflood_rate is therefore a floor no ordinary
 * office server reaches).
 *
 * Sources are estimated with a 1024-bit linear counter (Whang et al.,
 * 1990) per hot period: spoofed floods from a million addresses cost one
 * table entry, not a million.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "probes/packet/detector.h"

#define FLOOD_GAP_MS	5000

struct rate_key {
	struct paddr	dst;
	uint8_t		proto;
	uint8_t		pad;
	uint16_t	port;
};

struct rate_ent {
	struct pt_hdr	hdr;
	struct rate_key	key;
	uint32_t	cnt, rev;	/* this window */
	int64_t		win_ms;		/* window start */
	int64_t		hot_first_ms, hot_end_ms, reported_ms;
	double		baseline;
	uint64_t	hot_pkts;
	uint32_t	hot, peak;
	uint64_t	srcbits[16];	/* 1024-bit linear counter */
	struct paddr	src1;		/* a source, for the single-source case */
};

struct flood_conf {
	int		synflood_rate;
	double		synflood_factor;
	int		icmpflood_rate;
	int		udpflood_rate;
	double		flood_factor;
	int		flood_seconds;
	char		flood_allow_s[1024];
	struct cidrset	flood_allow;
};

struct flood_det {
	const struct flood_conf	*c;
	int			 type0;
	bool			 off_syn, off_icmp, off_udp;
	struct ptab		 rate;	/* (dst, proto, port) -> rates */
};

static const char *const flood_types[] = { "syn_flood", "icmp_flood",
    "udp_flood", NULL };
enum { T_SYN_FLOOD, T_ICMP_FLOOD, T_UDP_FLOOD };

static double
sources_est(const struct rate_ent *r)
{
	int	zeros = 0;

	for (int i = 0; i < 16; i++)
		zeros += 64 - __builtin_popcountll(r->srcbits[i]);
	if (zeros == 0)
		return 1024.0 * log(1024.0);	/* saturated: at least this */
	return -1024.0 * log((double)zeros / 1024.0);
}

static void
flood_report(struct pkt_engine *e, struct flood_det *d, struct rate_ent *r,
    int64_t now)
{
	char		 dst[48], src[48], key[128];
	double		 est = sources_est(r);
	int		 t;
	json_t		*ev;

	paddr_str(&r->key.dst, dst, sizeof(dst));
	switch (r->key.proto) {
	case 6:
		t = T_SYN_FLOOD;
		snprintf(key, sizeof(key), "syn_flood:%s:%u", dst, r->key.port);
		break;
	case 1:
		t = T_ICMP_FLOOD;
		snprintf(key, sizeof(key), "icmp_flood:%s", dst);
		break;
	default:
		t = T_UDP_FLOOD;
		snprintf(key, sizeof(key), "udp_flood:%s", dst);
		break;
	}
	ev = json_pack("{s:i,s:i,s:f,s:i,s:b}", "peak_pps", (json_int_t)r->peak,
	    "seconds", (json_int_t)r->hot, "usual_pps", r->baseline,
	    "sources_estimate", (json_int_t)(est + 0.5),
	    "spoofed_likely", est > 50.0);
	if (r->key.proto == 6)
		json_object_set_new(ev, "port", json_integer(r->key.port));
	r->reported_ms = now;
	eng_report(e, d->type0 + t, SEV_HIGH, key, est < 1.5 ?
	    paddr_str(&r->src1, src, sizeof(src)) : NULL,
	    json_pack("[s]", dst), r->hot_first_ms, now, r->hot_pkts, ev);
}

static void
flood_cool(struct rate_ent *r)
{
	r->hot = 0;
	r->hot_pkts = 0;
	r->peak = 0;
	memset(r->srcbits, 0, sizeof(r->srcbits));
}

static void
flood_roll(struct pkt_engine *e, struct flood_det *d, struct rate_ent *r,
    int64_t now)
{
	const struct flood_conf *c = d->c;
	double		rate, factor;
	int64_t		gap;
	bool		hot;

	switch (r->key.proto) {
	case 6:
		rate = c->synflood_rate;
		factor = c->synflood_factor;
		break;
	case 1:
		rate = c->icmpflood_rate;
		factor = c->flood_factor;
		break;
	default:
		rate = c->udpflood_rate;
		factor = c->flood_factor;
		break;
	}
	hot = r->cnt >= rate && r->cnt >= factor * r->baseline &&
	    (r->key.proto != 17 || (uint64_t)r->rev * 20 < r->cnt);
	gap = (now - r->win_ms) / 1000;		/* whole windows passed */
	(void)gap;
	/* Floods come in bursts with quiet seconds between them: a streak
	 * of hot windows survives up to FLOOD_GAP_MS of silence. */
	if (hot && r->hot != 0 && r->win_ms - r->hot_end_ms > FLOOD_GAP_MS)
		flood_cool(r);
	if (hot) {
		if (r->hot++ == 0)
			r->hot_first_ms = r->win_ms;
		r->hot_end_ms = r->win_ms + 1000;
		r->hot_pkts += r->cnt;
		if (r->cnt > r->peak)
			r->peak = r->cnt;
		/* A long enough streak, or one second ten times over the rate. */
		if ((r->hot >= (uint32_t)c->flood_seconds || r->cnt >= 10 * rate) &&
		    (r->reported_ms == 0 || now - r->reported_ms >= e->c.realert_ms))
			flood_report(e, d, r, now);
	} else {
		flood_cool(r);
		r->baseline = r->baseline * 0.9 + r->cnt * 0.1;
		for (int64_t i = 1; i < gap && i < 64; i++)
			r->baseline *= 0.9;	/* idle windows */
	}
	r->cnt = 0;
	r->rev = 0;
	r->win_ms = now - (now - r->win_ms) % 1000;
}

static void
flood_hit(struct pkt_engine *e, struct flood_det *d, const struct paddr *dst,
    const struct paddr *src, uint8_t proto, uint16_t port)
{
	struct rate_key	 k;
	struct rate_ent	*r;
	bool		 isnew;
	uint32_t	 b;

	memset(&k, 0, sizeof(k));
	k.dst = *dst;
	k.proto = proto;
	k.port = port;
	r = pt_get(&d->rate, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (r == NULL)
		return;
	if (isnew)
		r->win_ms = e->now;
	else if (e->now - r->win_ms >= 1000)
		flood_roll(e, d, r, e->now);
	r->cnt++;
	b = eng_addr_id(src) & 1023;
	r->srcbits[b >> 6] |= 1ull << (b & 63);
	if (r->cnt == 1)
		r->src1 = *src;
}

/* A SYN (the hook's filter: no ACK, RST or FIN) to one host:port. */
static void
flood_tcp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct flood_det	*d = self;

	if (!d->off_syn && !cidrset_match(&d->c->flood_allow, &p->dst))
		flood_hit(e, d, &p->dst, &p->src, 6, p->dport);
}

static void
flood_icmp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct flood_det	*d = self;

	/* Echo replies are the victim answering, not the flood. */
	if (p->icmp_type == (p->ipver == 4 ? 0 : 129) || d->off_icmp ||
	    cidrset_match(&d->c->flood_allow, &p->dst))
		return;
	flood_hit(e, d, &p->dst, &p->src, 1, 0);
}

static void
flood_udp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct flood_det	*d = self;
	struct rate_key		 k;
	struct rate_ent		*r;

	if (d->off_udp)
		return;
	/* The sender's own entry, if it is being flooded, sees an answer. */
	memset(&k, 0, sizeof(k));
	k.dst = p->src;
	k.proto = 17;
	r = pt_get(&d->rate, pt_hash(&k, sizeof(k)), &k, e->now, false, NULL);
	if (r != NULL)
		r->rev++;
	if (!cidrset_match(&d->c->flood_allow, &p->dst))
		flood_hit(e, d, &p->dst, &p->src, 17, 0);
}

/* Close windows of destinations that went quiet (or, final, all). */
static void
flood_flush(struct pkt_engine *e, void *self, int64_t now, bool final)
{
	struct flood_det *d = self;
	struct ptab	*t = &d->rate;
	uint32_t	 n = final ? t->mask + 1 : (t->mask + 1) / 16;

	for (uint32_t i = 0; i < n; i++) {
		struct rate_ent *r = pt_slot(t, t->cursor);

		t->cursor = (t->cursor + 1) & t->mask;
		if (r->hdr.h == 0 || (!final && !pt_live(t, &r->hdr, now)))
			continue;
		/* At the end of a capture the open window counts as it stands
		 * (a lower bound of its rate). */
		if (now - r->win_ms >= 1000 || (final && r->cnt != 0))
			flood_roll(e, d, r, now);
	}
}

/* ---- registration -------------------------------------------------------- */

static int
flood_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct flood_det	*d = self;

	(void)err; (void)errlen;
	d->c = conf;
	d->type0 = type0;
	d->off_syn = eng_disabled(e, type0 + T_SYN_FLOOD);
	d->off_icmp = eng_disabled(e, type0 + T_ICMP_FLOOD);
	d->off_udp = eng_disabled(e, type0 + T_UDP_FLOOD);
	return 0;
}

static int
flood_conf_finish(void *conf, char *why, size_t whylen)
{
	struct flood_conf	*c = conf;

	return cidrset_parse(c->flood_allow_s, &c->flood_allow, why, whylen);
}

static const struct det_table flood_tables[] = {
	{ "flood", offsetof(struct flood_det, rate), sizeof(struct rate_ent),
	  sizeof(struct rate_key), 0, 80, 60000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

#define O(f)	offsetof(struct flood_conf, f)
#define S(f)	O(f), sizeof(((struct flood_conf *)0)->f)
static const struct conf_opt flood_opts[] = {
	{ "synflood_rate", CONF_INT, O(synflood_rate), 0, 1, 10000000, "100",
	  NULL, NULL, "SYN/s to one host:port" },
	{ "synflood_factor", CONF_DOUBLE, O(synflood_factor), 0, 1, 1000000,
	  "10", NULL, NULL, "times the usual rate" },
	{ "icmpflood_rate", CONF_INT, O(icmpflood_rate), 0, 1, 10000000, "1000",
	  NULL, NULL, "ICMP packets/s to one host" },
	{ "udpflood_rate", CONF_INT, O(udpflood_rate), 0, 1, 100000000, "10000",
	  NULL, NULL, "UDP packets/s to one host that it hardly answers" },
	{ "flood_factor", CONF_DOUBLE, O(flood_factor), 0, 1, 1000000, "10",
	  NULL, NULL, "icmp_flood / udp_flood: times the usual rate" },
	{ "flood_seconds", CONF_INT, O(flood_seconds), 0, 1, 3600, "2", NULL,
	  NULL, "consecutive seconds above the rate" },
	{ "flood_allow", CONF_STR, S(flood_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "destinations to ignore" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* SYNs only (no ACK, RST or FIN); all UDP; ICMP.  Not the agent's own
 * checks. */
static const struct det_hook flood_hooks[] = {
	{ DET_TCP, DET_SKIP_OWN, 0, TH_SYN | TH_ACK | TH_RST | TH_FIN, TH_SYN,
	  flood_tcp },
	{ DET_UDP, DET_SKIP_OWN, 0, 0, 0, flood_udp },
	{ DET_ICMP, DET_SKIP_OWN, 0, 0, 0, flood_icmp },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops flood_detector = {
	.name = "flood",
	.types = flood_types,
	.options = flood_opts,
	.conf_size = sizeof(struct flood_conf),
	.conf_finish = flood_conf_finish,
	.tables = flood_tables,
	.state_size = sizeof(struct flood_det),
	.init = flood_init,
	.packet = flood_hooks,
	.flush = flood_flush,
};
