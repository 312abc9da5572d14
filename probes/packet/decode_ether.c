/*
 * Ethernet II (IEEE 802.3 clause 3 / RFC 894) with IEEE 802.1Q VLAN tags,
 * stacked for QinQ (802.1ad S-tag 0x88a8, and the older 0x9100).
 *
 *   +--------+--------+------+- - - - - - - - - - -+------+---------
 *   | dst 6  | src 6  | TPID | TCI (VLAN id 12 bit) | type | payload
 *   +--------+--------+------+- - - - - - - - - - -+------+---------
 * A type below 1536 is an 802.3 length (LLC follows): not IP, skipped.
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

#define VLAN_MAX_TAGS	4	/* more than QinQ-in-QinQ is malformed */

enum pkt_status
decode_ether(struct pkt *p, struct rbuf *b)
{
	uint16_t	type, tci;
	int		tags = 0;
	struct rbuf	h;

	/* Fixed header as one bounded piece (see decode_ipv4.c). */
	if (rbuf_sub(b, 14, &h) == -1)
		return PKT_TRUNCATED;
	if (rbuf_bytes(&h, p->dmac, 6) == -1 || rbuf_bytes(&h, p->smac, 6) == -1 ||
	    rbuf_be16(&h, &type) == -1)
		return PKT_TRUNCATED;
	p->has_mac = true;
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (++tags > VLAN_MAX_TAGS)
			return PKT_INVALID;
		if (rbuf_be16(b, &tci) == -1 || rbuf_be16(b, &type) == -1)
			return PKT_TRUNCATED;
		p->vlan = tci & 0x0fff;
	}
	if (type < 1536)
		return PKT_UNSUPPORTED;
	return decode_ethertype(p, type, b);
}
