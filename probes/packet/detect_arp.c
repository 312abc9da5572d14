/*
 * ARP spoofing (arp_spoof), in arpwatch's vocabulary, for IPv4 over
 * Ethernet (RFC 826).  Kinds, most severe first:
 *  - gateway_mac_changed: the gateway's IP is claimed by another MAC.  The
 *    gateway is configured ([packet] gateway) or learned: the MAC that
 *    office hosts send their off-site SYNs to is a router's MAC, and the
 *    IPs bound to it are gateways.  critical.
 *  - flip_flop: an IP goes back to the MAC it had before, within
 *    arp_window (two machines fighting over it).  high.
 *  - changed_while_active: an IP claimed by a new MAC while the old one
 *    still claimed it within arp_window.  high.  (A change after the old
 *    MAC went quiet is a replaced card or a new DHCP lease: not reported.)
 *  - mac_multiple_ips: one MAC claims several IPs within arp_window, at
 *    least one of them in a reply nobody asked for.  high.
 *  - unsolicited_replies: >= arp_unsolicited replies for an IP that no
 *    request asked for within 5 s (arpspoof, ettercap).  high.
 *  - gratuitous_storm: >= garp_storm gratuitous ARPs from one MAC within
 *    garp_window.  medium.  A single gratuitous ARP is normal (RFC 5227
 *    announcements, failover).
 * ARP probes with sender 0.0.0.0 (DHCP's address-conflict check, RFC
 * 5227 section 2.1.1) are ignored.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "probes/packet/detector.h"

struct arpip_ent {
	struct pt_hdr	hdr;
	struct paddr	ip;
	uint8_t		mac[6], prev[6];
	uint32_t	changes;
	int64_t		mac_ms, prev_ms;
};

struct mac_key {
	uint8_t		mac[6];
	uint8_t		pad[2];
};
#define MAC_IPS	4
struct arpmac_ent {
	struct pt_hdr	hdr;
	struct mac_key	key;
	struct paddr	ip[MAC_IPS];
	int64_t		ip_ms[MAC_IPS];
	bool		ip_unsol[MAC_IPS];
	uint32_t	garp, unsol;
	int64_t		garp_ms;
};

struct arpreq_ent {
	struct pt_hdr	hdr;
	struct paddr	ip;
};

struct arp_conf {
	int64_t		arp_window_ms;
	int		arp_unsolicited;
	int		garp_storm;
	int64_t		garp_window_ms;
	char		gateway_s[1024];
	char		arp_allow_s[1024];
	struct cidrset	gateway, arp_allow;
};

struct arp_det {
	const struct arp_conf	*c;
	int			 type0;
	struct ptab		 arpip;		/* IP -> MAC binding */
	struct ptab		 arpmac;	/* MAC -> claimed IPs */
	struct ptab		 arpreq;	/* asked-for IP -> when */
	uint8_t			 router_mac[4][6];
	int			 nrouter;
};

static const char *const arp_types[] = { "arp_spoof", NULL };

static bool
is_router_mac(const struct arp_det *d, const uint8_t mac[6])
{
	for (int i = 0; i < d->nrouter; i++)
		if (memcmp(d->router_mac[i], mac, 6) == 0)
			return true;
	return false;
}

/* Office host -> outside SYN: its destination MAC is a router. */
static void
arp_learn_router(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct arp_det	*d = self;

	if (!p->has_mac || d->nrouter == 4 || (p->dmac[0] & 1) ||
	    is_router_mac(d, p->dmac) || !eng_home(e, &p->src) ||
	    eng_home(e, &p->dst))
		return;
	memcpy(d->router_mac[d->nrouter++], p->dmac, 6);
}

static void
arp_report(struct pkt_engine *e, struct arp_det *d, const char *kind,
    enum severity sev, const struct paddr *ip, const uint8_t mac[6],
    const uint8_t *old, const uint8_t *victim, uint32_t count, json_t *extra)
{
	char	ipb[48], m[20], key[96];
	json_t	*ev, *tg;

	if (eng_reported_recently(e, d->type0, ip, sizeof(*ip), kind,
	    strlen(kind))) {
		json_decref(extra);
		return;
	}
	paddr_str(ip, ipb, sizeof(ipb));
	snprintf(key, sizeof(key), "arp_spoof:%s", ipb);
	ev = extra != NULL ? extra : json_object();
	json_object_set_new(ev, "kind", json_string(kind));
	json_object_set_new(ev, "ip", json_string(ipb));
	json_object_set_new(ev, "mac", json_string(mac_str(mac, m, sizeof(m))));
	if (old != NULL)
		json_object_set_new(ev, "old_mac", json_string(mac_str(old, m,
		    sizeof(m))));
	tg = json_pack("[s]", ipb);
	if (victim != NULL && !(victim[0] & 1) &&
	    memcmp(victim, "\0\0\0\0\0\0", 6) != 0)
		json_object_set_new(ev, "told", json_string(mac_str(victim, m,
		    sizeof(m))));
	eng_report(e, d->type0, sev, key, mac_str(mac, m, sizeof(m)), tg,
	    e->now, e->now, count, ev);
}

