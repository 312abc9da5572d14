/*
 * The uploader: sends spooled events to the collector in seq order and
 * deletes what the collector acknowledged; sends the heartbeat.
 *
 * It runs in a thread of its own with its own spool connection and a
 * blocking libcurl easy handle.  Why not curl-multi on the event loop:
 * an upload is a gzip pass plus a synchronous=FULL delete, and a TLS
 * handshake to a slow collector; none of that may delay packet-capture
 * callbacks on the loop, and a thread with one blocking handle is
 * simpler to reason about for "finish the batch in flight, then stop".
 * The loop and the thread share only a mutex-protected kick flag, stop
 * flag and configuration copy.
 */
#ifndef SHAOBING_AGENT_UPLOAD_H
#define SHAOBING_AGENT_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"

struct uploader;

/*
 * The collector CA, our certificate and key, read into memory as root
 * before privileges are dropped (the key may be readable by root only).
 */
struct upload_creds {
	char	*ca, *cert, *key;
	size_t	 ca_len, cert_len, key_len;
};

/* Read the three files named by ac.  0, or -1 with err naming the file. */
int	upload_creds_load(struct upload_creds *cr, const struct agent_conf *ac,
	    char *err, size_t errlen);
void	upload_creds_free(struct upload_creds *cr);

/*
 * Start the thread; it opens its own connection to the spool at
 * ac->spool.  cr is taken over (zeroed).  boot_ms is sent with heartbeats.
 */
struct uploader	*uploader_start(const struct agent_conf *ac,
		    struct upload_creds *cr, int64_t boot_ms, char *err,
		    size_t errlen);
/* New events are in the spool: upload within upload_interval. */
void	uploader_kick(struct uploader *u);
/* New settings (SIGHUP); cr taken over when not NULL. */
void	uploader_reconfigure(struct uploader *u, const struct agent_conf *ac,
	    struct upload_creds *cr);
/* Finish the batch in flight, stop the thread, free.  Accepts NULL. */
void	uploader_stop(struct uploader *u);

/*
 * Build the body of POST /api/v1/events from a batch, gzip'd (RFC 1952).
 * Exposed for tests.  0 or -1.
 */
int	upload_gzip(const char *in, size_t inlen, char **out, size_t *outlen);

/*
 * Backoff before retry number n (1, 2, ...): base * 2^(n-1), capped at
 * max_ms, with jitter in [d/2, d].  r is a random value (tests pass a
 * fixed one).
 */
int64_t	upload_backoff_ms(unsigned n, int64_t base_ms, int64_t max_ms,
	    uint32_t r);

#endif
