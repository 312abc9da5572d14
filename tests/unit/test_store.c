/*
 * The collector store: migrations from empty, exactly-once batches,
 * uptime coalescing, admin queries.  Every test runs twice: on a fresh
 * SQLite file, and on a fresh PostgreSQL database of the cluster named
 * by SHAOBING_TEST_PG (tests/run-unit.sh starts one; without it the
 * PostgreSQL runs skip).  The few that reach into the database itself
 * (schema version, write lock, triggers) do it in each one's dialect.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "collector/api.h"
#include "collector/incident.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "common/digest.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "tests/unit/db_target.h"

#define T0	1795786640000LL	/* 2026-11-27T13:37:20Z */
#define MIN	60000LL

struct fx {
	char		 dir[64];
	char		 path[96];
	int		 pg;
	const char	*target;	/* path, or a PostgreSQL URI */
	struct store	*st;
};

static int
is_pg(const struct fx *f)
{
	return f->pg;
}

static int
setup_common(void **state, int pg)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[512];

	assert_non_null(f);
	log_init("test_store", 0, LOG_LVL_ERROR);
	f->pg = pg;
	*state = f;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	f->target = pg ? test_pg_target() : f->path;
	if (f->target == NULL)
		return 0;	/* fx() skips the test */
	f->st = store_open(f->target, err, sizeof(err));
	if (f->st == NULL)
		fail_msg("%s", err);
	return 0;
}

static int
setup(void **state)
{
	return setup_common(state, 0);
}

static int
setup_pg(void **state)
{
	return setup_common(state, 1);
}

/* The fixture of a test; skips a PostgreSQL run without a cluster. */
static struct fx *
fx(void **state)
{
	struct fx *f = *state;

	if (f->target == NULL) {
		print_message("# SHAOBING_TEST_PG not set: the PostgreSQL run "
		    "of test_store skips (tests/run-unit.sh starts a cluster "
		    "with tests/pg.sh when postgresql is installed)\n");
		skip();
	}
	return f;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[128];

	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A batch for agent of seqs first..first+n-1, type alternating. */
static void
mkbatch(struct event_batch *b, const char *agent, uint64_t first, size_t n)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->agent, sizeof(b->agent), "%s", agent);
	b->events = calloc(n ? n : 1, sizeof(*b->events));
	assert_non_null(b->events);
	for (size_t i = 0; i < n; i++) {
		char key[64];

		snprintf(key, sizeof(key), "k:%zu", i);
		assert_int_equal(event_set(&b->events[i], agent, first + i,
		    T0 + (int64_t)(first + i) * 1000, (first + i) % 2 ? "odd" :
		    "even", SEV_HIGH, key, json_pack("{s:I}", "i",
		    (json_int_t)(first + i))), 0);
	}
	b->n = n;
}

/* What the typed-row lists hand over, copied for the checks. */
#define SEEN_MAX	16
struct seen {
	size_t		 n;
	struct event_row ev[SEEN_MAX];		/* texts NULL: copied below */
	char		 data[SEEN_MAX][64];
	struct agent_row ag[SEEN_MAX];
	char		 name[SEEN_MAX][32];
	struct uptime_row up[SEEN_MAX];
};

static int
seen_event(void *arg, const struct event_row *e, char *err, size_t errlen)
{
	struct seen *s = arg;

	(void)err;
	(void)errlen;
	if (s->n < SEEN_MAX) {
		s->ev[s->n] = *e;
		s->ev[s->n].agent = s->ev[s->n].type = s->ev[s->n].key = NULL;
		snprintf(s->data[s->n], sizeof(s->data[0]), "%.*s",
		    (int)e->data_len, e->data);
		s->ev[s->n].data = s->data[s->n];
	}
	s->n++;
	return 0;
}

static int
seen_agent(void *arg, const struct agent_row *a, char *err, size_t errlen)
{
	struct seen *s = arg;

	(void)err;
	(void)errlen;
	if (s->n < SEEN_MAX) {
		s->ag[s->n] = *a;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", a->name);
		s->ag[s->n].name = s->name[s->n];
	}
	s->n++;
	return 0;
}

static int
seen_uptime(void *arg, const struct uptime_row *u, char *err, size_t errlen)
{
	struct seen *s = arg;

	(void)err;
	(void)errlen;
	if (s->n < SEEN_MAX) {
		s->up[s->n] = *u;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", u->agent);
		s->up[s->n].agent = s->name[s->n];
	}
	s->n++;
	return 0;
}

