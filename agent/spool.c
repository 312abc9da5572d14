/*
 * The agent spool on SQLite.  Contract in spool.h.
 *
 * Schema (PRAGMA user_version 1):
 *   events(seq PK, ts_ms, severity, type, key, data, size)
 *     index (severity, seq) so "oldest of the lowest severity" is one seek;
 *   meta, one row: next_seq, bytes (sum of events.size), the drop counters
 *     not yet reported, and when the last report was written.
 * Keeping next_seq and bytes in the same transaction as the rows they
 * describe is what makes "never reuse a seq" and the size cap hold across
 * crashes and across the two connections (event loop and uploader).
 *
 * Size is accounted, not measured: the strings of a row plus
 * SPOOL_ROW_OVERHEAD.  SQLite reuses freed pages, so the file stays near
 * max_bytes plus its index and the WAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "agent/spool.h"
#include "common/timeutil.h"

#define SPOOL_SCHEMA_VERSION	1
/* Room kept free for the spool_dropped report itself. */
#define SPOOL_REPORT_RESERVE	512
#define SPOOL_SEVERITIES	5

struct spool {
	sqlite3		*db;
	char		*path;
	int64_t		 max_bytes;
	int64_t		 report_ms;
};

/* The meta row, read and written inside one transaction. */
struct spool_meta {
	int64_t		next_seq;
	int64_t		bytes;
	int64_t		drop[SPOOL_SEVERITIES];
	int64_t		drop_first, drop_last;	/* seqs of dropped rows, 0 = none */
	int64_t		last_report_ms;
};

static const char schema_v1[] =
	"CREATE TABLE events ("
	" seq INTEGER PRIMARY KEY,"
	" ts_ms INTEGER NOT NULL,"
	" severity INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" data TEXT NOT NULL,"
	" size INTEGER NOT NULL);"
	"CREATE INDEX events_sev ON events(severity, seq);"
	"CREATE TABLE meta ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" next_seq INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	" d0 INTEGER NOT NULL, d1 INTEGER NOT NULL, d2 INTEGER NOT NULL,"
	" d3 INTEGER NOT NULL, d4 INTEGER NOT NULL,"
	" drop_first INTEGER NOT NULL, drop_last INTEGER NOT NULL,"
	" last_report_ms INTEGER NOT NULL);"
	"INSERT INTO meta VALUES (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);"
	"PRAGMA user_version = 1;";

static int
sp_fail(struct spool *sp, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "spool %s: %s: %s", sp->path, what,
	    sqlite3_errmsg(sp->db));
	return -1;
}

