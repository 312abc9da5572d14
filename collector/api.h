/*
 * Request handling of the collector, without sockets: http.c turns an
 * evhttp request into a struct api_request, calls api_agent_handle() or
 * api_admin_handle(), and sends the struct api_response back.  Unit tests
 * and the fuzz target call the same functions.
 *
 * Status codes and error bodies are fixed by the wire protocol
 * (notes/wire.md): errors are {"error":"..."}.
 */
#ifndef SHAOBING_API_H
#define SHAOBING_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/collector.h"
#include "collector/store.h"

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
};

struct api_request {
	enum api_method		 method;
	const char		*uri;		/* path with optional ?query */
	const char		*content_encoding; /* NULL when absent */
	const char		*peer_cn;	/* verified client CN, NULL none */
	const char		*peer;		/* "ADDR:PORT", for logs */
	const void		*body;
	size_t			 bodylen;
	const char		*authorization;	/* header, NULL when absent */
	const char		*actor;		/* socket caller ("root (uid 0)"),
						   NULL otherwise */
};

struct api_response {
	int	 status;
	char	*body;		/* JSON text, malloc'd; api_response_free() */
};

/* Agent endpoint (HTTPS): /api/v1/events, /api/v1/heartbeat, /api/v1/health. */
void	api_agent_handle(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
/* Admin endpoint (loopback HTTP): /api/v1/admin/..., /api/v1/health. */
void	api_admin_handle(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
void	api_response_free(struct api_response *rs);
/* Answer with o (consumed; 500 when it cannot be encoded), or {"error"}. */
void	api_respond_json(struct api_response *rs, int status, json_t *o);
void	api_respond_error(struct api_response *rs, int status,
	    const char *msg);
/*
 * /api/v1/admin/report/values (collector/report_api.c): GET ?year=Y the
 * office's entered values; POST {"year", "project", "indicator",
 * "value", "note"} sets one (`shaobing report set`).
 */
void	report_api_values(struct api *api, const struct api_request *rq,
	    const char *query, struct api_response *rs);

/*
 * Inflate a gzip body (RFC 1952, several members allowed) into a new
 * NUL-terminated buffer of at most cap bytes.  0; -1 malformed; -2 larger
 * than cap.  err says which.
 */
int	body_gunzip(const void *in, size_t inlen, size_t cap, char **out,
	    size_t *outlen, char *err, size_t errlen);

#endif
