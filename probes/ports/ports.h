/*
 * Port checks: many non-blocking TCP connects at once with bounded
 * concurrency and a timeout each, optional banner grab; a UDP DNS query.
 *
 * Every socket's own (source, destination) pair goes into the selfaddr
 * allowlist (probes/selfaddr.h) so the packet detectors do not report
 * the agent's own checks as a scan.
 */
#ifndef SHAOBING_PORTS_H
#define SHAOBING_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum port_state {
	PORT_PENDING = 0,
	PORT_OPEN,		/* connect succeeded */
	PORT_CLOSED,		/* RST: ECONNREFUSED */
	PORT_FILTERED,		/* no answer within the timeout */
	PORT_UNREACHABLE,	/* ICMP unreachable / no route */
	PORT_ERROR,		/* local failure (no socket, ...) */
};

#define PORT_BANNER_MAX	160

struct port_job {
	/* in */
	struct sockaddr_storage	addr;		/* port filled in by ports_run */
	socklen_t		addrlen;
	uint16_t		port;
	int64_t			timeout_ms;	/* connect */
	int64_t			banner_ms;	/* 0: no banner grab */
	/* out */
	enum port_state		state;
	int64_t			connect_ms;	/* when OPEN */
	int			err;		/* errno when not OPEN */
	char			banner[PORT_BANNER_MAX]; /* printable, "" if none */
};

/* "open", "closed", "filtered", "unreachable", "error". */
const char	*port_state_name(enum port_state s);

/*
 * Run the jobs with at most concurrency sockets open at a time.  Every
 * job ends OPEN, CLOSED, FILTERED, UNREACHABLE or ERROR, each within its
 * timeout (+ banner_ms when open).  Returns the number of OPEN jobs.
 */
size_t	ports_run(struct port_job *jobs, size_t n, size_t concurrency);

/*
 * Make a banner fit to show: printable ASCII kept, other bytes as '.',
 * stops at the first line end after text, NUL-terminated in out.
 * Returns the length written.
 */
size_t	port_banner_clean(const uint8_t *p, size_t n, char *out, size_t outlen);

/* ---- plain connections (used by the TLS checks) --------------------- */

/*
 * Resolve host (name or literal) for port; the first address wins.
 * 0, or -1 with why ("cannot resolve 'x': Name or service not known").
 */
int	net_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
	    socklen_t *len, char *why, size_t whylen);
/*
 * Connect within timeout_ms; returns a connected, non-blocking socket
 * (recorded in selfaddr), or -1 with *state (CLOSED, FILTERED, ...) and
 * why filled.
 */
int	net_connect(const struct sockaddr_storage *ss, socklen_t len,
	    int64_t timeout_ms, enum port_state *state, char *why, size_t whylen);
/* "192.0.2.1" / "2001:db8::1" of ss into buf (INET6_ADDRSTRLEN). */
void	net_ntop(const struct sockaddr_storage *ss, char *buf, size_t len);

/* ---- DNS over UDP (RFC 1035) ---------------------------------------- */

struct dns_result {
	bool	answered;	/* a well-formed reply with our id came back */
	int	rcode;		/* RFC 1035 4.1.1 RCODE */
	int	ancount;
	int64_t	rtt_ms;
	char	why[128];	/* when !answered */
};

/*
 * Build a standard query (RD set) for name/qtype into buf.  Returns the
 * length, or -1 when the name is not a valid DNS name or buf is short.
 */
int	dns_query_build(uint16_t id, const char *name, uint16_t qtype,
	    uint8_t *buf, size_t buflen);
/*
 * Check a reply: header complete, QR set, our id, question section
 * well-formed.  0 with rcode/ancount filled; -1 with why.
 */
int	dns_reply_parse(const uint8_t *p, size_t n, uint16_t id,
	    struct dns_result *r);
/* Ask name (type A) at addr; one retry at half the timeout. */
void	dns_check(const struct sockaddr *addr, socklen_t addrlen,
	    const char *name, int64_t timeout_ms, struct dns_result *r);

#endif
