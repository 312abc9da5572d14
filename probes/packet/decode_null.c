/*
 * BSD loopback encapsulation (LINKTYPE_NULL: a 4-byte address family in
 * the capturing host's byte order) and OpenBSD's LINKTYPE_LOOP (network
 * byte order).  AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24
 * (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS) — all accepted, as
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html advises.
 */
#include "common/rbuf.h"
#include "probes/packet/pkt.h"

enum pkt_status
decode_null(struct pkt *p, struct rbuf *b, bool netorder)
{
	uint32_t	fam, le;

	if (rbuf_be32(b, &fam) == -1)
		return PKT_TRUNCATED;
	if (!netorder) {
		/* Host order of the writer is unknown: try both. */
		le = ((fam & 0xff) << 24) | ((fam & 0xff00) << 8) |
		    ((fam >> 8) & 0xff00) | (fam >> 24);
		if (fam > 0xffff)
			fam = le;
	}
	switch (fam) {
	case 2:
		return decode_ipv4(p, b);
	case 10: case 24: case 28: case 30:
		return decode_ipv6(p, b);
	default:
		return PKT_UNSUPPORTED;
	}
}
