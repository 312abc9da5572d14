/*
 * The packet-anomaly engine: [packet] options, table set-up, per-packet
 * dispatch to the detectors, and the finding format.
 *
 * A finding's data (what --analyze prints and what the agent emits):
 *   {"type":"port_scan","severity":"high","key":"port_scan:10.0.0.9->10.0.0.1",
 *    "source":"10.0.0.9","targets":["10.0.0.1"],
 *    "first":"2026-...Z","last":"2026-...Z","count":1000,
 *    "evidence":{...}}
 */
#include <stddef.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "probes/packet/engine.h"
#include "probes/selfaddr.h"

static const char *const ftype_names[FT_COUNT] = {
	"port_scan", "address_scan", "ping_sweep", "syn_flood", "arp_spoof",
	"new_device", "dns_tunnel", "nxdomain_storm", "icmp_flood",
	"udp_flood", "cleartext_auth", "blocklist",
};

const char *
ftype_name(enum ftype t)
{
	return (unsigned)t < FT_COUNT ? ftype_names[t] : "unknown";
}

/* ---- configuration ---------------------------------------------------- */

static int
valid_cidrs(const void *field, char *why, size_t whylen)
{
	struct cidrset	set;

	return cidrset_parse(field, &set, why, whylen);
}

static int
valid_types(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[64];
	int		 r, t;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		for (t = 0; r == 1 && t < FT_COUNT; t++)
			if (strcmp(item, ftype_names[t]) == 0)
				break;
		if (r == -1 || t == FT_COUNT) {
			snprintf(why, whylen, "'%s' is not a finding type (port_scan, "
			    "address_scan, ping_sweep, syn_flood, arp_spoof, new_device, "
			    "dns_tunnel, nxdomain_storm, icmp_flood, udp_flood, "
			    "cleartext_auth, blocklist)", r == -1 ? "(too long)" : item);
			return -1;
		}
	}
	return 0;
}

static int
valid_ports(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[16];
	int64_t		 v;
	int		 r, n = 0;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == -1 || parse_i64(item, 1, 65535, &v, why, whylen) == -1) {
			snprintf(why, whylen, "'%s' is not a port (1-65535)",
			    r == -1 ? "(too long)" : item);
			return -1;
		}
		if (++n > 16) {
			snprintf(why, whylen, "at most 16 ports");
			return -1;
		}
	}
	return 0;
}

static int
valid_domains(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[64];
	int		 r, n = 0;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == -1 || ++n > 16) {
			snprintf(why, whylen, "at most 16 domains of up to 63 characters");
			return -1;
		}
	}
	return 0;
}

