/*
 * Who may talk to the collector, and the routes they may call.
 *
 *   access.c        the route tables (admin and agent), authentication
 *                   (SO_PEERCRED on the socket, API tokens, the console's
 *                   session), scope, the audit row; the admin routes
 *                   tokens, apitokens, agents/revoke, agents/unrevoke, audit
 *   enroll.c        POST /api/v1/enroll, POST /api/v1/renew, GET /api/v1/ca
 *                   on the agent port: the collector's CA signs CSRs
 *   store_access.c  the tables (store_access.h)
 *   ratelimit.c     token buckets per client address (ratelimit.h)
 *
 * Tokens (enrollment and API) are 32 random bytes as 64 hex digits with a
 * prefix ("sbe_", "sbk_"); only their SHA-256 is stored.  A plain hash is
 * enough because the tokens are high-entropy: there is nothing to
 * brute-force that a salt or a slow hash would protect.
 *
 * Layering: access.c includes the headers of every handler module
 * (api.h, console.h, incident.h, asset.h); none of those includes this
 * header, so the request code has no include cycle.
 */
#ifndef SHAOBING_ACCESS_H
#define SHAOBING_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/api.h"

#define ACCESS_TOKEN_LEN	69	/* "sbe_" + 64 hex + NUL */
#define ACCESS_MACHINE_ID_MAX	64

/* ---- enrollment and admin access ---------------------------------- */

enum admin_via {
	ADMIN_VIA_SOCKET,	/* Unix socket: the peer's uid is the actor */
	ADMIN_VIA_HTTP,		/* loopback HTTP: API token required */
	ADMIN_VIA_HTTPS,	/* agent port: API token required */
};

struct access;

/*
 * Load the CA certificate (cc->ca) and, when readable, the CA key
 * (cc->enroll_ca_key): without the key enrollment and renewal answer 503
 * saying so.  NULL with err when the CA certificate cannot be read.
 */
struct access	*access_new(const struct collector_conf *cc, char *err,
		    size_t errlen);
/* Apply reloaded limits (and reread the CA files); -1 keeps the old. */
int		 access_reload(struct access *ac, const struct collector_conf *cc,
		    char *err, size_t errlen);
void		 access_free(struct access *ac);

/* The CA's SHA-256 fingerprint (hex), for enrollment tokens. */
const char	*access_ca_fingerprint(const struct access *ac);

/* Agent-port handlers of enroll.c (rows of the agent table). */
api_handler access_ca, access_enroll, access_renew;

/* ---- routes ---------------------------------------------------------- */

enum access_scope {
	SCOPE_READ,		/* a read token may call it (GET rows) */
	SCOPE_ADMIN,		/* changes: an admin token, the socket */
};

#define ROUTE_OPEN	0x01	/* no authentication (health) */
#define ROUTE_CONSOLE	0x02	/* reachable as /console/api/REST */
#define ROUTE_CERT	0x04	/* agent port: a client certificate */

#define ROUTE_ARG_MAX	64	/* bytes of one :param, NUL included */

/*
 * One row per method and path.  In path a segment ":name" matches any
 * non-empty segment (up to ROUTE_ARG_MAX - 1 bytes), ":id" only a
 * positive number (1 to 18 digits); they reach the handler as
 * rq->arg[0], arg[1] in order.
 */
struct route {
	enum api_method		 method;
	const char		*path;
	enum access_scope	 scope;
	unsigned		 flags;		/* ROUTE_* */
	api_handler		*fn;
};

extern const struct route access_admin_routes[];
extern const size_t access_admin_nroutes;
extern const struct route access_agent_routes[];
extern const size_t access_agent_nroutes;

/*
 * The row of t for method and path, with the :params copied into
 * args; NULL when none, *allow then being "GET", "POST", "GET, POST"
 * (the methods the path has: 405) or NULL (no such path: 404).
 */
const struct route *route_find(const struct route *t, size_t n,
	    enum api_method method, const char *path,
	    char args[2][ROUTE_ARG_MAX], const char **allow);

/*
 * Route rq (path, query set) through t without authentication: 404, 405
 * with rs->allow, or the handler's answer.  *row gets the row (NULL when
 * none).  Unit tests and fuzz targets call it directly.
 */
void	route_dispatch(struct api *api, const struct route *t, size_t n,
	    const struct api_request *rq, struct api_response *rs,
	    const struct route **row);

/* ---- middleware ------------------------------------------------------ */

/*
 * Every admin request: authenticate (socket: rq->actor is set by http.c
 * after SO_PEERCRED; http/https: "Authorization: Bearer sbk_..."), find
 * the route, check the token's scope against the row's, call it with
 * rq->actor set, and write the audit row.  401 without credentials, 403
 * for a read token on an admin row, 404, 405 with rs->allow.
 */
void	access_admin_handle(struct api *api, enum admin_via via,
	    const struct api_request *rq, struct api_response *rs);
/* Agent-port requests (rq->peer_cn set when the certificate verified). */
void	access_agent_handle(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
/* Admin routes without authentication (tests, fuzzing): route_dispatch(). */
void	api_admin_handle(struct api *api, const struct api_request *rq,
	    struct api_response *rs);

struct console_request;
struct console_response;
/*
 * /console/api/REST: the console's session, role and CSRF checks
 * (console_api_session()), then the admin row /api/v1/admin/REST if it
 * has ROUTE_CONSOLE, called with rq->actor "USER (console)"; audited.
 */
void	access_console_handle(struct api *api,
	    const struct console_request *rq, struct console_response *rs);

/* ---- tokens (enroll.c) ----------------------------------------------- */

/* Is s PREFIX followed by exactly 64 lower-case hex digits? */
int	access_token_shape_ok(const char *s, const char *prefix);

/*
 * GET apitokens' list: a new array in *out of {id, label, scope,
 * created, expires, last_used, revoked (UTC wire times or null),
 * created_by, state ("active", "expired" at now_ms, "revoked")}.  0 or
 * -1 with err.
 */
int	access_apitokens_json(struct store *st, int64_t now_ms, json_t **out,
	    char *err, size_t errlen);

#endif
