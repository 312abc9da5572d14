/*
 * Port scans, address scans and ping sweeps (finding types port_scan,
 * address_scan, ping_sweep).
 *
 * After Zeek's scan policy, only failed attempts count, so a busy but
 * legitimate client never looks like a scanner: a probe fails when the
 * target answers with RST (TCP) or ICMP unreachable (UDP, and TCP through
 * a filtering router), or does not answer within answer_timeout; a
 * SYN/ACK, a UDP reply or an echo reply makes it a success.
 *
 *  - port_scan: one source, one target host, one protocol (TCP or UDP),
 *    >= portscan_ports distinct failed ports within portscan_window.  The kind is named from the
 *    probes' flags: syn (raw SYN, nmap -sS/masscan), connect (SYN with a
 *    full option set, from connect()), fin, null, xmas, ack, maimon, udp.
 *  - address_scan: one source, one protocol/port, >= addrscan_hosts
 *    distinct failed hosts within addrscan_window.
 *  - ping_sweep: ICMP echo or ARP requests from one source to >=
 *    sweep_hosts distinct hosts that did not answer.
 *
 * Bare ACK and FIN/ACK probes look like the tail of a real connection, so
 * they count only from the higher port to the lower one and only when the
 * target has sent nothing to the source lately (a reverse
 * bitmap); SYN, NULL, FIN and Xmas probes never belong to a connection.
 *
 * Each (source, target) entry remembers up to TSET_N distinct ports or
 * hosts with their state; beyond that, failed ones are retired into a
 * counter (distinct-ness is then approximate, which only affects counts
 * after the threshold was crossed).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/packet/detector.h"

#define TSET_N	32

enum { ST_PENDING = 0, ST_OK, ST_FAIL };

enum kind {
	K_SYN, K_CONNECT, K_FIN, K_NULL, K_XMAS, K_ACK, K_MAIMON, K_UDP,
	K_ICMP, K_ARP, K_N
};
static const char *const kind_names[K_N] = {
	"syn", "connect", "fin", "null", "xmas", "ack", "maimon", "udp",
	"icmp_echo", "arp",
};

struct tset {
	int64_t		first_ms, last_ms, reported_ms;
	uint32_t	probes, failed, ok, reported_failed;
	uint16_t	kinds[K_N];
	uint8_t		n;
	uint32_t	id[TSET_N];
	uint32_t	t[TSET_N];
	uint8_t		st[TSET_N];
};

struct scan_key {
	struct paddr	src, dst;
	uint32_t	proto;	/* TCP and UDP ports are different ports */
};
struct scan_ent {
	struct pt_hdr	hdr;
	struct scan_key	key;
	struct tset	s;
};

struct fan_key {
	struct paddr	src;
	uint8_t		proto;	/* 6, 17, 1 (echo), 0 (ARP) */
	uint8_t		pad;
	uint16_t	port;
};
#define FAN_SAMPLES	8
struct fan_ent {
	struct pt_hdr	hdr;
	struct fan_key	key;
	uint32_t	pad;
	struct tset	s;
	struct paddr	sample[FAN_SAMPLES];
};

/* A probe waiting for its answer (see "probes waiting" below). */
struct pend {
	uint32_t	tag;		/* 0: free */
	uint8_t		proto, kind;
	uint16_t	port;
	int64_t		at;
	struct paddr	src, dst;
};

struct scan_conf {
	int64_t		answer_timeout_ms;
	int		portscan_ports;
	int64_t		portscan_window_ms;
	char		portscan_allow_s[1024];
	int		addrscan_hosts;
	int64_t		addrscan_window_ms;
	char		addrscan_allow_s[1024];
	int		sweep_hosts;
	char		sweep_allow_s[1024];
	struct cidrset	portscan_allow, addrscan_allow, sweep_allow;
};

struct scan_det {
	const struct scan_conf	*c;
	int			 type0;
	struct ptab		 scan;		/* (src, dst) -> ports */
	struct ptab		 fan;		/* (src, proto, port) -> hosts */
	struct pend		*pend;		/* probes waiting for answers */
	uint32_t		 pend_mask, pend_cursor;
	/* Recent low-port -> high-port TCP traffic (a reply direction),
	 * two generations of a bitmap indexed by hash(src, dst). */
	uint64_t		 rev[2][1024];
	int64_t			 rev_epoch;
};