#define O(f)	offsetof(struct pkt_conf, f)
#define S(f)	O(f), sizeof(((struct pkt_conf *)0)->f)
static const struct conf_opt packet_opts[] = {
	{ "interfaces", CONF_STR, S(interfaces), 0, 0, "", NULL, NULL,
	  "interfaces to capture on, comma separated; empty: the probe is off" },
	{ "promisc", CONF_BOOL, O(promisc), 0, 0, 0, "yes", NULL, NULL,
	  "promiscuous mode" },
	{ "snaplen", CONF_INT, O(snaplen), 0, 64, 262144, "1600", NULL, NULL,
	  "bytes captured per packet (headers, DNS names, auth lines)" },
	{ "bpf", CONF_STR, S(bpf), 0, 0, "", NULL, NULL,
	  "capture filter (tcpdump syntax); empty: everything" },
	{ "immediate", CONF_BOOL, O(immediate), 0, 0, 0, "no", NULL, NULL,
	  "deliver each packet at once (more CPU) instead of in batches" },
	{ "buffer_size", CONF_SIZE, O(buffer_size), 0, 65536, 1LL << 30, "4M",
	  NULL, NULL, "kernel capture buffer per interface" },
	{ "memory_cap", CONF_SIZE, O(memory_cap), 0, 1LL << 20, 4LL << 30, "32M",
	  NULL, NULL, "all detector state together; oldest entries go first" },
	{ "home_net", CONF_STR, S(home_net_s), 0, 0,
	  "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10",
	  NULL, valid_cidrs, "the office's own addresses" },
	{ "disable", CONF_STR, S(disable_s), 0, 0, "", NULL, valid_types,
	  "finding types not to report" },
	{ "realert", CONF_DURATION, O(realert_ms), 0, 1000, 86400000LL * 7, "10m",
	  NULL, NULL, "repeat a continuing finding at most this often" },
	{ "answer_timeout", CONF_DURATION, O(answer_timeout_ms), 0, 100, 60000,
	  "3s", NULL, NULL, "a probe unanswered this long has failed" },
	{ "portscan_ports", CONF_INT, O(portscan_ports), 0, 2, 65535, "15", NULL,
	  NULL, "failed distinct ports of one host" },
	{ "portscan_window", CONF_DURATION, O(portscan_window_ms), 0, 1000,
	  86400000LL, "5m", NULL, NULL, "" },
	{ "portscan_allow", CONF_STR, S(portscan_allow_s), 0, 0, "", NULL,
	  valid_cidrs, "scanners to ignore (sources)" },
	{ "addrscan_hosts", CONF_INT, O(addrscan_hosts), 0, 2, 1 << 24, "25", NULL,
	  NULL, "failed distinct hosts on one port" },
	{ "addrscan_window", CONF_DURATION, O(addrscan_window_ms), 0, 1000,
	  86400000LL, "5m", NULL, NULL, "also the ping sweep window" },
	{ "addrscan_allow", CONF_STR, S(addrscan_allow_s), 0, 0, "", NULL,
	  valid_cidrs, "" },
	{ "sweep_hosts", CONF_INT, O(sweep_hosts), 0, 2, 1 << 24, "25", NULL, NULL,
	  "unanswered ICMP echo / ARP requests to distinct hosts" },
	{ "sweep_allow", CONF_STR, S(sweep_allow_s), 0, 0, "", NULL, valid_cidrs,
	  "" },
	{ "synflood_rate", CONF_INT, O(synflood_rate), 0, 1, 10000000, "100",
	  NULL, NULL, "SYN/s to one host:port" },
	{ "synflood_factor", CONF_DOUBLE, O(synflood_factor), 0, 1, 1000000,
	  "10", NULL, NULL, "times the usual rate" },
	{ "icmpflood_rate", CONF_INT, O(icmpflood_rate), 0, 1, 10000000, "1000",
	  NULL, NULL, "ICMP packets/s to one host" },
	{ "udpflood_rate", CONF_INT, O(udpflood_rate), 0, 1, 100000000, "10000",
	  NULL, NULL, "UDP packets/s to one host that it hardly answers" },
	{ "flood_factor", CONF_DOUBLE, O(flood_factor), 0, 1, 1000000, "10",
	  NULL, NULL, "" },
	{ "flood_seconds", CONF_INT, O(flood_seconds), 0, 1, 3600, "2", NULL,
	  NULL, "consecutive seconds above the rate" },
	{ "flood_allow", CONF_STR, S(flood_allow_s), 0, 0, "", NULL, valid_cidrs,
	  "destinations to ignore" },
	{ "arp_window", CONF_DURATION, O(arp_window_ms), 0, 1000, 86400000LL,
	  "5m", NULL, NULL, "" },
	{ "arp_unsolicited", CONF_INT, O(arp_unsolicited), 0, 1, 1000000, "3",
	  NULL, NULL, "" },
	{ "garp_storm", CONF_INT, O(garp_storm), 0, 2, 1000000, "10", NULL, NULL,
	  "" },
	{ "garp_window", CONF_DURATION, O(garp_window_ms), 0, 1000, 3600000LL,
	  "10s", NULL, NULL, "" },
	{ "gateway", CONF_STR, S(gateway_s), 0, 0, "", NULL, valid_cidrs, "" },
	{ "arp_allow", CONF_STR, S(arp_allow_s), 0, 0, "", NULL, valid_cidrs, "" },
	{ "newdev_learning", CONF_DURATION, O(newdev_learning_ms), 0, 0,
	  86400000LL * 365, "1h", NULL, NULL, "" },
	{ "newdev_allow", CONF_STR, S(newdev_allow_s), 0, 0, "", NULL,
	  valid_cidrs, "" },
	{ "oui_file", CONF_STR, S(oui_file), 0, 0, "/usr/share/ieee-data/oui.txt",
	  NULL, NULL, "" },
	{ "dns_label_len", CONF_INT, O(dns_label_len), 0, 8, 63, "30", NULL,
	  NULL, "" },
	{ "dns_name_len", CONF_INT, O(dns_name_len), 0, 16, 255, "60", NULL, NULL,
	  "" },
	{ "dns_entropy", CONF_DOUBLE, O(dns_entropy), 0, 1, 8, "4.5", NULL, NULL,
	  "" },
	{ "dns_suspicious", CONF_INT, O(dns_suspicious), 0, 1, 1000000, "5", NULL,
	  NULL, "" },
	{ "dns_unique", CONF_INT, O(dns_unique), 0, 2, 1000000, "100", NULL, NULL,
	  "" },
	{ "dns_window", CONF_DURATION, O(dns_window_ms), 0, 1000, 86400000LL, "5m",
	  NULL, NULL, "" },
	{ "nxdomain_count", CONF_INT, O(nxdomain_count), 0, 2, 1000000, "50", NULL,
	  NULL, "" },
	{ "nxdomain_window", CONF_DURATION, O(nxdomain_window_ms), 0, 1000,
	  86400000LL, "1m", NULL, NULL, "" },
	{ "dns_allow", CONF_STR, S(dns_allow_s), 0, 0, "arpa, local", NULL,
	  valid_domains, "" },
	{ "http_ports", CONF_STR, S(http_ports_s), 0, 0, "80, 8000, 8008, 8080, 3128",
	  NULL, valid_ports, "" },
	{ "cleartext_allow", CONF_STR, S(cleartext_allow_s), 0, 0, "", NULL,
	  valid_cidrs, "servers to ignore" },
	{ "blocklist", CONF_STR, S(blocklist_file), 0, 0, "", NULL, NULL,
	  "file of IPs and CIDRs, one a line" },
	{ "blocklist_allow", CONF_STR, S(blocklist_allow_s), 0, 0, "", NULL,
	  valid_cidrs, "" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

/* Turn the validated strings into their parsed forms. */
static int
pkt_conf_finish(struct pkt_conf *pc, const char *where, struct conf_err *err)
{
	struct { const char *s; struct cidrset *set; } lists[] = {
		{ pc->home_net_s, &pc->home_net },
		{ pc->portscan_allow_s, &pc->portscan_allow },
		{ pc->addrscan_allow_s, &pc->addrscan_allow },
		{ pc->sweep_allow_s, &pc->sweep_allow },
		{ pc->flood_allow_s, &pc->flood_allow },
		{ pc->arp_allow_s, &pc->arp_allow },
		{ pc->newdev_allow_s, &pc->newdev_allow },
		{ pc->cleartext_allow_s, &pc->cleartext_allow },
		{ pc->blocklist_allow_s, &pc->blocklist_allow },
		{ pc->gateway_s, &pc->gateway },
	};
	char		 why[256], item[64];
	const char	*cur;
	int64_t		 v;
	int		 r;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (cidrset_parse(lists[i].s, lists[i].set, why, sizeof(why)) == -1) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", where, why);
			return -1;
		}
	memset(pc->disabled, 0, sizeof(pc->disabled));
	for (cur = pc->disable_s; (r = conf_list_next(&cur, item, sizeof(item))) == 1; )
		for (int t = 0; t < FT_COUNT; t++)
			if (strcmp(item, ftype_names[t]) == 0)
				pc->disabled[t] = true;
	pc->nhttp_ports = 0;
	for (cur = pc->http_ports_s; pc->nhttp_ports < 16 &&
	    (r = conf_list_next(&cur, item, sizeof(item))) == 1; )
		if (parse_i64(item, 1, 65535, &v, why, sizeof(why)) == 0)
			pc->http_ports[pc->nhttp_ports++] = (uint16_t)v;
	pc->ndns_allow = 0;
	for (cur = pc->dns_allow_s; pc->ndns_allow < 16 &&
	    (r = conf_list_next(&cur, pc->dns_allow[pc->ndns_allow], 64)) == 1; )
		pc->ndns_allow++;
	return 0;
}

int
pkt_conf_defaults(struct pkt_conf *pc, struct conf_err *err)
{
	memset(pc, 0, sizeof(*pc));
	if (conf_defaults(packet_opts, pc, err) == -1)
		return -1;
	return pkt_conf_finish(pc, "defaults", err);
}

int
pkt_conf_load(struct conf *c, struct pkt_conf *pc, struct conf_err *err)
{
	char	where[300];

	memset(pc, 0, sizeof(*pc));
	if (conf_apply(c, "packet", packet_opts, pc, err) == -1)
		return -1;
	snprintf(where, sizeof(where), "%s:%d: [packet]", conf_path(c),
	    conf_section_line(c, "packet"));
	if (pkt_conf_finish(pc, where, err) == -1)
		return -1;
	pc->enabled = conf_has_section(c, "packet") && pc->interfaces[0] != '\0';
	return 0;
}

/* ---- engine ------------------------------------------------------------ */

/* Shares of memory_cap, in per mille, per table. */
struct table_plan {
	size_t		 off;	/* offsetof(struct pkt_engine, table) */
	const char	*name;
	unsigned	 share;
};

/* Entry sizes come from the detectors; they publish them here. */
size_t	scan_entry_size(void);
size_t	fan_entry_size(void);
size_t	rate_entry_size(void);
size_t	arpip_entry_size(void);
size_t	arpmac_entry_size(void);
size_t	arpreq_entry_size(void);
size_t	dev_entry_size(void);
size_t	dns_entry_size(void);
size_t	once_entry_size(void);
void	scan_tables_init(struct pkt_engine *e);

struct once_key {
	uint32_t	type;
	uint8_t		a[20], b[20];
};
struct once_ent {
	struct pt_hdr	hdr;
	struct once_key	key;
	int64_t		at;	/* last report */
};

size_t
once_entry_size(void)
{
	return sizeof(struct once_ent);
}

struct plan {
	struct ptab	*t;
	const char	*name;
	size_t		 esize, klen;
	unsigned	 permille;	/* share of memory_cap */
	int64_t		 ttl;
};

struct pkt_engine *
pkt_engine_new(const struct pkt_conf *pc, const struct pkt_sink *sink,
    char *err, size_t errlen)
{
	struct pkt_engine	*e;
	size_t			 cap = (size_t)pc->memory_cap;
	int64_t			 dnsttl;

	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->c = *pc;
	e->sink = *sink;
	dnsttl = pc->dns_window_ms > pc->nxdomain_window_ms ? pc->dns_window_ms :
	    pc->nxdomain_window_ms;
	{
		/* Scans and sweeps hold the most state per entry, so the most
		 * room; ARP and devices are few per LAN. */
		const struct plan plan[] = {
			{ &e->scan, "port scan", scan_entry_size(), 36, 300,
			  pc->portscan_window_ms },
			{ &e->fan, "address scan", fan_entry_size(), 20, 200,
			  pc->addrscan_window_ms },
			{ &e->rate, "flood", rate_entry_size(), 20, 80, 60000 },
			{ &e->arpip, "ARP binding", arpip_entry_size(), 16, 40,
			  86400000LL },
			{ &e->arpmac, "ARP sender", arpmac_entry_size(), 8, 40,
			  pc->arp_window_ms },
			{ &e->arpreq, "ARP request", arpreq_entry_size(), 16, 20,
			  5000 },
			{ &e->dev, "device", dev_entry_size(), 20, 80,
			  86400000LL * 30 },
			{ &e->dns, "DNS", dns_entry_size(), 84, 140, dnsttl },
			{ &e->once, "reported", once_entry_size(),
			  sizeof(struct once_key), 40, pc->realert_ms * 2 },
		};

		for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
			if (pt_init(plan[i].t, plan[i].name, plan[i].esize,
			    plan[i].klen, cap / 1000 * plan[i].permille,
			    plan[i].ttl) == -1) {
				snprintf(err, errlen, "cannot allocate the %s table "
				    "(memory_cap %zu bytes); lower [packet] memory_cap",
				    plan[i].name, cap);
				pkt_engine_free(e);
				return NULL;
			}
		}
	}
	scan_tables_init(e);
	{
		/* Probes waiting for answers: 5% of the cap. */
		size_t	n = 1024;

		while (n * 2 * sizeof(struct pend) <= cap / 20)
			n *= 2;
		if ((e->pend = calloc(n, sizeof(struct pend))) == NULL) {
			snprintf(err, errlen, "cannot allocate the probe table "
			    "(memory_cap %zu bytes); lower [packet] memory_cap", cap);
			pkt_engine_free(e);
			return NULL;
		}
		e->pend_mask = (uint32_t)(n - 1);
	}
	if (pc->blocklist_file[0] != '\0' && blocklist_load(pc->blocklist_file,
	    &e->block, &e->nblock, err, errlen) == -1) {
		pkt_engine_free(e);
		return NULL;
	}
	return e;
}

