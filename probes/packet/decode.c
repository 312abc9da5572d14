/*
 * Frame dispatch by link type.  Each protocol has its own decode_<proto>.c;
 * all of them read through common/rbuf.h only, so nothing reads past the
 * captured length.  Truncated (a header cut by the snap length) and invalid
 * (a header contradicting itself) are separate outcomes the caller counts.
 */
#include <string.h>

#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
pkt_decode(struct pkt *p, int link, const uint8_t *data, size_t caplen)
{
	struct rbuf	b;
	int64_t		ts = p->ts_ms;
	uint32_t	wl = p->wirelen;

	/* Clear only the header part; the rest is written before it is read. */
	memset(p, 0, offsetof(struct pkt, arp_op));
	p->ts_ms = ts;
	p->wirelen = wl;
	p->caplen = (uint32_t)caplen;
	p->ipver = 0;
	p->l4 = false;
	p->frag = false;
	p->has_inner = false;
	p->payload = NULL;
	p->paylen = 0;
	p->proto = 0;
	p->sport = p->dport = 0;
	p->tcp_flags = 0;
	p->icmp_type = p->icmp_code = 0;
	rbuf_init(&b, data, caplen);
	switch (link) {
	case PKT_LINK_ETHERNET:
		return decode_ether(p, &b);
	case PKT_LINK_SLL:
		return decode_sll(p, &b);
	case PKT_LINK_SLL2:
		return decode_sll2(p, &b);
	case PKT_LINK_NULL:
		return decode_null(p, &b, false);
	case PKT_LINK_LOOP:
		return decode_null(p, &b, true);
	case PKT_LINK_RAW:
		return decode_ip(p, &b);
	case PKT_LINK_IPV4:
		return decode_ipv4(p, &b);
	case PKT_LINK_IPV6:
		return decode_ipv6(p, &b);
	default:
		return PKT_UNSUPPORTED;
	}
}

enum pkt_status
decode_ethertype(struct pkt *p, uint16_t type, struct rbuf *b)
{
	switch (type) {
	case 0x0800:
		return decode_ipv4(p, b);
	case 0x86dd:
		return decode_ipv6(p, b);
	case 0x0806:
		return decode_arp(p, b);
	default:
		return PKT_UNSUPPORTED;
	}
}

/* Raw IP: the version nibble says which. */
enum pkt_status
decode_ip(struct pkt *p, struct rbuf *b)
{
	uint8_t	v;

	if (rbuf_peek_u8(b, 0, &v) == -1)
		return PKT_TRUNCATED;
	switch (v >> 4) {
	case 4:
		return decode_ipv4(p, b);
	case 6:
		return decode_ipv6(p, b);
	default:
		return PKT_INVALID;
	}
}
