/*
 * Tables of collector/store_access.h: enrollment tokens, API tokens, the admin
 * audit, and the agents' machine-id and revocation.  Low-volume
 * statements (one per admin call or enrollment), so they are prepared
 * per call rather than kept.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/store_access.h"
#include "collector/store_priv.h"
#include "common/conf.h"

/*
 * agents.machine_id: /etc/machine-id of an enrolled machine, so a
 * reinstalled or renamed machine keeps its agent (and its history).
 * agents.revoked: when it was revoked (UTC ms), NULL while allowed.
 * admin_audit is the admin API's own trail (the incident trail is
 * separate and hash-chained).
 */
const char store_access_migration[] =
	"ALTER TABLE agents ADD COLUMN machine_id TEXT;"
	"ALTER TABLE agents ADD COLUMN revoked INTEGER;"
	"ALTER TABLE agents ADD COLUMN enrolled INTEGER;"
	"CREATE UNIQUE INDEX agents_machine ON agents(machine_id) "
	"  WHERE machine_id IS NOT NULL;"
	"CREATE TABLE enroll_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"		/* hex SHA-256 of the token */
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  uses_left INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL"
	");"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  scope TEXT NOT NULL CHECK (scope IN ('read', 'admin')),"
	"  label TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  last_used INTEGER,"
	"  revoked INTEGER"
	");"
	"CREATE TABLE admin_audit ("
	"  id INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  via TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  method TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  status INTEGER NOT NULL"
	");"
	"CREATE INDEX admin_audit_ts ON admin_audit(ts);";

/*
 * Migration 12: enroll_tokens.replace_name, the agent name a token may
 * hand to a new key (shaobing token create --replace NAME; NULL: none);
 * agents.cert_after (UTC ms, second-aligned): client certificates of the
 * agent whose notBefore is earlier are refused (the old key of a
 * replaced agent); api_tokens.expires (UTC ms; NULL: made before
 * expiry existed, never expires).
 */
const char store_access_replace_migration[] =
	"ALTER TABLE enroll_tokens ADD COLUMN replace_name TEXT;"
	"ALTER TABLE agents ADD COLUMN cert_after INTEGER;"
	"ALTER TABLE api_tokens ADD COLUMN expires INTEGER;";

static int
exec1(struct store *st, const char *sql, char *err, size_t errlen)
{
	if (db_exec(store_db(st), sql) != 0) {
		store_db_err(st, sql, err, errlen);
		return -1;
	}
	return 0;
}

static void
rollback(struct store *st)
{
	db_exec(store_db(st), "ROLLBACK");
}

/* Run s to completion (no rows wanted); -1 with err. */
static int
step_done(struct store *st, struct db_stmt *s, char *err, size_t errlen)
{
	if (db_step(s) != DB_DONE) {
		store_db_err(st, db_sql(s), err, errlen);
		return -1;
	}
	return 0;
}