static size_t
count_events(struct store *st, int64_t agent_id, const char *type)
{
	struct store_event_query	 q = { .agent_id = agent_id, .type = type,
	    .since_ms = INT64_MIN, .limit = 10000 };
	struct seen			 s = { 0 };
	int64_t				 next;
	char				 err[512];

	if (store_query_events(st, &q, seen_event, &s, &next, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	return s.n;
}

static size_t
count_agents(struct store *st)
{
	struct seen	s = { 0 };
	char		err[256];

	assert_int_equal(store_list_agents(st, seen_agent, &s, err,
	    sizeof(err)), 0);
	return s.n;
}

static void
test_migrate_from_empty(void **state)
{
	struct fx	*f = fx(state);
	char		 err[256];

	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	assert_true(store_schema_latest() >= 1);
	assert_int_equal(count_agents(f->st), 0);
	/* Reopening applies nothing twice. */
	store_close(f->st);
	f->st = store_open(f->target, err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
}

static void
test_newer_schema_refused(void **state)
{
	struct fx	*f = fx(state);
	char		 err[256], sql[64];

	/* SQLite: PRAGMA user_version; PostgreSQL: shaobing_schema. */
	snprintf(sql, sizeof(sql), is_pg(f) ? "UPDATE shaobing_schema SET "
	    "version = %d" : "PRAGMA user_version = %d",
	    store_schema_latest() + 1);
	assert_int_equal(db_exec(store_db(f->st), sql), 0);
	store_close(f->st);
	f->st = store_open(f->target, err, sizeof(err));
	assert_null(f->st);
	assert_non_null(strstr(err, "newer than this collector knows"));
}

struct opener {
	char		 path[512];
	struct store	*st;
	char		 err[256];
};

static void *
open_thread(void *arg)
{
	struct opener *o = arg;

	o->st = store_open(o->path, o->err, sizeof(o->err));
	return NULL;
}

/*
 * Two collectors starting on one new file (or one empty PostgreSQL
 * database) at once: both find version 0, both wait for the write lock;
 * the second must not run the migrations the first already ran ("table
 * already exists").
 */
static void
test_two_collectors_migrate_once(void **state)
{
	struct fx	*f = fx(state);
	struct opener	 o[2];
	pthread_t	 t[2];
	struct db	*db;
	char		 p[600], err[256];

	memset(o, 0, sizeof(o));
	/*
	 * A new empty database, held by a writer (SQLite: BEGIN IMMEDIATE;
	 * PostgreSQL: the store's advisory lock) while both collectors
	 * start.
	 */
	if (is_pg(f)) {
		const char *t2 = test_pg_target();

		assert_non_null(t2);
		snprintf(o[0].path, sizeof(o[0].path), "%s", t2);
	} else
		snprintf(o[0].path, sizeof(o[0].path), "%s/race.db", f->dir);
	memcpy(o[1].path, o[0].path, sizeof(o[1].path));
	if ((db = db_open(o[0].path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	if (!is_pg(f))
		assert_int_equal(db_exec(db, "PRAGMA journal_mode = WAL"), 0);
	assert_int_equal(db_begin_write(db), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, open_thread, &o[i]),
		    0);
	/* Let both read version 0 and queue for the lock (an earlier
	   release only makes the race less likely, never a failure). */
	usleep(300000);
	assert_int_equal(db_exec(db, "ROLLBACK"), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		if (o[i].st == NULL)
			fail_msg("collector %d: %s", i + 1, o[i].err);
		assert_int_equal(store_schema_version(o[i].st),
		    store_schema_latest());
		store_close(o[i].st);
	}
	db_close(db);
	if (is_pg(f))
		return;
	unlink(o[0].path);
	snprintf(p, sizeof(p), "%s-wal", o[0].path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", o[0].path);
	unlink(p);
}

static void
test_batch_exactly_once(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];
	int64_t				 id;

	mkbatch(&b, "pc-01", 1, 3);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.stored_through, 3);
	assert_int_equal(r.inserted, 3);
	assert_true(r.new_agent);
	/* The same batch again: stored once, same answer. */
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 1, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.stored_through, 3);
	assert_int_equal(r.inserted, 0);
	assert_false(r.new_agent);
	event_batch_free(&b);
	/* Overlapping 2..5: only 4 and 5 are new. */
	mkbatch(&b, "pc-01", 2, 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 2, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.stored_through, 5);
	assert_int_equal(r.inserted, 2);
	event_batch_free(&b);
	/* Empty batch: answers the agent's last seq. */
	mkbatch(&b, "pc-01", 1, 0);
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 3, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.stored_through, 5);
	event_batch_free(&b);
	/* Another agent's seq 1 is its own. */
	mkbatch(&b, "pc-02", 1, 1);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 1);
	event_batch_free(&b);
	assert_int_equal(store_agent_id(f->st, "pc-01", &id, err, sizeof(err)), 0);
	assert_int_equal(count_events(f->st, id, NULL), 5);
	assert_int_equal(count_events(f->st, 0, NULL), 6);
	assert_int_equal(store_agent_id(f->st, "nope", &id, err, sizeof(err)), 1);
}

static void
test_batch_failure_stores_nothing(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];

	/* The last event's seq does not fit SQLite's integer: the whole
	   batch, and the new agent row, roll back. */
	mkbatch(&b, "pc-09", 1, 3);
	b.events[2].seq = (uint64_t)INT64_MAX + 1;
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "events[2].seq"));
	event_batch_free(&b);
	assert_int_equal(count_events(f->st, 0, NULL), 0);
	assert_int_equal(count_agents(f->st), 0);
}

/* ---- one event that cannot be stored (issue 12 item 1) ---- */

/* Refuses every event whose key is keyed->bad; writes a row first, so
   the savepoint has something of the hook's to roll back. */
struct keyed {
	const char	*bad;
	int		 calls;
};

static int
refusing_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct keyed *k = arg;

	k->calls++;
	if (db_exec(store_db(st), "CREATE TABLE IF NOT EXISTS hook_rows "
	    "(seq INTEGER); INSERT INTO hook_rows VALUES (0)") != 0) {
		snprintf(err, errlen, "hook_rows: %s",
		    db_errmsg(store_db(st)));
		return -1;
	}
	if (ctx->derived || strcmp(ctx->ev->key, k->bad) != 0)
		return 0;
	snprintf(err, errlen, "the test's hook refuses %s", ctx->ev->key);
	return -1;
}

/* What the commit hook heard: notifications queued per event, as the
   incident engine does, and what is left after COMMIT. */
struct heard {
	int	queued, mark[STORE_TXN_LEVELS], sent, marks, undos;
};

static int
queueing_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct heard *h = arg;

	(void)st;
	(void)ctx;
	(void)err;
	(void)errlen;
	h->queued++;
	return 0;
}

static void
heard_commit(void *arg, struct store *st, enum store_txn what, int level)
{
	struct heard *h = arg;

	(void)st;
	if (what == STORE_TXN_MARK) {
		h->marks++;
		h->mark[level] = h->queued;
		return;
	}
	if (what == STORE_TXN_UNDO) {
		h->undos++;
		h->queued = h->mark[level];
		return;
	}
	if (what == STORE_TXN_COMMIT)
		h->sent += h->queued;
	h->queued = 0;
}

static int64_t
one_int(struct store *st, const char *sql)
{
	struct db_stmt	*s;
	int64_t		 v;

	assert_int_equal(db_prepare(store_db(st), sql, 0, &s),
	    0);
	assert_int_equal(db_step(s), DB_ROW);
	v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

static void
test_event_rejected_alone(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct keyed			 k = { "k:3", 0 };
	struct heard			 h;
	char				 err[256];

	memset(&h, 0, sizeof(h));
	assert_int_equal(store_add_event_hook(f->st, queueing_hook, &h), 0);
	assert_int_equal(store_add_event_hook(f->st, refusing_hook, &k), 0);
	assert_int_equal(store_add_commit_hook(f->st, heard_commit, &h), 0);
	mkbatch(&b, "pc-11", 1, 6);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	/* Five stored, the fourth (key k:3) rejected alone, with why. */
	assert_int_equal(r.inserted, 5);
	assert_int_equal(r.stored_through, 6);
	assert_int_equal(r.nrejected, 1);
	assert_int_equal(r.rejected[0].seq, 4);
	assert_int_equal(r.rejected[0].index, 3);
	assert_int_equal(r.rejected[0].again, 0);
	assert_non_null(strstr(r.rejected[0].error, "refuses k:3"));
	assert_int_equal(count_events(f->st, 0, NULL), 5);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM events WHERE "
	    "seq = 4"), 0);
	/* What its hooks wrote rolled back with it: 5 rows, not 6. */
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM hook_rows"), 5);
	assert_int_equal(one_int(f->st, "SELECT events FROM agents"), 5);
	assert_int_equal(one_int(f->st, "SELECT last_seq FROM agents"), 6);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM rejected_events "
	    "WHERE seq = 4 AND error LIKE '%refuses k:3%'"), 1);
	/* Its queued notification was dropped, the other five sent. */
	assert_int_equal(h.sent, 5);
	assert_int_equal(h.undos, 1);
	assert_int_equal(h.marks, 7);	/* the batch and its 6 events */

	/* The resend: told again, quietly, nothing stored or run twice. */
	k.calls = 0;
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 1, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 0);
	assert_int_equal(r.nrejected, 1);
	assert_int_equal(r.rejected[0].seq, 4);
	assert_int_equal(r.rejected[0].again, 1);
	assert_non_null(strstr(r.rejected[0].error, "refuses k:3"));
	assert_int_equal(k.calls, 0);
	assert_int_equal(count_events(f->st, 0, NULL), 5);
	assert_int_equal(h.sent, 5);
	event_batch_free(&b);

	/* Later events of the agent go on as usual. */
	mkbatch(&b, "pc-11", 7, 2);
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 2, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 2);
	assert_int_equal(r.nrejected, 0);
	event_batch_free(&b);
}

