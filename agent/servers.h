/*
 * Which collector the uploader talks to: [agent] server is a list of
 * URLs (one or more); the agent uses the first, moves to the next on a
 * failure of the one in use, and tries the first again every
 * server_retry_primary while it is elsewhere.
 *
 * Every URL must be a collector of the same office: the same CA, the
 * same agent certificates and one database, so a batch resent to
 * another collector is stored once (the store keeps one row per
 * (agent, seq)) and the spool's acknowledgement (stored_through) means
 * the same whichever collector gave it.
 *
 * Pure logic on a monotonic clock given by the caller; the uploader
 * thread owns the struct and writes the log lines it returns.
 */
#ifndef SHAOBING_AGENT_SERVERS_H
#define SHAOBING_AGENT_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVERS_MAX	8
#define SERVERS_URL_MAX	256

struct servers {
	char	url[SERVERS_MAX][SERVERS_URL_MAX];
	size_t	n;
	size_t	cur;		/* index of the one in use */
	size_t	failed_round;	/* servers failed in a row since a success */
	int64_t	retry_primary_ms;
	int64_t	next_primary;	/* mono ms: try url[0] again (cur != 0) */
};

/*
 * Check a list "URL1, URL2, ..." (commas and/or spaces): 1..SERVERS_MAX
 * https:// URLs, no repeats.  0, or -1 with why naming the bad item.
 * Used as the [agent] server validator.
 */
int	servers_check(const char *list, char *why, size_t whylen);

/*
 * Fill s from list (which servers_check accepted); cur 0.  When old is
 * not NULL (a reload) and its current URL is still listed, stay on it.
 * 0 or -1 with why.
 */
int	servers_init(struct servers *s, const char *list, int64_t retry_primary_ms,
	    const struct servers *old, int64_t now_mono, char *why, size_t whylen);

/* The URL in use. */
const char	*servers_current(const struct servers *s);

/*
 * Does a failed request call for another collector?  Yes for no answer
 * at all (code -1: connection refused or reset, TLS handshake failure,
 * timeout) and for 5xx unless the collector asked us to come back later
 * (Retry-After): it is up but busy, and the others share its database.
 */
bool	servers_should_switch(long code, bool retry_after);

/*
 * The server in use failed (why: libcurl's reason or the HTTP status).
 * Moves to the next one and writes the log line about it into msg.
 * Returns 1 when the next one has not failed since the last success
 * (try it at once), 0 when every server has failed in this round (back
 * off before the next try; msg is then about that), -1 when there is
 * only one server (nothing to do, msg empty).
 */
int	servers_failed(struct servers *s, const char *why, int64_t now_mono,
	    char *msg, size_t msglen);

/* A request to the server in use succeeded. */
void	servers_ok(struct servers *s);

/*
 * Away from the first server for server_retry_primary: go back to it
 * (msg says so) and return 1; else 0.  Call before each request.
 */
int	servers_maybe_primary(struct servers *s, int64_t now_mono, char *msg,
	    size_t msglen);

#endif