static const char *const scan_types[] = { "port_scan", "address_scan",
    "ping_sweep", NULL };
enum { T_PORT_SCAN, T_ADDRESS_SCAN, T_PING_SWEEP };

/* ---- target sets -------------------------------------------------------- */

/*
 * Record a probe of id sent at `at` (<= now): pending, or already failed.
 * Returns its index; *added when id is new to the set.
 */
static int
tset_add(struct tset *s, uint32_t id, int64_t at, int kind, bool failed,
    bool *added)
{
	int	i, victim = -1;

	*added = false;
	if (s->probes == 0)
		s->first_ms = at;
	s->probes++;
	if (at > s->last_ms)
		s->last_ms = at;
	s->kinds[kind]++;
	for (i = 0; i < s->n; i++)
		if (s->id[i] == id) {
			if (failed && s->st[i] == ST_PENDING) {
				s->st[i] = ST_FAIL;
				s->failed++;
			}
			return i;
		}
	if (s->n < TSET_N)
		victim = s->n++;
	else {
		/* Full: retire a failed target (its count stays in failed),
		 * else a successful one, else the oldest pending (as failed). */
		for (i = 0; i < TSET_N && victim < 0; i++)
			if (s->st[i] == ST_FAIL)
				victim = i;
		for (i = 0; i < TSET_N && victim < 0; i++)
			if (s->st[i] == ST_OK)
				victim = i;
		if (victim < 0) {
			victim = 0;
			for (i = 1; i < TSET_N; i++)
				if (s->t[i] < s->t[victim])
					victim = i;
			s->failed++;
		}
	}
	s->id[victim] = id;
	s->t[victim] = at > s->first_ms ? (uint32_t)(at - s->first_ms) : 0;
	s->st[victim] = failed ? ST_FAIL : ST_PENDING;
	if (failed)
		s->failed++;
	*added = true;
	return victim;
}

static void
tset_answer(struct tset *s, uint32_t id, bool ok)
{
	for (int i = 0; i < s->n; i++) {
		if (s->id[i] != id)
			continue;
		if (ok) {
			if (s->st[i] == ST_FAIL && s->failed > 0)
				s->failed--;	/* a late answer */
			if (s->st[i] != ST_OK)
				s->ok++;
			s->st[i] = ST_OK;
		} else if (s->st[i] == ST_PENDING) {
			s->st[i] = ST_FAIL;
			s->failed++;
		}
		return;
	}
}

/* Pending targets older than the answer timeout (or all, final) failed. */
static void
tset_resolve(struct tset *s, int64_t now, int64_t timeout, bool final)
{
	for (int i = 0; i < s->n; i++)
		if (s->st[i] == ST_PENDING &&
		    (final || now - (s->first_ms + s->t[i]) > timeout)) {
			s->st[i] = ST_FAIL;
			s->failed++;
		}
}

static int
tset_kind(const struct tset *s)
{
	int	best = 0;

	for (int k = 1; k < K_N; k++)
		if (s->kinds[k] > s->kinds[best])
			best = k;
	return best;
}

static bool
tset_due(const struct pkt_engine *e, const struct tset *s, int threshold)
{
	if (s->failed < (uint32_t)threshold || s->failed <= s->reported_failed)
		return false;
	return s->reported_ms == 0 || e->now - s->reported_ms >= e->c.realert_ms;
}

/* Start a new window when the old one is over (the report time stays). */
static void
tset_window(struct tset *s, int64_t now, int64_t window)
{
	int64_t	rep = s->reported_ms;

	if (s->probes != 0 && now - s->first_ms > window) {
		memset(s, 0, sizeof(*s));
		s->reported_ms = rep;
	}
}

/* ---- reports ------------------------------------------------------------- */

static void
report_port_scan(struct pkt_engine *e, struct scan_det *d, struct scan_ent *x)
{
	struct tset	*s = &x->s;
	char		 src[48], dst[48], key[160];
	json_t		*ev, *ports, *tg;

	paddr_str(&x->key.src, src, sizeof(src));
	paddr_str(&x->key.dst, dst, sizeof(dst));
	snprintf(key, sizeof(key), "port_scan:%s->%s", src, dst);
	ports = json_array();
	for (int i = 0; i < s->n; i++)
		if (s->st[i] == ST_FAIL)
			json_array_append_new(ports, json_integer(s->id[i]));
	ev = json_pack("{s:s,s:i,s:i,s:o}", "kind", kind_names[tset_kind(s)],
	    "failed_ports", (json_int_t)s->failed,
	    "failed_probes", (json_int_t)s->probes, "ports_sample", ports);
	tg = json_pack("[s]", dst);
	s->reported_ms = e->now;
	s->reported_failed = s->failed;
	eng_report(e, d->type0 + T_PORT_SCAN, SEV_HIGH, key, src, tg, s->first_ms,
	    s->last_ms, s->probes, ev);
}