static int
exec(struct spool *sp, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(sp->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sp_fail(sp, err, errlen, sql);
	return 0;
}

static void
rollback(struct spool *sp)
{
	/* Harmless when no transaction is open (SQLite then says so). */
	(void)sqlite3_exec(sp->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
pragma_text(struct spool *sp, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(sp->db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, outlen, "%s", t ? (const char *)t : "");
		rc = 0;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

static int
migrate(struct spool *sp, char *err, size_t errlen)
{
	char	v[32];
	int64_t	ver;

	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (pragma_text(sp, "PRAGMA user_version", v, sizeof(v)) == -1) {
		sp_fail(sp, err, errlen, "reading the schema version");
		goto fail;
	}
	ver = strtoll(v, NULL, 10);
	if (ver == 0) {
		if (exec(sp, schema_v1, err, errlen) == -1)
			goto fail;
	} else if (ver > SPOOL_SCHEMA_VERSION) {
		snprintf(err, errlen, "spool %s: schema version %lld is newer "
		    "than this agent knows (%d); use a newer agent or move the "
		    "file away", sp->path, (long long)ver, SPOOL_SCHEMA_VERSION);
		goto fail;
	}
	return exec(sp, "COMMIT", err, errlen);
fail:
	rollback(sp);
	return -1;
}

struct spool *
spool_open(const char *path, int64_t max_bytes, char *err, size_t errlen)
{
	struct spool	*sp;
	char		 mode[16];

	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (sp->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "spool %s: out of memory", path);
		goto fail;
	}
	sp->max_bytes = max_bytes;
	sp->report_ms = 60000;
	if (sqlite3_open_v2(path, &sp->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "cannot open");
		goto fail;
	}
	/* Writers of the two connections wait for each other, not fail. */
	sqlite3_busy_timeout(sp->db, 30000);
	if (pragma_text(sp, "PRAGMA journal_mode=WAL", mode, sizeof(mode)) == -1 ||
	    strcmp(mode, "wal") != 0) {
		sp_fail(sp, err, errlen, "cannot switch to WAL mode (not a "
		    "spool file, or a file system without shared memory?)");
		goto fail;
	}
	/*
	 * FULL: an event emit() reported as committed survives power loss.
	 * A small page cache: the agent must stay small at idle.
	 */
	if (exec(sp, "PRAGMA synchronous=FULL", err, errlen) == -1 ||
	    exec(sp, "PRAGMA cache_size=-256", err, errlen) == -1 ||
	    migrate(sp, err, errlen) == -1)
		goto fail;
	/*
	 * sync.acked: the highest seq the collector ever acknowledged; 0 for
	 * a fresh spool (spool_raise_seq).  Made on the first open; a spool
	 * from before that has issued seqs counts as synced already.
	 */
	if (exec(sp, "CREATE TABLE IF NOT EXISTS sync (id INTEGER PRIMARY KEY "
	    "CHECK (id = 1), acked INTEGER NOT NULL); INSERT OR IGNORE INTO "
	    "sync SELECT 1, CASE WHEN next_seq > 1 THEN 1 ELSE 0 END FROM meta",
	    err, errlen) == -1)
		goto fail;
	return sp;
fail:
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	sqlite3_close(sp->db);
	free(sp->path);
	free(sp);
}

void
spool_set_max(struct spool *sp, int64_t max_bytes)
{
	sp->max_bytes = max_bytes;
}

void
spool_set_drop_report_interval(struct spool *sp, int64_t ms)
{
	sp->report_ms = ms;
}

static int
meta_read(struct spool *sp, struct spool_meta *m, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(sp->db, "SELECT next_seq, bytes, d0, d1, d2, "
	    "d3, d4, drop_first, drop_last, last_report_ms FROM meta WHERE "
	    "id = 1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sp_fail(sp, err, errlen, "reading the counters");
		goto out;
	}
	m->next_seq = sqlite3_column_int64(st, 0);
	m->bytes = sqlite3_column_int64(st, 1);
	for (int i = 0; i < SPOOL_SEVERITIES; i++)
		m->drop[i] = sqlite3_column_int64(st, 2 + i);
	m->drop_first = sqlite3_column_int64(st, 7);
	m->drop_last = sqlite3_column_int64(st, 8);
	m->last_report_ms = sqlite3_column_int64(st, 9);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
meta_write(struct spool *sp, const struct spool_meta *m, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(sp->db, "UPDATE meta SET next_seq = ?, bytes = ?, "
	    "d0 = ?, d1 = ?, d2 = ?, d3 = ?, d4 = ?, drop_first = ?, "
	    "drop_last = ?, last_report_ms = ? WHERE id = 1", -1, &st,
	    NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "writing the counters");
		goto out;
	}
	sqlite3_bind_int64(st, 1, m->next_seq);
	sqlite3_bind_int64(st, 2, m->bytes);
	for (int i = 0; i < SPOOL_SEVERITIES; i++)
		sqlite3_bind_int64(st, 3 + i, m->drop[i]);
	sqlite3_bind_int64(st, 8, m->drop_first);
	sqlite3_bind_int64(st, 9, m->drop_last);
	sqlite3_bind_int64(st, 10, m->last_report_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sp_fail(sp, err, errlen, "writing the counters");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
row_insert(struct spool *sp, struct spool_meta *m, int64_t ts_ms,
    const char *type, enum severity sev, const char *key, const char *data,
    int64_t size, uint64_t *seq, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc = -1;

	if (sqlite3_prepare_v2(sp->db, "INSERT INTO events (seq, ts_ms, "
	    "severity, type, key, data, size) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "storing an event");
		goto out;
	}
	sqlite3_bind_int64(st, 1, m->next_seq);
	sqlite3_bind_int64(st, 2, ts_ms);
	sqlite3_bind_int(st, 3, (int)sev);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, data, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, size);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sp_fail(sp, err, errlen, "storing an event");
		goto out;
	}
	if (seq != NULL)
		*seq = (uint64_t)m->next_seq;
	m->next_seq++;
	m->bytes += size;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int64_t
drops_pending(const struct spool_meta *m)
{
	int64_t n = 0;

	for (int i = 0; i < SPOOL_SEVERITIES; i++)
		n += m->drop[i];
	return n;
}

/* Write the spool_dropped event from the counters and reset them. */
static int
report_write(struct spool *sp, struct spool_meta *m, int64_t now, char *err,
    size_t errlen)
{
	json_t	*d, *by;
	char	*text = NULL;
	int	 rc = -1;
	int64_t	 total = drops_pending(m);

	by = json_object();
	for (int i = 0; i < SPOOL_SEVERITIES && by != NULL; i++)
		json_object_set_new(by, severity_name((enum severity)i),
		    json_integer(m->drop[i]));
	d = json_pack("{s:I, s:o, s:I, s:I, s:I}", "dropped", (json_int_t)total,
	    "by_severity", by, "first_seq", (json_int_t)m->drop_first,
	    "last_seq", (json_int_t)m->drop_last,
	    "spool_max", (json_int_t)sp->max_bytes);
	if (d == NULL || (text = json_dumps(d, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "spool %s: out of memory", sp->path);
		goto out;
	}
	if (row_insert(sp, m, now, "spool_dropped", SEV_MEDIUM, "spool_dropped",
	    text, (int64_t)(strlen(text) + 26 + SPOOL_ROW_OVERHEAD), NULL, err,
	    errlen) == -1)
		goto out;
	memset(m->drop, 0, sizeof(m->drop));
	m->drop_first = m->drop_last = 0;
	m->last_report_ms = now;
	rc = 0;
out:
	json_decref(d);
	free(text);
	return rc;
}

/*
 * Make room for need bytes by deleting the oldest rows of the lowest
 * severity, never above sev.  1 when there is room, 0 when the new event
 * must lose instead, -1 on error.
 */
static int
make_room(struct spool *sp, struct spool_meta *m, enum severity sev,
    int64_t need, char *err, size_t errlen)
{
	sqlite3_stmt	*sel = NULL, *del = NULL;
	int		 rc = -1;

	if (m->bytes + need <= sp->max_bytes)
		return 1;
	if (sqlite3_prepare_v2(sp->db, "SELECT seq, size, severity FROM events "
	    "WHERE severity <= ? ORDER BY severity, seq LIMIT 1", -1, &sel,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sp->db, "DELETE FROM events WHERE seq = ?", -1,
	    &del, NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "making room");
		goto out;
	}
	while (m->bytes + need > sp->max_bytes) {
		int64_t	seq, size;
		int	s;

		sqlite3_reset(sel);
		sqlite3_bind_int(sel, 1, (int)sev);
		if (sqlite3_step(sel) != SQLITE_ROW) {
			rc = 0;
			goto out;
		}
		seq = sqlite3_column_int64(sel, 0);
		size = sqlite3_column_int64(sel, 1);
		s = sqlite3_column_int(sel, 2);
		sqlite3_reset(sel);
		sqlite3_reset(del);
		sqlite3_bind_int64(del, 1, seq);
		if (sqlite3_step(del) != SQLITE_DONE) {
			sp_fail(sp, err, errlen, "making room");
			goto out;
		}
		m->bytes -= size;
		if (s >= 0 && s < SPOOL_SEVERITIES)
			m->drop[s]++;
		if (m->drop_first == 0 || seq < m->drop_first)
			m->drop_first = seq;
		if (seq > m->drop_last)
			m->drop_last = seq;
	}
	rc = 1;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	return rc;
}

int
spool_append(struct spool *sp, int64_t ts_ms, const char *type,
    enum severity sev, const char *key, const json_t *data, uint64_t *seq,
    char *err, size_t errlen)
{
	struct spool_meta	 m;
	char			*text = NULL;
	int64_t			 size, now = time_now_ms();
	int			 rc = -1, room;

	if ((unsigned)sev >= SPOOL_SEVERITIES) {
		snprintf(err, errlen, "spool: severity %d out of range", (int)sev);
		return -1;
	}
	text = data != NULL ? json_dumps(data, JSON_COMPACT) : strdup("{}");
	if (text == NULL) {
		snprintf(err, errlen, "spool: cannot encode the event data");
		return -1;
	}
	size = (int64_t)(strlen(type) + strlen(key) + strlen(text)) +
	    SPOOL_ROW_OVERHEAD;
	if (size + SPOOL_REPORT_RESERVE > sp->max_bytes) {
		snprintf(err, errlen, "spool: event '%s' of %lld bytes cannot fit "
		    "in spool_max %lld bytes", type, (long long)size,
		    (long long)sp->max_bytes);
		goto out;
	}
	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		goto out;
	if (meta_read(sp, &m, err, errlen) == -1)
		goto fail;
	if ((room = make_room(sp, &m, sev, size + SPOOL_REPORT_RESERVE, err,
	    errlen)) == -1)
		goto fail;
	if (room) {
		if (row_insert(sp, &m, ts_ms, type, sev, key, text, size, seq,
		    err, errlen) == -1)
			goto fail;
	} else {
		m.drop[sev]++;
	}
	if (drops_pending(&m) > 0 && (sp->report_ms == 0 ||
	    m.last_report_ms == 0 || now - m.last_report_ms >= sp->report_ms ||
	    now < m.last_report_ms)) {
		if (report_write(sp, &m, now, err, errlen) == -1)
			goto fail;
	}
	if (meta_write(sp, &m, err, errlen) == -1 ||
	    exec(sp, "COMMIT", err, errlen) == -1)
		goto fail;
	rc = room;
	goto out;
fail:
	rollback(sp);
out:
	free(text);
	return rc;
}

int64_t
spool_raise_seq(struct spool *sp, uint64_t floor, char *err, size_t errlen)
{
	struct spool_meta	 m;
	sqlite3_stmt		*st = NULL;
	int64_t			 lowest, delta, acked;
	char			 sql[160];

	if (floor >= (uint64_t)INT64_MAX / 2) {
		snprintf(err, errlen, "spool: collector's last seq %llu is out "
		    "of range", (unsigned long long)floor);
		return -1;
	}
	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (meta_read(sp, &m, err, errlen) == -1)
		goto fail;
	lowest = m.next_seq;
	if (sqlite3_prepare_v2(sp->db, "SELECT min(seq), (SELECT acked FROM "
	    "sync) FROM events", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sp_fail(sp, err, errlen, "SELECT min(seq)");
		goto fail;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		lowest = sqlite3_column_int64(st, 0);
	acked = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	/*
	 * A spool that has been acknowledged before may hold events at or
	 * below floor that the collector stored while the answer was lost:
	 * those are resends, leave them.  A fresh one (nothing ever
	 * acknowledged) holds only new events, whatever their numbers.
	 */
	if (m.next_seq > (int64_t)floor && (acked != 0 ||
	    lowest > (int64_t)floor)) {
		rollback(sp);
		return 0;
	}
	delta = (int64_t)floor + 1 - lowest;
	/* Through negative numbers: shifting in place would collide with
	   the rows above before they moved. */
	snprintf(sql, sizeof(sql), "UPDATE events SET seq = -seq; UPDATE "
	    "events SET seq = -seq + %lld", (long long)delta);
	if (exec(sp, sql, err, errlen) == -1)
		goto fail;
	m.next_seq += delta;
	if (m.drop_first != 0)
		m.drop_first += delta;
	if (m.drop_last != 0)
		m.drop_last += delta;
	if (meta_write(sp, &m, err, errlen) == -1 ||
	    exec(sp, "COMMIT", err, errlen) == -1)
		goto fail;
	return delta;
fail:
	sqlite3_finalize(st);
	rollback(sp);
	return -1;
}

int
spool_flush_drops(struct spool *sp, char *err, size_t errlen)
{
	struct spool_meta	m;

	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (meta_read(sp, &m, err, errlen) == -1)
		goto fail;
	if (drops_pending(&m) == 0) {
		rollback(sp);
		return 0;
	}
	if (report_write(sp, &m, time_now_ms(), err, errlen) == -1 ||
	    meta_write(sp, &m, err, errlen) == -1 ||
	    exec(sp, "COMMIT", err, errlen) == -1)
		goto fail;
	return 1;
fail:
	rollback(sp);
	return -1;
}

int
spool_read_batch(struct spool *sp, const char *agent, size_t max_events,
    size_t max_bytes, struct event_batch *b, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	size_t		 bytes = 0, cap = 0;
	int		 rc = -1, s;

	memset(b, 0, sizeof(*b));
	if (snprintf(b->agent, sizeof(b->agent), "%s", agent) >=
	    (int)sizeof(b->agent)) {
		snprintf(err, errlen, "spool: agent name too long");
		return -1;
	}
	if (max_events == 0)
		return 0;
	if (sqlite3_prepare_v2(sp->db, "SELECT seq, ts_ms, severity, type, key, "
	    "data, size FROM events ORDER BY seq LIMIT ?", -1, &st,
	    NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "reading a batch");
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max_events);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct event	*ev;
		const char	*type = (const char *)sqlite3_column_text(st, 3);
		const char	*key = (const char *)sqlite3_column_text(st, 4);
		const char	*data = (const char *)sqlite3_column_text(st, 5);
		size_t		 size = (size_t)sqlite3_column_int64(st, 6);
		json_t		*d;
		int		 sev = sqlite3_column_int(st, 2);

		if (b->n > 0 && bytes + size > max_bytes)
			break;
		/* Grow on demand: an idle agent must not hold batch_max slots. */
		if (b->n == cap) {
			size_t		 ncap = cap ? cap * 2 : 16;
			struct event	*ne;

			if (ncap > max_events)
				ncap = max_events;
			if ((ne = realloc(b->events, ncap * sizeof(*ne))) == NULL) {
				snprintf(err, errlen, "spool: out of memory");
				goto out;
			}
			b->events = ne;
			cap = ncap;
		}
		ev = &b->events[b->n];
		bytes += size;
		/*
		 * The file is ours, but a disk can rot: an unreadable row is
		 * still sent (with what is left of it) rather than blocking
		 * every event behind it forever.
		 */
		d = data != NULL ? json_loads(data, 0, NULL) : NULL;
		if (d == NULL || !json_is_object(d)) {
			json_decref(d);
			d = json_pack("{s:s}", "spool_error", "stored data "
			    "unreadable");
		}
		if (sev < 0 || sev >= SPOOL_SEVERITIES)
			sev = SEV_MEDIUM;
		if (event_set(ev, agent, (uint64_t)sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1), type ? type : "unknown",
		    (enum severity)sev, key ? key : "", d) == -1) {
			event_clear(ev);
			snprintf(err, errlen, "spool: stored event %lld does not "
			    "fit the event model", (long long)
			    sqlite3_column_int64(st, 0));
			goto out;
		}
		b->n++;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE) {
		sp_fail(sp, err, errlen, "reading a batch");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc != 0)
		event_batch_free(b);
	return rc;
}

int64_t
spool_ack(struct spool *sp, uint64_t through, char *err, size_t errlen)
{
	struct spool_meta	 m;
	sqlite3_stmt		*st = NULL;
	int64_t			 n = -1, bytes;

	if (through > INT64_MAX) {
		snprintf(err, errlen, "spool: acknowledged seq out of range");
		return -1;
	}
	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (meta_read(sp, &m, err, errlen) == -1)
		goto fail;
	if (sqlite3_prepare_v2(sp->db, "SELECT count(*), total(size) FROM "
	    "events WHERE seq <= ?", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)through);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto sqlfail;
	n = sqlite3_column_int64(st, 0);
	bytes = (int64_t)sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sp->db, "DELETE FROM events WHERE seq <= ?", -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)through);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sp->db, "UPDATE sync SET acked = max(acked, ?)",
	    -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)through);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	m.bytes -= bytes;
	if (m.bytes < 0)
		m.bytes = 0;
	if (meta_write(sp, &m, err, errlen) == -1 ||
	    exec(sp, "COMMIT", err, errlen) == -1)
		goto fail;
	return n;
sqlfail:
	sp_fail(sp, err, errlen, "deleting acknowledged events");
fail:
	sqlite3_finalize(st);
	rollback(sp);
	return -1;
}

int
spool_stats(struct spool *sp, struct spool_stats *out, char *err,
    size_t errlen)
{
	struct spool_meta	 m;
	sqlite3_stmt		*st = NULL;
	int			 rc = -1;

	if (exec(sp, "BEGIN", err, errlen) == -1)
		return -1;
	if (meta_read(sp, &m, err, errlen) == -1)
		goto out;
	if (sqlite3_prepare_v2(sp->db, "SELECT count(*) FROM events", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sp_fail(sp, err, errlen, "counting events");
		goto out;
	}
	out->events = (uint64_t)sqlite3_column_int64(st, 0);
	out->bytes = m.bytes;
	out->next_seq = (uint64_t)m.next_seq;
	out->dropped_pending = (uint64_t)drops_pending(&m);
	rc = 0;
out:
	sqlite3_finalize(st);
	rollback(sp);
	return rc;
}