int
store_enroll(struct store *st, const struct store_enroll_req *req,
    int (*sign)(void *, const char *, char *, size_t), void *arg,
    struct store_enroll_res *res, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1, r, in_tx = 0;
	int64_t		 uses, expires, revoked = 0;
	char		 replace[64];

	memset(res, 0, sizeof(*res));
	if (db_begin_write(store_db(st)) != 0) {
		store_db_err(st, "BEGIN", err, errlen);
		return -1;
	}
	in_tx = 1;
	if (store_prepare(st, "SELECT id, expires, uses_left, replace_name FROM "
	    "enroll_tokens WHERE hash = ?1", &s, err, errlen) == -1)
		goto out;
	db_bind_text(s, 1, req->token_hash, -1);
	if ((r = db_step(s)) != DB_ROW) {
		if (r != DB_DONE) {
			store_db_err(st, "enroll_tokens", err, errlen);
			goto out;
		}
		res->status = ENROLL_TOKEN_UNKNOWN;
		goto done;
	}
	res->token_id = db_column_int64(s, 0);
	expires = db_column_int64(s, 1);
	uses = db_column_int64(s, 2);
	snprintf(replace, sizeof(replace), "%s", db_column_null(s, 3) ? "" : db_column_text(s, 3));
	db_finalize(s);
	s = NULL;
	if (uses <= 0) {
		res->status = ENROLL_TOKEN_USED;
		goto done;
	}
	if (req->now_ms >= expires) {
		res->status = ENROLL_TOKEN_EXPIRED;
		goto done;
	}
	/* The machine's agent, if it enrolled before. */
	if (store_prepare(st, "SELECT id, name, last_seq, revoked FROM agents WHERE "
	    "machine_id = ?1", &s, err, errlen) == -1)
		goto out;
	db_bind_text(s, 1, req->machine_id, -1);
	if ((r = db_step(s)) == DB_ROW) {
		res->known = 1;
		res->agent_id = db_column_int64(s, 0);
		snprintf(res->name, sizeof(res->name), "%s",
		    db_column_text(s, 1));
		res->last_seq = (uint64_t)db_column_int64(s, 2);
		revoked = db_column_int64(s, 3);
	} else if (r != DB_DONE) {
		store_db_err(st, "agents", err, errlen);
		goto out;
	}
	db_finalize(s);
	s = NULL;
	if (!res->known) {
		/* A new machine: the name the token replaces, else the one
		   asked for; an existing agent's name only with a token made
		   to replace it. */
		snprintf(res->name, sizeof(res->name), "%s", replace[0] ?
		    replace : req->name);
		if (store_prepare(st, "SELECT id, last_seq, revoked FROM "
		    "agents WHERE name = ?1", &s, err, errlen) == -1)
			goto out;
		db_bind_text(s, 1, res->name, -1);
		if ((r = db_step(s)) == DB_ROW) {
			res->agent_id = db_column_int64(s, 0);
			res->last_seq = (uint64_t)db_column_int64(s, 1);
			revoked = db_column_int64(s, 2);
		} else if (r != DB_DONE) {
			store_db_err(st, "agents", err, errlen);
			goto out;
		}
		db_finalize(s);
		s = NULL;
	} else if (replace[0] && strcmp(replace, res->name) != 0) {
		/* This machine is another agent already. */
		res->status = ENROLL_NAME_TAKEN;
		goto done;
	}
	/* Knowing an agent's machine-id (no secret) or name gives nothing:
	   an existing agent gets a new key only when the token says so. */
	if (res->agent_id != 0 && strcmp(replace, res->name) != 0) {
		res->status = revoked != 0 ? ENROLL_REVOKED : ENROLL_NAME_TAKEN;
		goto done;
	}
	res->replaced = res->agent_id != 0;
	if (res->agent_id == 0) {
		if (store_prepare(st, "INSERT INTO agents (name, first_seen, last_seen, "
		    "machine_id, enrolled) VALUES (?1, ?2, ?2, ?3, ?2) RETURNING id", &s, err,
		    errlen) == -1)
			goto out;
		db_bind_text(s, 1, res->name, -1);
		db_bind_int64(s, 2, req->now_ms);
		db_bind_text(s, 3, req->machine_id, -1);
		if (store_step_id(st, s, "adding the agent", &res->agent_id,
		    err, errlen) != 1)
			goto out;
	} else {
		/* Replaced: the old key's certificates (notBefore, back-dated
		   like ours by skew_ms, before this second) stop working, and
		   a revocation of the old key is lifted from the name. */
		if (store_prepare(st, "UPDATE agents SET machine_id = ?2, "
		    "enrolled = ?3, cert_after = ?4, revoked = NULL WHERE id = ?1",
		    &s, err, errlen) == -1)
			goto out;
		db_bind_int64(s, 1, res->agent_id);
		db_bind_text(s, 2, req->machine_id, -1);
		db_bind_int64(s, 3, req->now_ms);
		db_bind_int64(s, 4, (req->now_ms - req->skew_ms) / 1000 *
		    1000);
		if (step_done(st, s, err, errlen) == -1)
			goto out;
	}
	db_finalize(s);
	s = NULL;
	if (store_prepare(st, "UPDATE enroll_tokens SET uses_left = uses_left - 1 "
	    "WHERE id = ?1", &s, err, errlen) == -1)
		goto out;
	db_bind_int64(s, 1, res->token_id);
	if (step_done(st, s, err, errlen) == -1)
		goto out;
	db_finalize(s);
	s = NULL;
	if (sign(arg, res->name, err, errlen) == -1) {
		res->status = ENROLL_SIGN_FAILED;
		rollback(st);
		in_tx = 0;
		rc = 0;
		goto out;
	}
	if (exec1(st, "COMMIT", err, errlen) == -1)
		goto out;
	in_tx = 0;
	res->status = ENROLL_OK;
	rc = 0;
	goto out;
done:
	/* A refusal: nothing was changed. */
	rc = 0;
out:
	db_finalize(s);
	if (in_tx)
		rollback(st);
	return rc;
}

