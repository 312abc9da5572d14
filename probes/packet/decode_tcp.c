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
	size_t		hlen;

	if (rbuf_be16(b, &p->sport) == -1 || rbuf_be16(b, &p->dport) == -1 ||
	    rbuf_be32(b, &seq) == -1 || rbuf_be32(b, &ack) == -1 ||
	    rbuf_u8(b, &off) == -1 || rbuf_u8(b, &flags) == -1 ||
	    rbuf_be16(b, &win) == -1 || rbuf_be16(b, &csum) == -1 ||
	    rbuf_be16(b, &urg) == -1)
		return PKT_TRUNCATED;
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