/* A constraint of the database (a trigger here) rejects that event only. */
static void
test_event_rejected_by_constraint(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];

	if (is_pg(f))
		assert_int_equal(db_exec(store_db(f->st), "CREATE FUNCTION "
		    "t_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
		    "IF NEW.key = 'k:0' THEN RAISE EXCEPTION 'refused by the "
		    "test trigger'; END IF; RETURN NEW; END $$; CREATE TRIGGER "
		    "t_bad BEFORE INSERT ON events FOR EACH ROW EXECUTE "
		    "FUNCTION t_bad()"), 0);
	else
		assert_int_equal(db_exec(store_db(f->st), "CREATE TRIGGER "
		    "t_bad BEFORE INSERT ON events WHEN NEW.key = 'k:0' BEGIN "
		    "SELECT RAISE(ABORT, 'refused by the test trigger'); END"),
		    0);
	mkbatch(&b, "pc-12", 10, 3);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 2);
	assert_int_equal(r.nrejected, 1);
	assert_int_equal(r.rejected[0].seq, 10);
	assert_non_null(strstr(r.rejected[0].error,
	    "refused by the test trigger"));
	event_batch_free(&b);
}

/* The database cannot write: the whole batch is STORE_RETRY, health
   says why until a write succeeds again. */
static void
test_retryable_store_error(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct store_heartbeat		 hb = { "pc-13", T0, 60000, T0 - MIN };
	char				 err[256], why[300];
	int				 new_agent;

	assert_true(store_error_retryable(db_sqlite_class(SQLITE_FULL)));
	assert_true(store_error_retryable(db_sqlite_class(SQLITE_BUSY)));
	assert_true(store_error_retryable(db_sqlite_class(SQLITE_READONLY_DBMOVED)));
	assert_true(store_error_retryable(db_sqlite_class(SQLITE_IOERR_WRITE)));
	assert_true(store_error_retryable(db_sqlite_class(SQLITE_NOMEM)));
	assert_true(store_error_retryable(db_sqlite_class(SQLITE_CANTOPEN)));
	assert_false(store_error_retryable(db_sqlite_class(SQLITE_CONSTRAINT_UNIQUE)));
	assert_false(store_error_retryable(db_sqlite_class(SQLITE_ERROR)));
	assert_false(store_error_retryable(db_sqlite_class(SQLITE_MISMATCH)));

	assert_int_equal(store_health(f->st, why, sizeof(why)), 0);
	/* A database that refuses writes for now. */
	assert_int_equal(db_exec(store_db(f->st), is_pg(f) ? "SET "
	    "default_transaction_read_only = on" : "PRAGMA query_only = 1"),
	    0);
	mkbatch(&b, "pc-13", 1, 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), STORE_RETRY);
	assert_int_equal(strncmp(err, "database read-only", 18), 0);
	assert_int_equal(r.nrejected, 0);
	assert_int_equal(store_health(f->st, why, sizeof(why)), 1);
	assert_int_equal(strncmp(why, "database read-only", 18), 0);
	assert_int_equal(store_heartbeat(f->st, &hb, 3, T0, &new_agent, err,
	    sizeof(err)), STORE_RETRY);
	assert_int_equal(db_exec(store_db(f->st), is_pg(f) ? "SET "
	    "default_transaction_read_only = off" : "PRAGMA query_only = 0"),
	    0);
	assert_int_equal(count_events(f->st, 0, NULL), 0);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 4);
	assert_int_equal(store_health(f->st, why, sizeof(why)), 0);
	event_batch_free(&b);
}

/* Ends the store's PostgreSQL session from another connection. */
struct killer {
	const char	*target;
	int64_t		 pid;
	int		 armed;		/* kill at the next event hook */
};

static void
kill_backend(const struct killer *k)
{
	struct db	*db;
	char		 sql[96], err[256];

	if ((db = db_open(k->target, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%" PRId64
	    ")", k->pid);
	assert_int_equal(db_exec(db, sql), 0);
	db_close(db);
}

static int
killing_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct killer *k = arg;

	(void)st;
	(void)ctx;
	(void)err;
	(void)errlen;
	if (k->armed) {
		k->armed = 0;
		kill_backend(k);
	}
	return 0;
}

static int64_t one_int(struct store *st, const char *sql);

/*
 * PostgreSQL gone (killed, restarted, failed over): the batch or
 * heartbeat is STORE_RETRY "database connection lost" (503 with
 * Retry-After in the API), whether the session ended between requests
 * or in the middle of a batch's transaction; nothing of it is stored,
 * and the next request reconnects and succeeds.  (PostgreSQL only:
 * SQLite has no connection to lose.)
 */
static void
test_connection_lost(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct store_heartbeat		 hb = { "pc-14", T0, 60000, T0 - MIN };
	struct killer			 k = { f->target, 0, 0 };
	struct seen			 seen = { 0 };
	char				 err[512], why[300];
	int				 new_agent;

	assert_int_equal(store_add_event_hook(f->st, killing_hook, &k), 0);
	/* Between requests. */
	k.pid = one_int(f->st, "SELECT pg_backend_pid()");
	kill_backend(&k);
	mkbatch(&b, "pc-14", 1, 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), STORE_RETRY);
	assert_int_equal(strncmp(err, "database connection lost", 24), 0);
	assert_int_equal(store_health(f->st, why, sizeof(why)), 1);
	/* Reconnected: stored, health back. */
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 4);
	assert_int_equal(store_health(f->st, why, sizeof(why)), 0);
	event_batch_free(&b);
	/* In the middle of a batch: all of it rolled back, then stored. */
	k.pid = one_int(f->st, "SELECT pg_backend_pid()");
	k.armed = 1;
	mkbatch(&b, "pc-14", 5, 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), STORE_RETRY);
	assert_int_equal(strncmp(err, "database connection lost", 24), 0);
	assert_int_equal(count_events(f->st, 0, NULL), 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 4);
	assert_int_equal(count_events(f->st, 0, NULL), 8);
	event_batch_free(&b);
	/* A heartbeat too. */
	k.pid = one_int(f->st, "SELECT pg_backend_pid()");
	kill_backend(&k);
	assert_int_equal(store_heartbeat(f->st, &hb, 3, T0, &new_agent, err,
	    sizeof(err)), STORE_RETRY);
	assert_int_equal(store_heartbeat(f->st, &hb, 3, T0, &new_agent, err,
	    sizeof(err)), 0);
	/* A read (the API's agent check) says why, for its 503. */
	k.pid = one_int(f->st, "SELECT pg_backend_pid()");
	kill_backend(&k);
	assert_int_equal(store_list_agents(f->st, seen_agent, &seen, err,
	    sizeof(err)), -1);
	assert_non_null(store_retry_cause(f->st));
	assert_string_equal(store_retry_cause(f->st), "database connection lost");
	assert_int_equal(count_agents(f->st), 1);
	assert_null(store_retry_cause(f->st));
}

