/*
 * The agent spool on SQLite.  Contract in spool.h.
 *
 * Schema (PRAGMA user_version 1):
 *   events(seq PK, ts_ms, severity, type, key, data, size)
 *     index (severity, seq) so "oldest of the lowest severity" is one seek;
 *   meta, one row: next_seq, bytes (sum of events.size), the drop counters
 *     not yet reported, and when the last report was written;
 *   sync, one row: the highest seq the collector acknowledged;
 *   recovered, at most one row: the first seq a recovery issued, until
 *     the collector's last seq is known (the end of this file);
 *   rejected: dead letters, events the collector answered as rejected
 *     (seq, ts, severity, type, key, data, error, rejected_at), made by
 *     the first rejection.
 * Keeping next_seq and bytes in the same transaction as the rows they
 * describe is what makes "never reuse a seq" and the size cap hold across
 * crashes and across the two connections (event loop and uploader).
 *
 * Size is accounted, not measured: the strings of a row plus
 * SPOOL_ROW_OVERHEAD.  SQLite reuses freed pages, so the file stays near
 * max_bytes plus its index and the WAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/spool.h"
#include "common/log.h"
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
	/* The file this connection has open (a recovery replaces it). */
	dev_t		 dev;
	ino_t		 ino;
	/* The last failure was SQLITE_CORRUPT or SQLITE_NOTADB. */
	int		 corrupt;
	char		 corrupt_why[160];
};

static void	sp_note_corrupt(struct spool *);
static int	sp_identify(struct spool *, char *, size_t);
static int	sp_replaced(const struct spool *);
static void	db_keep_wal(sqlite3 *);
static struct spool *sp_open_recover(struct spool *, char *, size_t);
struct spool_meta;
static int	recovered_raise(struct spool *, struct spool_meta *, uint64_t,
		    int64_t *, char *, size_t);

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
	sp_note_corrupt(sp);
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
	if (sp_identify(sp, err, errlen) == -1)
		goto fail;
	return sp;
fail:
	/* A damaged spool (not a foreign file) is moved aside and salvaged. */
	if (sp != NULL && sp->corrupt)
		return sp_open_recover(sp, err, errlen);
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->path != NULL && sp_replaced(sp))
		db_keep_wal(sp->db);
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

