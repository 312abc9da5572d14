/*
 * The packet-anomaly engine: configuration ([packet]), the detectors'
 * shared state, and how findings leave it.
 *
 * One engine serves one agent (all interfaces) or one --analyze run.  It
 * is fed decoded packets in time order; time is packet time (UTC ms), so
 * offline analysis and live capture behave the same.  All state sits in
 * fixed tables sized at start from one memory cap (memory_cap).
 */
#ifndef SHAOBING_PKT_ENGINE_H
#define SHAOBING_PKT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/event.h"
#include "probes/packet/pkt.h"
#include "probes/packet/table.h"

enum ftype {
	FT_PORT_SCAN = 0,
	FT_ADDRESS_SCAN,
	FT_PING_SWEEP,
	FT_SYN_FLOOD,
	FT_ARP_SPOOF,
	FT_NEW_DEVICE,
	FT_DNS_TUNNEL,
	FT_NXDOMAIN_STORM,
	FT_ICMP_FLOOD,
	FT_UDP_FLOOD,
	FT_CLEARTEXT_AUTH,
	FT_BLOCKLIST,
	FT_COUNT
};

/* "port_scan", ... as printed in the type field. */
const char	*ftype_name(enum ftype t);

struct pkt_conf {
	/* capture */
	char	interfaces[512];
	bool	promisc;
	int	snaplen;
	char	bpf[1024];
	bool	immediate;
	int64_t	buffer_size;
	/* state */
	int64_t	memory_cap;
	char	home_net_s[1024];
	char	disable_s[512];
	int64_t	realert_ms;
	int64_t	answer_timeout_ms;
	/* 1-3 scans and sweeps */
	int	portscan_ports;
	int64_t	portscan_window_ms;
	char	portscan_allow_s[1024];
	int	addrscan_hosts;
	int64_t	addrscan_window_ms;
	char	addrscan_allow_s[1024];
	int	sweep_hosts;
	char	sweep_allow_s[1024];
	/* floods */
	int	synflood_rate;
	double	synflood_factor;
	int	icmpflood_rate;
	int	udpflood_rate;
	double	flood_factor;
	int	flood_seconds;
	char	flood_allow_s[1024];
	/* ARP */
	int64_t	arp_window_ms;
	int	arp_unsolicited;
	int	garp_storm;
	int64_t	garp_window_ms;
	char	gateway_s[1024];
	char	arp_allow_s[1024];
	/* new devices */
	int64_t	newdev_learning_ms;
	char	newdev_allow_s[1024];
	char	oui_file[256];
	/* DNS */
	int	dns_label_len;
	int	dns_name_len;
	double	dns_entropy;
	int	dns_suspicious;
	int	dns_unique;
	int64_t	dns_window_ms;
	int	nxdomain_count;
	int64_t	nxdomain_window_ms;
	char	dns_allow_s[1024];
	/* cleartext and block list */
	char	http_ports_s[256];
	char	cleartext_allow_s[1024];
	char	blocklist_file[256];
	char	blocklist_allow_s[1024];

	/* parsed from the strings above */
	struct cidrset	home_net, portscan_allow, addrscan_allow, sweep_allow,
			flood_allow, arp_allow, newdev_allow, cleartext_allow,
			blocklist_allow, gateway;
	bool		disabled[FT_COUNT];
	uint16_t	http_ports[16];
	int		nhttp_ports;
	char		dns_allow[16][64];
	int		ndns_allow;
	bool		enabled;	/* [packet] present (live agent) */
};

/*
 * Read [packet] (defaults when absent) and check it: lists, the block list
 * file.  0, or -1 with err "FILE:LINE: ...".
 */
int	pkt_conf_load(struct conf *c, struct pkt_conf *pc, struct conf_err *err);
/* Defaults only (tests, --analyze without -c). */
int	pkt_conf_defaults(struct pkt_conf *pc, struct conf_err *err);

/* Where findings go: printed (--analyze) or emitted (agent).  data stolen. */
struct pkt_sink {
	void	(*report)(void *ctx, int64_t ts_ms, const char *type,
		    enum severity sev, const char *key, json_t *data);
	void	*ctx;
};

struct pkt_stats {
	uint64_t	packets, bytes;
	uint64_t	truncated, invalid, unsupported, fragments;
	uint64_t	findings[FT_COUNT];
	uint64_t	evictions;
	uint64_t	dropped_findings;	/* JSON allocation failures */
};

/* A probe waiting for its answer (detect_scan.c). */
struct pend {
	uint32_t	tag;		/* 0: free */
	uint8_t		proto, kind;
	uint16_t	port;
	int64_t		at;
	struct paddr	src, dst;
};

