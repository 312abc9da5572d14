/*
 * A UDP DNS availability check (RFC 1035).
 *
 * Header, RFC 1035 4.1.1:
 *                                 1  1  1  1  1  1
 *   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |
 * |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 * |                    QDCOUNT                    |
 * |                    ANCOUNT                    |
 * |                    NSCOUNT                    |
 * |                    ARCOUNT                    |
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * then QDCOUNT questions: QNAME (labels, or a 2-byte pointer), QTYPE, QCLASS.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/random.h>

#include "common/rbuf.h"
#include "common/timeutil.h"
#include "probes/ports/ports.h"
#include "probes/selfaddr.h"

int
dns_query_build(uint16_t id, const char *name, uint16_t qtype, uint8_t *buf,
    size_t buflen)
{
	size_t		o = 12, nlen = strlen(name);
	const char	*p = name;

	if (buflen < 12 + 1 + 4 || nlen > 253)
		return -1;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01;			/* RD */
	buf[5] = 1;			/* QDCOUNT */
	if (strcmp(name, ".") != 0) {
		while (*p != '\0') {
			const char	*dot = strchr(p, '.');
			size_t		 l = dot ? (size_t)(dot - p) : strlen(p);

			if (l == 0 || l > 63 || o + 1 + l + 5 > buflen)
				return -1;
			buf[o++] = (uint8_t)l;
			memcpy(buf + o, p, l);
			o += l;
			p += l;
			if (*p == '.')
				p++;
		}
	}
	if (o + 5 > buflen)
		return -1;
	buf[o++] = 0;			/* root label */
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = 0;
	buf[o++] = 1;			/* class IN */
	return (int)o;
}

int
dns_reply_parse(const uint8_t *p, size_t n, uint16_t id, struct dns_result *r)
{
	struct rbuf	b;
	uint16_t	rid, flags, qd, an, ns, ar;

	rbuf_init(&b, p, n);
	if (rbuf_be16(&b, &rid) == -1 || rbuf_be16(&b, &flags) == -1 ||
	    rbuf_be16(&b, &qd) == -1 || rbuf_be16(&b, &an) == -1 ||
	    rbuf_be16(&b, &ns) == -1 || rbuf_be16(&b, &ar) == -1) {
		snprintf(r->why, sizeof(r->why), "reply shorter than a DNS header "
		    "(%zu bytes)", n);
		return -1;
	}
	if (rid != id) {
		snprintf(r->why, sizeof(r->why), "reply id %u is not ours (%u)",
		    rid, id);
		return -1;
	}
	if ((flags & 0x8000) == 0) {
		snprintf(r->why, sizeof(r->why), "QR bit clear: not a reply");
		return -1;
	}
	/* Walk the questions so a truncated reply is told apart. */
	for (uint16_t q = 0; q < qd; q++) {
		uint8_t		len;
		uint16_t	tc;
		int		labels = 0;

		for (;;) {
			if (rbuf_u8(&b, &len) == -1)
				goto truncated;
			if ((len & 0xc0) == 0xc0) {	/* compression pointer */
				if (rbuf_skip(&b, 1) == -1)
					goto truncated;
				break;
			}
			if ((len & 0xc0) != 0) {
				snprintf(r->why, sizeof(r->why), "bad label type "
				    "0x%02x in question", len);
				return -1;
			}
			if (len == 0)
				break;
			if (++labels > 127 || rbuf_skip(&b, len) == -1)
				goto truncated;
		}
		if (rbuf_be16(&b, &tc) == -1 || rbuf_be16(&b, &tc) == -1)
			goto truncated;
	}
	r->rcode = flags & 0x000f;
	r->ancount = an;
	r->answered = true;
	return 0;
truncated:
	snprintf(r->why, sizeof(r->why), "reply truncated in the question "
	    "section");
	return -1;
}

void
dns_check(const struct sockaddr *addr, socklen_t addrlen, const char *name,
    int64_t timeout_ms, struct dns_result *r)
{
	uint8_t			q[300], reply[1500];
	uint16_t		id;
	int			qlen, fd = -1, sent = 0;
	int64_t			start = time_mono_ms(), deadline;
	struct sockaddr_storage	me;
	socklen_t		mlen = sizeof(me);

	memset(r, 0, sizeof(*r));
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(start ^ getpid());
	if ((qlen = dns_query_build(id, name, 1, q, sizeof(q))) == -1) {
		snprintf(r->why, sizeof(r->why), "'%s' is not a valid DNS name",
		    name);
		return;
	}
	fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, addr, addrlen) == -1) {
		snprintf(r->why, sizeof(r->why), "UDP socket: %s", strerror(errno));
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
		selfaddr_add_sockaddr((struct sockaddr *)&me, addr);
	deadline = start + timeout_ms;
	for (;;) {
		int64_t		now = time_mono_ms(), wait;
		struct pollfd	pfd = { fd, POLLIN, 0 };
		ssize_t		got;

		if (now >= deadline) {
			snprintf(r->why, sizeof(r->why), "no DNS reply within "
			    "%lld ms", (long long)timeout_ms);
			goto out;
		}
		/* Send at once, and once more at half the timeout (UDP loss). */
		if (sent == 0 || (sent == 1 && now >= start + timeout_ms / 2)) {
			if (send(fd, q, (size_t)qlen, 0) == -1 && errno != ECONNREFUSED) {
				snprintf(r->why, sizeof(r->why), "send: %s",
				    strerror(errno));
				goto out;
			}
			sent++;
		}
		wait = deadline - now;
		if (sent == 1 && start + timeout_ms / 2 - now < wait)
			wait = start + timeout_ms / 2 - now;
		if (wait < 1)
			wait = 1;
		if (poll(&pfd, 1, (int)wait) <= 0)
			continue;
		got = recv(fd, reply, sizeof(reply), 0);
		if (got == -1) {
			if (errno == ECONNREFUSED) {
				snprintf(r->why, sizeof(r->why), "port unreachable "
				    "(nothing listens on UDP)");
				goto out;
			}
			continue;
		}
		/* A reply with another id is a stray; keep waiting. */
		if (dns_reply_parse(reply, (size_t)got, id, r) == 0) {
			r->rtt_ms = time_mono_ms() - start;
			goto out;
		}
	}
out:
	if (fd != -1)
		close(fd);
}