static int
append_tx(struct spool *sp, int64_t ts_ms, const char *type,
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

static int64_t
raise_seq_tx(struct spool *sp, uint64_t floor, char *err, size_t errlen)
{
	struct spool_meta	 m;
	sqlite3_stmt		*st = NULL;
	int64_t			 lowest, delta = 0, acked;
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
	switch (recovered_raise(sp, &m, floor, &delta, err, errlen)) {
	case -1:
		goto fail;
	case 1:
		if (meta_write(sp, &m, err, errlen) == -1 ||
		    exec(sp, "COMMIT", err, errlen) == -1)
			goto fail;
		return delta;
	}
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

static int
flush_drops_tx(struct spool *sp, char *err, size_t errlen)
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

static int
read_batch_tx(struct spool *sp, const char *agent, size_t max_events,
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
	    "data, size FROM events WHERE seq < (SELECT ifnull(min(from_seq), "
	    "9223372036854775807) FROM recovered) ORDER BY seq LIMIT ?", -1, &st,
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
			/* Damage that SQLite cannot see: recover all the same. */
			sp->corrupt = 1;
			snprintf(sp->corrupt_why, sizeof(sp->corrupt_why), "%s",
			    err);
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

static int64_t
ack_tx(struct spool *sp, uint64_t through, char *err, size_t errlen)
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
	/*
	 * Never what a recovery issued since (held back, never sent): a
	 * batch read from the damaged file may be acknowledged after it.
	 */
	if (sqlite3_prepare_v2(sp->db, "SELECT count(*), total(size) FROM "
	    "events WHERE seq <= ?1 AND seq < (SELECT ifnull(min(from_seq), "
	    "9223372036854775807) FROM recovered)", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)through);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto sqlfail;
	n = sqlite3_column_int64(st, 0);
	bytes = (int64_t)sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sp->db, "DELETE FROM events WHERE seq <= ?1 AND "
	    "seq < (SELECT ifnull(min(from_seq), 9223372036854775807) FROM "
	    "recovered)", -1, &st, NULL) != SQLITE_OK)
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

/* The dead letters (spool_reject); see the schema at the top. */
#define SPOOL_REJECTED_TABLE	"CREATE TABLE IF NOT EXISTS rejected (seq " \
	"INTEGER PRIMARY KEY, ts INTEGER NOT NULL, severity INTEGER NOT NULL, " \
	"type TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, " \
	"error TEXT NOT NULL, rejected_at INTEGER NOT NULL)"

/*
 * Move event seq to the dead letters with why, and unless it is itself a
 * spool_rejected report, write a spool_rejected event about it.
 */
static int
reject_tx(struct spool *sp, uint64_t seq, const char *why, char *err,
    size_t errlen)
{
	struct spool_meta	 m;
	sqlite3_stmt		*st = NULL;
	json_t			*d = NULL;
	char			*text = NULL, type[EVENT_TYPE_MAX];
	int64_t			 size = 0, now = time_now_ms();
	int			 rc = -1, step;

	if (seq > INT64_MAX) {
		snprintf(err, errlen, "spool: rejected seq out of range");
		return -1;
	}
	if (exec(sp, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* Made by the first rejection: most spools never need it. */
	if (exec(sp, SPOOL_REJECTED_TABLE, err, errlen) == -1 ||
	    meta_read(sp, &m, err, errlen) == -1)
		goto fail;
	if (sqlite3_prepare_v2(sp->db, "SELECT type, size FROM events WHERE "
	    "seq = ?1", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	if ((step = sqlite3_step(st)) == SQLITE_DONE) {
		/* Moved already (a resent batch told it again), or acked. */
		sqlite3_finalize(st);
		rollback(sp);
		return 0;
	}
	if (step != SQLITE_ROW)
		goto sqlfail;
	snprintf(type, sizeof(type), "%s", (const char *)sqlite3_column_text(st,
	    0));
	size = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sp->db, "INSERT OR REPLACE INTO rejected (seq, "
	    "ts, severity, type, key, data, error, rejected_at) SELECT seq, "
	    "ts_ms, severity, type, key, data, ?2, ?3 FROM events WHERE seq = "
	    "?1", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sp->db, "DELETE FROM events WHERE seq = ?1", -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	m.bytes -= size;
	if (m.bytes < 0)
		m.bytes = 0;
	/* A report that is itself refused is only kept: no report loop. */
	if (strcmp(type, "spool_rejected") != 0) {
		d = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)seq, "type",
		    type, "error", why);
		if (d == NULL || (text = json_dumps(d, JSON_COMPACT)) == NULL) {
			snprintf(err, errlen, "spool %s: out of memory", sp->path);
			goto fail;
		}
		if (row_insert(sp, &m, now, "spool_rejected", SEV_HIGH,
		    "spool_rejected", text, (int64_t)(strlen(text) + 28 +
		    SPOOL_ROW_OVERHEAD), NULL, err, errlen) == -1)
			goto fail;
	}
	if (meta_write(sp, &m, err, errlen) == -1 ||
	    exec(sp, "COMMIT", err, errlen) == -1)
		goto fail;
	rc = d != NULL ? 1 : 2;
	goto out;
sqlfail:
	sp_fail(sp, err, errlen, "moving a rejected event to the dead letters");
fail:
	rollback(sp);
out:
	sqlite3_finalize(st);
	json_decref(d);
	free(text);
	return rc;
}

static int
rejected_tx(struct spool *sp, json_t **out, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	json_t		*arr = json_array();
	int		 rc = -1, step;

	if (exec(sp, SPOOL_REJECTED_TABLE, err, errlen) == -1)
		goto out;
	if (arr == NULL || sqlite3_prepare_v2(sp->db, "SELECT seq, ts, "
	    "severity, type, key, data, error, rejected_at FROM rejected ORDER "
	    "BY seq", -1, &st, NULL) != SQLITE_OK) {
		sp_fail(sp, err, errlen, "listing the dead letters");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *data = json_loads((const char *)sqlite3_column_text(st,
		    5), 0, NULL);

		if (json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, "
		    "s:s, s:o, s:s, s:I}", "seq",
		    (json_int_t)sqlite3_column_int64(st, 0),
		    "ts", (json_int_t)sqlite3_column_int64(st, 1),
		    "severity", severity_name((enum severity)
			sqlite3_column_int(st, 2)),
		    "type", (const char *)sqlite3_column_text(st, 3),
		    "key", (const char *)sqlite3_column_text(st, 4),
		    "data", data ? data : json_null(),
		    "error", (const char *)sqlite3_column_text(st, 6),
		    "rejected_at", (json_int_t)sqlite3_column_int64(st,
			7))) == -1) {
			snprintf(err, errlen, "spool %s: out of memory",
			    sp->path);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		sp_fail(sp, err, errlen, "listing the dead letters");
		goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	json_decref(arr);
	return rc;
}

static int
stats_tx(struct spool *sp, struct spool_stats *out, char *err,
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

/* ---- a damaged spool: detect, move aside, salvage ------------------- */

/*
 * The connections of one process (event loop, uploader) hold this lock
 * shared for every operation and a recovery holds it alone, so nothing
 * of this process works on the old file while it is moved aside.  Other
 * processes (shaobing-agent --emit) see the replaced file by its inode
 * at their next operation.
 */
static pthread_rwlock_t	sp_recover_lock = PTHREAD_RWLOCK_INITIALIZER;
/* Set while this thread builds a fresh spool: no recovery inside one. */
static _Thread_local int sp_recovering;

/*
 * Point lookups past a damaged stretch go at most this far beyond the
 * last row read (or the first seq looked for): seqs are dense, and a
 * damaged row's max(seq) can say 103,722,158 for 200 events (the walk
 * then took hours, a lookup and a failing range read per seq).
 */
#define SALVAGE_WALK_MAX	(1 << 16)
#define SEQ_SANE_MAX		((int64_t)1 << 62)

struct salvage {
	int64_t		salvaged, lost, max_seq, bytes, walk_errors;
	int		lost_exact, meta_ok;
	int64_t		next_seq, acked;	/* from the old file; 0 unknown */
	int64_t		drop[SPOOL_SEVERITIES], drop_first, drop_last;
};

static void
sp_note_corrupt(struct spool *sp)
{
	int c = sqlite3_errcode(sp->db) & 0xff;

	if (c == SQLITE_CORRUPT || c == SQLITE_NOTADB) {
		sp->corrupt = 1;
		snprintf(sp->corrupt_why, sizeof(sp->corrupt_why), "%s",
		    sqlite3_errmsg(sp->db));
	}
}

static int
sp_identify(struct spool *sp, char *err, size_t errlen)
{
	struct stat	sb;

	/* recovered.from_seq: the first seq issued after a recovery, held
	   back until the collector told its last seq (spool_raise_seq). */
	if (exec(sp, "CREATE TABLE IF NOT EXISTS recovered (id INTEGER "
	    "PRIMARY KEY CHECK (id = 1), from_seq INTEGER NOT NULL)", err,
	    errlen) == -1)
		return -1;
	if (stat(sp->path, &sb) == -1) {
		snprintf(err, errlen, "spool %s: %s", sp->path, strerror(errno));
		return -1;
	}
	sp->dev = sb.st_dev;
	sp->ino = sb.st_ino;
	return 0;
}

/* The file at sp->path is no longer the one this connection has open. */
static int
sp_replaced(const struct spool *sp)
{
	struct stat	sb;

	return stat(sp->path, &sb) == -1 || sb.st_dev != sp->dev ||
	    sb.st_ino != sp->ino;
}

/*
 * Never checkpoint a moved-aside file on close: its WAL is found by name,
 * and the name now belongs to the fresh spool.
 */
static void
db_keep_wal(sqlite3 *db)
{
	if (db != NULL)
		sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    (int *)NULL);
}

/* Follow a replaced file: a new connection on path, the old one closed. */
static int
sp_reopen(struct spool *sp, char *err, size_t errlen)
{
	struct spool	*n;
	sqlite3		*old;

	if ((n = spool_open(sp->path, sp->max_bytes, err, errlen)) == NULL)
		return -1;
	old = sp->db;
	db_keep_wal(old);
	sp->db = n->db;
	sp->dev = n->dev;
	sp->ino = n->ino;
	sp->corrupt = 0;
	n->db = old;
	sqlite3_close(n->db);
	n->db = NULL;
	spool_close(n);
	return 0;
}

/*
 * A damaged SQLite file, not a foreign one: the magic is there, or the
 * file is made of whole pages (page 1 overwritten).
 */
static int
sp_looks_like_pages(const char *path)
{
	char		head[16];
	struct stat	sb;
	int		fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) &&
	    memcmp(head, "SQLite format 3", 16) == 0)
		r = 1;
	else if (fstat(fd, &sb) == 0 && sb.st_size >= 512 &&
	    sb.st_size % 512 == 0)
		r = 1;
	close(fd);
	return r;
}

static int64_t
one_int(sqlite3 *db, const char *sql, int *ok)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 v = 0;

	*ok = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		v = sqlite3_column_int64(st, 0);
		*ok = 1;
	}
	sqlite3_finalize(st);
	return v;
}