static void
report_fan(struct pkt_engine *e, struct scan_det *d, struct fan_ent *x)
{
	struct tset	*s = &x->s;
	char		 src[48], a[48], key[160], what[16];
	json_t		*ev, *tg;
	int		 t;

	paddr_str(&x->key.src, src, sizeof(src));
	switch (x->key.proto) {
	case 6:
		snprintf(what, sizeof(what), "tcp/%u", x->key.port);
		t = T_ADDRESS_SCAN;
		break;
	case 17:
		snprintf(what, sizeof(what), "udp/%u", x->key.port);
		t = T_ADDRESS_SCAN;
		break;
	case 1:
		snprintf(what, sizeof(what), "icmp_echo");
		t = T_PING_SWEEP;
		break;
	default:
		snprintf(what, sizeof(what), "arp");
		t = T_PING_SWEEP;
		break;
	}
	snprintf(key, sizeof(key), "%s:%s:%s", scan_types[t], src, what);
	tg = json_array();
	for (uint32_t i = 0; i < FAN_SAMPLES && i < s->probes && i < (uint32_t)s->n; i++)
		if (!paddr_is_zero(&x->sample[i]))
			json_array_append_new(tg, json_string(paddr_str(&x->sample[i],
			    a, sizeof(a))));
	ev = json_pack("{s:s,s:s,s:i,s:i,s:b}", "kind", kind_names[tset_kind(s)],
	    "service", what, "failed_hosts", (json_int_t)s->failed,
	    "failed_probes", (json_int_t)s->probes,
	    "targets_truncated", s->failed > FAN_SAMPLES);
	s->reported_ms = e->now;
	s->reported_failed = s->failed;
	eng_report(e, d->type0 + t, SEV_MEDIUM, key, src, tg, s->first_ms, s->last_ms,
	    s->probes, ev);
}

static void
scan_check(struct pkt_engine *e, struct scan_det *d, struct scan_ent *x,
    bool final)
{
	tset_resolve(&x->s, e->now, d->c->answer_timeout_ms, final);
	if (tset_due(e, &x->s, d->c->portscan_ports))
		report_port_scan(e, d, x);
}

static void
fan_check(struct pkt_engine *e, struct scan_det *d, struct fan_ent *x,
    bool final)
{
	int	thr = x->key.proto <= 1 ? d->c->sweep_hosts : d->c->addrscan_hosts;

	tset_resolve(&x->s, e->now, d->c->answer_timeout_ms, final);
	if (tset_due(e, &x->s, thr))
		report_fan(e, d, x);
}

/* ---- packets ------------------------------------------------------------- */

static void
probe_port(struct pkt_engine *e, struct scan_det *d, const struct paddr *src,
    const struct paddr *dst, uint8_t proto, uint16_t port, int kind,
    int64_t at, bool failed)
{
	struct scan_key	 k;
	struct scan_ent	*x;
	bool		 added;

	if (eng_disabled(e, d->type0 + T_PORT_SCAN) ||
	    cidrset_match(&d->c->portscan_allow, src))
		return;
	k.src = *src;
	k.dst = *dst;
	k.proto = proto;
	x = pt_get(&d->scan, pt_hash(&k, sizeof(k)), &k, e->now, true, NULL);
	if (x == NULL)
		return;
	tset_window(&x->s, at, d->c->portscan_window_ms);
	tset_add(&x->s, port, at, kind, failed, &added);
	if (added || failed)
		scan_check(e, d, x, false);
}

