/*
 * The incident tables: folding, lifecycle changes with their hash-chained
 * trail, listings for the admin API, and the record of every notification
 * sent.  See incident.h for the contract.  Other modules read the
 * incidents table (indicators, the export): its columns are the contract
 * with them, so they change only by a new migration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/incident_priv.h"
#include "collector/store_priv.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/timeutil.h"

/*
 * Migration 2: the incident tables.  It has shipped: never edit it, append
 * a migration instead.  incidents.level is 1 (I 特别重大) .. 4 (IV 一般),
 * status one of the names of common/taxonomy.h; incident_trail is the
 * hash-chained record of every change; notifications records each send.
 */
const char store_incidents_migration[] =
	"CREATE TABLE incidents ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  subcategory TEXT NOT NULL DEFAULT '',"
	"  level INTEGER NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  agent_id INTEGER REFERENCES agents(id),"
	"  asset TEXT NOT NULL DEFAULT '',"
	"  title TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  notified INTEGER,"
	"  acknowledged INTEGER,"
	"  resolved INTEGER,"
	"  report_deadline INTEGER"
	");"
	"CREATE TABLE incident_events (incident_id INTEGER NOT NULL, "
	"  event_id INTEGER NOT NULL, PRIMARY KEY (incident_id, event_id));"
	"CREATE TABLE incident_trail (id INTEGER PRIMARY KEY, "
	"  incident_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
	"  actor TEXT NOT NULL, source TEXT NOT NULL, action TEXT NOT NULL, "
	"  from_status TEXT, to_status TEXT,"
	"  note TEXT NOT NULL DEFAULT '', prev_hash TEXT NOT NULL, "
	"  hash TEXT NOT NULL);"
	"CREATE TABLE notifications (id INTEGER PRIMARY KEY, incident_id INTEGER, "
	"  channel TEXT NOT NULL, ts INTEGER NOT NULL,"
	"  ok INTEGER NOT NULL, attempt INTEGER NOT NULL, "
	"  digest INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX incidents_first_seen ON incidents(first_seen);"
	"CREATE INDEX incidents_status_category ON incidents(status, category);"
	"CREATE INDEX incidents_agent ON incidents(agent_id, first_seen);";

/*
 * Migration 7: what the engine needs on top of migration 2: the fold
 * lookup by key, the trail's append-only triggers, and indexes for
 * `incidents show`.
 */
const char store_incident_schema[] =
	"CREATE INDEX incidents_key ON incidents(key, id);"
	"CREATE INDEX incident_trail_incident ON incident_trail(incident_id, id);"
	"CREATE INDEX notifications_incident ON notifications(incident_id);"
	/* Append-only for everyone going through SQLite; the hash chain
	   catches whoever drops the triggers or edits the file. */
	"CREATE TRIGGER incident_trail_no_update BEFORE UPDATE ON incident_trail "
	"  BEGIN SELECT RAISE(ABORT, 'incident_trail is append-only'); END;"
	"CREATE TRIGGER incident_trail_no_delete BEFORE DELETE ON incident_trail "
	"  BEGIN SELECT RAISE(ABORT, 'incident_trail is append-only'); END;";

#define ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The store's cached statement id (store_stmt); release it after use. */
static int
prep(struct store *st, enum store_stmt_id id, const char *sql,
    sqlite3_stmt **s, char *err, size_t errlen)
{
	return (*s = store_stmt(st, id, sql, err, errlen)) == NULL ? -1 : 0;
}

/*
 * Begin a transaction unless the caller holds one (the batch's, for the
 * event hook).  *own says whether tx_end must commit.
 */
