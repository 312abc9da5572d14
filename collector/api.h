/*
 * Request handling of the collector, without sockets: http.c turns an
 * evhttp request into a struct api_request (path and query split once,
 * api_request_target()), hands it to the route tables of access.c, and
 * sends the struct api_response back.  Unit tests and the fuzz targets
 * call the same functions.  This header is the bottom layer of the
 * request code: the handler modules (api.c, enroll.c, incident_api.c,
 * asset_api.c, console.c) include it, and it includes none of them.
 *
 * Status codes and error bodies are part of the wire protocol agents and
 * scripts rely on: every error is a JSON object {"error":"what is wrong"}.
 */
#ifndef SHAOBING_API_H
#define SHAOBING_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/collector.h"
#include "collector/store.h"

#include <jansson.h>

struct incidents;

enum api_method {
	API_GET,
	API_POST,
	API_OTHER,	/* HEAD, PUT, DELETE, ...: 405 where the path exists */
};

struct access;
struct console;

struct api {
	struct store			*store;
	struct access			*access;	/* enrollment, admin auth */
	struct console			*console;	/* web console, or NULL */
	const struct collector_conf	*conf;	/* limits; swapped on reload */
	int64_t				(*now)(void);	/* time_now_ms in production */
	struct incidents		*incidents;	/* NULL: not running */
	uint64_t			 batches, events_new, rejected;
	uint64_t			 events_rejected; /* stored as rejected */
	/*
	 * Group commit (http.c): when set, api_events hands a decoded,
	 * checked batch of a request with rq->conn to defer(), which takes
	 * b over (zeroing it) and returns 0; the request is answered later
	 * (api_events_answer()), after the COMMIT of the batches that
	 * arrived with it.  -1: not taken, store it now.
	 */
	int				(*defer)(void *arg,
					    const struct api_request *rq,
					    struct event_batch *b, int64_t now);
	void				*defer_arg;
};

struct api_request {
	enum api_method		 method;
	const char		*uri;		/* path with optional ?query */
	const char		*content_encoding; /* NULL when absent */
	const char		*peer_cn;	/* verified client CN, NULL none */
	int64_t			 peer_not_before_ms; /* its certificate's
						   notBefore, UTC ms */
	const char		*peer;		/* "ADDR:PORT", for logs */
	const void		*body;
	size_t			 bodylen;
	const char		*authorization;	/* header, NULL when absent */
	const char		*actor;		/* authenticated caller ("root
						   (uid 0)", "apitoken:3", "ana
						   (console)"); NULL otherwise */
	const char		*path;		/* "/api/v1/..." without query */
	const char		*query;		/* after '?', "" when none */
	const char		*arg[2];	/* the :params of the route */
	void			*conn;		/* the server's request (http.c),
						   for api->defer; NULL none */
};

struct api_response {
	int		 status;
	char		*body;	/* JSON text, malloc'd; api_response_free() */
	const char	*allow;	/* 405: the path's methods ("GET, POST") */
	int		 retry_after;	/* > 0: a Retry-After header (s) */
};

/* rs->status of a request api->defer took: answered later. */
#define API_DEFERRED	(-1)

/*
 * The answer to POST /api/v1/events for batch b (peer names the sender
 * in logs) from what the store said: rc and err as store_insert_batch()
 * returned them, res when rc is 0.
 */
void	api_events_answer(struct api *api, const struct event_batch *b,
	    const char *peer, int rc, const struct store_batch_result *res,
	    const char *err, struct api_response *rs);

/* Retry-After of a 503 when the store cannot write (disk full, ...). */
#define API_STORE_RETRY_S	10

/*
 * The store could not write for a reason that may go away (STORE_RETRY):
 * 503 with Retry-After and {"error": ..., "store": cause}.
 */
void	api_reply_store_retry(struct api_response *rs, const char *what,
	    const char *cause);

/* A route's handler: rq->path, rq->query and rq->arg are set. */
typedef void api_handler(struct api *api, const struct api_request *rq,
	    struct api_response *rs);

struct evhttp_uri;

/*
 * rq->path and rq->query from the URI libevent parsed (http.c gives
 * evhttp_request_get_evhttp_uri(); tests evhttp_uri_parse()).  The
 * strings stay owned by u.
 */
void	api_request_target(struct api_request *rq, const struct evhttp_uri *u);

