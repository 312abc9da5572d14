/*
 * IPv6 (RFC 8200) and its extension headers.
 *
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                   Source Address (16)                         |
 *   |                Destination Address (16)                       |
 *
 * Extension headers walked (section 4): Hop-by-Hop 0, Routing 43,
 * Destination Options 60, Mobility 135 (RFC 6275), HIP 139, Shim6 140 —
 * each "next 1 | len 1 (8-octet units beyond the first 8)"; Fragment 44
 * (8 octets; a non-first fragment stops the walk); AH 51 (RFC 4302, len in
 * 4-octet units minus 2).  ESP 50 and No Next Header 59 end it.  A chain
 * longer than IP6_MAX_EXT is treated as invalid rather than walked.
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

#define IP6_MAX_EXT	8

enum pkt_status
decode_ipv6(struct pkt *p, struct rbuf *b)
{
	uint32_t	vtf;
	uint16_t	plen, fragoff;
	uint8_t		nh, hlim, len, reserved;
	struct rbuf	body;
	size_t		avail;

	if (rbuf_be32(b, &vtf) == -1 || rbuf_be16(b, &plen) == -1 ||
	    rbuf_u8(b, &nh) == -1 || rbuf_u8(b, &hlim) == -1 ||
	    rbuf_bytes(b, p->src.a, 16) == -1 || rbuf_bytes(b, p->dst.a, 16) == -1)
		return PKT_TRUNCATED;
	if ((vtf >> 28) != 6)
		return PKT_INVALID;
	p->l3 = PKT_L3_IP;
	p->ipver = 6;
	p->ttl = hlim;
	avail = rbuf_left(b);
	/* Payload Length 0 is a jumbogram (RFC 2675): take what was captured. */
	if (plen != 0 && avail > plen)
		avail = plen;
	rbuf_sub(b, avail, &body);
	for (int i = 0; ; i++) {
		if (i > IP6_MAX_EXT)
			return PKT_INVALID;
		switch (nh) {
		case 0: case 43: case 60: case 135: case 139: case 140:
			if (rbuf_u8(&body, &nh) == -1 || rbuf_u8(&body, &len) == -1)
				return PKT_TRUNCATED;
			if (rbuf_skip(&body, (size_t)len * 8 + 6) == -1)
				return PKT_TRUNCATED;
			continue;
		case 44:
			if (rbuf_u8(&body, &nh) == -1 ||
			    rbuf_u8(&body, &reserved) == -1 ||
			    rbuf_be16(&body, &fragoff) == -1 ||
			    rbuf_skip(&body, 4) == -1)
				return PKT_TRUNCATED;
			p->frag = true;
			if ((fragoff & 0xfff8) != 0) {
				p->proto = nh;
				return PKT_OK;
			}
			continue;
		case 51:
			if (rbuf_u8(&body, &nh) == -1 || rbuf_u8(&body, &len) == -1)
				return PKT_TRUNCATED;
			if (rbuf_skip(&body, ((size_t)len + 2) * 4 - 2) == -1)
				return PKT_TRUNCATED;
			continue;
		default:
			break;
		}
		break;
	}
	p->proto = nh;
	switch (nh) {
	case 6:
		return decode_tcp(p, &body);
	case 17:
		return decode_udp(p, &body);
	case 58:
		return decode_icmp6(p, &body);
	default:
		return PKT_OK;
	}
}