static int
tx_begin(struct store *st, int *own, char *err, size_t errlen)
{
	*own = sqlite3_get_autocommit(store_db(st));
	if (*own && sqlite3_exec(store_db(st), "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		store_db_err(st, "BEGIN", err, errlen);
		return -1;
	}
	return 0;
}

static int
tx_end(struct store *st, int own, int ok, char *err, size_t errlen)
{
	if (!own)
		return ok ? 0 : -1;
	if (ok && sqlite3_exec(store_db(st), "COMMIT", NULL, NULL, NULL) ==
	    SQLITE_OK)
		return 0;
	if (ok)
		store_db_err(st, "COMMIT", err, errlen);
	sqlite3_exec(store_db(st), "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Canonical text of a trail row, as hashed (see incident.h). */
static char *
trail_canonical(int64_t id, int64_t incident_id, int64_t ts, const char *actor,
    const char *source, const char *action, const char *from, const char *to,
    const char *note)
{
	json_t	*a = json_pack("[I, I, I, s, s, s, o, o, s]", (json_int_t)id,
		    (json_int_t)incident_id, (json_int_t)ts, actor, source, action,
		    from ? json_string(from) : json_null(),
		    to ? json_string(to) : json_null(), note);
	char	*s;

	if (a == NULL)
		return NULL;
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int
trail_hash(const char *prev, const char *canon, char *out, size_t outlen)
{
	struct digest	*d = digest_sha256_new();

	if (d == NULL || digest_update(d, prev, strlen(prev)) == -1 ||
	    digest_update(d, "\n", 1) == -1 ||
	    digest_update(d, canon, strlen(canon)) == -1) {
		digest_free(d);
		return -1;
	}
	return digest_final_hex(d, out, outlen);
}

/* Append one trail row inside the current transaction. */
static int
trail_append(struct store *st, int64_t incident_id, int64_t ts,
    const char *actor, const char *source, const char *action,
    const char *from, const char *to, const char *note, char *err,
    size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	char		 prev[DIGEST_SHA256_HEX] = ZERO_HASH;
	char		 hash[DIGEST_SHA256_HEX], *canon = NULL;
	int64_t		 id = 1;
	int		 rc = -1, r;

	if (prep(st, STMT_TRAIL_LAST, "SELECT id, hash FROM incident_trail "
	    "ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		goto out;
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0) + 1;
		snprintf(prev, sizeof(prev), "%s",
		    (const char *)sqlite3_column_text(s, 1));
	} else if (r != SQLITE_DONE) {
		store_db_err(st, "reading the trail", err, errlen);
		goto out;
	}
	store_stmt_release(s);
	s = NULL;
	if ((canon = trail_canonical(id, incident_id, ts, actor, source, action,
	    from, to, note)) == NULL ||
	    trail_hash(prev, canon, hash, sizeof(hash)) == -1) {
		snprintf(err, errlen, "trail: cannot hash the row (out of memory)");
		goto out;
	}
	if (prep(st, STMT_TRAIL_ADD, "INSERT INTO incident_trail (id, "
	    "incident_id, ts, actor, source, action, from_status, to_status, "
	    "note, prev_hash, hash) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &s, err,
	    errlen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, incident_id);
	sqlite3_bind_int64(s, 3, ts);
	sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, action, -1, SQLITE_STATIC);
	if (from != NULL)
		sqlite3_bind_text(s, 7, from, -1, SQLITE_STATIC);
	if (to != NULL)
		sqlite3_bind_text(s, 8, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, hash, -1, SQLITE_STATIC);
	r = store_stmt_done(st, s, "appending to the trail", err, errlen);
	s = NULL;
	if (r == -1)
		goto out;
	rc = 0;
out:
	store_stmt_release(s);
	free(canon);
	return rc;
}

static int64_t
deadline(int level, int64_t first_seen, int64_t hours)
{
	return tax_level_at_least(level, TAX_LEVEL_III) ?
	    first_seen + hours * 3600000 : 0;
}

int
store_incident_fold(struct store *st, const struct incident_obs *o,
    struct incident_fold_out *r, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 own, ok = 0, step, found = 0, level = 0, sev = 0;
	int		 status = -1;
	int64_t		 id = 0, first = 0, last = 0, count = 0;
	char		 note[64];

	memset(r, 0, sizeof(*r));
	if (tx_begin(st, &own, err, errlen) == -1)
		return -1;
	if (prep(st, STMT_INCIDENT_LATEST, "SELECT id, status, level, severity, "
	    "first_seen, last_seen, count FROM incidents WHERE key = ?1 AND "
	    "agent_id IS ?2 ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_text(s, 1, o->key, -1, SQLITE_STATIC);
	if (o->agent_id > 0)
		sqlite3_bind_int64(s, 2, o->agent_id);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		status = tax_status_parse(
		    (const char *)sqlite3_column_text(s, 1));
		level = sqlite3_column_int(s, 2);
		sev = sqlite3_column_int(s, 3);
		first = sqlite3_column_int64(s, 4);
		last = sqlite3_column_int64(s, 5);
		count = sqlite3_column_int64(s, 6);
		/* Within the window of what it has seen so far, either side
		   (agents' batches may arrive out of order). */
		found = status != TAX_STATUS_RESOLVED &&
		    o->ts <= last + o->window_ms &&
		    o->ts >= first - o->window_ms;
	} else if (step != SQLITE_DONE) {
		store_db_err(st, "looking up the incident", err, errlen);
		goto out;
	}
	store_stmt_release(s);
	s = NULL;

	if (found) {
		int nlevel = o->level < level ? o->level : level;
		int64_t nfirst = o->ts < first ? o->ts : first;

		if (prep(st, STMT_INCIDENT_FOLD, "UPDATE incidents SET "
		    "count = count + 1, first_seen = ?2, last_seen = max(last_seen, ?3), "
		    "severity = max(severity, ?4), level = ?5, "
		    "report_deadline = ?6 WHERE id = ?1", &s, err, errlen) == -1)
			goto out;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, nfirst);
		sqlite3_bind_int64(s, 3, o->ts);
		sqlite3_bind_int(s, 4, o->severity > sev ? o->severity : sev);
		sqlite3_bind_int(s, 5, nlevel);
		if (tax_level_at_least(nlevel, TAX_LEVEL_III))
			sqlite3_bind_int64(s, 6, deadline(nlevel, nfirst,
			    o->report_hours));
		if (store_stmt_done(st, s, "folding into the incident", err,
		    errlen) == -1) {
			s = NULL;
			goto out;
		}
		s = NULL;
		r->id = id;
		r->count = count + 1;
		r->first_seen = nfirst;
		r->level = nlevel;
		r->silent = status == TAX_STATUS_FALSE_POSITIVE;
		if (nlevel != level && tax_level_at_least(nlevel, level)) {
			snprintf(note, sizeof(note), "level %s → %s",
			    tax_level_code(level), tax_level_code(nlevel));
			if (trail_append(st, id, o->received,
			    INCIDENT_SYSTEM_ACTOR, INCIDENT_SYSTEM_SOURCE,
			    "escalated", tax_status_name(status),
			    tax_status_name(status), note, err,
			    errlen) == -1)
				goto out;
			r->escalated = !r->silent;
		}
	} else {
		if (prep(st, STMT_INCIDENT_OPEN, "INSERT INTO incidents (key, "
		    "type, category, subcategory, level, severity, status, "
		    "agent_id, asset, title, "
		    "count, first_seen, last_seen, received, report_deadline) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9, 1, ?10, "
		    "?10, ?11, ?12)", &s, err, errlen) == -1)
			goto out;
		sqlite3_bind_text(s, 1, o->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, o->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, o->category, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, o->subcategory, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 5, o->level);
		sqlite3_bind_int(s, 6, o->severity);
		if (o->agent_id > 0)
			sqlite3_bind_int64(s, 7, o->agent_id);
		sqlite3_bind_text(s, 8, o->asset, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, o->title, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 10, o->ts);
		sqlite3_bind_int64(s, 11, o->received);
		if (tax_level_at_least(o->level, TAX_LEVEL_III))
			sqlite3_bind_int64(s, 12, deadline(o->level, o->ts,
			    o->report_hours));
		if (store_stmt_done(st, s, "opening an incident", err, errlen) == -1) {
			s = NULL;
			goto out;
		}
		s = NULL;
		r->id = sqlite3_last_insert_rowid(store_db(st));
		r->opened = 1;
		r->count = 1;
		r->first_seen = o->ts;
		r->level = o->level;
		if (trail_append(st, r->id, o->received, INCIDENT_SYSTEM_ACTOR,
		    INCIDENT_SYSTEM_SOURCE, "opened", NULL, tax_status_name(TAX_STATUS_OPEN), o->title, err,
		    errlen) == -1)
			goto out;
	}
	if (o->event_id > 0) {
		if (prep(st, STMT_INCIDENT_LINK, "INSERT OR IGNORE INTO "
		    "incident_events (incident_id, event_id) VALUES (?1, ?2)",
		    &s, err, errlen) == -1)
			goto out;
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_int64(s, 2, o->event_id);
		if (store_stmt_done(st, s, "linking the event", err, errlen) == -1) {
			s = NULL;
			goto out;
		}
		s = NULL;
	}
	ok = 1;
out:
	store_stmt_release(s);
	return tx_end(st, own, ok, err, errlen);
}

int
store_incident_find_open(struct store *st, int64_t agent_id, const char *key,
    int64_t *id, int64_t *first_seen, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 step;

	if (prep(st, STMT_INCIDENT_FIND_OPEN, "SELECT id, first_seen FROM "
	    "incidents WHERE key = ?1 AND agent_id IS ?2 AND status IN "
	    "('open', 'acknowledged') "
	    "ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (agent_id > 0)
		sqlite3_bind_int64(s, 2, agent_id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		if (first_seen != NULL)
			*first_seen = sqlite3_column_int64(s, 1);
	} else if (step != SQLITE_DONE)
		store_db_err(st, "looking up an open incident", err, errlen);
	store_stmt_release(s);
	return step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? 1 : -1;
}

int
store_incident_find_open_types(struct store *st, int64_t agent_id,
    const char *prefix, const char *subject, struct incident_ref *out,
    size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 step;

	*n = 0;
	if (prep(st, STMT_INCIDENT_FIND_OPEN_TYPES, "SELECT id, type FROM "
	    "incidents WHERE agent_id IS ?1 AND substr(type, 1, length(?2)) = "
	    "?2 AND key = type || ':' || ?3 AND status IN ('open', "
	    "'acknowledged') ORDER BY id", &s, err, errlen) == -1)
		return -1;
	if (agent_id > 0)
		sqlite3_bind_int64(s, 1, agent_id);
	sqlite3_bind_text(s, 2, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, subject, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		const unsigned char *t = sqlite3_column_text(s, 1);

		out[*n].id = sqlite3_column_int64(s, 0);
		snprintf(out[*n].type, sizeof(out[*n].type), "%s",
		    t != NULL ? (const char *)t : "");
		(*n)++;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		store_db_err(st, "looking up open incidents", err, errlen);
	store_stmt_release(s);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
}

static const char *const action_names[] = {
	[INCIDENT_ACK] = "acknowledged",
	[INCIDENT_RESOLVE] = "resolved",
	[INCIDENT_FALSE_POSITIVE] = "false_positive",
	[INCIDENT_REOPEN] = "reopened",
};

int
store_incident_change(struct store *st, int64_t id, enum incident_action a,
    int autoresolve, const char *actor, const char *source, const char *note,
    int64_t now, char *why, size_t whylen)
{
	sqlite3_stmt	*s = NULL;
	const char	*sql;
	enum store_stmt_id sid;
	int		 from = -1, to = -1;
	int		 own, ok = 0, rc = -1, step;

	if (tx_begin(st, &own, why, whylen) == -1)
		return -1;
	if (prep(st, STMT_INCIDENT_STATUS, "SELECT status FROM incidents "
	    "WHERE id = ?1", &s, why, whylen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		from = tax_status_parse((const char *)sqlite3_column_text(s, 0));
	store_stmt_release(s);
	s = NULL;
	if (step == SQLITE_DONE) {
		snprintf(why, whylen, "no incident %" PRId64, id);
		rc = 1;
		ok = 1;		/* nothing changed; end the transaction */
		goto out;
	}
	if (step != SQLITE_ROW) {
		store_db_err(st, "reading the incident", why, whylen);
		goto out;
	}
	if (autoresolve) {
		if (!tax_status_active(from)) {
			rc = 2;
			ok = 1;
			snprintf(why, whylen, "incident %" PRId64 " is %s", id,
			    tax_status_name(from));
			goto out;
		}
		to = TAX_STATUS_RESOLVED;
	} else if (incident_transition_check(from, a, note, &to, why,
	    whylen) == -1) {
		rc = 2;
		ok = 1;
		goto out;
	}
	switch (a) {
	case INCIDENT_ACK:
		sid = STMT_INCIDENT_ACK;
		sql = "UPDATE incidents SET status = ?2, acknowledged = "
		    "coalesce(acknowledged, ?3) WHERE id = ?1";
		break;
	case INCIDENT_RESOLVE:
	case INCIDENT_FALSE_POSITIVE:
		sid = STMT_INCIDENT_RESOLVE;
		sql = "UPDATE incidents SET status = ?2, resolved = ?3 "
		    "WHERE id = ?1";
		break;
	case INCIDENT_REOPEN:
	default:
		sid = STMT_INCIDENT_REOPEN;
		sql = "UPDATE incidents SET status = ?2, resolved = NULL "
		    "WHERE id = ?1";
		break;
	}
	if (prep(st, sid, sql, &s, why, whylen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, tax_status_name(to), -1, SQLITE_STATIC);
	if (a != INCIDENT_REOPEN)
		sqlite3_bind_int64(s, 3, now);
	if (store_stmt_done(st, s, "changing the incident", why, whylen) == -1) {
		s = NULL;
		goto out;
	}
	s = NULL;
	if (trail_append(st, id, now, actor, source, autoresolve ?
	    "auto_resolved" : action_names[a], tax_status_name(from),
	    tax_status_name(to), note ? note : "", why,
	    whylen) == -1)
		goto out;
	ok = 1;
	rc = 0;
out:
	store_stmt_release(s);
	if (tx_end(st, own, ok, why, whylen) == -1)
		return -1;
	return rc;
}

int
store_incident_record_send(struct store *st, const struct notify_result *r,
    char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 own, ok = 0;

	if (tx_begin(st, &own, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < r->n_incidents; i++) {
		if (prep(st, STMT_NOTIFICATION_ADD, "INSERT INTO notifications "
		    "(incident_id, channel, ts, ok, attempt, digest, error) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, "
		    "?6, ?7)", &s, err, errlen) == -1)
			goto out;
		sqlite3_bind_int64(s, 1, r->incident_ids[i]);
		sqlite3_bind_text(s, 2, r->channel, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, r->done_ms);
		sqlite3_bind_int(s, 4, r->ok);
		sqlite3_bind_int(s, 5, r->attempts);
		sqlite3_bind_int(s, 6, r->digest);
		sqlite3_bind_text(s, 7, r->error, -1, SQLITE_STATIC);
		if (store_stmt_done(st, s, "recording a notification", err,
		    errlen) == -1) {
			s = NULL;
			goto out;
		}
		s = NULL;
		if (!r->ok)
			continue;
		if (prep(st, STMT_NOTIFICATION_MARK, "UPDATE incidents SET "
		    "notified = ?2 WHERE id = ?1 AND notified IS NULL", &s, err,
		    errlen) == -1)
			goto out;
		sqlite3_bind_int64(s, 1, r->incident_ids[i]);
		sqlite3_bind_int64(s, 2, r->done_ms);
		if (store_stmt_done(st, s, "marking notified", err, errlen) == -1) {
			s = NULL;
			goto out;
		}
		s = NULL;
	}
	ok = 1;
out:
	store_stmt_release(s);
	return tx_end(st, own, ok, err, errlen);
}

int
store_incident_watch(struct store *st,
    int (*cb)(void *arg, const struct incident_watch_row *r), void *arg,
    char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 step, rc = 0;

	if (store_prepare(st, "SELECT a.id, a.name, a.last_seen, "
	    "a.heartbeat_interval_ms, i.id, i.first_seen FROM agents a "
	    "LEFT JOIN incidents i ON i.id = "
	    "(SELECT max(id) FROM incidents WHERE agent_id = a.id AND "
	    "type = 'host_down' AND status IN ('open', 'acknowledged')) "
	    "WHERE a.last_heartbeat IS NOT NULL ORDER BY a.id", &s, err,
	    errlen) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct incident_watch_row w = {
			.agent_id = sqlite3_column_int64(s, 0),
			.name = (const char *)sqlite3_column_text(s, 1),
			.last_seen = sqlite3_column_int64(s, 2),
			.interval_ms = sqlite3_column_int64(s, 3),
			.open_id = sqlite3_column_int64(s, 4),
			.open_first_seen = sqlite3_column_int64(s, 5),
		};

		if ((rc = cb(arg, &w)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE) {
		store_db_err(st, "listing agents", err, errlen);
		rc = -1;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---- reading -------------------------------------------------------- */

static json_t *
jtime(sqlite3_stmt *s, int col)
{
	char buf[32];

	if (sqlite3_column_type(s, col) == SQLITE_NULL ||
	    time_format_utc(sqlite3_column_int64(s, col), buf, sizeof(buf)) == -1)
		return json_null();
	return json_string(buf);
}

static json_t *
jtext(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? json_string(t) : json_null();
}

#define INCIDENT_COLS "i.id, i.key, i.type, i.category, i.subcategory, " \
	"i.level, i.severity, i.status, a.name, i.asset, i.title, i.count, " \
	"i.first_seen, i.last_seen, i.received, i.notified, i.acknowledged, " \
	"i.resolved, i.report_deadline"

static json_t *
incident_row(sqlite3_stmt *s)
{
	int				 level = sqlite3_column_int(s, 5);
	const char			*cat = (const char *)sqlite3_column_text(s, 3);
	const struct tax_category	*c = tax_category_find(cat);

	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:o, s:i, s:s, s:s, s:s, "
	    "s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0),
	    "key", jtext(s, 1), "type", jtext(s, 2), "category", cat ? cat : "",
	    "category_zh", c != NULL ? c->zh : "",
	    "subcategory", jtext(s, 4),
	    "level", level, "level_code", tax_level_code(level),
	    "level_zh", tax_level_zh(level),
	    "severity", severity_name((enum severity)sqlite3_column_int(s, 6)),
	    "status", jtext(s, 7), "agent", jtext(s, 8), "asset", jtext(s, 9),
	    "title", jtext(s, 10),
	    "count", (json_int_t)sqlite3_column_int64(s, 11),
	    "first_seen", jtime(s, 12), "last_seen", jtime(s, 13),
	    "received", jtime(s, 14), "notified", jtime(s, 15),
	    "acknowledged", jtime(s, 16), "resolved", jtime(s, 17),
	    "report_deadline", jtime(s, 18));
}

int
store_incident_list(struct store *st, const struct incident_query *q,
    json_t **out, int64_t *next_after_id, char *err, size_t errlen)
{
	char		 sql[1024];
	sqlite3_stmt	*s = NULL;
	json_t		*arr = json_array(), *row;
	int		 rc = -1, step, n = 0;
	int64_t		 last_id = 0;

	*out = NULL;
	*next_after_id = 0;
	snprintf(sql, sizeof(sql), "SELECT " INCIDENT_COLS " FROM incidents i "
	    "LEFT JOIN agents a ON a.id = i.agent_id WHERE i.id > ?1%s%s%s%s"
	    "%s%s%s%s ORDER BY i.id%s LIMIT ?6",
	    q->status ? " AND i.status = ?2" : "",
	    q->category ? " AND (i.category = ?3 OR i.subcategory LIKE "
	    "?3 || '%')" : "",
	    q->level > 0 ? " AND i.level <= ?4" : "",
	    q->since_ms != INT64_MIN ? " AND i.first_seen >= ?5" : "",
	    q->until_ms != 0 ? " AND i.first_seen < ?7" : "",
	    q->asset ? " AND (i.asset = ?8 OR a.name = ?8)" : "",
	    q->text ? " AND (instr(lower(i.title), lower(?9)) > 0 OR "
	    "instr(lower(i.asset), lower(?9)) > 0 OR "
	    "instr(lower(i.key), lower(?9)) > 0)" : "",
	    q->before_id > 0 ? " AND i.id < ?10" : "",
	    q->desc ? " DESC" : "");
	if (arr == NULL || store_prepare(st, sql, &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, q->after_id);
	if (q->status)
		sqlite3_bind_text(s, 2, q->status, -1, SQLITE_STATIC);
	if (q->category)
		sqlite3_bind_text(s, 3, q->category, -1, SQLITE_STATIC);
	if (q->level > 0)
		sqlite3_bind_int(s, 4, q->level);
	if (q->since_ms != INT64_MIN)
		sqlite3_bind_int64(s, 5, q->since_ms);
	if (q->until_ms != 0)
		sqlite3_bind_int64(s, 7, q->until_ms);
	if (q->asset)
		sqlite3_bind_text(s, 8, q->asset, -1, SQLITE_STATIC);
	if (q->text)
		sqlite3_bind_text(s, 9, q->text, -1, SQLITE_STATIC);
	if (q->before_id > 0)
		sqlite3_bind_int64(s, 10, q->before_id);
	sqlite3_bind_int(s, 6, q->limit + 1);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == q->limit) {
			*next_after_id = last_id;
			break;
		}
		last_id = sqlite3_column_int64(s, 0);
		if ((row = incident_row(s)) == NULL ||
		    json_array_append_new(arr, row) == -1) {
			snprintf(err, errlen, "listing incidents: out of memory");
			goto out;
		}
		n++;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		store_db_err(st, "listing incidents", err, errlen);
		goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	sqlite3_finalize(s);
	json_decref(arr);
	return rc;
}

int
store_notify_recent(struct store *st, const char *channel, int limit,
    json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	json_t		*arr = json_array();
	int		 step, rc = -1;

	*out = NULL;
	if (arr == NULL || store_prepare(st, "SELECT incident_id, ts, ok, "
	    "attempt, digest, error FROM notifications WHERE channel = ?1 "
	    "ORDER BY id DESC LIMIT ?2", &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_text(s, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (json_array_append_new(arr, json_pack("{s:o, s:o, s:b, s:i, "
		    "s:b, s:o}", "incident_id", id > 0 ? json_integer(id) :
		    json_null(), "ts", jtime(s, 1),
		    "ok", sqlite3_column_int(s, 2), "attempts",
		    sqlite3_column_int(s, 3), "digest", sqlite3_column_int(s, 4),
		    "error", jtext(s, 5))) == -1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading notifications", err, errlen);
		goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	sqlite3_finalize(s);
	json_decref(arr);
	return rc;
}

/* Rows of sql (bound to id) as an array built by fn. */
static int
sub_list(struct store *st, const char *sql, int64_t id,
    json_t *(*fn)(sqlite3_stmt *), json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	json_t		*arr = json_array(), *row;
	int		 step, rc = -1;

	if (arr == NULL || store_prepare(st, sql, &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		if ((row = fn(s)) == NULL || json_array_append_new(arr, row)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading the incident", err, errlen);
		goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	sqlite3_finalize(s);
	json_decref(arr);
	return rc;
}

static json_t *
event_row(sqlite3_stmt *s)
{
	json_error_t	 jerr;
	json_t		*data = json_loadb((const char *)sqlite3_column_blob(s, 6),
			    (size_t)sqlite3_column_bytes(s, 6), 0, &jerr);

	return json_pack("{s:I, s:I, s:o, s:o, s:s, s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0),
	    "seq", (json_int_t)sqlite3_column_int64(s, 1),
	    "ts", jtime(s, 2), "received", jtime(s, 3),
	    "severity", severity_name((enum severity)sqlite3_column_int(s, 4)),
	    "key", jtext(s, 5), "data", data ? data : json_null());
}

static json_t *
trail_row(sqlite3_stmt *s)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0), "ts", jtime(s, 1),
	    "actor", jtext(s, 2), "source", jtext(s, 3), "action", jtext(s, 4),
	    "from", jtext(s, 5), "to", jtext(s, 6), "note", jtext(s, 7),
	    "hash", jtext(s, 8));
}

static json_t *
send_row(sqlite3_stmt *s)
{
	return json_pack("{s:I, s:o, s:o, s:b, s:i, s:b, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(s, 0),
	    "channel", jtext(s, 1), "ts", jtime(s, 2),
	    "ok", sqlite3_column_int(s, 3), "attempt", sqlite3_column_int(s, 4),
	    "digest", sqlite3_column_int(s, 5), "error", jtext(s, 6));
}

static json_t *
ms_or_null(sqlite3_stmt *s, int a, int b)
{
	if (sqlite3_column_type(s, a) == SQLITE_NULL ||
	    sqlite3_column_type(s, b) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(s, b) -
	    sqlite3_column_int64(s, a));
}

int
store_incident_get(struct store *st, int64_t id, json_t **out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	json_t		*inc = NULL, *evs = NULL, *trail = NULL, *sends = NULL;
	int		 step, rc = -1;

	*out = NULL;
	if (store_prepare(st, "SELECT " INCIDENT_COLS " FROM incidents i LEFT JOIN "
	    "agents a ON a.id = i.agent_id WHERE i.id = ?1", &s, err,
	    errlen) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW) {
		store_db_err(st, "reading the incident", err, errlen);
		goto out;
	}
	if ((inc = incident_row(s)) == NULL)
		goto oom;
	/* Feedback timings in ms: detected → stored → notified → acked. */
	if (json_object_set_new(inc, "timings", json_pack("{s:o, s:o, s:o}",
	    "stored_ms", ms_or_null(s, 12, 14),
	    "notified_ms", ms_or_null(s, 12, 15),
	    "acknowledged_ms", ms_or_null(s, 12, 16))) == -1)
		goto oom;
	sqlite3_finalize(s);
	s = NULL;
	/* The newest 100 events; count says how many there are in all. */
	if (sub_list(st, "SELECT * FROM (SELECT e.id, e.seq, e.ts, e.received, "
	    "e.severity, e.key, e.data FROM incident_events ie JOIN events e ON "
	    "e.id = ie.event_id WHERE ie.incident_id = ?1 ORDER BY e.id DESC "
	    "LIMIT 100) ORDER BY id", id, event_row, &evs, err, errlen) == -1 ||
	    sub_list(st, "SELECT id, ts, actor, source, action, from_status, "
	    "to_status, note, hash FROM incident_trail WHERE incident_id = ?1 "
	    "ORDER BY id", id, trail_row, &trail, err, errlen) == -1 ||
	    sub_list(st, "SELECT id, channel, ts, ok, attempt, digest, error "
	    "FROM notifications WHERE incident_id = ?1 ORDER BY id", id,
	    send_row, &sends, err, errlen) == -1)
		goto out;
	if (json_object_set_new(inc, "events", evs) == -1 ||
	    json_object_set_new(inc, "trail", trail) == -1 ||
	    json_object_set_new(inc, "notifications", sends) == -1) {
		evs = trail = sends = NULL;
		goto oom;
	}
	*out = inc;
	inc = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "reading incident %" PRId64 ": out of memory", id);
out:
	sqlite3_finalize(s);
	json_decref(inc);
	return rc;
}

int
store_incident_verify(struct store *st, int64_t *rows, int64_t *broken_id,
    char *why, size_t whylen)
{
	sqlite3_stmt	*s = NULL;
	char		 prev[DIGEST_SHA256_HEX] = ZERO_HASH;
	char		 hash[DIGEST_SHA256_HEX], *canon;
	int		 step, rc = -1;

	*rows = 0;
	*broken_id = 0;
	why[0] = '\0';
	if (store_prepare(st, "SELECT id, incident_id, ts, actor, source, action, "
	    "from_status, to_status, note, prev_hash, hash FROM incident_trail "
	    "ORDER BY id", &s, why, whylen) == -1)
		return -1;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t		 id = sqlite3_column_int64(s, 0);
		const char	*ph = (const char *)sqlite3_column_text(s, 9);
		const char	*h = (const char *)sqlite3_column_text(s, 10);

		(*rows)++;
		canon = trail_canonical(id, sqlite3_column_int64(s, 1),
		    sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3),
		    (const char *)sqlite3_column_text(s, 4),
		    (const char *)sqlite3_column_text(s, 5),
		    (const char *)sqlite3_column_text(s, 6),
		    (const char *)sqlite3_column_text(s, 7),
		    (const char *)sqlite3_column_text(s, 8));
		if (canon == NULL || trail_hash(prev, canon, hash,
		    sizeof(hash)) == -1) {
			free(canon);
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		free(canon);
		if (ph == NULL || strcmp(ph, prev) != 0) {
			*broken_id = id;
			snprintf(why, whylen, "trail row %" PRId64 ": prev_hash "
			    "does not match the hash of the row before it (a row "
			    "was removed, inserted or its hash edited)", id);
			break;
		}
		if (h == NULL || strcmp(h, hash) != 0) {
			*broken_id = id;
			snprintf(why, whylen, "trail row %" PRId64 " (incident "
			    "%" PRId64 ", %s by %s): its content does not match "
			    "its hash (the row was edited)", id,
			    (int64_t)sqlite3_column_int64(s, 1),
			    (const char *)sqlite3_column_text(s, 5),
			    (const char *)sqlite3_column_text(s, 3));
			break;
		}
		snprintf(prev, sizeof(prev), "%s", h);
	}
	if (*broken_id == 0 && step != SQLITE_DONE) {
		store_db_err(st, "reading the trail", why, whylen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_incident_msg(struct store *st, int64_t id, struct notify_msg *m,
    char *err, size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	int		 step, rc = -1;

	memset(m, 0, sizeof(*m));
	if (prep(st, STMT_INCIDENT_MSG, "SELECT i.title, i.category, "
	    "i.subcategory, i.level, i.status, coalesce(a.name, i.asset), "
	    "i.key, i.first_seen, i.count "
	    "FROM incidents i LEFT JOIN agents a ON a.id = i.agent_id "
	    "WHERE i.id = ?1", &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	if (step != SQLITE_ROW) {
		if (step == SQLITE_DONE)
			snprintf(err, errlen, "no incident %" PRId64, id);
		else
			store_db_err(st, "reading the incident", err, errlen);
		goto out;
	}
	m->incident_id = id;
	snprintf(m->title, sizeof(m->title), "%s", sqlite3_column_text(s, 0));
	{
		const char *sub = (const char *)sqlite3_column_text(s, 2);

		snprintf(m->category, sizeof(m->category), "%s",
		    sub && *sub ? sub : (const char *)sqlite3_column_text(s, 1));
	}
	m->level = sqlite3_column_int(s, 3);
	snprintf(m->status, sizeof(m->status), "%s", sqlite3_column_text(s, 4));
	snprintf(m->agent, sizeof(m->agent), "%s", sqlite3_column_text(s, 5));
	snprintf(m->key, sizeof(m->key), "%s", sqlite3_column_text(s, 6));
	m->first_seen_ms = sqlite3_column_int64(s, 7);
	m->count = sqlite3_column_int64(s, 8);
	rc = 0;
out:
	store_stmt_release(s);
	return rc;
}
