/*
 * The TCP connect engine: a poll() loop over at most `concurrency`
 * non-blocking sockets.  A job moves CONNECTING -> (BANNER) -> done; the
 * deadline of each phase is its own, so a filtered port ends at its
 * timeout whatever the others do.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rbuf.h"
#include "common/timeutil.h"
#include "probes/ports/ports.h"
#include "probes/selfaddr.h"

enum slot_phase { SLOT_FREE = 0, SLOT_CONNECTING, SLOT_BANNER };

struct slot {
	enum slot_phase	 phase;
	int		 fd;
	size_t		 job;
	int64_t		 started, deadline;
};

const char *
port_state_name(enum port_state s)
{
	switch (s) {
	case PORT_OPEN:		return "open";
	case PORT_CLOSED:	return "closed";
	case PORT_FILTERED:	return "filtered";
	case PORT_UNREACHABLE:	return "unreachable";
	case PORT_ERROR:	return "error";
	default:		return "pending";
	}
}

size_t
port_banner_clean(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	struct rbuf	b;
	size_t		o = 0;
	uint8_t		c;

	if (outlen == 0)
		return 0;
	rbuf_init(&b, p, n);
	while (o + 1 < outlen && rbuf_u8(&b, &c) == 0) {
		if (c == '\r' || c == '\n') {
			if (o > 0)
				break;
			continue;	/* leading blank lines */
		}
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

static void
remember_self(int fd, const struct sockaddr_storage *dst)
{
	struct sockaddr_storage	me;
	socklen_t		len = sizeof(me);

	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
		selfaddr_add_sockaddr((struct sockaddr *)&me,
		    (const struct sockaddr *)dst);
}

static enum port_state
state_from_errno(int e)
{
	switch (e) {
	case 0:			return PORT_OPEN;
	case ECONNREFUSED:	return PORT_CLOSED;
	case ETIMEDOUT:		return PORT_FILTERED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:		return PORT_UNREACHABLE;
	default:		return PORT_ERROR;
	}
}

static void
finish(struct slot *s, struct port_job *j, enum port_state st, int err)
{
	if (j->state == PORT_PENDING || st != PORT_OPEN)
		j->state = st;
	j->err = err;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->phase = SLOT_FREE;
}

/* Start job i in slot s; it may end at once (refused on loopback). */
static void
start(struct slot *s, struct port_job *jobs, size_t i, int64_t now)
{
	struct port_job	*j = &jobs[i];
	int		 fd;
	struct linger	 lg = { 1, 0 };

	s->job = i;
	s->fd = -1;
	s->started = now;
	s->deadline = now + j->timeout_ms;
	set_port(&j->addr, j->port);
	fd = socket(j->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1) {
		finish(s, j, PORT_ERROR, errno);
		return;
	}
	s->fd = fd;
	/*
	 * Close with RST: a thousand checks a run must not leave a thousand
	 * TIME_WAIT sockets behind on the agent (as nmap -sT does).
	 */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (struct sockaddr *)&j->addr, j->addrlen) == 0) {
		remember_self(fd, &j->addr);
		j->state = PORT_OPEN;
		j->connect_ms = time_mono_ms() - now;
		if (j->banner_ms > 0) {
			s->phase = SLOT_BANNER;
			s->deadline = time_mono_ms() + j->banner_ms;
		} else
			finish(s, j, PORT_OPEN, 0);
		return;
	}
	if (errno != EINPROGRESS) {
		int e = errno;

		finish(s, j, state_from_errno(e), e);
		return;
	}
	remember_self(fd, &j->addr);
	s->phase = SLOT_CONNECTING;
}

static void
on_ready(struct slot *s, struct port_job *j, short revents, int64_t now)
{
	if (s->phase == SLOT_CONNECTING) {
		int		e = 0;
		socklen_t	elen = sizeof(e);

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			e = errno;
		if (e != 0) {
			finish(s, j, state_from_errno(e), e);
			return;
		}
		j->state = PORT_OPEN;
		j->connect_ms = now - s->started;
		if (j->banner_ms <= 0) {
			finish(s, j, PORT_OPEN, 0);
			return;
		}
		s->phase = SLOT_BANNER;
		s->deadline = now + j->banner_ms;
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		uint8_t	buf[512];
		ssize_t	r = read(s->fd, buf, sizeof(buf));

		if (r > 0)
			port_banner_clean(buf, (size_t)r, j->banner,
			    sizeof(j->banner));
		finish(s, j, PORT_OPEN, 0);
	}
}

size_t
ports_run(struct port_job *jobs, size_t n, size_t concurrency)
{
	struct slot	*slots = NULL;
	struct pollfd	*pfd = NULL;
	size_t		 next = 0, active = 0, open = 0;

	if (concurrency == 0)
		concurrency = 1;
	if (concurrency > n)
		concurrency = n;
	for (size_t i = 0; i < n; i++) {
		jobs[i].state = PORT_PENDING;
		jobs[i].banner[0] = '\0';
		jobs[i].connect_ms = 0;
		jobs[i].err = 0;
	}
	if (n == 0)
		return 0;
	slots = calloc(concurrency, sizeof(*slots));
	pfd = calloc(concurrency, sizeof(*pfd));
	if (slots == NULL || pfd == NULL) {
		for (size_t i = 0; i < n; i++) {
			jobs[i].state = PORT_ERROR;
			jobs[i].err = ENOMEM;
		}
		goto out;
	}
	for (size_t k = 0; k < concurrency; k++)
		slots[k].fd = -1;

	for (;;) {
		int64_t	now = time_mono_ms(), wait = -1;
		size_t	np = 0;

		/* Fill free slots; a job that ends at once frees its slot again. */
		for (size_t k = 0; k < concurrency && next < n; k++)
			while (slots[k].phase == SLOT_FREE && next < n)
				start(&slots[k], jobs, next++, now);
		active = 0;
		for (size_t k = 0; k < concurrency; k++) {
			struct slot *s = &slots[k];

			if (s->phase == SLOT_FREE)
				continue;
			if (now >= s->deadline) {
				struct port_job *j = &jobs[s->job];

				/* Banner phase timing out is still an open port. */
				if (s->phase == SLOT_BANNER)
					finish(s, j, PORT_OPEN, 0);
				else
					finish(s, j, PORT_FILTERED, ETIMEDOUT);
				continue;
			}
			active++;
			pfd[np].fd = s->fd;
			pfd[np].events = s->phase == SLOT_CONNECTING ? POLLOUT : POLLIN;
			pfd[np].revents = 0;
			np++;
			if (wait == -1 || s->deadline - now < wait)
				wait = s->deadline - now;
		}
		if (active == 0) {
			if (next >= n)
				break;
			continue;
		}
		if (poll(pfd, np, (int)(wait > 1000 ? 1000 : wait)) == -1 &&
		    errno != EINTR)
			break;
		now = time_mono_ms();
		np = 0;
		for (size_t k = 0; k < concurrency; k++) {
			struct slot *s = &slots[k];

			if (s->phase == SLOT_FREE)
				continue;
			if (pfd[np].revents != 0)
				on_ready(s, &jobs[s->job], pfd[np].revents, now);
			np++;
		}
	}
out:
	if (slots != NULL)
		for (size_t k = 0; k < concurrency; k++)
			if (slots[k].fd != -1)
				close(slots[k].fd);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state == PORT_PENDING)
			jobs[i].state = PORT_ERROR;
		if (jobs[i].state == PORT_OPEN)
			open++;
	}
	free(slots);
	free(pfd);
	return open;
}