/* The one JSON reply: o (reference stolen) as the body; 500 on NULL. */
void	api_reply(struct api_response *rs, int status, json_t *o);
/*
 * The wire form of a UTC ms time from the store, a new JSON string
 * ("2025-03-01T08:00:00Z"); null for STORE_NO_TIME.
 */
json_t	*api_json_time(int64_t ms);
/* A new JSON string of t, or null when t is NULL. */
json_t	*api_json_text(const char *t);
/* Append v to arr, consuming it; -1 when v is NULL or out of memory. */
int	 api_append_new(json_t *arr, json_t *v);
/*
 * The admin API's agents list: a new array in *out of {id, name,
 * first_seen, last_seen (UTC wire times), last_seq, events, status,
 * degraded, revoked, revoked_at}.  0 or -1 with err.
 */
int	 api_agents_json(struct store *st, int64_t now_ms, double gap_factor,
	    json_t **out, char *err, size_t errlen);
/*
 * An agent's status: "revoked", else "down" when nothing arrived for
 * more than gap_factor heartbeat intervals, else "degraded" (it lost
 * spooled data: an open spool_corrupt incident), else "up".
 */
const char *api_agent_status(const struct agent_row *a, int64_t now_ms,
	    double gap_factor);
/*
 * The admin API's events page: a new array in *out of {id, agent, seq,
 * ts, received, type, severity, key, data} (+ "derived": true for a
 * derived event), *next as store_query_events().  0 or -1 with err.
 */
int	 api_events_json(struct store *st, const struct store_event_query *q,
	    json_t **out, int64_t *next, char *err, size_t errlen);
/* {"error": msg} */
void	api_reply_error(struct api_response *rs, int status, const char *msg);
void	api_response_free(struct api_response *rs);

struct evkeyvalq;

/*
 * The query string: only the names in names (NULL-terminated), each at
 * most once; vals[i] (when vals is not NULL) gets the value of names[i]
 * or NULL.  q (TAILQ_INIT'ed by the caller, evhttp_clear_headers() after)
 * keeps the decoded strings.  -1 with err naming the parameter.
 */
int	api_query(struct evkeyvalq *q, const char *query,
	    const char *const *names, const char **vals, char *err,
	    size_t errlen);

/*
 * The list routes' paging and search parameters (events, incidents):
 * until (UTC time, exclusive), q (free text, 1-100 bytes, no control
 * characters), before_id (a positive id) and order (asc or desc).
 */
struct api_page {
	int64_t		 until_ms;	/* 0 = none */
	const char	*text;		/* NULL = none */
	int64_t		 before_id;	/* 0 = none */
	int		 desc;
};
#define API_PAGE_NAMES	"until", "q", "before_id", "order"
#define API_PAGE_TEXT_MAX	100
/* 1 when key is one of API_PAGE_NAMES (parsed into pg), 0 when it is not,
   -1 with err naming the parameter and what it expects. */
int	api_page_param(const char *key, const char *value, struct api_page *pg,
	    char *err, size_t errlen);

/* A JSON object body (at most 64 KiB, depth 2); NULL having answered. */
json_t	*api_body_object(const struct api_request *rq, struct api_response *rs);
/* A string member of at most max bytes, or NULL with msg ("" when absent
   and not required). */
const char *api_member(json_t *o, const char *name, size_t max, int required,
	    char *msg, size_t msglen);
/* Only the members in names (NULL-terminated); -1 with msg. */
int	api_members_only(json_t *o, const char *const *names, char *msg,
	    size_t msglen);
/* One admin_audit row (a failure is logged). */
void	api_audit(struct api *api, const char *actor, const char *via,
	    const struct api_request *rq, const char *what, int status);

/* Agent handlers (api.c), rows of access.c's agent table. */
api_handler api_health, api_events, api_heartbeat;
/* Admin handlers (api.c), rows of access.c's admin table. */
api_handler api_agents, api_event_list, api_uptime, api_indicators;

/*
 * Is the agent named by a verified certificate still allowed?  0 yes;
 * -1 having answered 403 (revoked) or 500.
 */
int	api_agent_allowed(struct api *api, const struct api_request *rq,
	    const char *agent, struct api_response *rs);

/*
 * Inflate a gzip body (RFC 1952, several members allowed) into a new
 * NUL-terminated buffer of at most cap bytes.  0; -1 malformed; -2 larger
 * than cap.  err says which.
 */
int	body_gunzip(const void *in, size_t inlen, size_t cap, char **out,
	    size_t *outlen, char *err, size_t errlen);

#endif
