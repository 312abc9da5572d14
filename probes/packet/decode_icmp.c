/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): type 1 | code 1 | checksum 2 |
 * rest 4, then for error messages the start of the offending packet
 * (its IP header and at least the first 8 bytes beyond it, RFC 792;
 * "as much as fits", RFC 4443 section 3).  The quoted header is decoded
 * so that a port-unreachable can be tied back to the probe that caused it.
 */
#include <string.h>

#include "common/rbuf.h"
#include "probes/packet/pkt.h"

/* Decode the quoted header into p->in_*, leaving the outer fields alone. */
enum pkt_status
decode_inner_ip(struct pkt *p, struct rbuf *b)
{
	struct pkt	q;
	enum pkt_status	st;

	memset(&q, 0, sizeof(q));
	/* The quote is cut short on purpose: a truncated L4 is fine here. */
	st = decode_ip(&q, b);
	if (q.l3 != PKT_L3_IP)
		return st == PKT_OK ? PKT_INVALID : st;
	p->has_inner = true;
	p->in_proto = q.proto;
	p->in_src = q.src;
	p->in_dst = q.dst;
	p->in_sport = q.sport;
	p->in_dport = q.dport;
	/* RFC 792 quotes only 8 bytes: a TCP header is then cut, but its
	 * ports (the first 4 bytes, read first) are what we need. */
	if (!q.l4 && (q.proto == 6 || q.proto == 17) &&
	    q.sport == 0 && q.dport == 0)
		p->has_inner = false;
	return PKT_OK;
}

static enum pkt_status
icmp_common(struct pkt *p, struct rbuf *b, bool error)
{
	uint16_t	csum;
	uint32_t	rest;

	if (rbuf_u8(b, &p->icmp_type) == -1 || rbuf_u8(b, &p->icmp_code) == -1 ||
	    rbuf_be16(b, &csum) == -1 || rbuf_be32(b, &rest) == -1)
		return PKT_TRUNCATED;
	(void)csum; (void)rest;
	p->l4 = true;
	p->payload = b->p;
	p->paylen = rbuf_left(b);
	if (error)
		(void)decode_inner_ip(p, b);	/* a bad quote is not a bad packet */
	return PKT_OK;
}

enum pkt_status
decode_icmp(struct pkt *p, struct rbuf *b)
{
	uint8_t	t;

	if (rbuf_peek_u8(b, 0, &t) == -1)
		return PKT_TRUNCATED;
	/* Errors: unreachable 3, source quench 4, redirect 5, time exceeded 11,
	 * parameter problem 12. */
	return icmp_common(p, b, t == 3 || t == 4 || t == 5 || t == 11 || t == 12);
}

enum pkt_status
decode_icmp6(struct pkt *p, struct rbuf *b)
{
	uint8_t	t;

	if (rbuf_peek_u8(b, 0, &t) == -1)
		return PKT_TRUNCATED;
	return icmp_common(p, b, t < 128);	/* 0..127 are errors */
}
