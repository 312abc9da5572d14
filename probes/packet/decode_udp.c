/*
 * UDP (RFC 768): source port 2 | destination port 2 | length 2 | checksum 2.
 * The payload is bounded by the Length field and by what was captured;
 * a Length below 8 is invalid.  (Length 0 is allowed for IPv6 jumbograms,
 * RFC 2675, and then the IP payload bounds it.)
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
decode_udp(struct pkt *p, struct rbuf *b)
{
	uint16_t	len, csum;
	uint16_t	sport, dport;
	size_t		n;
	struct rbuf	h;

	/* Fixed header as one bounded piece (see decode_ipv4.c). */
	if (rbuf_sub(b, 8, &h) == -1)
		return PKT_TRUNCATED;
	if (rbuf_be16(&h, &sport) == -1 || rbuf_be16(&h, &dport) == -1 ||
	    rbuf_be16(&h, &len) == -1 || rbuf_be16(&h, &csum) == -1)
		return PKT_TRUNCATED;
	p->sport = sport;
	p->dport = dport;
	(void)csum;
	if (len != 0 && len < 8)
		return PKT_INVALID;
	n = rbuf_left(b);
	if (len != 0 && n > (size_t)len - 8)
		n = (size_t)len - 8;
	p->l4 = true;
	p->payload = b->p;
	p->paylen = n;
	return PKT_OK;
}
