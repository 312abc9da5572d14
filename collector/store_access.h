/*
 * The access tables (store_access.c): enrollment tokens, API tokens, the
 * admin audit table, agents.machine_id and revoked.  See access.h for
 * what they serve.
 */
#ifndef SHAOBING_STORE_ACCESS_H
#define SHAOBING_STORE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/store.h"

/* The migration that adds the access tables (store.c lists it). */
extern const char store_access_migration[];
/* Migration 12: token replace_name, agents.cert_after, API token
   expiry. */
extern const char store_access_replace_migration[];

/* ---- store ---------------------------------------------------------- */

enum store_enroll_status {
	ENROLL_OK,
	ENROLL_TOKEN_UNKNOWN,
	ENROLL_TOKEN_EXPIRED,
	ENROLL_TOKEN_USED,
	ENROLL_REVOKED,		/* the machine's agent is revoked */
	ENROLL_NAME_TAKEN,	/* an existing agent's name (or this machine
				   is another agent) and the token does not
				   replace it */
	ENROLL_SIGN_FAILED,	/* the sign callback said no */
};

struct store_enroll_req {
	const char	*token_hash;	/* hex SHA-256 of the token */
	const char	*machine_id;	/* 32 hex digits */
	const char	*name;		/* wanted name (valid agent name) */
	int64_t		 now_ms;
	int64_t		 skew_ms;	/* how far certificates' notBefore
					   is back-dated */
};

struct store_enroll_res {
	enum store_enroll_status status;
	char		 name[64];	/* the agent's name (kept when known) */
	int64_t		 agent_id;
	int64_t		 token_id;
	uint64_t	 last_seq;
	int		 known;		/* the machine had enrolled before */
	int		 replaced;	/* an existing agent got a new key */
};

/*
 * Enroll a machine in one transaction: check the token (known, not
 * expired, uses left), pick the name (the existing agent's when the
 * machine-id is known, else the token's replace name, else req->name),
 * refuse an existing agent's name unless the token was made to replace
 * that agent (ENROLL_NAME_TAKEN: the machine-id is no secret and gives
 * nothing), create the agent row, or on a replacement give the row the
 * new machine and set cert_after so the old key's certificates stop
 * working, use up one use of the token,
 * then call sign(arg, name) — its failure (-1, err filled) rolls all of
 * it back (status ENROLL_SIGN_FAILED).  0 with res->status (only
 * ENROLL_OK changed anything); -1 with err on a store error.
 */
int	store_enroll(struct store *st, const struct store_enroll_req *req,
	    int (*sign)(void *arg, const char *name, char *err, size_t errlen),
	    void *arg, struct store_enroll_res *res, char *err, size_t errlen);

/* replace: the agent name the token may hand to a new key, or NULL. */
int	store_enroll_token_add(struct store *st, const char *hash,
	    int64_t now_ms, int64_t expires_ms, int uses, const char *by,
	    const char *replace, int64_t *id, char *err, size_t errlen);
/* agents.cert_after of name (0 none or unknown agent); -1 error. */
int	store_agent_cert_after(struct store *st, const char *name,
	    int64_t *after, char *err, size_t errlen);

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

/* expires_ms 0: never (tests; tokens from before expiry existed). */
int	store_apitoken_add(struct store *st, const char *hash,
	    const char *scope, const char *label, int64_t now_ms,
	    int64_t expires_ms, const char *by, int64_t *id, char *err,
	    size_t errlen);
/* An API token as listed (never its hash); texts valid during the call. */
struct apitoken_row {
	int64_t		 id;
	const char	*label;
	const char	*scope;		/* "read" or "admin" */
	int64_t		 created_ms;
	int64_t		 expires_ms;	/* STORE_NO_TIME: never */
	int64_t		 last_used_ms;	/* STORE_NO_TIME: never used */
	int64_t		 revoked_ms;	/* STORE_NO_TIME: not revoked */
	const char	*created_by;
};
typedef int (*store_apitoken_fn)(void *arg, const struct apitoken_row *t,
    char *err, size_t errlen);
/* fn for every API token, oldest first (0, or -1 to stop).  0 or -1. */
int	store_apitoken_list(struct store *st, store_apitoken_fn fn, void *arg,
	    char *err, size_t errlen);
/* Revoke token id: 0 done (*already when it was), 1 unknown, -1 error. */
int	store_apitoken_revoke(struct store *st, int64_t id, int64_t now_ms,
	    int *already, char *err, size_t errlen);
/*
 * The scope ("read" or "admin") of a live (not revoked, not expired)
 * API token into scope (>= 8
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
/* One audit row (its id beside); texts valid during the call. */
typedef int (*store_audit_fn)(void *arg, int64_t id,
    const struct store_audit *a, char *err, size_t errlen);
/* fn for the audit rows with id > after_id, oldest first, at most limit. */
int	store_audit_list(struct store *st, int64_t after_id, int limit,
	    store_audit_fn fn, void *arg, char *err, size_t errlen);

#endif