/* Copy the row under st into ins.  0, 1 row unusable, -1 write error. */
static int
salvage_row(sqlite3_stmt *st, sqlite3_stmt *ins, struct salvage *sv)
{
	int64_t		 seq = sqlite3_column_int64(st, 0);
	int64_t		 size = sqlite3_column_int64(st, 6);
	int		 sev = sqlite3_column_int(st, 2);
	const char	*t[3];

	for (int i = 0; i < 3; i++)
		t[i] = (const char *)sqlite3_column_text(st, 3 + i);
	/* What the uploader could not send would block it again. */
	if (seq <= 0 || seq >= SEQ_SANE_MAX || t[0] == NULL || t[1] == NULL ||
	    t[2] == NULL || !event_name_ok(t[0], EVENT_TYPE_MAX) ||
	    strlen(t[1]) >= EVENT_KEY_MAX) {
		sv->lost++;
		return 1;
	}
	if (sev < 0 || sev >= SPOOL_SEVERITIES)
		sev = SEV_MEDIUM;
	if (size <= 0 || size > INT32_MAX)
		size = (int64_t)(strlen(t[0]) + strlen(t[1]) + strlen(t[2])) +
		    SPOOL_ROW_OVERHEAD;
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, seq);
	sqlite3_bind_int64(ins, 2, sqlite3_column_int64(st, 1));
	sqlite3_bind_int(ins, 3, sev);
	for (int i = 0; i < 3; i++)
		sqlite3_bind_text(ins, 4 + i, t[i], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 7, size);
	if (sqlite3_step(ins) != SQLITE_DONE)
		return -1;
	sv->salvaged++;
	sv->bytes += size;
	if (seq > sv->max_seq)
		sv->max_seq = seq;
	return 0;
}