/* Record that mac claimed ip; returns how many IPs it claims now. */
static int
mac_claims(struct pkt_engine *e, struct arp_det *d, struct arpmac_ent *m,
    const struct paddr *ip, bool unsol, bool *any_unsol)
{
	int	i, slot = -1, live = 0;

	for (i = 0; i < MAC_IPS; i++)
		if (m->ip_ms[i] != 0 && memcmp(&m->ip[i], ip, sizeof(*ip)) == 0)
			slot = i;
	if (slot < 0) {
		slot = 0;
		for (i = 1; i < MAC_IPS; i++)
			if (m->ip_ms[i] < m->ip_ms[slot])
				slot = i;
		m->ip[slot] = *ip;
		m->ip_unsol[slot] = false;
	}
	m->ip_ms[slot] = e->now;
	m->ip_unsol[slot] |= unsol;
	*any_unsol = false;
	for (i = 0; i < MAC_IPS; i++)
		if (m->ip_ms[i] != 0 && e->now - m->ip_ms[i] <= d->c->arp_window_ms) {
			live++;
			*any_unsol |= m->ip_unsol[i];
		}
	return live;
}

static void
arp_packet(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct arp_det		*d = self;
	struct mac_key		 mk;
	struct arpmac_ent	*m;
	struct arpip_ent	*b;
	struct arpreq_ent	*rq;
	bool			 garp, unsol = false, isnew, any_unsol, gw;
	uint8_t			 old[6];
	int			 nips;

	if (eng_disabled(e, d->type0) || paddr_is_zero(&p->arp_spa) ||
	    cidrset_match(&d->c->arp_allow, &p->arp_spa))
		return;
	garp = memcmp(&p->arp_spa, &p->arp_tpa, sizeof(p->arp_spa)) == 0;
	if (p->arp_op == 1 && !garp)
		(void)pt_get(&d->arpreq, pt_hash(&p->arp_tpa, 16), &p->arp_tpa,
		    e->now, true, NULL);
	if (p->arp_op == 2 && !garp) {
		rq = pt_get(&d->arpreq, pt_hash(&p->arp_spa, 16), &p->arp_spa,
		    e->now, false, NULL);
		unsol = rq == NULL;
	}

	memset(&mk, 0, sizeof(mk));
	memcpy(mk.mac, p->arp_sha, 6);
	m = pt_get(&d->arpmac, pt_hash(&mk, sizeof(mk)), &mk, e->now, true, NULL);
	if (m != NULL) {
		if (garp) {
			if (e->now - m->garp_ms > d->c->garp_window_ms) {
				m->garp_ms = e->now;
				m->garp = 0;
			}
			if (++m->garp >= (uint32_t)d->c->garp_storm)
				arp_report(e, d, "gratuitous_storm", SEV_MEDIUM,
				    &p->arp_spa, p->arp_sha, NULL, NULL, m->garp, NULL);
		}
		if (unsol && ++m->unsol >= (uint32_t)d->c->arp_unsolicited)
			arp_report(e, d, "unsolicited_replies", SEV_HIGH, &p->arp_spa,
			    p->arp_sha, NULL, p->arp_tha, m->unsol, NULL);
		nips = mac_claims(e, d, m, &p->arp_spa, unsol, &any_unsol);
		if (nips >= 2 && any_unsol) {
			json_t	*ips = json_array();
			char	 a[48];

			for (int i = 0; i < MAC_IPS; i++)
				if (m->ip_ms[i] != 0 &&
				    e->now - m->ip_ms[i] <= d->c->arp_window_ms)
					json_array_append_new(ips, json_string(
					    paddr_str(&m->ip[i], a, sizeof(a))));
			arp_report(e, d, "mac_multiple_ips", SEV_HIGH, &p->arp_spa,
			    p->arp_sha, NULL, NULL, (uint32_t)nips,
			    json_pack("{s:o}", "claimed_ips", ips));
		}
	}

	b = pt_get(&d->arpip, pt_hash(&p->arp_spa, 16), &p->arp_spa, e->now,
	    true, &isnew);
	if (b == NULL)
		return;
	if (isnew || memcmp(b->mac, p->arp_sha, 6) == 0) {
		memcpy(b->mac, p->arp_sha, 6);
		b->mac_ms = e->now;
		return;
	}
	/* Another MAC claims this IP. */
	gw = cidrset_match(&d->c->gateway, &p->arp_spa) || is_router_mac(d, b->mac);
	memcpy(old, b->mac, 6);
	{
		bool	active = e->now - b->mac_ms <= d->c->arp_window_ms;
		bool	flip = memcmp(b->prev, p->arp_sha, 6) == 0 &&
		    e->now - b->prev_ms <= d->c->arp_window_ms;

		memcpy(b->prev, b->mac, 6);
		b->prev_ms = b->mac_ms;
		memcpy(b->mac, p->arp_sha, 6);
		b->mac_ms = e->now;
		b->changes++;
		if (gw)
			arp_report(e, d, "gateway_mac_changed", SEV_CRITICAL,
			    &p->arp_spa, p->arp_sha, old, NULL, b->changes, NULL);
		else if (flip)
			arp_report(e, d, "flip_flop", SEV_HIGH, &p->arp_spa,
			    p->arp_sha, old, NULL, b->changes, NULL);
		else if (active)
			arp_report(e, d, "changed_while_active", SEV_HIGH,
			    &p->arp_spa, p->arp_sha, old, NULL, b->changes, NULL);
	}
}