void
pkt_engine_free(struct pkt_engine *e)
{
	if (e == NULL)
		return;
	pt_free(&e->scan);
	pt_free(&e->fan);
	pt_free(&e->rate);
	pt_free(&e->arpip);
	pt_free(&e->arpmac);
	pt_free(&e->arpreq);
	pt_free(&e->dev);
	pt_free(&e->dns);
	pt_free(&e->once);
	free(e->pend);
	free(e->block);
	free(e);
}

size_t
pkt_engine_bytes(const struct pkt_engine *e)
{
	return pt_bytes(&e->scan) + pt_bytes(&e->fan) + pt_bytes(&e->rate) +
	    pt_bytes(&e->arpip) + pt_bytes(&e->arpmac) + pt_bytes(&e->arpreq) +
	    pt_bytes(&e->dev) + pt_bytes(&e->dns) + pt_bytes(&e->once) +
	    (e->pend ? ((size_t)e->pend_mask + 1) * sizeof(struct pend) : 0) +
	    sizeof(*e) + e->nblock * sizeof(struct blockrange);
}

static void
engine_evictions(struct pkt_engine *e)
{
	const struct ptab *t[] = { &e->scan, &e->fan, &e->rate, &e->arpip,
	    &e->arpmac, &e->arpreq, &e->dev, &e->dns, &e->once };
	uint64_t	sum = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		sum += t[i]->evictions;
	e->st.evictions = sum;
}

