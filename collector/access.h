/*
 * Who may talk to the collector: agent enrollment (one-time tokens →
 * certificates from the collector's CA), certificate renewal, agent
 * revocation, API tokens for the admin API, and the admin audit table.
 *
 *   store_access.c  the tables (enroll_tokens, api_tokens, admin_audit,
 *                   agents.machine_id / revoked) behind the functions below
 *   enroll.c        POST /api/v1/enroll, POST /api/v1/renew, GET /api/v1/ca
 *                   on the agent port; admin authentication + audit and the
 *                   admin routes tokens, apitokens, agents/revoke,
 *                   agents/unrevoke, audit
 *   ratelimit.c     token buckets per client address
 *
 * Tokens (enrollment and API) are 32 random bytes as 64 hex digits with a
 * prefix ("sbe_", "sbk_"); only their SHA-256 is stored.  A plain hash is
 * enough because the tokens are high-entropy: there is nothing to
 * brute-force that a salt or a slow hash would protect.
 */
#ifndef SHAOBING_ACCESS_H
#define SHAOBING_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/api.h"
#include "collector/store.h"

#define ACCESS_TOKEN_LEN	69	/* "sbe_" + 64 hex + NUL */
#define ACCESS_MACHINE_ID_MAX	64

/* The migration that adds the access tables (store.c lists it). */
extern const char store_access_migration[];

/* ---- store ---------------------------------------------------------- */

enum store_enroll_status {
	ENROLL_OK,
	ENROLL_TOKEN_UNKNOWN,
	ENROLL_TOKEN_EXPIRED,
	ENROLL_TOKEN_USED,
	ENROLL_REVOKED,		/* the machine's agent is revoked */
	ENROLL_NAME_TAKEN,	/* another machine has the name */
	ENROLL_SIGN_FAILED,	/* the sign callback said no */
};

struct store_enroll_req {
	const char	*token_hash;	/* hex SHA-256 of the token */
	const char	*machine_id;	/* 32 hex digits */
	const char	*name;		/* wanted name (valid agent name) */
	int64_t		 now_ms;
};

struct store_enroll_res {
	enum store_enroll_status status;
	char		 name[64];	/* the agent's name (kept when known) */
	int64_t		 agent_id;
	int64_t		 token_id;
	uint64_t	 last_seq;
	int		 known;		/* the machine had enrolled before */
};

/*
 * Enroll a machine in one transaction: check the token (known, not
 * expired, uses left), pick the name (the existing agent's when the
 * machine-id is known, else req->name, which must not belong to another
 * machine), create or update the agent row, use up one use of the token,
 * then call sign(arg, name) — its failure (-1, err filled) rolls all of
 * it back (status ENROLL_SIGN_FAILED).  0 with res->status (only
 * ENROLL_OK changed anything); -1 with err on a store error.
 */
int	store_enroll(struct store *st, const struct store_enroll_req *req,
	    int (*sign)(void *arg, const char *name, char *err, size_t errlen),
	    void *arg, struct store_enroll_res *res, char *err, size_t errlen);

int	store_enroll_token_add(struct store *st, const char *hash,
	    int64_t now_ms, int64_t expires_ms, int uses, const char *by,
	    int64_t *id, char *err, size_t errlen);

/*
 * An agent's state by name: 0 known (revoked_ms 0 when not revoked),
 * 1 unknown, -1 error.
 */
int	store_agent_access(struct store *st, const char *name,
	    int64_t *revoked_ms, uint64_t *last_seq, char *err, size_t errlen);

/*
 * Revoke the agent with id (when which is all digits) or name.  0 done
 * (name filled, *already set when it was revoked before), 1 unknown, -1.
 */
int	store_agent_revoke(struct store *st, const char *which, int64_t now_ms,
	    char *name, size_t namelen, int *already, char *err, size_t errlen);
/*
 * Undo store_agent_revoke(): the agent's certificate is accepted again.
 * 0 done (name filled, *was_revoked 0 when it was not revoked), 1
 * unknown, -1 error.
 */
int	store_agent_unrevoke(struct store *st, const char *which, char *name,
	    size_t namelen, int *was_revoked, char *err, size_t errlen);

int	store_apitoken_add(struct store *st, const char *hash,
	    const char *scope, const char *label, int64_t now_ms,
	    const char *by, int64_t *id, char *err, size_t errlen);
/*
 * The scope ("read" or "admin") of a live API token into scope (>= 8
 * bytes) and its id; last_used is updated.  0, 1 unknown, -1 error.
 */
int	store_apitoken_check(struct store *st, const char *hash,
	    int64_t now_ms, char *scope, size_t scopelen, int64_t *id,
	    char *err, size_t errlen);

struct store_audit {
	int64_t		 ts_ms;
	const char	*actor;		/* "root (uid 0)", "token:3", ... */
	const char	*via;		/* socket, https, http, enroll */
	const char	*peer;		/* address or "pid N" */
	const char	*method;
	const char	*path;
	int		 status;
};

int	store_audit_add(struct store *st, const struct store_audit *a,
	    char *err, size_t errlen);
/* Newest-last audit rows with id > after_id, at most limit. */
int	store_audit_list(struct store *st, int64_t after_id, int limit,
	    json_t **out, char *err, size_t errlen);

/* ---- rate limits ------------------------------------------------------ */

struct ratelimit;

/*
 * Token buckets keyed by client address: rate per second, burst
 * capacity.  A fixed table of slots (the least recently refilled one is
 * reused), so a flood of addresses costs no memory beyond it.
 */
struct ratelimit *ratelimit_new(double rate, double burst, size_t slots);
void		  ratelimit_set(struct ratelimit *rl, double rate, double burst);
/* 1 allowed (a token taken), 0 over the limit. */
int		  ratelimit_take(struct ratelimit *rl, const char *key,
		    int64_t now_ms);
void		  ratelimit_free(struct ratelimit *rl);

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

/*
 * Agent-port paths of this module (/api/v1/ca, /api/v1/enroll,
 * /api/v1/renew): 1 handled (rs filled), 0 not ours.
 */
int	access_agent_handle(struct api *api, const char *path,
	    const struct api_request *rq, struct api_response *rs);

/*
 * Is the agent named by a verified certificate still allowed?  0 yes;
 * -1 having answered 403 (revoked) or 500.
 */
int	access_agent_allowed(struct api *api, const struct api_request *rq,
	    const char *agent, struct api_response *rs);

/*
 * Every admin request: authenticate (socket: rq->actor is set by http.c
 * after SO_PEERCRED; http/https: "Authorization: Bearer sbk_..." with
 * scope read for GET, admin for anything else), run the module's own
 * routes or api_admin_handle(), and write the audit row.  401 without
 * credentials, 403 for a read token asking to change something.
 */
void	access_admin_handle(struct api *api, enum admin_via via,
	    const struct api_request *rq, struct api_response *rs);

#endif