/* ---- registration -------------------------------------------------------- */

static int
arp_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct arp_det	*d = self;

	(void)e; (void)err; (void)errlen;
	d->c = conf;
	d->type0 = type0;
	return 0;
}

static int
arp_conf_finish(void *conf, char *why, size_t whylen)
{
	struct arp_conf	*c = conf;

	if (cidrset_parse(c->arp_allow_s, &c->arp_allow, why, whylen) == -1 ||
	    cidrset_parse(c->gateway_s, &c->gateway, why, whylen) == -1)
		return -1;
	return 0;
}

static int64_t
arpmac_ttl(const struct pkt_conf *pc, const void *conf)
{
	(void)pc;
	return ((const struct arp_conf *)conf)->arp_window_ms;
}

/* Few entries per LAN. */
static const struct det_table arp_tables[] = {
	{ "ARP binding", offsetof(struct arp_det, arpip), sizeof(struct arpip_ent),
	  sizeof(struct paddr), 0, 40, 86400000LL, NULL },
	{ "ARP sender", offsetof(struct arp_det, arpmac),
	  sizeof(struct arpmac_ent), sizeof(struct mac_key), 0, 40, 0,
	  arpmac_ttl },
	{ "ARP request", offsetof(struct arp_det, arpreq),
	  sizeof(struct arpreq_ent), sizeof(struct paddr), 0, 20, 5000, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

#define O(f)	offsetof(struct arp_conf, f)
#define S(f)	O(f), sizeof(((struct arp_conf *)0)->f)
static const struct conf_opt arp_opts[] = {
	{ "arp_window", CONF_DURATION, O(arp_window_ms), 0, 1000, 86400000LL,
	  "5m", NULL, NULL,
	  "arp_spoof: an IP claimed by another MAC while the old one is "
	  "active within this window" },
	{ "arp_unsolicited", CONF_INT, O(arp_unsolicited), 0, 1, 1000000, "3",
	  NULL, NULL,
	  "replies nobody asked for, from one MAC, before it is reported" },
	{ "garp_storm", CONF_INT, O(garp_storm), 0, 2, 1000000, "10", NULL, NULL,
	  "gratuitous ARPs from one MAC within garp_window" },
	{ "garp_window", CONF_DURATION, O(garp_window_ms), 0, 1000, 3600000LL,
	  "10s", NULL, NULL, "window of garp_storm" },
	{ "gateway", CONF_STR, S(gateway_s), 0, 0, "", NULL, eng_valid_cidrs,
	  "gateway IPs (empty: learned from where office hosts send "
	  "outside traffic)" },
	{ "arp_allow", CONF_STR, S(arp_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs,
	  "IPs whose ARP is never judged (a failover pair's virtual IP)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* ARP itself, and office hosts' off-site SYNs to learn routers' MACs. */
static const struct det_hook arp_hooks[] = {
	{ DET_ARP, 0, 0, 0, 0, arp_packet },
	{ DET_TCP, 0, 0, TH_SYN | TH_ACK, TH_SYN, arp_learn_router },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops arp_detector = {
	.name = "arp",
	.types = arp_types,
	.options = arp_opts,
	.conf_size = sizeof(struct arp_conf),
	.conf_finish = arp_conf_finish,
	.tables = arp_tables,
	.state_size = sizeof(struct arp_det),
	.init = arp_init,
	.packet = arp_hooks,
};