/*
 * A copy from SQLite keeps its ids (explicit ids into the identity
 * columns); store_pg_reset_sequences() then moves every sequence past
 * them, so the next row the store adds gets a new id, not a collision.
 */
static void
test_pg_reset_sequences(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[512];

	assert_int_equal(db_exec(store_db(f->st), "INSERT INTO agents (id, "
	    "name, first_seen, last_seen) VALUES (41, 'copied', 0, 0); "
	    "INSERT INTO events (id, agent_id, seq, ts, received, type, "
	    "severity, key, data) VALUES (900, 41, 1, 0, 0, 'odd', 3, 'k', "
	    "'{}')"), 0);
	if (store_pg_reset_sequences(f->st, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	mkbatch(&b, "pc-15", 1, 2);
	if (store_insert_batch(f->st, &b, T0, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	event_batch_free(&b);
	assert_int_equal(one_int(f->st, "SELECT id FROM agents WHERE name = "
	    "'pc-15'"), 42);
	assert_int_equal(one_int(f->st, "SELECT min(id) FROM events WHERE "
	    "agent_id = 42"), 901);
	/* Empty tables start at 1; running it again changes nothing. */
	assert_int_equal(store_pg_reset_sequences(f->st, err, sizeof(err)), 0);
	assert_int_equal(one_int(f->st, "SELECT nextval(pg_get_serial_sequence("
	    "'uptime', 'id'))"), 1);
}

/* What a hook saw: each stored event's seq and id, in order. */
#define SAW_MAX	700
struct saw {
	size_t	 n;
	int64_t	 seq[SAW_MAX], id[SAW_MAX];
};

static int
saw_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct saw *w = arg;

	(void)st;
	(void)err;
	(void)errlen;
	if (w->n < SAW_MAX) {
		w->seq[w->n] = ctx->seq;
		w->id[w->n] = ctx->event_id;
	}
	w->n++;
	return 0;
}

/*
 * A large batch (PostgreSQL stores it 250 rows a statement) with a seq
 * twice: the first one is stored, the second is a duplicate; the hooks
 * see every stored event once, in batch order, with its own id.
 */
static void
test_large_batch_hooks(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct saw			*w = calloc(1, sizeof(*w));
	char				 err[512], sql[96];

	assert_non_null(w);
	assert_int_equal(store_add_event_hook(f->st, saw_hook, w), 0);
	mkbatch(&b, "pc-16", 1, 600);
	b.events[300].seq = 300;	/* events[299] has seq 300 */
	if (store_insert_batch(f->st, &b, T0, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(r.inserted, 599);
	assert_int_equal(r.stored_through, 600);
	assert_int_equal(w->n, 599);
	for (size_t k = 0; k < w->n; k++) {
		assert_int_equal(w->seq[k], k < 300 ? (int64_t)k + 1 :
		    (int64_t)k + 2);
		snprintf(sql, sizeof(sql), "SELECT id FROM events WHERE seq = "
		    "%" PRId64, w->seq[k]);
		assert_int_equal(one_int(f->st, sql), w->id[k]);
	}
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM events WHERE "
	    "seq = 300 AND data = '{\"i\":300}'"), 1);
	/* Sent again: nothing stored, no hook runs. */
	w->n = 0;
	assert_int_equal(store_insert_batch(f->st, &b, T0 + 1, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, 0);
	assert_int_equal(w->n, 0);
	event_batch_free(&b);
	free(w);
}

/*
 * The fast path inserts events whose seq is above the agent's last_seq
 * without ON CONFLICT.  A row there already (put in behind the store's
 * back) fails that INSERT; the careful path then stores the batch: the
 * row there is kept (not stored twice), the rest stored once, the
 * hooks run on the new ones only.  A batch sent again takes the INSERT
 * with ON CONFLICT and stores nothing.
 */
static void
test_fast_path_conflict(void **state)
{
	struct fx		*f = fx(state);
	struct event_batch	 b;
	struct store_batch_result r;
	struct heard		 h;
	char			 err[512];
	struct db		*db = store_db(f->st);

	memset(&h, 0, sizeof(h));
	assert_int_equal(store_add_event_hook(f->st, queueing_hook, &h), 0);
	assert_int_equal(store_add_commit_hook(f->st, heard_commit, &h), 0);
	mkbatch(&b, "pc-31", 1, 2);
	if (store_insert_batch(f->st, &b, T0, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	event_batch_free(&b);
	assert_int_equal(h.sent, 2);
	assert_int_equal(db_exec(db, "INSERT INTO events (agent_id, seq, ts, "
	    "received, type, severity, key, data) VALUES ((SELECT id FROM "
	    "agents WHERE name = 'pc-31'), 5, 1, 1, 'odd', 3, 'k:x', "
	    "'{\"there\":1}')"), 0);
	mkbatch(&b, "pc-31", 3, 300);		/* seqs 3 .. 302 */
	if (store_insert_batch(f->st, &b, T0 + 1, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(r.inserted, 299);
	assert_int_equal(r.stored_through, 302);
	assert_int_equal(h.sent, 2 + 299);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM events"), 302);
	assert_int_equal(one_int(f->st, "SELECT count(DISTINCT seq) FROM "
	    "events"), 302);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM events WHERE "
	    "seq = 5 AND data = '{\"there\":1}'"), 1);
	/* Sent again: the INSERT with ON CONFLICT, nothing new. */
	if (store_insert_batch(f->st, &b, T0 + 2, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(r.inserted, 0);
	assert_int_equal(h.sent, 2 + 299);
	event_batch_free(&b);
}

/*
 * A PostgreSQL store made by an older build (the baseline, version 13)
 * is brought up by the PostgreSQL texts of the migrations after it, once.
 */
static void
test_pg_upgrade_from_baseline(void **state)
{
	struct fx	*f = fx(state);
	char		 err[512];

	assert_true(store_schema_latest() >= 16);
	/* Back to what version 13 had: no outbox (migration 14), no shared
	   console sessions (15), the agent foreign keys of events and
	   availability (16). */
	assert_int_equal(db_exec(store_db(f->st), "DROP TABLE notify_outbox; "
	    "DROP TABLE console_sessions; "
	    "DROP TRIGGER agent_ref_events_insert ON events; "
	    "DROP TRIGGER agent_ref_events_update ON events; "
	    "DROP TRIGGER agent_ref_availability_insert ON availability; "
	    "DROP TRIGGER agent_ref_availability_update ON availability; "
	    "DROP TRIGGER agent_ref_agents_delete ON agents; "
	    "DROP TRIGGER agent_ref_agents_update ON agents; "
	    "DROP FUNCTION agent_ref_check(); DROP FUNCTION agent_ref_keep(); "
	    "ALTER TABLE events ADD CONSTRAINT events_agent_id_fkey "
	    "FOREIGN KEY (agent_id) REFERENCES agents(id); "
	    "ALTER TABLE availability ADD CONSTRAINT "
	    "availability_agent_id_fkey FOREIGN KEY (agent_id) "
	    "REFERENCES agents(id); "
	    "UPDATE shaobing_schema SET version = 13"), 0);
	store_close(f->st);
	if ((f->st = store_open(f->target, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(store_schema_version(f->st), store_schema_latest());
	assert_int_equal(one_int(f->st, "SELECT version FROM shaobing_schema"),
	    store_schema_latest());
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM notify_outbox"),
	    0);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM "
	    "console_sessions"), 0);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM "
	    "shaobing_schema"), 1);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM pg_constraint "
	    "WHERE contype = 'f' AND conrelid IN ('events'::regclass, "
	    "'availability'::regclass)"), 0);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM pg_trigger "
	    "WHERE tgname LIKE 'agent_ref_%'"), 6);
}

/*
 * PostgreSQL keeps the agent of events and availability rows by
 * statement triggers (migration 16), not per-row foreign keys: a row
 * naming no agent is refused with SQLSTATE 23503 and changes nothing,
 * and an agent that rows name cannot be deleted or renumbered.
 */
static void
test_pg_agent_refs(void **state)
{
	struct fx		*f = fx(state);
	struct event_batch	 b;
	struct store_batch_result r;
	char			 err[512];
	struct db		*db = store_db(f->st);

	mkbatch(&b, "pc-30", 1, 3);
	if (store_insert_batch(f->st, &b, T0, &r, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	event_batch_free(&b);
	assert_int_equal(db_exec(db, "INSERT INTO events (agent_id, seq, ts, "
	    "received, type, severity, key, data) VALUES ((SELECT id FROM "
	    "agents), 10, 1, 1, 't', 0, 'k', '{}'), (424242, 11, 1, 1, 't', "
	    "0, 'k', '{}')"), -1);
	assert_non_null(strstr(db_errmsg(db), "agent_id is not in agents"));
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM events"), 3);
	assert_int_equal(db_exec(db, "INSERT INTO availability (agent_id, "
	    "target, ts, up, latency_ms, website) VALUES (424242, 'x', 1, 1, "
	    "1, 0)"), -1);
	assert_int_equal(db_exec(db, "UPDATE events SET agent_id = 424242 "
	    "WHERE seq = 1"), -1);
	assert_int_equal(db_exec(db, "DELETE FROM agents"), -1);
	assert_non_null(strstr(db_errmsg(db), "still named by events"));
	assert_int_equal(db_exec(db, "UPDATE agents SET id = id + 100"), -1);
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM agents"), 1);
	/* An agent no row names goes. */
	assert_int_equal(db_exec(db, "INSERT INTO agents (name, first_seen, "
	    "last_seen) VALUES ('gone', 1, 1)"), 0);
	assert_int_equal(db_exec(db, "DELETE FROM agents WHERE name = "
	    "'gone'"), 0);
}

/* Lines of text a catalog query gives, one per row (columns joined). */
#define CAT_MAX	400
struct catalog {
	size_t	 n;
	char	 line[CAT_MAX][96];
};

static int
catalog_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct catalog	*c = arg;
	const char	*type = store_col_text(r, 2);

	(void)err;
	(void)errlen;
	if (c->n == CAT_MAX)
		return 0;
	/* SQLite's declared types as the baseline translates them. */
	if (type == NULL)
		type = "";
	else if (strcmp(type, "INTEGER") == 0)
		type = "bigint";
	else if (strcmp(type, "TEXT") == 0)
		type = "text";
	else if (strcmp(type, "REAL") == 0)
		type = "double precision";
	else if (strcmp(type, "BLOB") == 0)
		type = "bytea";
	snprintf(c->line[c->n++], sizeof(c->line[0]), "%s.%s %s%s",
	    store_col_text(r, 0), store_col_text(r, 1) ? store_col_text(r, 1) :
	    "", type, store_col_int(r, 3) ? " not null" : "");
	return 0;
}

static void
catalog(struct store *st, const char *sql, struct catalog *c)
{
	char err[512];

	memset(c, 0, sizeof(*c));
	if (store_query(st, STORE_ONCE, sql, "catalog", catalog_row, c, err,
	    sizeof(err), "") == -1)
		fail_msg("%s", err);
}

static void
catalogs_equal(const char *what, const struct catalog *a,
    const struct catalog *b)
{
	for (size_t i = 0; i < a->n || i < b->n; i++)
		if (i >= a->n || i >= b->n || strcmp(a->line[i], b->line[i]))
			fail_msg("%s differ at %zu: SQLite '%s', PostgreSQL '%s'",
			    what, i, i < a->n ? a->line[i] : "(none)",
			    i < b->n ? b->line[i] : "(none)");
	assert_true(a->n > 0);
}

/*
 * The PostgreSQL schema is SQLite's after every migration: the same
 * tables and columns (types as translated, NOT NULL alike), the same
 * named indexes and triggers.  A migration whose two texts disagree
 * fails here.
 */
static void
test_pg_schema_matches_sqlite(void **state)
{
	struct fx	*f = fx(state);
	struct store	*lite;
	struct catalog	*a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char		 err[512];

	assert_non_null(a);
	assert_non_null(b);
	if ((lite = store_open(f->path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	catalog(lite, "SELECT m.name, p.name, upper(p.type), p.\"notnull\" OR "
	    "p.pk > 0 FROM sqlite_master m, pragma_table_info(m.name) p WHERE "
	    "m.type = 'table' AND m.name NOT LIKE 'sqlite%' ORDER BY 1, 2", a);
	catalog(f->st, "SELECT table_name, column_name, data_type, "
	    "is_nullable = 'NO' FROM information_schema.columns WHERE "
	    "table_schema = current_schema() AND table_name <> "
	    "'shaobing_schema' ORDER BY 1, 2", b);
	catalogs_equal("columns", a, b);
	catalog(lite, "SELECT 'index', name, NULL, 0 FROM sqlite_master WHERE "
	    "type = 'index' AND name NOT LIKE 'sqlite_autoindex%' UNION ALL "
	    "SELECT 'trigger', name, NULL, 0 FROM sqlite_master WHERE type = "
	    "'trigger' ORDER BY 1, 2", a);
	/* Not the indexes of PRIMARY KEY and UNIQUE constraints. */
	/* Not the triggers that stand for SQLite's foreign keys from events
	   and availability to agents (migration 16, test_pg_agent_refs). */
	catalog(f->st, "SELECT 'index', CAST(indexname AS TEXT), NULL, 0 FROM "
	    "pg_indexes i WHERE schemaname = current_schema() AND NOT EXISTS "
	    "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
	    "UNION ALL SELECT 'trigger', CAST(tgname AS TEXT), NULL, 0 FROM "
	    "pg_trigger WHERE NOT tgisinternal AND tgname NOT LIKE "
	    "'agent_ref_%' ORDER BY 1, 2", b);
	catalogs_equal("indexes and triggers", a, b);
	store_close(lite);
	free(a);
	free(b);
}

/*
 * Group commit: three batches in one transaction.  The one that fails
 * for good rolls back alone (its queued notifications too); the others
 * are stored with their own rejections; one COMMIT.
 */
static void
test_group_commit(void **state)
{
	struct fx		*f = fx(state);
	struct event_batch	 b[3];
	struct store_batch_in	 in[3];
	struct keyed		 k = { "k:1", 0 };
	struct heard		 h;

	memset(&h, 0, sizeof(h));
	memset(in, 0, sizeof(in));
	assert_int_equal(store_add_event_hook(f->st, queueing_hook, &h), 0);
	assert_int_equal(store_add_event_hook(f->st, refusing_hook, &k), 0);
	assert_int_equal(store_add_commit_hook(f->st, heard_commit, &h), 0);
	mkbatch(&b[0], "pc-21", 1, 3);
	mkbatch(&b[1], "pc-22", 1, 3);
	b[1].events[2].seq = (uint64_t)INT64_MAX + 1;
	mkbatch(&b[2], "pc-23", 5, 4);
	b[2].events[3].key[0] = 'x';	/* "x:3": stored */
	for (int i = 0; i < 3; i++) {
		in[i].b = &b[i];
		in[i].now_ms = T0 + i;
	}
	assert_int_equal(store_insert_batches(f->st, in, 3), 0);
	assert_int_equal(in[0].rc, 0);
	assert_int_equal(in[0].res.inserted, 2);
	assert_int_equal(in[0].res.nrejected, 1);
	assert_int_equal(in[0].res.rejected[0].seq, 2);
	assert_int_equal(in[1].rc, -1);
	assert_non_null(strstr(in[1].err, "events[2].seq"));
	assert_int_equal(in[2].rc, 0);
	assert_int_equal(in[2].res.inserted, 3);
	assert_int_equal(in[2].res.stored_through, 8);
	assert_int_equal(in[2].res.nrejected, 1);
	assert_int_equal(in[2].res.rejected[0].seq, 6);
	assert_int_equal(in[2].res.rejected[0].index, 1);
	/* pc-22 left no trace, not even its agent row. */
	assert_int_equal(one_int(f->st, "SELECT count(*) FROM agents"), 2);
	assert_int_equal(count_events(f->st, 0, NULL), 5);
	/* Five events committed: five notifications, none of pc-22's. */
	assert_int_equal(h.sent, 5);
	for (int i = 0; i < 3; i++)
		event_batch_free(&b[i]);
}

/* ---- uptime coalescing, table-driven ---- */

struct hb_step {
	int64_t	ts, interval_s, boot;
};

struct uptime_case {
	const char	*name;
	struct hb_step	 hb[8];
	int64_t		 want[8][2];	/* {start, end}, {0,0} ends */
};

#define BOOT	(T0 - 3600000)
static const struct uptime_case uptime_cases[] = {
	{ "single heartbeat", { { T0, 60, BOOT } },
	  { { T0, T0 } } },
	{ "regular heartbeats coalesce",
	  { { T0, 60, BOOT }, { T0 + MIN, 60, BOOT }, { T0 + 2 * MIN, 60, BOOT } },
	  { { T0, T0 + 2 * MIN } } },
	{ "gap of exactly 3 intervals still extends",
	  { { T0, 60, BOOT }, { T0 + 3 * MIN, 60, BOOT } },
	  { { T0, T0 + 3 * MIN } } },
	{ "gap above 3 intervals starts a new interval",
	  { { T0, 60, BOOT }, { T0 + 3 * MIN + 1, 60, BOOT } },
	  { { T0, T0 }, { T0 + 3 * MIN + 1, T0 + 3 * MIN + 1 } } },
	{ "the heartbeat's own interval sets the gap",
	  { { T0, 600, BOOT }, { T0 + 25 * MIN, 600, BOOT } },
	  { { T0, T0 + 25 * MIN } } },
	{ "reboot inside the gap window splits",
	  { { T0, 60, BOOT }, { T0 + 2 * MIN, 60, T0 + MIN } },
	  { { T0, T0 }, { T0 + 2 * MIN, T0 + 2 * MIN } } },
	{ "resent and stale heartbeats change nothing",
	  { { T0, 60, BOOT }, { T0 + MIN, 60, BOOT }, { T0 + MIN, 60, BOOT },
	    { T0 + 30000, 60, BOOT }, { T0 - MIN, 60, BOOT } },
	  { { T0, T0 + MIN } } },
};

static void
test_uptime_coalescing(void **state)
{
	struct fx *f = fx(state);

	for (size_t c = 0; c < sizeof(uptime_cases) / sizeof(uptime_cases[0]);
	    c++) {
		const struct uptime_case	*uc = &uptime_cases[c];
		char				 agent[32], err[256];
		struct seen			 seen;
		int64_t				 id;
		int				 newa;
		size_t				 n = 0;

		snprintf(agent, sizeof(agent), "case-%zu", c);
		for (size_t i = 0; i < 8 && uc->hb[i].ts != 0; i++) {
			struct store_heartbeat hb = { agent, uc->hb[i].ts,
			    uc->hb[i].interval_s * 1000, uc->hb[i].boot };

			assert_int_equal(store_heartbeat(f->st, &hb, 3.0,
			    uc->hb[i].ts, &newa, err, sizeof(err)), 0);
			assert_int_equal(newa, i == 0);
		}
		assert_int_equal(store_agent_id(f->st, agent, &id, err,
		    sizeof(err)), 0);
		memset(&seen, 0, sizeof(seen));
		assert_int_equal(store_list_uptime(f->st, id, seen_uptime, &seen,
		    err, sizeof(err)), 0);
		while (n < 8 && uc->want[n][0] != 0)
			n++;
		if (seen.n != n)
			fail_msg("%s: %zu intervals, want %zu", uc->name,
			    seen.n, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(seen.up[i].start_ms, uc->want[i][0]);
			assert_int_equal(seen.up[i].end_ms, uc->want[i][1]);
			assert_string_equal(seen.up[i].agent, agent);
		}
	}
}

static void
test_admin_queries(void **state)
{
	struct fx			*f = fx(state);
	struct event_batch		 b;
	struct store_batch_result	 r;
	struct store_event_query	 q;
	char				 err[256];
	struct seen			 s;
	int64_t				 id1, next;
	int				 newa;
	struct store_heartbeat		 hb = { "pc-01", T0, 60000, BOOT };

	mkbatch(&b, "pc-01", 1, 10);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	event_batch_free(&b);
	mkbatch(&b, "pc-02", 1, 4);
	assert_int_equal(store_insert_batch(f->st, &b, T0, &r, err,
	    sizeof(err)), 0);
	event_batch_free(&b);
	assert_int_equal(store_agent_id(f->st, "pc-01", &id1, err,
	    sizeof(err)), 0);

	/* By agent and type. */
	assert_int_equal(count_events(f->st, id1, "odd"), 5);
	assert_int_equal(count_events(f->st, 0, "even"), 7);
	assert_int_equal(count_events(f->st, 0, "none"), 0);

	/* Paging: 3 at a time, newest last, next_after_id until the end. */
	memset(&q, 0, sizeof(q));
	q.since_ms = INT64_MIN;
	q.limit = 3;
	q.agent_id = id1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ev[2].seq, 3);
	assert_int_equal(next, s.ev[2].id);
	assert_int_equal(s.ev[2].severity, SEV_HIGH);
	assert_string_equal(s.ev[2].data, "{\"i\":3}");
	q.after_id = next;
	q.limit = 7;		/* exactly the rest: no further page */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 7);
	assert_int_equal(next, 0);

	/* since: event ts of seq s is T0 + s s. */
	memset(&q, 0, sizeof(q));
	q.since_ms = T0 + 8000;
	q.limit = 100;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);	/* pc-01 seq 8..10 */

	/* Text: in key, type or data, case-insensitive (ASCII). */
	memset(&q, 0, sizeof(q));
	q.since_ms = INT64_MIN;
	q.limit = 100;
	q.text = "K:3";
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);	/* k:3 of pc-01 and of pc-02 */
	q.text = "\"I\":10";
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ev[0].data, "{\"i\":10}");
	q.text = "EVE";
	q.agent_id = id1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query_events(f->st, &q, seen_event, &s, &next,
	    err, sizeof(err)), 0);
	assert_int_equal(s.n, 5);	/* type "even" */

	/* Agents: up until gap_factor heartbeat intervals pass. */
	assert_int_equal(store_heartbeat(f->st, &hb, 3, T0 + 1000, &newa, err,
	    sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list_agents(f->st, seen_agent, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ag[0].name, "pc-01");
	assert_int_equal(s.ag[0].events, 10);
	assert_int_equal(s.ag[0].last_seq, 10);
	assert_int_equal(s.ag[0].revoked_ms, STORE_NO_TIME);
	assert_false(s.ag[0].degraded);
	assert_string_equal(api_agent_status(&s.ag[0], T0 + 1000 + 3 * MIN, 3),
	    "up");
	assert_string_equal(api_agent_status(&s.ag[0], T0 + 1001 + 3 * MIN, 3),
	    "down");
}

/*
 * store_stmt(): one statement per id, prepared once and handed back
 * reset; another text under the same id, or an id still being stepped,
 * is refused rather than silently reset under its user.
 */
static void
test_stmt_cache(void **state)
{
	struct fx	*f = fx(state);
	static const char q[] = "SELECT ?1 + 1";
	struct db_stmt	*s, *s2;
	char		 err[512], other[] = "SELECT ?1 + 1";

	s = store_stmt(f->st, STMT_INCIDENT_STATUS, q, err, sizeof(err));
	assert_non_null(s);
	db_bind_int(s, 1, 41);
	assert_int_equal(db_step(s), DB_ROW);
	assert_int_equal(db_column_int(s, 0), 42);
	/* Still on its row: a second user of the id is refused. */
	assert_null(store_stmt(f->st, STMT_INCIDENT_STATUS, q, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "still in use"));
	store_stmt_release(s);
	/* Released: the same prepared statement, bindings cleared. */
	s2 = store_stmt(f->st, STMT_INCIDENT_STATUS, q, err, sizeof(err));
	assert_ptr_equal(s2, s);
	assert_int_equal(db_step(s2), DB_ROW);
	assert_true(db_column_null(s2, 0));
	store_stmt_release(s2);
	/* The same text from another buffer is the same statement. */
	assert_ptr_equal(store_stmt(f->st, STMT_INCIDENT_STATUS, other, err,
	    sizeof(err)), s);
	store_stmt_release(s);
	/* Another text under the id is a programming error, reported. */
	assert_null(store_stmt(f->st, STMT_INCIDENT_STATUS, "SELECT 2", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "two users of one id"));
	/*
	 * Bad SQL names itself: SQLite's prepare refuses it; PostgreSQL's
	 * driver sends it on the first step, which fails.
	 */
	s = store_stmt(f->st, STMT_INCIDENT_MSG, "SELEC nonsense", err,
	    sizeof(err));
	if (is_pg(f)) {
		assert_non_null(s);
		assert_int_equal(store_stmt_done(f->st, s, "SELEC nonsense",
		    err, sizeof(err)), -1);
		assert_non_null(strstr(err, "syntax error"));
	} else
		assert_null(s);
	assert_non_null(strstr(err, "SELEC nonsense"));
	/* Out of range ids are refused. */
	assert_null(store_stmt(f->st, STORE_STMT_MAX, q, err, sizeof(err)));
}

/* Migration 2 has shipped: its text may move between files, never change. */
static void
test_shipped_migration_text(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(strlen(store_incidents_migration), 1368);
	assert_int_equal(digest_sha256_hex(store_incidents_migration,
	    strlen(store_incidents_migration), hex, sizeof(hex)), 0);
	assert_string_equal(hex, "5f5a0df67c6f0e0af2640bf1cf4b0d0ae673850422"
	    "500ec1ff2e2823c14b0bda");
}

/* store_query(): what a row callback saw. */
struct q_seen {
	int	 n;
	int64_t	 i[4];
	double	 d;
	char	 t[16];
	int	 null;
	int	 stop_at;	/* 1 after this many rows; 0 never */
	int	 fail;		/* -1 on the first row */
};

static int
q_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct q_seen *s = arg;

	if (s->fail) {
		snprintf(err, errlen, "caller says no");
		return -1;
	}
	s->i[s->n % 4] = store_col_int(r, 0);
	s->d = store_col_double(r, 1);
	snprintf(s->t, sizeof(s->t), "%s", store_col_null(r, 2) ? "(null)" :
	    store_col_text(r, 2));
	s->null = store_col_null(r, 3) && store_col_text(r, 3) == NULL;
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at;
}

/*
 * store_query(): every type binds, '-' leaves a placeholder the text
 * does not have, the callback stops early or fails, a cached id is
 * reused and released, a bad SQL text or type is an error with a name.
 */
static void
test_store_query(void **state)
{
	struct fx	*f = fx(state);
	struct q_seen	 s = { 0 };
	char		 err[512];
	static const char three[] = "SELECT value, ?2 * 1.5, CAST(?3 AS TEXT), "
	    "NULL FROM (SELECT ?1 AS value UNION ALL SELECT ?1 + 1 UNION ALL "
	    "SELECT ?1 + 2) AS t";

	if (store_query(f->st, STORE_ONCE, three, "three", q_row, &s, err,
	    sizeof(err), "Ids", (int64_t)1 << 40, 3.0, "x") != 3)
		fail_msg("%s", err);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.i[2], ((int64_t)1 << 40) + 2);
	assert_true(s.d == 4.5);
	assert_string_equal(s.t, "x");
	assert_true(s.null);
	/* NULL text binds NULL; an int; the same id twice: cached. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(store_query(f->st, STMT_INCIDENT_STATUS, three,
	    "three", q_row, &s, err, sizeof(err), "ids", 7, 2.0,
	    (const char *)NULL), 2);
	assert_int_equal(s.i[1], 8);
	assert_string_equal(s.t, "(null)");
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query(f->st, STMT_INCIDENT_STATUS, three,
	    "three", q_row, &s, err, sizeof(err), "ids", 1, 0.0, "y"), 3);
	/* '-': ?2 absent from the text, ?3 bound. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_query(f->st, STORE_ONCE, "SELECT ?1, 0.5, ?3, "
	    "1", "skip", q_row, &s, err, sizeof(err), "I-s", (int64_t)5,
	    "z"), 1);
	assert_int_equal(s.i[0], 5);
	assert_string_equal(s.t, "z");
	assert_false(s.null);
	/* No callback: the rows are counted. */
	assert_int_equal(store_query(f->st, STORE_ONCE, three, "count", NULL,
	    NULL, err, sizeof(err), "Ids", (int64_t)0, 0.0, ""), 3);
	/* The callback's error is the query's, and the statement is free. */
	memset(&s, 0, sizeof(s));
	s.fail = 1;
	assert_int_equal(store_query(f->st, STMT_INCIDENT_STATUS, three,
	    "three", q_row, &s, err, sizeof(err), "ids", 1, 0.0, "y"), -1);
	assert_string_equal(err, "caller says no");
	s.fail = 0;
	assert_int_equal(store_query(f->st, STMT_INCIDENT_STATUS, three,
	    "three", q_row, &s, err, sizeof(err), "ids", 1, 0.0, "y"), 3);
	/* Bad text, bad type: errors naming what. */
	assert_int_equal(store_query(f->st, STORE_ONCE, "SELEC 1", "a typo",
	    q_row, &s, err, sizeof(err), ""), -1);
	assert_non_null(strstr(err, "a typo"));
	assert_int_equal(store_query(f->st, STORE_ONCE, "SELECT ?1", "typed",
	    q_row, &s, err, sizeof(err), "x"), -1);
	assert_non_null(strstr(err, "argument 1 has type 'x'"));
	/* store_query_ints(): the first row's numbers, NULL as 0; none. */
	{
		int64_t v[3] = { 9, 9, 9 };

		assert_int_equal(store_query_ints(f->st, STORE_ONCE, "SELECT "
		    "?1, NULL, 7 UNION ALL SELECT 1, 2, 3", "ints", v, 3, err,
		    sizeof(err), "I", (int64_t)-5), 1);
		assert_int_equal(v[0], -5);
		assert_int_equal(v[1], 0);
		assert_int_equal(v[2], 7);
		assert_int_equal(store_query_ints(f->st, STORE_ONCE, "SELECT "
		    "1, 2 WHERE 1 = 0", "none", v, 2, err, sizeof(err), ""), 0);
		assert_int_equal(v[0], 0);
		assert_int_equal(v[1], 0);
	}
}

