/*
 * Linux cooked capture, v1 (LINKTYPE_LINUX_SLL, 16 bytes) and v2
 * (LINKTYPE_LINUX_SLL2, 20 bytes), as documented at
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and _SLL2.html.
 *
 * v1: packet type 2 | ARPHRD type 2 | addr len 2 | addr 8 | protocol 2
 * v2: protocol 2 | reserved 2 | ifindex 4 | ARPHRD 2 | pkt type 1 |
 *     addr len 1 | addr 8
 * With ARPHRD_ETHER (1) and a 6-byte address, the address is the sender's
 * MAC.  The protocol is an EtherType.
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

static void
sll_addr(struct pkt *p, uint16_t hatype, uint16_t halen, const uint8_t addr[8])
{
	if (hatype == 1 && halen == 6) {
		for (int i = 0; i < 6; i++) {
			p->smac[i] = addr[i];
			p->dmac[i] = 0;
		}
		/* Only the source is known; dmac stays zero. */
		p->has_mac = true;
	}
}

enum pkt_status
decode_sll(struct pkt *p, struct rbuf *b)
{
	uint16_t	pkttype, hatype, halen, proto;
	uint8_t		addr[8];

	if (rbuf_be16(b, &pkttype) == -1 || rbuf_be16(b, &hatype) == -1 ||
	    rbuf_be16(b, &halen) == -1 || rbuf_bytes(b, addr, 8) == -1 ||
	    rbuf_be16(b, &proto) == -1)
		return PKT_TRUNCATED;
	(void)pkttype;
	sll_addr(p, hatype, halen, addr);
	return decode_ethertype(p, proto, b);
}

enum pkt_status
decode_sll2(struct pkt *p, struct rbuf *b)
{
	uint16_t	proto, reserved, hatype;
	uint32_t	ifindex;
	uint8_t		pkttype, halen, addr[8];

	if (rbuf_be16(b, &proto) == -1 || rbuf_be16(b, &reserved) == -1 ||
	    rbuf_be32(b, &ifindex) == -1 || rbuf_be16(b, &hatype) == -1 ||
	    rbuf_u8(b, &pkttype) == -1 || rbuf_u8(b, &halen) == -1 ||
	    rbuf_bytes(b, addr, 8) == -1)
		return PKT_TRUNCATED;
	(void)reserved;
	(void)ifindex;
	(void)pkttype;
	sll_addr(p, hatype, halen, addr);
	return decode_ethertype(p, proto, b);
}
