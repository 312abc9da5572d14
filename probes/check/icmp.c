/*
 * ICMP echo to many hosts from one socket: see icmp.h.
 *
 * RFC 792 echo / echo reply:
 *   0      7 8     15 16            31
 *  +--------+--------+----------------+
 *  |  type  |  code  |    checksum    |
 *  +--------+--------+----------------+
 *  |   identifier    | sequence number|
 *  +-----------------+----------------+
 *  | data: "SBP1" token(4) host(4) k(2) pad ...
 *
 * A reply is ours when its payload carries this run's token, a host
 * index and request number in range, and comes from that host's address
 * (and, on a raw socket, our identifier).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/rbuf.h"
#include "probes/check/icmp.h"

#define ICMP_ECHOREPLY_T	0
#define ICMP_ECHO_T		8
#define PAYLOAD_LEN		32
#define MAGIC			0x53425031u	/* "SBP1" */
#define COUNT_MAX		64

static int raw_fd = -1;		/* kept from icmp_prepare() */

int
icmp_reply_parse(const uint8_t *p, size_t len, int with_ip,
    struct icmp_reply *r)
{
	struct rbuf	b, ip;
	uint8_t		vihl, type, code, proto;
	uint16_t	sum;
	uint32_t	magic, src;

	memset(r, 0, sizeof(*r));
	rbuf_init(&b, p, len);
	if (with_ip) {
		/* IPv4 header (RFC 791): version 4, IHL 5..15 words. */
		if (rbuf_peek_u8(&b, 0, &vihl) == -1)
			return -1;
		if ((vihl >> 4) != 4 || (vihl & 0x0f) < 5)
			return -2;
		if (rbuf_sub(&b, (size_t)(vihl & 0x0f) * 4, &ip) == -1)
			return -1;
		if (rbuf_skip(&ip, 9) == -1 || rbuf_u8(&ip, &proto) == -1 ||
		    rbuf_skip(&ip, 2) == -1 || rbuf_bytes(&ip, &src, 4) == -1)
			return -1;
		if (proto != 1)
			return -2;
		r->src = src;
	}
	if (rbuf_u8(&b, &type) == -1 || rbuf_u8(&b, &code) == -1 ||
	    rbuf_be16(&b, &sum) == -1 || rbuf_be16(&b, &r->id) == -1 ||
	    rbuf_be16(&b, &r->seq) == -1)
		return -1;
	if (type != ICMP_ECHOREPLY_T || code != 0)
		return -2;
	if (rbuf_be32(&b, &magic) == -1)
		return -1;
	if (magic != MAGIC)
		return -2;
	if (rbuf_be32(&b, &r->token) == -1 || rbuf_be32(&b, &r->host) == -1 ||
	    rbuf_be16(&b, &r->k) == -1)
		return -1;
	return 0;
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A DGRAM ping socket, or -1 when ping_group_range forbids it. */
static int
open_dgram(void)
{
	return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP);
}