void
pkt_engine_flush(struct pkt_engine *e, int64_t now_ms, bool final)
{
	if (now_ms > e->now)
		e->now = now_ms;
	scan_flush(e, e->now, final);
	flood_flush(e, e->now, final);
	engine_evictions(e);
}

static void
engine_clock(struct pkt_engine *e, int64_t ts)
{
	if (!e->started) {
		e->started = true;
		e->first_ms = ts;
		e->learn_end_ms = ts + e->c.newdev_learning_ms;
		e->tick_ms = ts;
		e->rev_epoch = ts;
	}
	/* Packet time may step back a little (several interfaces, clock
	 * adjustments): the engine's clock never does. */
	if (ts > e->now)
		e->now = ts;
	if (e->now - e->rev_epoch >= 30000) {
		memcpy(e->rev[1], e->rev[0], sizeof(e->rev[0]));
		memset(e->rev[0], 0, sizeof(e->rev[0]));
		e->rev_epoch = e->now;
	}
	if (e->now - e->tick_ms >= 1000) {
		e->tick_ms = e->now;
		scan_flush(e, e->now, false);
		flood_flush(e, e->now, false);
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

void
pkt_engine_packet(struct pkt_engine *e, const struct pkt *p)
{
	bool	own;

	engine_clock(e, p->ts_ms);
	if (p->has_mac)
		newdev_packet(e, p);
	/* The agent's own checks are no scan, sweep or flood. */
	own = eng_own_packet(p);
	if (p->l3 == PKT_L3_ARP) {
		arp_packet(e, p);
		if (!own)
			scan_packet(e, p);	/* ARP sweeps */
		return;
	}
	if (p->l3 != PKT_L3_IP)
		return;
	if (p->frag)
		e->st.fragments++;
	if (e->nblock != 0)
		blocklist_packet(e, p);
	if (!p->l4)
		return;
	if (p->proto == 6 && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    e->nrouter < 4)
		arp_learn_router(e, p);
	if (!own) {
		scan_packet(e, p);
		flood_packet(e, p);
	}
	if (p->proto == 17 && (p->sport == 53 || p->dport == 53))
		dns_packet(e, p);
	else if (p->proto == 6 && p->paylen != 0)
		cleartext_packet(e, p);
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
			newdev_packet(e, &p);
		}
		return;
	}
	pkt_engine_packet(e, &p);
}

