/*
 * Resolving and connecting with a deadline, for the checks that talk
 * over the connection afterwards (TLS, STARTTLS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "probes/ports/ports.h"
#include "probes/selfaddr.h"

int
net_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len, char *why, size_t whylen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 portstr[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		/* AI_ADDRCONFIG hides ::1 without a global v6 address; retry. */
		hints.ai_flags = 0;
		rc = getaddrinfo(host, portstr, &hints, &res);
	}
	if (rc != 0 || res == NULL) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host,
		    rc != 0 ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

void
net_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)(const void *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

int
net_connect(const struct sockaddr_storage *ss, socklen_t len,
    int64_t timeout_ms, enum port_state *state, char *why, size_t whylen)
{
	int		fd, e = 0;
	socklen_t	elen = sizeof(e);
	struct pollfd	pfd;
	int64_t		deadline = time_mono_ms() + timeout_ms;
	struct sockaddr_storage me;
	socklen_t	mlen = sizeof(me);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*state = PORT_ERROR;
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)ss, len) == -1) {
		if (errno != EINPROGRESS) {
			e = errno;
			goto fail;
		}
		if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
			selfaddr_add_sockaddr((struct sockaddr *)&me,
			    (const struct sockaddr *)ss);
		for (;;) {
			int64_t	left = deadline - time_mono_ms();
			int	r;

			if (left <= 0) {
				e = ETIMEDOUT;
				goto fail;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			r = poll(&pfd, 1, (int)left);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == 1)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			e = errno;
		if (e != 0)
			goto fail;
	} else if (getsockname(fd, (struct sockaddr *)&me, &mlen) == 0)
		selfaddr_add_sockaddr((struct sockaddr *)&me,
		    (const struct sockaddr *)ss);
	*state = PORT_OPEN;
	return fd;
fail:
	close(fd);
	switch (e) {
	case ECONNREFUSED:
		*state = PORT_CLOSED;
		snprintf(why, whylen, "connection refused (port closed)");
		break;
	case ETIMEDOUT:
		*state = PORT_FILTERED;
		snprintf(why, whylen, "no answer within %lld ms (filtered or "
		    "host down)", (long long)timeout_ms);
		break;
	case EHOSTUNREACH: case ENETUNREACH: case EHOSTDOWN: case ENETDOWN:
		*state = PORT_UNREACHABLE;
		snprintf(why, whylen, "unreachable: %s", strerror(e));
		break;
	default:
		*state = PORT_ERROR;
		snprintf(why, whylen, "connect: %s", strerror(e));
		break;
	}
	return -1;
}