static void
probe_host(struct pkt_engine *e, struct scan_det *d, const struct paddr *src,
    const struct paddr *dst, uint8_t proto, uint16_t port, int kind,
    int64_t at, bool failed)
{
	struct fan_key	 k;
	struct fan_ent	*x;
	bool		 added;
	int		 i;
	const struct cidrset *allow = proto <= 1 ? &d->c->sweep_allow :
	    &d->c->addrscan_allow;

	if (eng_disabled(e, d->type0 + (proto <= 1 ? T_PING_SWEEP :
	    T_ADDRESS_SCAN)) ||
	    cidrset_match(allow, src))
		return;
	memset(&k, 0, sizeof(k));
	k.src = *src;
	k.proto = proto;
	k.port = port;
	x = pt_get(&d->fan, pt_hash(&k, sizeof(k)), &k, e->now, true, NULL);
	if (x == NULL)
		return;
	tset_window(&x->s, at, d->c->addrscan_window_ms);
	i = tset_add(&x->s, eng_addr_id(dst), at, kind, failed, &added);
	if (added && i < FAN_SAMPLES && x->s.n <= FAN_SAMPLES)
		x->sample[i] = *dst;	/* written before the report reads it */
	if (added || failed)
		fan_check(e, d, x, false);
}

/* ---- probes waiting for their answer ------------------------------------ */

/*
 * A probe first waits in a direct-mapped array (struct pend, sized from
 * memory_cap).  The answer of a successful connection, lookup or ping
 * clears it there, so the everyday traffic never reaches the scan tables;
 * only a probe that failed (RST, ICMP unreachable, no answer within
 * answer_timeout) or was pushed out by another is recorded in them.
 */
struct pend_key {
	struct paddr	src, dst;
	uint32_t	proto, port;
};

static uint64_t
pend_hash(const struct paddr *src, const struct paddr *dst, uint8_t proto,
    uint16_t port)
{
	struct pend_key	k;

	k.src = *src;
	k.dst = *dst;
	k.proto = proto;
	k.port = port;
	return pt_hash(&k, sizeof(k));
}

static bool
pend_same(const struct pend *q, uint32_t tag, const struct paddr *src,
    const struct paddr *dst, uint8_t proto, uint16_t port)
{
	return q->tag == tag && q->proto == proto && q->port == port &&
	    memcmp(&q->src, src, sizeof(*src)) == 0 &&
	    memcmp(&q->dst, dst, sizeof(*dst)) == 0;
}

/* Move a waiting probe into the scan tables. */
static void
pend_spill(struct pkt_engine *e, struct scan_det *d, struct pend *q,
    bool failed)
{
	struct pend	c = *q;

	q->tag = 0;
	if (c.proto == 6 || c.proto == 17) {
		probe_port(e, d, &c.src, &c.dst, c.proto, c.port, c.kind, c.at,
		    failed);
		probe_host(e, d, &c.src, &c.dst, c.proto, c.port, c.kind, c.at,
		    failed);
	} else
		probe_host(e, d, &c.src, &c.dst, c.proto, 0, c.kind, c.at, failed);
}

static void
pend_probe(struct pkt_engine *e, struct scan_det *d, const struct paddr *src,
    const struct paddr *dst, uint8_t proto, uint16_t port, int kind)
{
	uint64_t	 h = pend_hash(src, dst, proto, port);
	uint32_t	 tag = (uint32_t)(h >> 32) | 1;
	struct pend	*q = &d->pend[h & d->pend_mask];

	if (pend_same(q, tag, src, dst, proto, port))
		return;			/* a retransmission */
	if (q->tag != 0)
		pend_spill(e, d, q, e->now - q->at > d->c->answer_timeout_ms);
	q->tag = tag;
	q->proto = proto;
	q->kind = (uint8_t)kind;
	q->port = port;
	q->at = e->now;
	q->src = *src;
	q->dst = *dst;
}

/* An answer to a waiting probe: true when it was waiting. */
static bool
pend_answer(struct pkt_engine *e, struct scan_det *d, const struct paddr *prober,
    const struct paddr *target, uint8_t proto, uint16_t port, bool ok)
{
	uint64_t	 h = pend_hash(prober, target, proto, port);
	struct pend	*q = &d->pend[h & d->pend_mask];

	if (!pend_same(q, (uint32_t)(h >> 32) | 1, prober, target, proto, port))
		return false;
	if (ok)
		q->tag = 0;		/* it worked: nothing to remember */
	else
		pend_spill(e, d, q, true);
	return true;
}

