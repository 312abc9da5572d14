/*
 * Event retention ([store] event_retention, collector/retention.c and
 * store_retention.c) against a clock of the test's own: what is due when,
 * what goes, what stays (events an incident refers to, the audit), in how
 * many transactions, the log line, and the 180-day floor of the config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/collector.h"
#include "collector/db.h"
#include "collector/retention.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "collector/store_retention.h"
#include "common/event.h"
#include "common/log.h"
#include "tests/unit/backends.h"

#define T0	1795786640000LL	/* 2026-11-27T13:37:20Z */
#define DAY	86400000LL

struct fx {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
	struct db	*db;	/* a second connection to look and to plant rows */
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	const char	*target;
	char		 err[256];

	log_init("test_retention", 0, LOG_LVL_INFO);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_retention.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	target = test_backend_target(f->path);
	f->st = store_open(target, err, sizeof(err));
	assert_non_null(f->st);
	f->db = test_db_open(target);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[160];

	db_close(f->db);
	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s/log", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/c.ini", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Store seqs first..last of pc-01 as received at received_ms. */
static void
store_seqs(struct fx *f, uint64_t first, uint64_t last, int64_t received_ms)
{
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];
	size_t				 n = (size_t)(last - first + 1);

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "pc-01");
	b.events = calloc(n, sizeof(*b.events));
	assert_non_null(b.events);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(event_set(&b.events[i], "pc-01", first + i,
		    received_ms - 1000, "port_exposed", SEV_HIGH, "k",
		    json_object()), 0);
	b.n = n;
	assert_int_equal(store_insert_batch(f->st, &b, received_ms, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, n);
	event_batch_free(&b);
}

static int64_t
q_int(struct fx *f, const char *sql)
{
	return test_db_int(f->db, sql);
}

static void
exec(struct fx *f, const char *sql)
{
	if (db_exec(f->db, sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(f->db));
}

/* An incident (id 1) refers to the event of pc-01's seq. */
static void
refer(struct fx *f, int seq)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO incident_events (incident_id, "
	    "event_id) SELECT 1, id FROM events WHERE seq = %d", seq);
	exec(f, sql);
}

static int
has_seq(struct fx *f, int seq)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE seq = %d",
	    seq);
	return (int)q_int(f, sql);
}

/*
 * Run retention_step at now until the prune in progress is over; stderr
 * (the log) into the fixture's log file.  The number of steps (each one
 * transaction) into *steps.
 */
static int64_t
run_prune(struct fx *f, struct retention *r, int64_t now, int *steps)
{
	char	 p[160];
	int64_t	 next;
	int	 saved;
	FILE	*lf;

	snprintf(p, sizeof(p), "%s/log", f->dir);
	fflush(stderr);
	saved = dup(2);
	assert_non_null(lf = fopen(p, "w"));
	dup2(fileno(lf), 2);
	*steps = 0;
	do {
		next = retention_step(r, now);
		(*steps)++;
	} while (next == 0 && *steps < 1000);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(lf);
	return next;
}

