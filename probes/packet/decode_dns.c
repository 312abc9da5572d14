/*
 * DNS message header and first question (RFC 1035 section 4.1).
 *
 *   |                      ID                       |
 *   |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *   |    QDCOUNT    |    ANCOUNT    |    NSCOUNT    |    ARCOUNT    |
 *   question: QNAME (labels) | QTYPE 2 | QCLASS 2
 *
 * Only the question is read.  A question name never uses compression
 * (it is the first name in the message), so a pointer there is treated as
 * malformed; labels are 1..63 octets (section 2.3.4) and the name at most
 * 255 octets.  The name is kept in lower case with '.' separators; bytes
 * outside [-_a-z0-9] are kept as '?' so the text stays printable.
 */
#include <ctype.h>
#include <string.h>

#include "common/rbuf.h"
#include "probes/packet/pkt.h"

int
dns_decode(const uint8_t *data, size_t len, struct dns_msg *m)
{
	struct rbuf	b;
	uint16_t	flags, an, ns, ar, qclass;
	uint8_t		l, c;
	size_t		wire = 0, o = 0;

	rbuf_init(&b, data, len);
	memset(m, 0, sizeof(*m));
	if (rbuf_be16(&b, &m->id) == -1 || rbuf_be16(&b, &flags) == -1 ||
	    rbuf_be16(&b, &m->qdcount) == -1 || rbuf_be16(&b, &an) == -1 ||
	    rbuf_be16(&b, &ns) == -1 || rbuf_be16(&b, &ar) == -1)
		return -1;
	m->qr = (flags & 0x8000) != 0;
	m->rcode = flags & 0x000f;
	if (m->qdcount == 0)
		return 0;
	for (;;) {
		if (rbuf_u8(&b, &l) == -1)
			return -1;
		if (l == 0)
			break;
		if (l > 63)			/* pointer (0xc0) or reserved */
			return -1;
		wire += (size_t)l + 1;
		if (wire > 255)
			return -1;
		if (o != 0)
			m->qname[o++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			if (rbuf_u8(&b, &c) == -1)
				return -1;
			c = (uint8_t)tolower(c);
			if (!(isalnum(c) || c == '-' || c == '_'))
				c = '?';
			m->qname[o++] = (char)c;	/* o < 255 by the wire check */
		}
		m->labels++;
		if (l > m->max_label)
			m->max_label = l;
	}
	m->qname[o] = '\0';
	m->qname_len = o;
	if (rbuf_be16(&b, &m->qtype) == -1 || rbuf_be16(&b, &qclass) == -1)
		return -1;
	return 0;
}