int
icmp_prepare(char *why, size_t whylen)
{
	int fd;

	if (raw_fd != -1)
		return 0;
	if ((fd = open_dgram()) != -1) {
		close(fd);
		return 0;
	}
	if ((raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP)) == -1) {
		snprintf(why, whylen, "no ICMP socket: unprivileged ICMP is off "
		    "(sysctl net.ipv4.ping_group_range) and a raw socket needs "
		    "root or CAP_NET_RAW: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static uint16_t
cksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

struct slot {
	int64_t	 next_us;	/* next request due */
	int64_t	 deadline_us;	/* after the last request */
	uint64_t got;		/* bit k: reply k seen */
	int	 state;		/* 0 waiting, 1 active, 2 done */
};

static void
on_reply(struct icmp_host *h, size_t n, struct slot *sl, int64_t *sent_us,
    int count, uint32_t token, uint16_t id, int raw,
    const struct icmp_reply *r, int64_t now)
{
	struct icmp_host	*x;
	int64_t			 rtt;

	if (r->token != token || r->host >= n || r->k >= count)
		return;
	x = &h[r->host];
	if (r->src != x->addr.sin_addr.s_addr || (raw && r->id != id))
		return;
	if (sl[r->host].state != 1 || (sl[r->host].got >> r->k) & 1 ||
	    r->k >= x->sent)
		return;		/* late, duplicate or never sent */
	sl[r->host].got |= (uint64_t)1 << r->k;
	rtt = now - sent_us[(size_t)r->host * (size_t)count + r->k];
	if (x->received == 0 || rtt < x->min_us)
		x->min_us = rtt;
	if (rtt > x->max_us)
		x->max_us = rtt;
	x->sum_us += rtt;
	x->received++;
}

int
icmp_ping(struct icmp_host *h, size_t n, const struct icmp_opts *o,
    char *why, size_t whylen)
{
	struct slot	*sl = NULL;
	int64_t		*sent_us = NULL, now, gap_us, last_send = 0;
	size_t		 started = 0, active = 0, done = 0;
	int		 fd = -1, raw = 0, rc = -1;
	int		 count = o->count < 1 ? 1 : o->count > COUNT_MAX ?
			    COUNT_MAX : o->count;
	size_t		 conc = o->concurrency ? o->concurrency : 1;
	uint32_t	 token;
	uint16_t	 id;
	uint8_t		 pkt[8 + PAYLOAD_LEN], in[1500];

	for (size_t i = 0; i < n; i++) {
		h[i].sent = h[i].received = 0;
		h[i].min_us = h[i].max_us = h[i].sum_us = 0;
		h[i].why[0] = '\0';
	}
	if (n == 0)
		return 0;
	if ((fd = open_dgram()) == -1) {
		if (raw_fd == -1 && icmp_prepare(why, whylen) == -1)
			return -1;
		fd = raw_fd;
		raw = 1;
	}
	if ((sl = calloc(n, sizeof(*sl))) == NULL ||
	    (sent_us = calloc(n * (size_t)count, sizeof(*sent_us))) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = (uint32_t)mono_us() ^ (uint32_t)getpid();
	id = (uint16_t)(getpid() ^ (token >> 16));
	gap_us = o->rate > 0 ? 1000000 / o->rate : 0;
	/* Drain what an earlier run left on the kept raw socket. */
	while (raw && recv(fd, in, sizeof(in), MSG_DONTWAIT) > 0)
		;
	while (done < n) {
		int64_t		 wake;
		struct pollfd	 pf;
		ssize_t		 got;

		now = mono_us();
		while (active < conc && started < n) {
			sl[started].state = 1;
			sl[started].next_us = now;
			started++;
			active++;
		}
		wake = now + 1000000;
		for (size_t i = 0; i < started; i++) {
			struct slot		*s = &sl[i];
			struct icmp_host	*x = &h[i];

			if (s->state != 1)
				continue;
			if (x->sent < count && now >= s->next_us &&
			    (gap_us == 0 || now - last_send >= gap_us)) {
				uint16_t seq = (uint16_t)(i * (size_t)count +
				    (size_t)x->sent);

				memset(pkt, 0, sizeof(pkt));
				pkt[0] = ICMP_ECHO_T;
				put16(pkt + 4, id);
				put16(pkt + 6, seq);
				put32(pkt + 8, MAGIC);
				put32(pkt + 12, token);
				put32(pkt + 16, (uint32_t)i);
				put16(pkt + 20, (uint16_t)x->sent);
				put16(pkt + 2, cksum(pkt, sizeof(pkt)));
				sent_us[i * (size_t)count + (size_t)x->sent] = now;
				if (sendto(fd, pkt, sizeof(pkt), 0,
				    (struct sockaddr *)&x->addr,
				    sizeof(x->addr)) == -1 && errno != EAGAIN)
					snprintf(x->why, sizeof(x->why),
					    "send: %s", strerror(errno));
				x->sent++;
				last_send = now;
				s->next_us = now + o->interval_ms * 1000;
				if (x->sent == count)
					s->deadline_us = now +
					    o->timeout_ms * 1000;
			}
			if (x->sent == count && (x->received == count ||
			    now >= s->deadline_us)) {
				s->state = 2;
				active--;
				done++;
				continue;
			}
			if (x->sent < count) {
				int64_t t = s->next_us;

				if (gap_us > 0 && last_send + gap_us > t)
					t = last_send + gap_us;
				if (t < wake)
					wake = t;
			} else if (s->deadline_us < wake)
				wake = s->deadline_us;
		}
		if (done == n)
			break;
		if (active < conc && started < n)
			wake = now;
		pf.fd = fd;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, wake > now ? (int)((wake - now + 999) / 1000) :
		    0) == -1 && errno != EINTR) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			goto out;
		}
		for (;;) {
			struct sockaddr_in	from;
			socklen_t		fl = sizeof(from);
			struct icmp_reply	r;

			got = recvfrom(fd, in, sizeof(in), MSG_DONTWAIT,
			    (struct sockaddr *)&from, &fl);
			if (got <= 0)
				break;
			if (icmp_reply_parse(in, (size_t)got, raw, &r) != 0)
				continue;
			if (!raw)
				r.src = from.sin_addr.s_addr;
			on_reply(h, n, sl, sent_us, count, token, id, raw, &r,
			    mono_us());
		}
	}
	rc = 0;
out:
	if (fd != -1 && !raw)
		close(fd);
	free(sl);
	free(sent_us);
	return rc;
}