int
store_enroll_token_add(struct store *st, const char *hash, int64_t now_ms,
    int64_t expires_ms, int uses, const char *by, const char *replace,
    int64_t *id, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO enroll_tokens (hash, created, expires, "
	    "uses_left, created_by, replace_name) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6) RETURNING id", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, hash, -1);
	db_bind_int64(s, 2, now_ms);
	db_bind_int64(s, 3, expires_ms);
	db_bind_int(s, 4, uses);
	db_bind_text(s, 5, by, -1);
	if (replace != NULL)
		db_bind_text(s, 6, replace, -1);
	if (store_step_id(st, s, "adding the token", id, err, errlen) != 1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int
store_agent_cert_after(struct store *st, const char *name, int64_t *after,
    char *err, size_t errlen)
{
	return store_query_ints(st, STMT_AGENT_CERT_AFTER,
	    "SELECT cert_after FROM agents WHERE name "
	    "= ?1", "agents", after, 1, err, errlen, "s", name) == -1 ? -1 : 0;
}

int
store_agent_access(struct store *st, const char *name, int64_t *revoked_ms,
    uint64_t *last_seq, char *err, size_t errlen)
{
	int64_t	v[2];
	int	n = store_query_ints(st, STMT_AGENT_ACCESS,
	    "SELECT revoked, last_seq FROM agents "
	    "WHERE name = ?1", "agents", v, 2, err, errlen, "s", name);

	*revoked_ms = v[0];
	*last_seq = (uint64_t)v[1];
	return n == -1 ? -1 : n == 0 ? 1 : 0;
}

/*
 * Set (now_ms > 0) or clear (now_ms 0) agents.revoked of the agent with id
 * (which all digits) or name.  0 done (name filled, *was_revoked says
 * whether it was revoked before), 1 unknown, -1 error.
 */
static int
agent_set_revoked(struct store *st, const char *which, int64_t now_ms,
    char *name, size_t namelen, int *was_revoked, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int64_t		 id = 0, v;
	int		 r, rc = -1;
	char		 why[64];

	*was_revoked = 0;
	if (parse_i64(which, 1, INT64_MAX, &v, why, sizeof(why)) == 0)
		id = v;
	if (store_prepare(st, id ? "SELECT id, name, revoked FROM agents WHERE id = ?1" :
	    "SELECT id, name, revoked FROM agents WHERE name = ?1", &s, err,
	    errlen) == -1)
		return -1;
	if (id)
		db_bind_int64(s, 1, id);
	else
		db_bind_text(s, 1, which, -1);
	if ((r = db_step(s)) == DB_DONE) {
		rc = 1;
		goto out;
	}
	if (r != DB_ROW) {
		store_db_err(st, "agents", err, errlen);
		goto out;
	}
	id = db_column_int64(s, 0);
	snprintf(name, namelen, "%s", db_column_text(s, 1));
	*was_revoked = !db_column_null(s, 2);
	db_finalize(s);
	s = NULL;
	/* Nothing to change: revoking keeps the first revocation's time. */
	if (*was_revoked == (now_ms != 0)) {
		rc = 0;
		goto out;
	}
	if (store_prepare(st, "UPDATE agents SET revoked = ?2 WHERE id = ?1", &s, err,
	    errlen) == -1)
		goto out;
	db_bind_int64(s, 1, id);
	if (now_ms != 0)
		db_bind_int64(s, 2, now_ms);
	else
		db_bind_null(s, 2);
	if (step_done(st, s, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int
store_agent_revoke(struct store *st, const char *which, int64_t now_ms,
    char *name, size_t namelen, int *already, char *err, size_t errlen)
{
	return agent_set_revoked(st, which, now_ms > 0 ? now_ms : 1, name,
	    namelen, already, err, errlen);
}

int
store_agent_unrevoke(struct store *st, const char *which, char *name,
    size_t namelen, int *was_revoked, char *err, size_t errlen)
{
	return agent_set_revoked(st, which, 0, name, namelen, was_revoked, err,
	    errlen);
}

int
store_apitoken_add(struct store *st, const char *hash, const char *scope,
    const char *label, int64_t now_ms, int64_t expires_ms, const char *by,
    int64_t *id, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO api_tokens (hash, scope, label, created, "
	    "created_by, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	    &s, err,
	    errlen) == -1)
		return -1;
	if (expires_ms != 0)
		db_bind_int64(s, 6, expires_ms);
	db_bind_text(s, 1, hash, -1);
	db_bind_text(s, 2, scope, -1);
	db_bind_text(s, 3, label, -1);
	db_bind_int64(s, 4, now_ms);
	db_bind_text(s, 5, by, -1);
	if (store_step_id(st, s, "adding the token", id, err, errlen) != 1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int
store_apitoken_check(struct store *st, const char *hash, int64_t now_ms,
    char *scope, size_t scopelen, int64_t *id, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 r, rc = -1;

	if (store_prepare(st, "SELECT id, scope FROM api_tokens WHERE hash = ?1 AND "
	    "revoked IS NULL AND (expires IS NULL OR expires > ?2)", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_text(s, 1, hash, -1);
	db_bind_int64(s, 2, now_ms);
	if ((r = db_step(s)) == DB_DONE) {
		rc = 1;
		goto out;
	}
	if (r != DB_ROW) {
		store_db_err(st, "api_tokens", err, errlen);
		goto out;
	}
	*id = db_column_int64(s, 0);
	snprintf(scope, scopelen, "%s", db_column_text(s, 1));
	db_finalize(s);
	s = NULL;
	if (store_prepare(st, "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", &s,
	    err, errlen) == -1)
		goto out;
	db_bind_int64(s, 1, *id);
	db_bind_int64(s, 2, now_ms);
	if (step_done(st, s, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

struct access_walk {
	store_apitoken_fn	 token_fn;
	store_audit_fn		 audit_fn;
	void			*arg;
};

static int
apitoken_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct access_walk	*w = arg;
	struct apitoken_row	 t = {
		.id = store_col_int(r, 0),
		.label = store_col_text(r, 1),
		.scope = store_col_text(r, 2),
		.created_ms = store_col_time(r, 3),
		.expires_ms = store_col_time(r, 4),
		.last_used_ms = store_col_time(r, 5),
		.revoked_ms = store_col_time(r, 6),
		.created_by = store_col_text(r, 7),
	};

	return w->token_fn(w->arg, &t, err, errlen) == -1 ? -1 : 0;
}

int
store_apitoken_list(struct store *st, store_apitoken_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct access_walk w = { .token_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT id, label, scope, created, "
	    "expires, last_used, revoked, created_by FROM api_tokens ORDER BY "
	    "id", "api_tokens", apitoken_row, &w, err, errlen, "") == -1 ?
	    -1 : 0;
}

int
store_apitoken_revoke(struct store *st, int64_t id, int64_t now_ms,
    int *already, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int64_t		 revoked;
	int		 rc = -1;

	*already = 0;
	if ((rc = store_query_ints(st, STORE_ONCE, "SELECT revoked IS NOT "
	    "NULL FROM api_tokens WHERE id = ?1", "api_tokens", &revoked, 1,
	    err, errlen, "I", id)) != 1)
		return rc == 0 ? 1 : -1;
	rc = -1;
	if ((*already = revoked != 0))
		return 0;
	if (store_prepare(st, "UPDATE api_tokens SET revoked = ?2 WHERE id = ?1",
	    &s, err, errlen) == -1)
		goto out;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, now_ms);
	if (step_done(st, s, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

int
store_audit_add(struct store *st, const struct store_audit *a, char *err,
    size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO admin_audit (ts, actor, via, peer, method, "
	    "path, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_int64(s, 1, a->ts_ms);
	db_bind_text(s, 2, a->actor, -1);
	db_bind_text(s, 3, a->via, -1);
	db_bind_text(s, 4, a->peer, -1);
	db_bind_text(s, 5, a->method, -1);
	db_bind_text(s, 6, a->path, -1);
	db_bind_int(s, 7, a->status);
	if (step_done(st, s, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

static int
audit_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct access_walk	*w = arg;
	struct store_audit	 a = {
		.ts_ms = store_col_int(r, 1),
		.actor = store_col_text(r, 2),
		.via = store_col_text(r, 3),
		.peer = store_col_text(r, 4),
		.method = store_col_text(r, 5),
		.path = store_col_text(r, 6),
		.status = (int)store_col_int(r, 7),
	};

	return w->audit_fn(w->arg, store_col_int(r, 0), &a, err, errlen) ==
	    -1 ? -1 : 0;
}

int
store_audit_list(struct store *st, int64_t after_id, int limit,
    store_audit_fn fn, void *arg, char *err, size_t errlen)
{
	struct access_walk w = { .audit_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT id, ts, actor, via, peer, "
	    "method, path, status FROM admin_audit WHERE id > ?1 ORDER BY id "
	    "LIMIT ?2", "admin_audit", audit_row, &w, err, errlen, "Ii",
	    after_id, limit) == -1 ? -1 : 0;
}