/* The target B (from) answered the prober A (to) about port. */
static void
answer(struct pkt_engine *e, struct scan_det *d, const struct paddr *prober,
    const struct paddr *target, uint8_t proto, uint16_t port, bool ok,
    bool port_too)
{
	struct scan_key	 sk;
	struct fan_key	 fk;
	struct scan_ent	*s;
	struct fan_ent	*f;

	if (pend_answer(e, d, prober, target, proto, port_too ? port : 0, ok))
		return;
	if (port_too) {
		sk.src = *prober;
		sk.dst = *target;
		sk.proto = proto;
		s = pt_get(&d->scan, pt_hash(&sk, sizeof(sk)), &sk, e->now, false,
		    NULL);
		if (s != NULL) {
			tset_answer(&s->s, port, ok);
			if (!ok)
				scan_check(e, d, s, false);
		}
	}
	memset(&fk, 0, sizeof(fk));
	fk.src = *prober;
	fk.proto = proto;
	fk.port = port;
	f = pt_get(&d->fan, pt_hash(&fk, sizeof(fk)), &fk, e->now, false, NULL);
	if (f != NULL) {
		tset_answer(&f->s, eng_addr_id(target), ok);
		if (!ok)
			fan_check(e, d, f, false);
	}
}

static bool
multicast(const struct paddr *a)
{
	if (paddr_is_v4(a)) {
		uint32_t v = paddr_v4(a);

		/* 224/4 multicast, 255.255.255.255 and x.y.z.255 broadcasts */
		return (v >> 28) == 0xe || (v & 0xff) == 0xff;
	}
	return a->a[0] == 0xff;
}

static uint32_t
rev_bit(const struct paddr *src, const struct paddr *dst)
{
	uint64_t	x, y;

	memcpy(&x, src->a + 8, 8);
	memcpy(&y, dst->a + 8, 8);
	x = (x * 0x9e3779b97f4a7c15ull) ^ (y * 0xc2b2ae3d27d4eb4full);
	return (uint32_t)(x >> 48);	/* 0..65535 */
}

static void
rev_mark(struct scan_det *d, const struct paddr *src, const struct paddr *dst)
{
	uint32_t	b = rev_bit(src, dst);

	d->rev[0][b >> 6] |= 1ull << (b & 63);
}

static bool
rev_seen(const struct scan_det *d, const struct paddr *src,
    const struct paddr *dst)
{
	uint32_t	b = rev_bit(src, dst);

	return ((d->rev[0][b >> 6] | d->rev[1][b >> 6]) >> (b & 63)) & 1;
}

/* A new generation every 30 s of packet time. */
static void
rev_age(struct scan_det *d, int64_t now)
{
	if (now - d->rev_epoch < 30000)
		return;
	memcpy(d->rev[1], d->rev[0], sizeof(d->rev[0]));
	memset(d->rev[0], 0, sizeof(d->rev[0]));
	d->rev_epoch = now;
}

static void
scan_tcp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct scan_det	*d = self;
	uint8_t		 f = p->tcp_flags & 0x3f;
	int		 kind;

	rev_age(d, e->now);
	if (p->sport < p->dport)
		rev_mark(d, &p->src, &p->dst);
	if (f == (TH_SYN | TH_ACK)) {
		answer(e, d, &p->dst, &p->src, 6, p->sport, true, true);
		return;
	}
	if (f & TH_RST) {
		answer(e, d, &p->dst, &p->src, 6, p->sport, false, true);
		return;
	}
	switch (f) {
	case TH_SYN:
		/* connect() sends MSS, SACK, timestamps, window scale; raw
		 * scanners at most an MSS. */
		kind = p->tcp_optlen >= 12 ? K_CONNECT : K_SYN;
		break;
	case 0:
		kind = K_NULL;
		break;
	case TH_FIN:
		kind = K_FIN;
		break;
	case TH_FIN | TH_PSH | TH_URG:
		kind = K_XMAS;
		break;
	case TH_ACK:
	case TH_FIN | TH_ACK:
		if (p->paylen != 0 || p->sport <= p->dport ||
		    rev_seen(d, &p->dst, &p->src))
			return;
		kind = f == TH_ACK ? K_ACK : K_MAIMON;
		break;
	default:
		return;
	}
	if (multicast(&p->dst))
		return;
	pend_probe(e, d, &p->src, &p->dst, 6, p->dport, kind);
}

