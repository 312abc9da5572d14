/*
 * ICMP echo (RFC 792) to many IPv4 hosts at once from one socket:
 * round-trip min/avg/max and loss per host.
 *
 * The socket is an unprivileged ICMP socket (SOCK_DGRAM, IPPROTO_ICMP)
 * when net.ipv4.ping_group_range lets us, else a raw socket that
 * icmp_prepare() opened as root before the privilege drop and keeps
 * for the life of the process (like the capture handles).
 */
#ifndef SHAOBING_CHECK_ICMP_H
#define SHAOBING_CHECK_ICMP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct icmp_opts {
	int	count;		/* echo requests per host */
	int64_t	interval_ms;	/* between requests to one host */
	int64_t	timeout_ms;	/* wait for the last reply */
	size_t	concurrency;	/* hosts in flight at once */
	int64_t	rate;		/* requests per second, all hosts; 0: no cap */
};

struct icmp_host {
	struct sockaddr_in addr;
	/* results */
	int	sent, received;
	int64_t	min_us, max_us, sum_us;
	char	why[128];	/* send error, if any */
};

/* An echo reply as read from the socket. */
struct icmp_reply {
	uint32_t	src;		/* network order; 0 on a DGRAM socket */
	uint16_t	id, seq;
	uint32_t	token;		/* from our payload */
	uint32_t	host;		/* host index from our payload */
	uint16_t	k;		/* request number from our payload */
};

/*
 * Parse one datagram: with_ip 1 for a raw socket (IPv4 header first),
 * 0 for a DGRAM socket (ICMP header first).  0: an echo reply carrying
 * our payload; -1 truncated; -2 something else (not a reply, not ours,
 * bad header length).
 */
int	icmp_reply_parse(const uint8_t *p, size_t len, int with_ip,
	    struct icmp_reply *r);

/*
 * As root, before the privilege drop: when unprivileged ICMP sockets are
 * not allowed, open the raw socket now and keep it.  0, or -1 with why
 * (then ICMP checks will fail with that reason).
 */
int	icmp_prepare(char *why, size_t whylen);

/* Ping the n hosts; 0, or -1 with why when no socket could be had. */
int	icmp_ping(struct icmp_host *h, size_t n, const struct icmp_opts *o,
	    char *why, size_t whylen);

#endif