/* ---- helpers for detectors -------------------------------------------- */

json_t *
eng_time(int64_t ms)
{
	char	buf[32];

	if (time_format_utc(ms, buf, sizeof(buf)) == -1)
		return json_null();
	return json_string(buf);
}

void
eng_report(struct pkt_engine *e, enum ftype t, enum severity sev,
    const char *key, const char *source, json_t *targets, int64_t first_ms,
    int64_t last_ms, uint64_t count, json_t *evidence)
{
	json_t	*d;

	if (e->c.disabled[t]) {
		json_decref(targets);
		json_decref(evidence);
		return;
	}
	d = json_object();
	if (d == NULL || json_object_set_new(d, "type", json_string(ftype_name(t))) ||
	    json_object_set_new(d, "severity", json_string(severity_name(sev))) ||
	    json_object_set_new(d, "key", json_string(key)) ||
	    json_object_set_new(d, "source", source ? json_string(source) : json_null()) ||
	    json_object_set_new(d, "targets", targets ? targets : json_array()) ||
	    json_object_set_new(d, "first", eng_time(first_ms)) ||
	    json_object_set_new(d, "last", eng_time(last_ms)) ||
	    json_object_set_new(d, "count", json_integer((json_int_t)count)) ||
	    json_object_set_new(d, "evidence", evidence ? evidence : json_object())) {
		json_decref(d);
		e->st.dropped_findings++;
		return;
	}
	e->st.findings[t]++;
	e->sink.report(e->sink.ctx, last_ms, ftype_name(t), sev, key, d);
}

