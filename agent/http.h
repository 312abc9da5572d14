/*
 * The agent's HTTPS client to the collector: one request on a libcurl
 * easy handle, JSON in and out.  Used by enrollment (the CA fetch and
 * POST /api/v1/enroll, before the agent has a certificate) and by the
 * uploader (events, heartbeats, certificate renewal, with the agent's
 * certificate).  TLS 1.2 or newer; the only trust anchor is the CA given
 * here (never the system bundle).
 */
#ifndef SHAOBING_AGENT_HTTP_H
#define SHAOBING_AGENT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#define AGENT_HTTP_ANSWER_MAX	(256 * 1024)

struct agent_http_req {
	const char	*server;	/* "https://host:port" */
	const char	*path;		/* "/api/v1/events" */
	/* PEM.  ca NULL: no verification at all, only for fetching the
	   CA, which the caller then checks by its fingerprint. */
	const char	*ca, *cert, *key;	/* cert, key NULL: none */
	size_t		 ca_len, cert_len, key_len;
	const char	*body;		/* NULL: GET; else POST this JSON */
	size_t		 body_len;
	bool		 gzipped;	/* body is gzip'd (Content-Encoding) */
	long		 connect_timeout_ms, timeout_ms;
};

/* What came back, cut at AGENT_HTTP_ANSWER_MAX - 1 bytes (NUL-ended). */
struct agent_http_answer {
	char	buf[AGENT_HTTP_ANSWER_MAX];
	size_t	len;
	bool	too_big;	/* more came and was dropped */
	long	retry_after;	/* Retry-After in seconds, 0 when none */
};

/*
 * Send rq on h (a handle kept between calls, so the connection is
 * reused) or on a handle of its own when h is NULL.  The HTTP status
 * with *a filled, or -1 with err (libcurl's reason) when no answer came.
 */
long	agent_http_call(CURL *h, const struct agent_http_req *rq,
	    struct agent_http_answer *a, char *err, size_t errlen);

/* The "error" member of a JSON answer, for logs; never NULL. */
const char *agent_http_reason(const struct agent_http_answer *a, char *tmp,
	    size_t tmplen);

#endif
