/*
 * TCP (RFC 9293 section 3.1).
 *
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options (Data Offset > 5)                  |
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
decode_tcp(struct pkt *p, struct rbuf *b)
{
	uint32_t	seq, ack;
	uint8_t		off, flags;
	uint16_t	win, csum, urg;
	uint16_t	sport, dport;
	size_t		hlen;
	struct rbuf	h;

	/* Fixed header as one bounded piece (see decode_ipv4.c). */
	if (rbuf_sub(b, 20, &h) == -1)
		return PKT_TRUNCATED;
	if (rbuf_be16(&h, &sport) == -1 || rbuf_be16(&h, &dport) == -1 ||
	    rbuf_be32(&h, &seq) == -1 || rbuf_be32(&h, &ack) == -1 ||
	    rbuf_u8(&h, &off) == -1 || rbuf_u8(&h, &flags) == -1 ||
	    rbuf_be16(&h, &win) == -1 || rbuf_be16(&h, &csum) == -1 ||
	    rbuf_be16(&h, &urg) == -1)
		return PKT_TRUNCATED;
	p->sport = sport;
	p->dport = dport;
	(void)seq; (void)ack; (void)csum; (void)urg;
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < 20)
		return PKT_INVALID;
	if (rbuf_skip(b, hlen - 20) == -1)
		return PKT_TRUNCATED;
	p->tcp_flags = flags;
	p->tcp_optlen = (uint8_t)(hlen - 20);
	p->tcp_win = win;
	p->l4 = true;
	p->payload = b->p;
	p->paylen = rbuf_left(b);
	return PKT_OK;
}