bool
eng_reported_recently(struct pkt_engine *e, enum ftype t, const void *a,
    size_t alen, const void *b, size_t blen)
{
	struct once_key	 k;
	struct once_ent	*o;
	bool		 isnew;

	memset(&k, 0, sizeof(k));
	k.type = (uint32_t)t;
	memcpy(k.a, a, alen < sizeof(k.a) ? alen : sizeof(k.a));
	if (b != NULL)
		memcpy(k.b, b, blen < sizeof(k.b) ? blen : sizeof(k.b));
	o = pt_get(&e->once, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (o == NULL)
		return false;
	if (!isnew && e->now - o->at < e->c.realert_ms)
		return true;
	o->at = e->now;
	return false;
}

bool
eng_home(const struct pkt_engine *e, const struct paddr *a)
{
	return cidrset_match(&e->c.home_net, a);
}

uint32_t
eng_addr_id(const struct paddr *a)
{
	return (uint32_t)(pt_hash(a, sizeof(*a)) >> 16);
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

void
eng_rev_mark(struct pkt_engine *e, const struct paddr *src,
    const struct paddr *dst)
{
	uint32_t	b = rev_bit(src, dst);

	e->rev[0][b >> 6] |= 1ull << (b & 63);
}

bool
eng_rev_seen(const struct pkt_engine *e, const struct paddr *src,
    const struct paddr *dst)
{
	uint32_t	b = rev_bit(src, dst);

	return ((e->rev[0][b >> 6] | e->rev[1][b >> 6]) >> (b & 63)) & 1;
}
