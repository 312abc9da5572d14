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
    struct db_stmt **s, char *err, size_t errlen)
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
	*own = !db_in_transaction(store_db(st));
	if (*own && db_begin_write(store_db(st)) != 0) {
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
	if (ok && db_exec(store_db(st), "COMMIT") ==
	    0)
		return 0;
	if (ok)
		store_db_err(st, "COMMIT", err, errlen);
	db_exec(store_db(st), "ROLLBACK");
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
	struct db_stmt	*s = NULL;
	char		 prev[DIGEST_SHA256_HEX] = ZERO_HASH;
	char		 hash[DIGEST_SHA256_HEX], *canon = NULL;
	int64_t		 id = 1;
	int		 rc = -1, r;

	if (prep(st, STMT_TRAIL_LAST, "SELECT id, hash FROM incident_trail "
	    "ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		goto out;
	if ((r = db_step(s)) == DB_ROW) {
		id = db_column_int64(s, 0) + 1;
		snprintf(prev, sizeof(prev), "%s",
		    db_column_text(s, 1));
	} else if (r != DB_DONE) {
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
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, incident_id);
	db_bind_int64(s, 3, ts);
	db_bind_text(s, 4, actor, -1);
	db_bind_text(s, 5, source, -1);
	db_bind_text(s, 6, action, -1);
	if (from != NULL)
		db_bind_text(s, 7, from, -1);
	if (to != NULL)
		db_bind_text(s, 8, to, -1);
	db_bind_text(s, 9, note, -1);
	db_bind_text(s, 10, prev, -1);
	db_bind_text(s, 11, hash, -1);
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
	struct db_stmt	*s = NULL;
	int		 own, ok = 0, step, found = 0, level = 0, sev = 0;
	int		 status = -1;
	int64_t		 id = 0, first = 0, last = 0, count = 0;
	char		 note[64];

	memset(r, 0, sizeof(*r));
	if (tx_begin(st, &own, err, errlen) == -1)
		return -1;
	if (prep(st, STMT_INCIDENT_LATEST, "SELECT id, status, level, severity, "
	    "first_seen, last_seen, count FROM incidents WHERE key = ?1 AND "
	    "agent_id IS NOT DISTINCT FROM ?2 ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		goto out;
	db_bind_text(s, 1, o->key, -1);
	if (o->agent_id > 0)
		db_bind_int64(s, 2, o->agent_id);
	if ((step = db_step(s)) == DB_ROW) {
		id = db_column_int64(s, 0);
		status = tax_status_parse(
		    db_column_text(s, 1));
		level = db_column_int(s, 2);
		sev = db_column_int(s, 3);
		first = db_column_int64(s, 4);
		last = db_column_int64(s, 5);
		count = db_column_int64(s, 6);
		/* Within the window of what it has seen so far, either side
		   (agents' batches may arrive out of order). */
		found = status != TAX_STATUS_RESOLVED &&
		    o->ts <= last + o->window_ms &&
		    o->ts >= first - o->window_ms;
	} else if (step != DB_DONE) {
		store_db_err(st, "looking up the incident", err, errlen);
		goto out;
	}
	store_stmt_release(s);
	s = NULL;

	if (found) {
		int nlevel = o->level < level ? o->level : level;
		int64_t nfirst = o->ts < first ? o->ts : first;

		if (prep(st, STMT_INCIDENT_FOLD, "UPDATE incidents SET "
		    "count = count + 1, first_seen = ?2, "
		    "last_seen = greatest(last_seen, ?3), "
		    "severity = greatest(severity, ?4), level = ?5, "
		    "report_deadline = ?6 WHERE id = ?1", &s, err, errlen) == -1)
			goto out;
		db_bind_int64(s, 1, id);
		db_bind_int64(s, 2, nfirst);
		db_bind_int64(s, 3, o->ts);
		db_bind_int(s, 4, o->severity > sev ? o->severity : sev);
		db_bind_int(s, 5, nlevel);
		if (tax_level_at_least(nlevel, TAX_LEVEL_III))
			db_bind_int64(s, 6, deadline(nlevel, nfirst,
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
		    "?10, ?11, ?12) RETURNING id", &s, err, errlen) == -1)
			goto out;
		db_bind_text(s, 1, o->key, -1);
		db_bind_text(s, 2, o->type, -1);
		db_bind_text(s, 3, o->category, -1);
		db_bind_text(s, 4, o->subcategory, -1);
		db_bind_int(s, 5, o->level);
		db_bind_int(s, 6, o->severity);
		if (o->agent_id > 0)
			db_bind_int64(s, 7, o->agent_id);
		db_bind_text(s, 8, o->asset, -1);
		db_bind_text(s, 9, o->title, -1);
		db_bind_int64(s, 10, o->ts);
		db_bind_int64(s, 11, o->received);
		if (tax_level_at_least(o->level, TAX_LEVEL_III))
			db_bind_int64(s, 12, deadline(o->level, o->ts,
			    o->report_hours));
		step = store_step_id(st, s, "opening an incident", &r->id, err,
		    errlen);
		store_stmt_release(s);
		s = NULL;
		if (step != 1)
			goto out;
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
		if (prep(st, STMT_INCIDENT_LINK, "INSERT INTO "
		    "incident_events (incident_id, event_id) VALUES (?1, ?2) "
		    "ON CONFLICT DO NOTHING",
		    &s, err, errlen) == -1)
			goto out;
		db_bind_int64(s, 1, r->id);
		db_bind_int64(s, 2, o->event_id);
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
	struct db_stmt	*s = NULL;
	int		 step;

	if (prep(st, STMT_INCIDENT_FIND_OPEN, "SELECT id, first_seen FROM "
	    "incidents WHERE key = ?1 AND agent_id IS NOT DISTINCT FROM ?2 "
	    "AND status IN "
	    "('open', 'acknowledged') "
	    "ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, key, -1);
	if (agent_id > 0)
		db_bind_int64(s, 2, agent_id);
	step = db_step(s);
	if (step == DB_ROW) {
		*id = db_column_int64(s, 0);
		if (first_seen != NULL)
			*first_seen = db_column_int64(s, 1);
	} else if (step != DB_DONE)
		store_db_err(st, "looking up an open incident", err, errlen);
	store_stmt_release(s);
	return step == DB_ROW ? 0 : step == DB_DONE ? 1 : -1;
}

int
store_incident_find_open_types(struct store *st, int64_t agent_id,
    const char *prefix, const char *subject, struct incident_ref *out,
    size_t max, size_t *n, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 step;

	*n = 0;
	if (prep(st, STMT_INCIDENT_FIND_OPEN_TYPES, "SELECT id, type FROM "
	    "incidents WHERE agent_id IS NOT DISTINCT FROM ?1 AND "
	    "substr(type, 1, length(?2)) = "
	    "?2 AND key = type || ':' || ?3 AND status IN ('open', "
	    "'acknowledged') ORDER BY id", &s, err, errlen) == -1)
		return -1;
	if (agent_id > 0)
		db_bind_int64(s, 1, agent_id);
	db_bind_text(s, 2, prefix, -1);
	db_bind_text(s, 3, subject, -1);
	while ((step = db_step(s)) == DB_ROW && *n < max) {
		const char *t = db_column_text(s, 1);

		out[*n].id = db_column_int64(s, 0);
		snprintf(out[*n].type, sizeof(out[*n].type), "%s",
		    t != NULL ? t : "");
		(*n)++;
	}
	if (step != DB_ROW && step != DB_DONE)
		store_db_err(st, "looking up open incidents", err, errlen);
	store_stmt_release(s);
	return step == DB_ROW || step == DB_DONE ? 0 : -1;
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
	struct db_stmt	*s = NULL;
	const char	*sql;
	enum store_stmt_id sid;
	int		 from = -1, to = -1;
	int		 own, ok = 0, rc = -1, step;

	if (tx_begin(st, &own, why, whylen) == -1)
		return -1;
	if (prep(st, STMT_INCIDENT_STATUS, "SELECT status FROM incidents "
	    "WHERE id = ?1", &s, why, whylen) == -1)
		goto out;
	db_bind_int64(s, 1, id);
	step = db_step(s);
	if (step == DB_ROW)
		from = tax_status_parse(db_column_text(s, 0));
	store_stmt_release(s);
	s = NULL;
	if (step == DB_DONE) {
		snprintf(why, whylen, "no incident %" PRId64, id);
		rc = 1;
		ok = 1;		/* nothing changed; end the transaction */
		goto out;
	}
	if (step != DB_ROW) {
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
	db_bind_int64(s, 1, id);
	db_bind_text(s, 2, tax_status_name(to), -1);
	if (a != INCIDENT_REOPEN)
		db_bind_int64(s, 3, now);
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
	struct db_stmt	*s = NULL;
	int		 own, ok = 0;

	if (tx_begin(st, &own, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < r->n_incidents; i++) {
		if (prep(st, STMT_NOTIFICATION_ADD, "INSERT INTO notifications "
		    "(incident_id, channel, ts, ok, attempt, digest, error) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, "
		    "?6, ?7)", &s, err, errlen) == -1)
			goto out;
		db_bind_int64(s, 1, r->incident_ids[i]);
		db_bind_text(s, 2, r->channel, -1);
		db_bind_int64(s, 3, r->done_ms);
		db_bind_int(s, 4, r->ok);
		db_bind_int(s, 5, r->attempts);
		db_bind_int(s, 6, r->digest);
		db_bind_text(s, 7, r->error, -1);
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
		db_bind_int64(s, 1, r->incident_ids[i]);
		db_bind_int64(s, 2, r->done_ms);
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
	struct db_stmt	*s = NULL;
	int		 step, rc = 0;

	if (store_prepare(st, "SELECT a.id, a.name, a.last_seen, "
	    "a.heartbeat_interval_ms, i.id, i.first_seen FROM agents a "
	    "LEFT JOIN incidents i ON i.id = "
	    "(SELECT max(id) FROM incidents WHERE agent_id = a.id AND "
	    "type = 'host_down' AND status IN ('open', 'acknowledged')) "
	    "WHERE a.last_heartbeat IS NOT NULL ORDER BY a.id", &s, err,
	    errlen) == -1)
		return -1;
	while ((step = db_step(s)) == DB_ROW) {
		struct incident_watch_row w = {
			.agent_id = db_column_int64(s, 0),
			.name = db_column_text(s, 1),
			.last_seen = db_column_int64(s, 2),
			.interval_ms = db_column_int64(s, 3),
			.open_id = db_column_int64(s, 4),
			.open_first_seen = db_column_int64(s, 5),
		};

		if ((rc = cb(arg, &w)) != 0)
			break;
	}
	if (rc == 0 && step != DB_DONE) {
		store_db_err(st, "listing agents", err, errlen);
		rc = -1;
	}
	db_finalize(s);
	return rc;
}

/* ---- reading -------------------------------------------------------- */

#define INCIDENT_COLS "i.id, i.key, i.type, i.category, i.subcategory, " \
	"i.level, i.severity, i.status, a.name, i.asset, i.title, i.count, " \
	"i.first_seen, i.last_seen, i.received, i.notified, i.acknowledged, " \
	"i.resolved, i.report_deadline, i.agent_id"

/* The callbacks of one read, whichever it is. */
struct incident_walk {
	store_incident_fn	 fn;
	store_event_fn		 event_fn;
	store_trail_fn		 trail_fn;
	store_notification_fn	 send_fn;
	void			*arg;
	struct store_page	 page;
};

static int
incident_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct incident_walk	*w = arg;
	struct incident_row	 i;

	if (w->page.limit > 0 && store_page_row(&w->page, store_col_int(r, 0)))
		return 1;
	i.id = store_col_int(r, 0);
	i.key = store_col_text(r, 1);
	i.type = store_col_text(r, 2);
	i.category = store_col_text(r, 3);
	i.subcategory = store_col_text(r, 4);
	i.level = (int)store_col_int(r, 5);
	i.severity = (enum severity)store_col_int(r, 6);
	i.status = store_col_text(r, 7);
	i.agent = store_col_text(r, 8);
	i.asset = store_col_text(r, 9);
	i.title = store_col_text(r, 10);
	i.count = store_col_int(r, 11);
	i.first_seen_ms = store_col_time(r, 12);
	i.last_seen_ms = store_col_time(r, 13);
	i.received_ms = store_col_time(r, 14);
	i.notified_ms = store_col_time(r, 15);
	i.acknowledged_ms = store_col_time(r, 16);
	i.resolved_ms = store_col_time(r, 17);
	i.report_deadline_ms = store_col_time(r, 18);
	i.agent_id = store_col_int(r, 19);
	return w->fn(w->arg, &i, err, errlen) == -1 ? -1 : 0;
}

int
store_incident_list(struct store *st, const struct incident_query *q,
    store_incident_fn fn, void *arg, int64_t *next_after_id, char *err,
    size_t errlen)
{
	struct incident_walk	 w = { .fn = fn, .arg = arg,
	    .page = { .limit = q->limit } };
	char			 sql[1024];
	/* One more than asked tells whether another page exists. */
	struct store_arg	 args[] = {
		{ .type = 'I', .i = q->after_id },
		{ .type = q->status ? 's' : '-', .s = q->status },
		{ .type = q->category ? 's' : '-', .s = q->category },
		{ .type = q->level > 0 ? 'i' : '-', .i = q->level },
		{ .type = q->since_ms != INT64_MIN ? 'I' : '-',
		  .i = q->since_ms },
		{ .type = 'i', .i = q->limit + 1 },
		{ .type = q->until_ms != 0 ? 'I' : '-', .i = q->until_ms },
		{ .type = q->asset ? 's' : '-', .s = q->asset },
		{ .type = q->text ? 's' : '-', .s = q->text },
		{ .type = q->before_id > 0 ? 'I' : '-', .i = q->before_id },
	};

	*next_after_id = 0;
	snprintf(sql, sizeof(sql), "SELECT " INCIDENT_COLS " FROM incidents i "
	    "LEFT JOIN agents a ON a.id = i.agent_id WHERE i.id > ?1%s%s%s%s"
	    "%s%s%s%s ORDER BY i.id%s LIMIT ?6",
	    q->status ? " AND i.status = ?2" : "",
	    q->category ? " AND (i.category = ?3 OR "
	    "strpos(lower(i.subcategory), lower(?3)) = 1)" : "",
	    q->level > 0 ? " AND i.level <= ?4" : "",
	    q->since_ms != INT64_MIN ? " AND i.first_seen >= ?5" : "",
	    q->until_ms != 0 ? " AND i.first_seen < ?7" : "",
	    q->asset ? " AND (i.asset = ?8 OR a.name = ?8)" : "",
	    q->text ? " AND (strpos(lower(i.title), lower(?9)) > 0 OR "
	    "strpos(lower(i.asset), lower(?9)) > 0 OR "
	    "strpos(lower(i.key), lower(?9)) > 0)" : "",
	    q->before_id > 0 ? " AND i.id < ?10" : "",
	    q->desc ? " DESC" : "");
	if (store_query_args(st, STORE_ONCE, sql, "listing incidents", args,
	    sizeof(args) / sizeof(args[0]), incident_row, &w, err,
	    errlen) == -1)
		return -1;
	*next_after_id = w.page.next;
	return 0;
}

int
store_ind_incidents(struct store *st, int64_t from, int64_t to,
    store_incident_fn fn, void *arg, char *err, size_t errlen)
{
	struct incident_walk w = { .fn = fn, .arg = arg };

	/* Before migration 2 there is nothing to read (SQLite: PostgreSQL's
	   schema starts with every table). */
	if (db_kind(store_db(st)) == DB_SQLITE &&
	    store_query(st, STORE_ONCE, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'incidents'", "reading incidents",
	    NULL, NULL, err, errlen, "") < 1)
		return 0;
	return store_query(st, STORE_ONCE, "SELECT " INCIDENT_COLS " FROM "
	    "incidents i LEFT JOIN agents a ON a.id = i.agent_id WHERE "
	    "i.first_seen >= ?1 AND i.first_seen < ?2 ORDER BY i.first_seen, "
	    "i.id", "reading incidents", incident_row, &w, err, errlen, "II",
	    from, to) == -1 ? -1 : 0;
}

int
store_incident_get(struct store *st, int64_t id, store_incident_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct incident_walk	w = { .fn = fn, .arg = arg };
	int			n;

	n = store_query(st, STORE_ONCE, "SELECT " INCIDENT_COLS " FROM "
	    "incidents i LEFT JOIN agents a ON a.id = i.agent_id WHERE i.id = "
	    "?1", "reading the incident", incident_row, &w, err, errlen, "I",
	    id);
	return n == -1 ? -1 : n == 0 ? 1 : 0;
}

static int
notification_row(void *arg, const struct store_row *r, char *err,
    size_t errlen)
{
	struct incident_walk		*w = arg;
	struct notification_row		 n = {
		.id = store_col_int(r, 0),
		.incident_id = store_col_int(r, 1),
		.channel = store_col_text(r, 2),
		.ts_ms = store_col_time(r, 3),
		.ok = store_col_int(r, 4) != 0,
		.attempt = (int)store_col_int(r, 5),
		.digest = store_col_int(r, 6) != 0,
		.error = store_col_text(r, 7),
	};

	return w->send_fn(w->arg, &n, err, errlen) == -1 ? -1 : 0;
}

#define NOTIFICATION_COLS "id, incident_id, channel, ts, ok, attempt, " \
	"digest, error FROM notifications "

int
store_notify_recent(struct store *st, const char *channel, int limit,
    store_notification_fn fn, void *arg, char *err, size_t errlen)
{
	struct incident_walk w = { .send_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT " NOTIFICATION_COLS
	    "WHERE channel = ?1 ORDER BY id DESC LIMIT ?2",
	    "reading notifications", notification_row, &w, err, errlen, "si",
	    channel, limit) == -1 ? -1 : 0;
}

int
store_incident_notifications(struct store *st, int64_t id,
    store_notification_fn fn, void *arg, char *err, size_t errlen)
{
	struct incident_walk w = { .send_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT " NOTIFICATION_COLS
	    "WHERE incident_id = ?1 ORDER BY id", "reading the incident",
	    notification_row, &w, err, errlen, "I", id) == -1 ? -1 : 0;
}

static int
incident_event_row(void *arg, const struct store_row *r, char *err,
    size_t errlen)
{
	struct incident_walk	*w = arg;
	struct event_row	 e = {
		.id = store_col_int(r, 0),
		.seq = store_col_int(r, 1),
		.ts_ms = store_col_int(r, 2),
		.received_ms = store_col_int(r, 3),
		.severity = (enum severity)store_col_int(r, 4),
		.key = store_col_text(r, 5),
		.data = store_col_text(r, 6),
		.data_len = store_col_bytes(r, 6),
	};

	return w->event_fn(w->arg, &e, err, errlen) == -1 ? -1 : 0;
}

int
store_incident_events(struct store *st, int64_t id, store_event_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct incident_walk w = { .event_fn = fn, .arg = arg };

	/* The newest 100 events; the incident's count says how many in all. */
	return store_query(st, STORE_ONCE, "SELECT * FROM (SELECT e.id, "
	    "e.seq, e.ts, e.received, e.severity, e.key, e.data FROM "
	    "incident_events ie JOIN events e ON e.id = ie.event_id WHERE "
	    "ie.incident_id = ?1 ORDER BY e.id DESC LIMIT 100) AS last ORDER BY id",
	    "reading the incident", incident_event_row, &w, err, errlen, "I",
	    id) == -1 ? -1 : 0;
}

static int
trail_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct incident_walk	*w = arg;
	struct trail_row	 t = {
		.id = store_col_int(r, 0),
		.ts_ms = store_col_time(r, 1),
		.actor = store_col_text(r, 2),
		.source = store_col_text(r, 3),
		.action = store_col_text(r, 4),
		.from = store_col_text(r, 5),
		.to = store_col_text(r, 6),
		.note = store_col_text(r, 7),
		.hash = store_col_text(r, 8),
	};

	return w->trail_fn(w->arg, &t, err, errlen) == -1 ? -1 : 0;
}

int
store_incident_trail(struct store *st, int64_t id, store_trail_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct incident_walk w = { .trail_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT id, ts, actor, source, "
	    "action, from_status, to_status, note, hash FROM incident_trail "
	    "WHERE incident_id = ?1 ORDER BY id", "reading the incident",
	    trail_row, &w, err, errlen, "I", id) == -1 ? -1 : 0;
}

struct verify_walk {
	char	 prev[DIGEST_SHA256_HEX];
	int64_t	*rows, *broken_id;
};

/* One trail row: 0 next, 1 broken here (why in err), -1 out of memory. */
static int
verify_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct verify_walk	*w = arg;
	int64_t			 id = store_col_int(r, 0);
	const char		*ph = store_col_text(r, 9);
	const char		*h = store_col_text(r, 10);
	char			 hash[DIGEST_SHA256_HEX], *canon;

	(*w->rows)++;
	canon = trail_canonical(id, store_col_int(r, 1), store_col_int(r, 2),
	    store_col_text(r, 3), store_col_text(r, 4), store_col_text(r, 5),
	    store_col_text(r, 6), store_col_text(r, 7), store_col_text(r, 8));
	if (canon == NULL || trail_hash(w->prev, canon, hash,
	    sizeof(hash)) == -1) {
		free(canon);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(canon);
	if (ph == NULL || strcmp(ph, w->prev) != 0) {
		*w->broken_id = id;
		snprintf(err, errlen, "trail row %" PRId64 ": prev_hash does not "
		    "match the hash of the row before it (a row was removed, "
		    "inserted or its hash edited)", id);
		return 1;
	}
	if (h == NULL || strcmp(h, hash) != 0) {
		*w->broken_id = id;
		snprintf(err, errlen, "trail row %" PRId64 " (incident %" PRId64
		    ", %s by %s): its content does not match its hash (the row "
		    "was edited)", id, store_col_int(r, 1), store_col_text(r, 5),
		    store_col_text(r, 3));
		return 1;
	}
	snprintf(w->prev, sizeof(w->prev), "%s", h);
	return 0;
}

int
store_incident_verify(struct store *st, int64_t *rows, int64_t *broken_id,
    char *why, size_t whylen)
{
	struct verify_walk w = { ZERO_HASH, rows, broken_id };

	*rows = 0;
	*broken_id = 0;
	why[0] = '\0';
	return store_query(st, STORE_ONCE, "SELECT id, incident_id, ts, actor, "
	    "source, action, from_status, to_status, note, prev_hash, hash "
	    "FROM incident_trail ORDER BY id", "reading the trail", verify_row,
	    &w, why, whylen, "") == -1 ? -1 : 0;
}

int
store_incident_msg(struct store *st, int64_t id, struct notify_msg *m,
    char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 step, rc = -1;

	memset(m, 0, sizeof(*m));
	if (prep(st, STMT_INCIDENT_MSG, "SELECT i.title, i.category, "
	    "i.subcategory, i.level, i.status, coalesce(a.name, i.asset), "
	    "i.key, i.first_seen, i.count "
	    "FROM incidents i LEFT JOIN agents a ON a.id = i.agent_id "
	    "WHERE i.id = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, id);
	step = db_step(s);
	if (step != DB_ROW) {
		if (step == DB_DONE)
			snprintf(err, errlen, "no incident %" PRId64, id);
		else
			store_db_err(st, "reading the incident", err, errlen);
		goto out;
	}
	m->incident_id = id;
	snprintf(m->title, sizeof(m->title), "%s", db_column_text(s, 0));
	{
		const char *sub = db_column_text(s, 2);

		snprintf(m->category, sizeof(m->category), "%s",
		    sub && *sub ? sub : db_column_text(s, 1));
	}
	m->level = db_column_int(s, 3);
	snprintf(m->status, sizeof(m->status), "%s", db_column_text(s, 4));
	snprintf(m->agent, sizeof(m->agent), "%s", db_column_text(s, 5));
	snprintf(m->key, sizeof(m->key), "%s", db_column_text(s, 6));
	m->first_seen_ms = db_column_int64(s, 7);
	m->count = db_column_int64(s, 8);
	rc = 0;
out:
	store_stmt_release(s);
	return rc;
}
