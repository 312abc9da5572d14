/*
 * ARP (RFC 826) for Ethernet and IPv4 only.
 *
 *   htype 2 | ptype 2 | hlen 1 | plen 1 | op 2 |
 *   sender MAC hlen | sender IP plen | target MAC hlen | target IP plen
 * Other hardware/protocol pairs are not what the ARP detectors judge.
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
decode_arp(struct pkt *p, struct rbuf *b)
{
	uint16_t	htype, ptype, op;
	uint8_t		hlen, plen;
	uint32_t	spa, tpa;

	if (rbuf_be16(b, &htype) == -1 || rbuf_be16(b, &ptype) == -1 ||
	    rbuf_u8(b, &hlen) == -1 || rbuf_u8(b, &plen) == -1 ||
	    rbuf_be16(b, &op) == -1)
		return PKT_TRUNCATED;
	if (htype != 1 || ptype != 0x0800)
		return PKT_UNSUPPORTED;
	if (hlen != 6 || plen != 4)
		return PKT_INVALID;
	if (rbuf_bytes(b, p->arp_sha, 6) == -1 || rbuf_be32(b, &spa) == -1 ||
	    rbuf_bytes(b, p->arp_tha, 6) == -1 || rbuf_be32(b, &tpa) == -1)
		return PKT_TRUNCATED;
	if (op != 1 && op != 2)
		return PKT_UNSUPPORTED;	/* RARP, InARP */
	p->arp_op = op;
	paddr_from_v4(&p->arp_spa, spa);
	paddr_from_v4(&p->arp_tpa, tpa);
	p->l3 = PKT_L3_ARP;
	return PKT_OK;
}