static void
scan_udp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct scan_det	*d = self;

	if (p->sport <= p->dport)
		answer(e, d, &p->dst, &p->src, 17, p->sport, true, true);
	if (p->sport >= p->dport && !multicast(&p->dst)) {
		pend_probe(e, d, &p->src, &p->dst, 17, p->dport, K_UDP);
	}
}

static void
scan_icmp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct scan_det	*d = self;
	bool		 v6 = p->ipver == 6;
	uint8_t		 t = p->icmp_type;

	if ((!v6 && t == 8) || (v6 && t == 128)) {
		if (!multicast(&p->dst))
			pend_probe(e, d, &p->src, &p->dst, 1, 0, K_ICMP);
	} else if ((!v6 && t == 0) || (v6 && t == 129)) {
		answer(e, d, &p->dst, &p->src, 1, 0, true, false);
	} else if (((!v6 && t == 3) || (v6 && t == 1)) && p->has_inner) {
		/* Destination unreachable: the quoted probe failed. */
		if (p->in_proto == 6 || p->in_proto == 17)
			answer(e, d, &p->in_src, &p->in_dst, p->in_proto, p->in_dport,
			    false, true);
		else if (p->in_proto == 1 || p->in_proto == 58)
			answer(e, d, &p->in_src, &p->in_dst, 1, 0, false, false);
	}
}

static void
scan_arp(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct scan_det	*d = self;

	if (paddr_is_zero(&p->arp_spa) ||
	    memcmp(&p->arp_spa, &p->arp_tpa, sizeof(p->arp_spa)) == 0)
		return;		/* RFC 5227 probes, gratuitous ARP */
	if (p->arp_op == 1)
		pend_probe(e, d, &p->arp_spa, &p->arp_tpa, 0, 0, K_ARP);
	else
		answer(e, d, &p->arp_tpa, &p->arp_spa, 0, 0, true, false);
}

/*
 * Visit part of both tables (all of them when final) and judge what has
 * waited long enough.  Called about once a second: a slice of 1/8 of the
 * slots each time keeps the cost flat while every entry is seen within
 * eight seconds, so a scan that stops is judged soon after.
 */
static void
scan_flush(struct pkt_engine *e, void *self, int64_t now, bool final)
{
	struct scan_det	*d = self;
	struct ptab	*tabs[2] = { &d->scan, &d->fan };
	uint32_t	 np = final ? d->pend_mask + 1 : (d->pend_mask + 1) / 8;

	for (uint32_t i = 0; i < np; i++) {
		struct pend *q = &d->pend[d->pend_cursor];

		d->pend_cursor = (d->pend_cursor + 1) & d->pend_mask;
		if (q->tag != 0 && (final || now - q->at > d->c->answer_timeout_ms))
			pend_spill(e, d, q, true);
	}
	for (int k = 0; k < 2; k++) {
		struct ptab	*t = tabs[k];
		uint32_t	 n = final ? t->mask + 1 : (t->mask + 1) / 8;

		for (uint32_t i = 0; i < n; i++) {
			uint32_t	 c = t->cursor;
			struct pt_hdr	*h;

			t->cursor = (t->cursor + 1) & t->mask;
			/* The dense tag line says most slots are empty or old
			 * without touching the entries themselves. */
			if (t->meta[c].tag == 0 || (!final &&
			    (uint32_t)(now / 1000) - t->meta[c].last_s >
			    (uint32_t)(t->ttl_ms / 1000) + 1))
				continue;
			h = pt_slot(t, c);
			if (!final && !pt_live(t, h, now))
				continue;
			if (k == 0)
				scan_check(e, d, (struct scan_ent *)h, final);
			else
				fan_check(e, d, (struct fan_ent *)h, final);
		}
	}
}

/* ---- registration -------------------------------------------------------- */

static int
scan_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct scan_det	*d = self;
	size_t		 n = 1024, cap = (size_t)e->c.memory_cap;

	d->c = conf;
	d->type0 = type0;
	/* Probes waiting for answers: 5% of the cap. */
	while (n * 2 * sizeof(struct pend) <= cap / 20)
		n *= 2;
	if ((d->pend = calloc(n, sizeof(struct pend))) == NULL) {
		snprintf(err, errlen, "cannot allocate the probe table "
		    "(memory_cap %zu bytes); lower [packet] memory_cap", cap);
		return -1;
	}
	d->pend_mask = (uint32_t)(n - 1);
	return 0;
}