/* Blocked ranges: sorted, merged [lo, hi] over 128-bit addresses. */
struct blockrange {
	struct paddr	lo, hi;
};

struct pkt_engine {
	struct pkt_conf		 c;
	struct pkt_sink		 sink;
	struct pkt_stats	 st;

	struct ptab		 scan;		/* (src, dst) -> ports */
	struct ptab		 fan;		/* (src, proto, port) -> hosts */
	struct ptab		 rate;		/* (dst, proto, port) -> rates */
	struct ptab		 arpip;		/* IP -> MAC binding */
	struct ptab		 arpmac;	/* MAC -> claimed IPs */
	struct ptab		 arpreq;	/* asked-for IP -> when */
	struct ptab		 dev;		/* MAC or IP -> first seen */
	struct ptab		 dns;		/* (client, domain) -> counts */
	struct ptab		 once;		/* (kind, a, b) -> reported at */
	struct pend		*pend;		/* probes waiting for answers */
	uint32_t		 pend_mask, pend_cursor;

	/* Recent low-port -> high-port TCP traffic (a reply direction),
	 * two generations of a bitmap indexed by hash(src, dst). */
	uint64_t		 rev[2][1024];
	int64_t			 rev_epoch;

	int64_t			 now, first_ms, learn_end_ms, tick_ms;
	bool			 started;
	/* Source MACs seen lately, so most frames skip the device table. */
	struct {
		uint8_t		mac[6];
		int64_t		at;
	}			 mac_cache[1024];
	uint8_t			 router_mac[4][6];
	int			 nrouter;

	struct blockrange	*block;
	size_t			 nblock;
};

/* NULL with err on allocation failure (the cap is too large). */
struct pkt_engine *pkt_engine_new(const struct pkt_conf *pc,
		    const struct pkt_sink *sink, char *err, size_t errlen);
void	pkt_engine_free(struct pkt_engine *e);
/* One captured frame. */
void	pkt_engine_frame(struct pkt_engine *e, int link, int64_t ts_ms,
	    const uint8_t *data, size_t caplen, size_t wirelen);
/* One decoded packet (tests feed these directly). */
void	pkt_engine_packet(struct pkt_engine *e, const struct pkt *p);
/* Judge what waited for an answer; final: the capture ended. */
void	pkt_engine_flush(struct pkt_engine *e, int64_t now_ms, bool final);
/* Bytes of table memory allocated (always <= memory_cap). */
size_t	pkt_engine_bytes(const struct pkt_engine *e);

/* ---- used by the detectors ------------------------------------------- */

/*
 * Report a finding.  targets and evidence are stolen (either may be NULL).
 * first/last are packet times.  Counts per type; honours `disable`.
 */
void	eng_report(struct pkt_engine *e, enum ftype t, enum severity sev,
	    const char *key, const char *source, json_t *targets,
	    int64_t first_ms, int64_t last_ms, uint64_t count, json_t *evidence);
/*
 * Has (t, a, b) been reported within realert?  If not, remember it now
 * and return false.  For detectors without their own per-entry state.
 */
bool	eng_reported_recently(struct pkt_engine *e, enum ftype t,
	    const void *a, size_t alen, const void *b, size_t blen);
bool	eng_home(const struct pkt_engine *e, const struct paddr *a);
uint32_t eng_addr_id(const struct paddr *a);
void	eng_rev_mark(struct pkt_engine *e, const struct paddr *src,
	    const struct paddr *dst);
bool	eng_rev_seen(const struct pkt_engine *e, const struct paddr *src,
	    const struct paddr *dst);
json_t	*eng_time(int64_t ms);

void	scan_packet(struct pkt_engine *e, const struct pkt *p);
void	scan_flush(struct pkt_engine *e, int64_t now, bool final);
void	flood_packet(struct pkt_engine *e, const struct pkt *p);
void	flood_flush(struct pkt_engine *e, int64_t now, bool final);
void	arp_packet(struct pkt_engine *e, const struct pkt *p);
void	arp_learn_router(struct pkt_engine *e, const struct pkt *p);
void	newdev_packet(struct pkt_engine *e, const struct pkt *p);
void	dns_packet(struct pkt_engine *e, const struct pkt *p);
void	cleartext_packet(struct pkt_engine *e, const struct pkt *p);
void	blocklist_packet(struct pkt_engine *e, const struct pkt *p);
/* Load FILE; -1 with why ("FILE:LINE: ...") on a bad line. */
int	blocklist_load(const char *path, struct blockrange **out, size_t *n,
	    char *why, size_t whylen);
/* Vendor for a MAC from the IEEE OUI table, or NULL. */
const char *oui_vendor(const char *path, const uint8_t mac[6], char *buf,
	    size_t len);
double	dns_entropy(const char *s, size_t n);

#endif