static char *
read_log(struct fx *f)
{
	static char	 buf[4096];
	char		 p[160];
	FILE		*lf;
	size_t		 n;

	snprintf(p, sizeof(p), "%s/log", f->dir);
	assert_non_null(lf = fopen(p, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, lf);
	buf[n] = '\0';
	fclose(lf);
	return buf;
}

static void
test_prune_daily_keeps_referenced_and_audit(void **state)
{
	struct fx		*f = *state;
	struct retention	*r;
	int64_t			 next;
	int			 steps;
	char			*log;

	store_seqs(f, 1, 10, T0);
	store_seqs(f, 11, 15, T0 + 300 * DAY);
	store_seqs(f, 16, 20, T0 + 399 * DAY);
	refer(f, 3);
	refer(f, 12);
	exec(f, "INSERT INTO admin_audit (ts, actor, via, peer, method, path, "
	    "status) VALUES (1795786640000, 'root', 'socket', '-', 'GET', "
	    "'/api/v1/admin/agents', 200)");
	exec(f, "INSERT INTO uptime (agent_id, start_ts, end_ts) VALUES "
	    "(1, 1795786640000, 1795786700000)");

	/* Due 10 days after T0; before that nothing happens. */
	assert_non_null(r = retention_new(f->st, 400 * DAY, T0 + 10 * DAY, 3));
	next = run_prune(f, r, T0 + 5 * DAY, &steps);
	assert_int_equal(steps, 1);
	assert_true(next > 0 && next <= 5 * DAY);
	/* 401 days on: the cutoff is now - 400d = T0 + 1d. */
	next = run_prune(f, r, T0 + 401 * DAY, &steps);
	assert_true(next > 0);
	/* 20 events, batches of 3: several short transactions, not one. */
	assert_true(steps >= 4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events"), 11);
	assert_int_equal(has_seq(f, 3), 1);	/* an incident refers to it */
	for (int s = 1; s <= 10; s++)
		if (s != 3)
			assert_int_equal(has_seq(f, s), 0);
	for (int s = 11; s <= 20; s++)
		assert_int_equal(has_seq(f, s), 1);
	log = read_log(f);
	assert_non_null(strstr(log, "event retention: deleted 9 events"));
	assert_non_null(strstr(log, "kept 1 of them that incidents refer to"));
	assert_non_null(strstr(log, "older than 400 days"));
	assert_null(strchr(strchr(log, '\n') + 1, '\n'));	/* one line */
	/* Never touched: incident links, the audit, uptime, the agent. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM incident_events"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM admin_audit"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM uptime"), 1);
	assert_int_equal(q_int(f, "SELECT last_seq FROM agents"), 20);

	/* Once a day: later the same day nothing is due. */
	next = run_prune(f, r, T0 + 401 * DAY + DAY - 1, &steps);
	assert_int_equal(steps, 1);
	assert_int_equal(next, 1);
	assert_string_equal(read_log(f), "");
	/* 300 days after seqs 11..15 were received they go (but 12). */
	next = run_prune(f, r, T0 + 701 * DAY, &steps);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events"), 7);
	assert_int_equal(has_seq(f, 12), 1);
	assert_int_equal(has_seq(f, 11), 0);
	assert_int_equal(has_seq(f, 16), 1);
	assert_non_null(strstr(read_log(f), "deleted 4 events"));
	retention_free(r);
}

/* An event received exactly at the cutoff stays; one ms older goes. */
static void
test_prune_boundary(void **state)
{
	struct fx	*f = *state;
	int64_t		 cursor = 0, deleted = 0, kept = 0;
	char		 err[256];

	store_seqs(f, 1, 1, T0 - 1);
	store_seqs(f, 2, 2, T0);
	assert_int_equal(store_prune_events(f->st, T0, 100, &cursor, &deleted,
	    &kept, err, sizeof(err)), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(kept, 0);
	assert_int_equal(has_seq(f, 1), 0);
	assert_int_equal(has_seq(f, 2), 1);
}

/* A store that cannot write: an error, nothing deleted, retried later. */
static void
test_prune_error_rolls_back(void **state)
{
	struct fx		*f = *state;
	struct retention	*r;
	int64_t			 next;
	int			 steps;

	store_seqs(f, 1, 5, T0);
	/*
	 * SQLite: the other connection holds the write lock.  PostgreSQL
	 * waits for its write lock with no timeout, so there the store's
	 * own connection refuses writes instead.
	 */
	if (test_backend_pg())
		assert_int_equal(test_db_read_only(store_db(f->st), 1), 0);
	else
		assert_int_equal(db_begin_write(f->db), 0);
	assert_non_null(r = retention_new(f->st, 180 * DAY, T0, 2));
	next = run_prune(f, r, T0 + 200 * DAY, &steps);
	if (test_backend_pg())
		assert_int_equal(test_db_read_only(store_db(f->st), 0), 0);
	else
		exec(f, "COMMIT");
	assert_int_equal(next, 3600 * 1000);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events"), 5);
	assert_non_null(strstr(read_log(f), "trying again in an hour"));
	/* An hour later it works. */
	next = run_prune(f, r, T0 + 200 * DAY + 3600 * 1000, &steps);
	assert_int_equal(q_int(f, "SELECT count(*) FROM events"), 0);
	retention_free(r);
}

static int
load_conf(struct fx *f, const char *text, struct collector_conf *cc,
    struct conf_err *err)
{
	char	 p[160];
	FILE	*cf;

	snprintf(p, sizeof(p), "%s/c.ini", f->dir);
	assert_non_null(cf = fopen(p, "w"));
	fputs(text, cf);
	fclose(cf);
	return collector_conf_load(p, cc, err);
}

static void
test_conf_floor(void **state)
{
	struct fx		*f = *state;
	struct collector_conf	 cc;
	struct conf_err		 err;

	assert_int_equal(load_conf(f, "[store]\npath = /x.db\n", &cc, &err), 0);
	assert_int_equal(cc.event_retention_ms, 400 * DAY);
	collector_conf_free(&cc);
	assert_int_equal(load_conf(f, "[store]\nevent_retention = 180d\n", &cc,
	    &err), 0);
	assert_int_equal(cc.event_retention_ms, 180 * DAY);
	collector_conf_free(&cc);
	assert_int_equal(load_conf(f, "[store]\n\nevent_retention = 90d\n", &cc,
	    &err), -1);
	assert_non_null(strstr(err.msg, "c.ini:3"));
	assert_non_null(strstr(err.msg, "event_retention"));
	assert_non_null(strstr(err.msg, "90 days is below the floor of 180 days"));
	assert_non_null(strstr(err.msg, "Cybersecurity Law"));
	assert_int_equal(load_conf(f, "[store]\nevent_retention = 179d\n", &cc,
	    &err), -1);
	assert_int_equal(load_conf(f, "[store]\nevent_retention = 10x\n", &cc,
	    &err), -1);
}

/* [store] url: which database, checked before anything opens it. */
static void
test_conf_store_url(void **state)
{
	struct fx		*f = *state;
	struct collector_conf	 cc;
	struct conf_err		 err;

	assert_int_equal(load_conf(f, "[store]\npath = /x.db\n", &cc, &err), 0);
	assert_string_equal(cc.store_url, "/x.db");
	collector_conf_free(&cc);
	assert_int_equal(load_conf(f, "[store]\nurl = sqlite:///var/x.db\n",
	    &cc, &err), 0);
	assert_string_equal(cc.store_url, "sqlite:///var/x.db");
	assert_string_equal(cc.store_path, "/var/x.db");
	collector_conf_free(&cc);
	assert_int_equal(load_conf(f, "[store]\nurl = postgresql://sb@db:5432/"
	    "sb?sslmode=verify-full&passfile=/etc/shaobing/pgpass\n", &cc,
	    &err), 0);
	assert_string_equal(cc.store_path, "");
	collector_conf_free(&cc);
	assert_int_equal(load_conf(f, "[store]\n\nurl = postgresql://sb:pw@db/sb"
	    "\n", &cc, &err), -1);
	assert_non_null(strstr(err.msg, "c.ini:3"));
	assert_non_null(strstr(err.msg, "password file"));
	assert_null(strstr(err.msg, "pw"));
	assert_int_equal(load_conf(f, "[store]\nurl = sqlite://var/x.db\n", &cc,
	    &err), -1);
	assert_non_null(strstr(err.msg, "absolute path"));
	assert_int_equal(load_conf(f, "[store]\nurl = mysql://db/x\n", &cc,
	    &err), -1);
	assert_non_null(strstr(err.msg, "neither sqlite"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_prune_daily_keeps_referenced_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_boundary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prune_error_rolls_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_floor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_store_url, setup,
		    teardown),
	};

	return TEST_RUN_BACKENDS("test_retention", tests, NULL, NULL);
}