static size_t
scan_bytes(const void *self)
{
	const struct scan_det *d = self;

	return d->pend ? ((size_t)d->pend_mask + 1) * sizeof(struct pend) : 0;
}

static void
scan_free(void *self)
{
	free(((struct scan_det *)self)->pend);
}

static int
scan_conf_finish(void *conf, char *why, size_t whylen)
{
	struct scan_conf	*c = conf;

	if (cidrset_parse(c->portscan_allow_s, &c->portscan_allow, why,
	    whylen) == -1 || cidrset_parse(c->addrscan_allow_s,
	    &c->addrscan_allow, why, whylen) == -1 ||
	    cidrset_parse(c->sweep_allow_s, &c->sweep_allow, why, whylen) == -1)
		return -1;
	return 0;
}

static int64_t
scan_ttl(const struct pkt_conf *pc, const void *conf)
{
	(void)pc;
	return ((const struct scan_conf *)conf)->portscan_window_ms;
}

static int64_t
fan_ttl(const struct pkt_conf *pc, const void *conf)
{
	(void)pc;
	return ((const struct scan_conf *)conf)->addrscan_window_ms;
}

/* Scans and sweeps hold the most state per entry, so the most room.  New
 * entries are cleared up to the target arrays (n bounds them). */
static const struct det_table scan_tables[] = {
	{ "port scan", offsetof(struct scan_det, scan),
	  (sizeof(struct scan_ent) + 7) & ~(size_t)7, sizeof(struct scan_key),
	  offsetof(struct scan_ent, s.id), 300, 0, scan_ttl },
	{ "address scan", offsetof(struct scan_det, fan),
	  (sizeof(struct fan_ent) + 7) & ~(size_t)7, sizeof(struct fan_key),
	  offsetof(struct fan_ent, s.id), 200, 0, fan_ttl },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

#define O(f)	offsetof(struct scan_conf, f)
#define S(f)	O(f), sizeof(((struct scan_conf *)0)->f)
static const struct conf_opt scan_opts[] = {
	{ "answer_timeout", CONF_DURATION, O(answer_timeout_ms), 0, 100, 60000,
	  "3s", NULL, NULL, "a probe unanswered this long has failed" },
	{ "portscan_ports", CONF_INT, O(portscan_ports), 0, 2, 65535, "15", NULL,
	  NULL, "failed distinct ports of one host" },
	{ "portscan_window", CONF_DURATION, O(portscan_window_ms), 0, 1000,
	  86400000LL, "5m", NULL, NULL, "window of portscan_ports" },
	{ "portscan_allow", CONF_STR, S(portscan_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "scanners to ignore (sources)" },
	{ "addrscan_hosts", CONF_INT, O(addrscan_hosts), 0, 2, 1 << 24, "25", NULL,
	  NULL, "failed distinct hosts on one port" },
	{ "addrscan_window", CONF_DURATION, O(addrscan_window_ms), 0, 1000,
	  86400000LL, "5m", NULL, NULL, "also the ping sweep window" },
	{ "addrscan_allow", CONF_STR, S(addrscan_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "sources never reported as address scanners" },
	{ "sweep_hosts", CONF_INT, O(sweep_hosts), 0, 2, 1 << 24, "25", NULL, NULL,
	  "unanswered ICMP echo / ARP requests to distinct hosts" },
	{ "sweep_allow", CONF_STR, S(sweep_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "sources never reported for ping sweeps" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* Only failed attempts count, so the agent's own checks never do. */
static const struct det_hook scan_hooks[] = {
	{ DET_ARP, DET_SKIP_OWN, 0, 0, 0, scan_arp },
	{ DET_TCP, DET_SKIP_OWN, 0, 0, 0, scan_tcp },
	{ DET_UDP, DET_SKIP_OWN, 0, 0, 0, scan_udp },
	{ DET_ICMP, DET_SKIP_OWN, 0, 0, 0, scan_icmp },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops scan_detector = {
	.name = "scan",
	.types = scan_types,
	.options = scan_opts,
	.conf_size = sizeof(struct scan_conf),
	.conf_finish = scan_conf_finish,
	.tables = scan_tables,
	.state_size = sizeof(struct scan_det),
	.init = scan_init,
	.packet = scan_hooks,
	.flush = scan_flush,
	.bytes = scan_bytes,
	.free = scan_free,
};
