/*
 * The packet-anomaly engine: decoded packet, decoders, and the pieces the
 * detectors share.  Internal to probes/packet/; only capture.c sees pcap.
 *
 * Addresses are kept as 16 bytes: IPv4 as the IPv4-mapped IPv6 form
 * ::ffff:a.b.c.d (RFC 4291 section 2.5.5.2), so every table, allowlist and
 * key handles both families the same way.
 */
#ifndef SHAOBING_PKT_H
#define SHAOBING_PKT_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Link types, numbered as the pcap LINKTYPE_ registry (tcpdump.org/linktypes). */
enum pkt_link {
	PKT_LINK_NULL = 0,	/* BSD loopback: 4-byte family, host order */
	PKT_LINK_ETHERNET = 1,
	PKT_LINK_RAW = 101,	/* raw IPv4/IPv6 (DLT_RAW is 12 or 14) */
	PKT_LINK_LOOP = 108,	/* OpenBSD loopback: 4-byte family, network order */
	PKT_LINK_SLL = 113,	/* Linux cooked v1 */
	PKT_LINK_IPV4 = 228,
	PKT_LINK_IPV6 = 229,
	PKT_LINK_SLL2 = 276,	/* Linux cooked v2 */
};

struct paddr {
	uint8_t	a[16];
};

/* Outcome of decoding one frame. */
enum pkt_status {
	PKT_OK = 0,
	PKT_TRUNCATED,		/* a header did not fit in the captured bytes */
	PKT_INVALID,		/* a header contradicts itself (length, version) */
	PKT_UNSUPPORTED,	/* not something the detectors look at */
};

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

#define PKT_L3_NONE	0
#define PKT_L3_ARP	1
#define PKT_L3_IP	2

struct pkt {
	int64_t		 ts_ms;
	uint32_t	 caplen, wirelen;
	bool		 has_mac;
	uint8_t		 smac[6], dmac[6];
	uint16_t	 vlan;		/* innermost VLAN id, 0 if none */
	uint8_t		 l3;		/* PKT_L3_* */

	/* ARP (RFC 826), Ethernet/IPv4 only */
	uint16_t	 arp_op;
	uint8_t		 arp_sha[6], arp_tha[6];
	struct paddr	 arp_spa, arp_tpa;

	/* IP */
	uint8_t		 ipver;		/* 4 or 6 */
	uint8_t		 proto;		/* transport protocol after ext headers */
	uint8_t		 ttl;
	bool		 frag;		/* a fragment (first or not) */
	bool		 l4;		/* transport header decoded */
	struct paddr	 src, dst;

	uint16_t	 sport, dport;
	uint8_t		 tcp_flags;
	uint8_t		 tcp_optlen;
	uint16_t	 tcp_win;
	uint8_t		 icmp_type, icmp_code;

	/* ICMP/ICMPv6 error: the offending packet's header */
	bool		 has_inner;
	uint8_t		 in_proto;
	struct paddr	 in_src, in_dst;
	uint16_t	 in_sport, in_dport;

	const uint8_t	*payload;	/* transport payload, captured part */
	size_t		 paylen;
};

struct rbuf;

/* Decode one frame of link type link.  Fills p (ts_ms, caplen left alone). */
enum pkt_status	pkt_decode(struct pkt *p, int link, const uint8_t *data,
		    size_t caplen);
/* Per-protocol decoders, each in its decode_<proto>.c. */
enum pkt_status	decode_ether(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_sll(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_sll2(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_null(struct pkt *p, struct rbuf *b, bool netorder);
enum pkt_status	decode_arp(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_ip(struct pkt *p, struct rbuf *b); /* by version nibble */
enum pkt_status	decode_ipv4(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_ipv6(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_tcp(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_udp(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_icmp(struct pkt *p, struct rbuf *b);
enum pkt_status	decode_icmp6(struct pkt *p, struct rbuf *b);
/* Dispatch on an EtherType (after Ethernet, VLAN, SLL). */
enum pkt_status	decode_ethertype(struct pkt *p, uint16_t type, struct rbuf *b);
/* The header of the packet quoted in an ICMP error (inner IP + 4 bytes). */
enum pkt_status	decode_inner_ip(struct pkt *p, struct rbuf *b);

/* DNS header and first question (RFC 1035 section 4.1). */
#define DNS_NAME_MAX	256	/* presentation form, with NUL */
struct dns_msg {
	uint16_t	id;
	bool		qr;
	uint8_t		rcode;
	uint16_t	qdcount;
	uint16_t	qtype;
	char		qname[DNS_NAME_MAX];	/* lower case, no final dot */
	size_t		qname_len;
	uint8_t		labels;
	uint8_t		max_label;
};
/* 0, or -1 when the message is truncated or malformed. */
int	dns_decode(const uint8_t *data, size_t len, struct dns_msg *m);

/* ---- addresses -------------------------------------------------------- */

/* Inline: every IPv4 packet converts two addresses and most detectors
 * ask the family. */
static inline void
paddr_from_v4(struct paddr *a, uint32_t v4)	/* host order */
{
	static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	uint32_t	be = htobe32(v4);

	memcpy(a->a, v4mapped, 12);
	memcpy(a->a + 12, &be, 4);
}

static inline bool
paddr_is_v4(const struct paddr *a)
{
	static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	return memcmp(a->a, v4mapped, 12) == 0;
}
uint32_t paddr_v4(const struct paddr *a);		/* host order */
bool	paddr_is_zero(const struct paddr *a);
/* Text form ("10.0.0.1", "fe80::1"); buf at least 46 bytes. */
const char *paddr_str(const struct paddr *a, char *buf, size_t len);
/* Parse "a.b.c.d", "x::y"; 0 or -1. */
int	paddr_parse(const char *s, struct paddr *a);
/* "aa:bb:cc:dd:ee:ff"; buf at least 18 bytes. */
const char *mac_str(const uint8_t mac[6], char *buf, size_t len);

/* A list of prefixes (IPs and CIDRs), for home_net and allowlists. */
struct cidr {
	struct paddr	addr;
	uint8_t		plen;	/* 0..128, IPv4 counted as 96 + n */
};
#define CIDRSET_MAX	64
struct cidrset {
	size_t		n;
	struct cidr	c[CIDRSET_MAX];
};
/* Parse one "10.0.0.0/8", "10.0.0.5", "fc00::/7".  0 or -1. */
int	cidr_parse(const char *s, struct cidr *c);
/* Parse a comma/space separated list.  0, or -1 with why naming the item. */
int	cidrset_parse(const char *list, struct cidrset *set, char *why,
	    size_t whylen);
bool	cidrset_match(const struct cidrset *set, const struct paddr *a);

#endif