/*
 * Read every readable row of old into nw (inside nw's transaction): seq
 * ranges in order, and past a damaged stretch one seq at a time until a
 * lookup lands on a readable page again.  -1 only when nw fails.
 */
static int
salvage_rows(sqlite3 *old, struct spool *nw, struct salvage *sv)
{
	static const char cols[] = "SELECT seq, ts_ms, severity, type, key, "
	    "data, size FROM events WHERE seq ";
	sqlite3_stmt	*sel = NULL, *one = NULL, *ins = NULL;
	char		 sql[160];
	int64_t		 lo, hi = -1, cur, v, walk_start;
	int		 ok, r, rc = -1;

	sv->next_seq = one_int(old, "SELECT next_seq FROM meta", &ok);
	if (ok && sv->next_seq > 0 && sv->next_seq < SEQ_SANE_MAX) {
		sqlite3_stmt *st = NULL;

		sv->meta_ok = 1;
		hi = sv->next_seq - 1;
		if (sqlite3_prepare_v2(old, "SELECT d0, d1, d2, d3, d4, "
		    "drop_first, drop_last FROM meta", -1, &st,
		    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < SPOOL_SEVERITIES; i++)
				sv->drop[i] = sqlite3_column_int64(st, i);
			sv->drop_first = sqlite3_column_int64(st, 5);
			sv->drop_last = sqlite3_column_int64(st, 6);
		}
		sqlite3_finalize(st);
	} else
		sv->next_seq = 0;
	sv->acked = one_int(old, "SELECT acked FROM sync", &ok);
	if (!ok || sv->acked < 0 || sv->acked >= SEQ_SANE_MAX)
		sv->acked = 0;
	v = one_int(old, "SELECT max(seq) FROM events", &ok);
	if (ok && v > hi && v < SEQ_SANE_MAX)
		hi = v;
	lo = one_int(old, "SELECT min(seq) FROM events", &ok);
	if (!ok || lo <= sv->acked)
		lo = sv->acked + 1;
	walk_start = lo;
	snprintf(sql, sizeof(sql), "%s>= ? ORDER BY seq", cols);
	if (sqlite3_prepare_v2(old, sql, -1, &sel, NULL) != SQLITE_OK) {
		/* Not even the schema: nothing to read, losses unknown. */
		sv->lost = -1;
		rc = 0;
		goto out;
	}
	snprintf(sql, sizeof(sql), "%s= ?", cols);
	if (sqlite3_prepare_v2(old, sql, -1, &one, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(nw->db, "INSERT INTO events (seq, ts_ms, "
	    "severity, type, key, data, size) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    -1, &ins, NULL) != SQLITE_OK)
		goto out;
	for (cur = lo;;) {
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, cur);
		while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
			if (salvage_row(sel, ins, sv) == -1)
				goto out;
			cur = sqlite3_column_int64(sel, 0) + 1;
		}
		if (r == SQLITE_DONE)
			break;
		/* A damaged page: one seq at a time past it. */
		if (sv->max_seq > walk_start)
			walk_start = sv->max_seq;
		for (;; cur++) {
			if ((hi >= 0 && cur > hi) ||
			    cur - walk_start > SALVAGE_WALK_MAX)
				goto done;
			sqlite3_reset(one);
			sqlite3_bind_int64(one, 1, cur);
			if ((r = sqlite3_step(one)) == SQLITE_ROW &&
			    salvage_row(one, ins, sv) == -1)
				goto out;
			if (r == SQLITE_ROW || r == SQLITE_DONE) {
				cur++;
				break;
			}
			sv->walk_errors++;
		}
	}
done:
	/* The index knows how many rows there were, when it is readable. */
	v = one_int(old, "SELECT count(*) FROM events INDEXED BY events_sev",
	    &ok);
	if (ok) {
		sv->lost += v > sv->salvaged ? v - sv->salvaged : 0;
		sv->lost_exact = 1;
	} else if (hi >= lo) {
		/* At most: the range also holds seqs the size cap dropped. */
		sv->lost = hi - lo + 1 > sv->salvaged ? hi - lo + 1 -
		    sv->salvaged : 0;
	} else
		sv->lost += sv->walk_errors;
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(one);
	sqlite3_finalize(ins);
	return rc;
}

/* The fresh spool's counters, the recovery mark and the spool_corrupt event. */
static int
salvage_finish(struct spool *nw, const struct salvage *sv, const char *aside,
    const char *why, int64_t from, char *err, size_t errlen)
{
	struct spool_meta	 m;
	json_t			*d;
	char			*text = NULL, sql[200];
	int			 rc = -1;

	if (meta_read(nw, &m, err, errlen) == -1)
		return -1;
	m.next_seq = from;
	m.bytes = sv->bytes;
	memcpy(m.drop, sv->drop, sizeof(m.drop));
	m.drop_first = sv->drop_first;
	m.drop_last = sv->drop_last;
	d = json_pack("{s:s, s:I, s:o, s:b, s:s, s:I}", "moved_to", aside,
	    "salvaged", (json_int_t)sv->salvaged, "lost", sv->lost >= 0 ?
	    json_integer(sv->lost) : json_null(),
	    "lost_exact", sv->lost_exact, "error", why,
	    "resumed_at", (json_int_t)from);
	if (d == NULL || (text = json_dumps(d, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "spool %s: out of memory", nw->path);
		goto out;
	}
	snprintf(sql, sizeof(sql), "UPDATE sync SET acked = %lld; INSERT INTO "
	    "recovered VALUES (1, %lld)", (long long)(sv->acked > 0 ?
	    sv->acked : 1), (long long)from);
	if (exec(nw, sql, err, errlen) == -1 ||
	    row_insert(nw, &m, time_now_ms(), "spool_corrupt", SEV_HIGH,
	    "spool_corrupt", text, (int64_t)(strlen(text) + 26 +
	    SPOOL_ROW_OVERHEAD), NULL, err, errlen) == -1 ||
	    meta_write(nw, &m, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	json_decref(d);
	free(text);
	return rc;
}

/* Rename a + sfx to b + sfx; a missing file is fine. */
static int
move_file(const char *a, const char *b, const char *sfx)
{
	char	x[4096], y[4096];

	snprintf(x, sizeof(x), "%s%s", a, sfx);
	snprintf(y, sizeof(y), "%s%s", b, sfx);
	return rename(x, y) == -1 && errno != ENOENT ? -1 : 0;
}

static void
sync_dir(const char *path)
{
	char	tmp[4096];
	int	fd;

	snprintf(tmp, sizeof(tmp), "%s", path);
	if ((fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * Build a fresh spool from what can be read of the damaged one at path,
 * then put it in place; the damaged file with its -wal and -shm stays
 * beside as PATH.corrupt-YYYYMMDDTHHMMSSZ.  Under sp_recover_lock.
 */
static int
sp_recover_file(const char *path, const char *why, int64_t max_bytes,
    char *err, size_t errlen)
{
	struct salvage	 sv;
	struct spool	*nw = NULL;
	sqlite3		*old = NULL;
	struct stat	 sb;
	char		 aside[4096], tmp[4096], stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	int64_t		 from;
	int		 rc = -1;

	memset(&sv, 0, sizeof(sv));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(aside, sizeof(aside), "%s.corrupt-%s", path, stamp);
	for (int i = 2; stat(aside, &sb) == 0 && i < 1000; i++)
		snprintf(aside, sizeof(aside), "%s.corrupt-%s-%d", path, stamp, i);
	snprintf(tmp, sizeof(tmp), "%s.salvage", path);
	for (int i = 0; i < 3; i++) {
		static const char *const sfx[] = { "", "-wal", "-shm" };
		char p[4200];

		snprintf(p, sizeof(p), "%s%s", tmp, sfx[i]);
		(void)unlink(p);
	}
	sp_recovering = 1;
	if ((nw = spool_open(tmp, max_bytes, err, errlen)) == NULL ||
	    exec(nw, "BEGIN IMMEDIATE", err, errlen) == -1)
		goto out;
	sv.lost = -1;
	if (sqlite3_open_v2(path, &old, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sv.lost = 0;
		db_keep_wal(old);
		sqlite3_busy_timeout(old, 30000);
		if (salvage_rows(old, nw, &sv) == -1) {
			snprintf(err, errlen, "spool %s: writing the salvaged "
			    "events to %s: %s", path, tmp, sqlite3_errmsg(nw->db));
			goto out;
		}
	}
	/* Above every seq the old file issued, held or acknowledged. */
	from = sv.max_seq;
	if (sv.next_seq - 1 > from)
		from = sv.next_seq - 1;
	if (sv.acked > from)
		from = sv.acked;
	from++;
	if (salvage_finish(nw, &sv, aside, why, from, err, errlen) == -1 ||
	    exec(nw, "COMMIT", err, errlen) == -1)
		goto out;
	spool_close(nw);
	nw = NULL;
	sqlite3_close(old);
	old = NULL;
	/* The owner and mode of the old file (root may be the one here). */
	if (stat(path, &sb) == 0) {
		if (geteuid() == 0 && chown(tmp, sb.st_uid, sb.st_gid) == -1)
			log_warn("chown %s", tmp);
		(void)chmod(tmp, sb.st_mode & 0777);
	}
	/* The WAL first: a new opener of path must never find the old one. */
	if (move_file(path, aside, "-wal") == -1 ||
	    move_file(path, aside, "-shm") == -1 ||
	    (link(path, aside) == -1 && rename(path, aside) == -1) ||
	    rename(tmp, path) == -1) {
		snprintf(err, errlen, "spool %s: cannot move the damaged file "
		    "aside to %s: %s", path, aside, strerror(errno));
		goto out;
	}
	sync_dir(path);
	if (sv.lost >= 0)
		snprintf(tmp, sizeof(tmp), "%lld%s", (long long)sv.lost,
		    sv.lost_exact ? "" : " at most");
	else
		snprintf(tmp, sizeof(tmp), "an unknown number");
	log_warnx("spool %s was damaged (%s): moved aside to %s (kept for "
	    "inspection); %lld events salvaged, %s lost; a fresh spool "
	    "continues above seq %lld and a spool_corrupt event goes to the "
	    "collector; check the disk (dmesg, smartctl)", path, why, aside,
	    (long long)sv.salvaged, tmp, (long long)from - 1);
	rc = 0;
out:
	if (rc == -1 && nw != NULL)
		rollback(nw);
	spool_close(nw);
	sqlite3_close(old);
	sp_recovering = 0;
	return rc;
}

/* spool_open() failed on a damaged file: recover it and open again. */
static struct spool *
sp_open_recover(struct spool *sp, char *err, size_t errlen)
{
	char		*path = sp->path, why[160];
	int64_t		 max = sp->max_bytes;
	struct stat	 a, b;
	int		 rc = 0;

	snprintf(why, sizeof(why), "%s", sp->corrupt_why);
	sp->path = NULL;
	db_keep_wal(sp->db);
	spool_close(sp);
	if (sp_recovering || !sp_looks_like_pages(path) || stat(path, &a) == -1) {
		free(path);
		return NULL;
	}
	pthread_rwlock_wrlock(&sp_recover_lock);
	/* Another connection may have recovered it meanwhile. */
	if (stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		rc = sp_recover_file(path, why, max, err, errlen);
	pthread_rwlock_unlock(&sp_recover_lock);
	sp = rc == 0 ? spool_open(path, max, err, errlen) : NULL;
	free(path);
	return sp;
}

/* Recover the file under an open connection (which then follows it). */
static int
sp_recover_conn(struct spool *sp, char *err, size_t errlen)
{
	int	rc = 0;

	pthread_rwlock_wrlock(&sp_recover_lock);
	if (!sp_replaced(sp))
		rc = sp_recover_file(sp->path, sp->corrupt_why, sp->max_bytes,
		    err, errlen);
	pthread_rwlock_unlock(&sp_recover_lock);
	return rc;
}

/* Hold the lock shared for one operation, on the current file. */
static int
sp_enter(struct spool *sp, char *err, size_t errlen)
{
	for (int i = 0; i < 3; i++) {
		pthread_rwlock_rdlock(&sp_recover_lock);
		if (!sp_replaced(sp))
			return 0;
		pthread_rwlock_unlock(&sp_recover_lock);
		if (sp_reopen(sp, err, errlen) == -1)
			return -1;
	}
	snprintf(err, errlen, "spool %s: the file keeps being replaced; is "
	    "another program writing there?", sp->path);
	return -1;
}

/*
 * After an operation: 1 when it failed on a damaged file, which is now
 * recovered, and should run once more.
 */
static int
sp_leave(struct spool *sp, int *retried, char *err, size_t errlen)
{
	pthread_rwlock_unlock(&sp_recover_lock);
	if (!sp->corrupt || sp_recovering)
		return 0;
	sp->corrupt = 0;
	if (*retried)
		return 0;
	*retried = 1;
	return sp_recover_conn(sp, err, errlen) == 0;
}

/* The events issued after a recovery move above the collector's floor. */
static int
recovered_raise(struct spool *sp, struct spool_meta *m, uint64_t floor,
    int64_t *delta, char *err, size_t errlen)
{
	int64_t	from;
	char	sql[200];
	int	ok;

	from = one_int(sp->db, "SELECT ifnull(max(from_seq), 0) FROM "
	    "recovered", &ok);
	if (!ok)
		return sp_fail(sp, err, errlen, "reading the recovery mark");
	if (from == 0)
		return 0;
	*delta = 0;
	if (from <= (int64_t)floor) {
		*delta = (int64_t)floor + 1 - from;
		snprintf(sql, sizeof(sql), "UPDATE events SET seq = -seq WHERE "
		    "seq >= %lld; UPDATE events SET seq = -seq + %lld WHERE "
		    "seq < 0", (long long)from, (long long)*delta);
		if (exec(sp, sql, err, errlen) == -1)
			return -1;
		m->next_seq += *delta;
	}
	return exec(sp, "DELETE FROM recovered", err, errlen) == -1 ? -1 : 1;
}

int
spool_check(struct spool *sp, char *err, size_t errlen)
{
	char	res[160];
	int	retried = 0, rc = 0;

	if (sp_enter(sp, err, errlen) == -1)
		return -1;
	if (pragma_text(sp, "PRAGMA quick_check(1)", res, sizeof(res)) == -1)
		rc = sp_fail(sp, err, errlen, "checking");
	else if (strcmp(res, "ok") != 0) {
		/* "*** in database main ***\nPage 31: ...": the last line. */
		const char *why = strrchr(res, '\n');

		sp->corrupt = 1;
		snprintf(sp->corrupt_why, sizeof(sp->corrupt_why), "%s",
		    why != NULL ? why + 1 : res);
	}
	if (!sp->corrupt) {
		pthread_rwlock_unlock(&sp_recover_lock);
		return rc;
	}
	if (!sp_leave(sp, &retried, err, errlen))
		return -1;
	if (sp_enter(sp, err, errlen) == -1)
		return -1;
	pthread_rwlock_unlock(&sp_recover_lock);
	return 1;
}

int
spool_seq_pending(struct spool *sp)
{
	char	err[256];
	int	ok;
	int64_t	v;

	if (sp_enter(sp, err, sizeof(err)) == -1)
		return -1;
	v = one_int(sp->db, "SELECT count(*) FROM recovered", &ok);
	pthread_rwlock_unlock(&sp_recover_lock);
	return ok ? v > 0 : -1;
}

int
spool_append(struct spool *sp, int64_t ts_ms, const char *type,
    enum severity sev, const char *key, const json_t *data, uint64_t *seq,
    char *err, size_t errlen)
{
	int	rc, again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = append_tx(sp, ts_ms, type, sev, key, data, seq, err,
		    errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int64_t
spool_raise_seq(struct spool *sp, uint64_t floor, char *err, size_t errlen)
{
	int64_t	rc;
	int	again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = raise_seq_tx(sp, floor, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int
spool_flush_drops(struct spool *sp, char *err, size_t errlen)
{
	int	rc, again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = flush_drops_tx(sp, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int
spool_read_batch(struct spool *sp, const char *agent, size_t max_events,
    size_t max_bytes, struct event_batch *b, char *err, size_t errlen)
{
	int	rc, again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = read_batch_tx(sp, agent, max_events, max_bytes, b, err,
		    errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int64_t
spool_ack(struct spool *sp, uint64_t through, char *err, size_t errlen)
{
	int64_t	rc;
	int	again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = ack_tx(sp, through, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int
spool_stats(struct spool *sp, struct spool_stats *out, char *err,
    size_t errlen)
{
	int	rc, again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = stats_tx(sp, out, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int
spool_reject(struct spool *sp, uint64_t seq, const char *why, char *err,
    size_t errlen)
{
	int	rc, again = 0;

	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = reject_tx(sp, seq, why, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}

int
spool_rejected(struct spool *sp, json_t **out, char *err, size_t errlen)
{
	int	rc, again = 0;

	*out = NULL;
	do {
		if (sp_enter(sp, err, errlen) == -1)
			return -1;
		rc = rejected_tx(sp, out, err, errlen);
	} while (sp_leave(sp, &again, err, errlen));
	return rc;
}