int
main(void)
{
	/* Each test on SQLite, then on PostgreSQL. */
#define BOTH(t)	{ #t, t, setup, teardown, NULL }, \
		{ #t " (PostgreSQL)", t, setup_pg, teardown, NULL }
#define PG_ONLY(t) { #t " (PostgreSQL)", t, setup_pg, teardown, NULL }
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_migration_text),
		BOTH(test_migrate_from_empty),
		BOTH(test_newer_schema_refused),
		BOTH(test_batch_exactly_once),
		BOTH(test_two_collectors_migrate_once),
		BOTH(test_batch_failure_stores_nothing),
		BOTH(test_event_rejected_alone),
		BOTH(test_event_rejected_by_constraint),
		BOTH(test_retryable_store_error),
		PG_ONLY(test_connection_lost),
		PG_ONLY(test_pg_reset_sequences),
		PG_ONLY(test_pg_schema_matches_sqlite),
		PG_ONLY(test_pg_upgrade_from_baseline),
		PG_ONLY(test_pg_agent_refs),
		BOTH(test_large_batch_hooks),
		BOTH(test_fast_path_conflict),
		BOTH(test_group_commit),
		BOTH(test_uptime_coalescing),
		BOTH(test_admin_queries),
		BOTH(test_stmt_cache),
		BOTH(test_store_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
