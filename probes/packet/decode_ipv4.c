/*
 * IPv4 (RFC 791).
 *
 *    0                   1                   2                   3
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *
 * Options are skipped as a block (IHL bounds them).  Only the first
 * fragment (offset 0) carries the transport header; later fragments are
 * marked and not decoded further.  The payload is bounded by both the
 * captured bytes and Total Length (Ethernet padding is not payload).
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
decode_ipv4(struct pkt *p, struct rbuf *b)
{
	uint8_t		vihl, tos, ttl, proto;
	uint16_t	totlen, id, frag, csum;
	uint32_t	src, dst;
	size_t		hlen, avail;
	struct rbuf	body, h;

	/* The fixed header is cut as one bounded piece: the reads from it
	 * below are still checked, but against a length the compiler
	 * knows, so the checks cost nothing per packet. */
	if (rbuf_sub(b, 20, &h) == -1)
		return PKT_TRUNCATED;
	if (rbuf_u8(&h, &vihl) == -1 || rbuf_u8(&h, &tos) == -1 ||
	    rbuf_be16(&h, &totlen) == -1 || rbuf_be16(&h, &id) == -1 ||
	    rbuf_be16(&h, &frag) == -1 || rbuf_u8(&h, &ttl) == -1 ||
	    rbuf_u8(&h, &proto) == -1 || rbuf_be16(&h, &csum) == -1 ||
	    rbuf_be32(&h, &src) == -1 || rbuf_be32(&h, &dst) == -1)
		return PKT_TRUNCATED;
	(void)tos; (void)id; (void)csum;
	if ((vihl >> 4) != 4)
		return PKT_INVALID;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20 || totlen < hlen)
		return PKT_INVALID;
	if (rbuf_skip(b, hlen - 20) == -1)
		return PKT_TRUNCATED;
	p->l3 = PKT_L3_IP;
	p->ipver = 4;
	p->ttl = ttl;
	p->proto = proto;
	paddr_from_v4(&p->src, src);
	paddr_from_v4(&p->dst, dst);
	/* Captured body, cut to what Total Length says is IP. */
	avail = rbuf_left(b);
	if (avail > (size_t)totlen - hlen)
		avail = (size_t)totlen - hlen;
	rbuf_sub(b, avail, &body);
	if ((frag & 0x3fff) != 0) {		/* MF set or offset != 0 */
		p->frag = true;
		if ((frag & 0x1fff) != 0)
			return PKT_OK;		/* not the first fragment */
	}
	switch (proto) {
	case 6:
		return decode_tcp(p, &body);
	case 17:
		return decode_udp(p, &body);
	case 1:
		return decode_icmp(p, &body);
	default:
		return PKT_OK;
	}
}
