/*
 * The notification outbox's store side (collector/outbox.h): a row is
 * written with the incident and goes with a rollback; one claim holder
 * at a time, across two stores (two collectors) on one database file; a
 * row whose lease expired is taken over, and only the holder marks it.
 * Sending through the notifier: tests/unit/test_incident_notify.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collector/db.h"
#include "collector/incident_priv.h"
#include "collector/outbox.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "common/log.h"
#include "common/taxonomy.h"
#include "tests/unit/backends.h"

#define T0	1795786640000LL
#define LEASE	30000

struct fx {
	char		 dir[64];
	char		 path[96];
	struct store	*a, *b;		/* two collectors, one database */
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	const char	*target;
	char		 why[256];

	log_init("test_outbox", 0, LOG_LVL_ERROR);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_outbox.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	target = test_backend_target(f->path);
	assert_non_null(f->a = store_open(target, why, sizeof(why)));
	assert_non_null(f->b = store_open(target, why, sizeof(why)));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	store_close(f->a);
	store_close(f->b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(f);
	return 0;
}

static int64_t
scalar(struct store *st, const char *sql)
{
	int64_t	v = -1;
	char	err[256];

	if (store_query_ints(st, STORE_ONCE, sql, "test", &v, 1, err, sizeof(err),
	    "") == -1)
		fail_msg("%s", err);
	return v;
}

/* Fold one observation of key (notify: queue its message); its id. */
static int64_t
fold(struct store *st, const char *key, int level, int notify)
{
	struct incident_obs o = {
		.asset = "pc-01", .key = key, .type = "port_scan",
		.category = "NA", .subcategory = "NASCAN", .title = key,
		.level = level, .severity = 3, .ts = T0, .received = T0,
		.window_ms = 3600000, .notify = notify,
	};
	struct incident_fold_out	r;
	char				err[256];

	if (store_incident_fold(st, &o, &r, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	return r.id;
}

static int
claim(struct store *st, const char *owner, int64_t now,
    struct outbox_claim *c, size_t max)
{
	char	err[256];
	int	n;

	if ((n = store_outbox_claim(st, owner, now, LEASE, c, max, err,
	    sizeof(err))) == -1)
		fail_msg("%s", err);
	return n;
}

static int
done(struct store *st, int64_t id, const char *owner, int64_t now)
{
	char	err[256];
	int	r;

	if ((r = store_outbox_done(st, id, owner, true, "", now, err,
	    sizeof(err))) == -1)
		fail_msg("%s", err);
	return r;
}

/* Written with the incident; one pending row per incident and kind;
   nothing without a channel (notify 0). */
static void
test_written_with_the_incident(void **state)
{
	struct fx	*f = *state;
	int64_t		 id;

	id = fold(f->a, "port_scan:1", TAX_LEVEL_IV, 1);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox "
	    "WHERE state = 'pending' AND recovery = 0"), 1);
	/* Escalated while still pending: the one row tells (built when sent). */
	assert_int_equal(fold(f->a, "port_scan:1", TAX_LEVEL_III, 1), id);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox"), 1);
	fold(f->a, "port_scan:2", TAX_LEVEL_IV, 0);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox"), 1);
	/* The other collector sees it (committed). */
	assert_int_equal(scalar(f->b, "SELECT incident_id FROM notify_outbox"),
	    id);
}

/* A rolled-back transaction leaves no incident and no outbox row. */
static void
test_rollback_leaves_no_row(void **state)
{
	struct fx *f = *state;

	assert_int_equal(db_begin_write(store_db(f->a)), 0);
	fold(f->a, "port_scan:9", TAX_LEVEL_IV, 1);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox"), 1);
	assert_int_equal(db_exec(store_db(f->a), "ROLLBACK"), 0);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox"), 0);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM incidents"), 0);
}

/* One holder at a time; after the lease the other collector takes it
   over (naming the old holder); only the holder marks it; sent once. */
static void
test_claim_lease_takeover(void **state)
{
	struct fx		*f = *state;
	struct outbox_claim	 c[4];
	int64_t			 id;

	id = fold(f->a, "port_scan:1", TAX_LEVEL_IV, 1);
	fold(f->a, "port_scan:2", TAX_LEVEL_IV, 1);
	assert_int_equal(claim(f->a, "A", T0, c, 1), 1);
	assert_int_equal(c[0].incident_id, id);
	assert_int_equal(c[0].claims, 1);
	assert_string_equal(c[0].taken_from, "");
	/* B gets the other row only; A's is held until T0 + LEASE. */
	assert_int_equal(claim(f->b, "B", T0 + 1, c, 4), 1);
	assert_int_not_equal(c[0].incident_id, id);
	assert_int_equal(done(f->b, c[0].id, "B", T0 + 2), 1);
	assert_int_equal(claim(f->b, "B", T0 + LEASE - 1, c, 4), 0);
	/* A died: at its lease's end B takes the row over. */
	assert_int_equal(claim(f->b, "B", T0 + LEASE, c, 4), 1);
	assert_int_equal(c[0].incident_id, id);
	assert_int_equal(c[0].claims, 2);
	assert_string_equal(c[0].taken_from, "A");
	/* A (alive after all) can no longer mark it; B can, once. */
	assert_int_equal(done(f->a, c[0].id, "A", T0 + LEASE + 1), 0);
	assert_int_equal(done(f->b, c[0].id, "B", T0 + LEASE + 1), 1);
	assert_int_equal(done(f->b, c[0].id, "B", T0 + LEASE + 2), 0);
	/* Sent rows are never claimed again, however late. */
	assert_int_equal(claim(f->a, "A", T0 + 100 * LEASE, c, 4), 0);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox "
	    "WHERE state = 'sent' AND done IS NOT NULL AND lease_until IS "
	    "NULL"), 2);
	/* A new event opens nothing: no new row. */
	fold(f->a, "port_scan:1", TAX_LEVEL_IV, 1);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox"), 2);
}

/* A holder that renews keeps its rows; a released row is claimable at
   once; a failed send is marked failed with its error. */
static void
test_renew_release_failed(void **state)
{
	struct fx		*f = *state;
	struct outbox_claim	 c[4];
	char			 err[256];

	fold(f->a, "port_scan:1", TAX_LEVEL_IV, 1);
	assert_int_equal(claim(f->a, "A", T0, c, 4), 1);
	assert_int_equal(store_outbox_renew(f->a, "A", T0 + LEASE / 2, LEASE,
	    err, sizeof(err)), 1);
	assert_int_equal(claim(f->b, "B", T0 + LEASE, c, 4), 0);
	assert_int_equal(store_outbox_release(f->a, c[0].id, "B", err,
	    sizeof(err)), 0);
	assert_int_equal(store_outbox_release(f->a, c[0].id, "A", err,
	    sizeof(err)), 1);
	assert_int_equal(claim(f->b, "B", T0 + LEASE, c, 4), 1);
	assert_string_equal(c[0].taken_from, "");
	assert_int_equal(store_outbox_done(f->b, c[0].id, "B", false,
	    "hook: HTTP status 500", T0 + LEASE, err, sizeof(err)), 1);
	assert_int_equal(scalar(f->a, "SELECT count(*) FROM notify_outbox "
	    "WHERE state = 'failed' AND error = 'hook: HTTP status 500'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_written_with_the_incident,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_no_row,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_lease_takeover,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_renew_release_failed,
		    setup, teardown),
	};

	return TEST_RUN_BACKENDS("test_outbox", tests, NULL, NULL);
}
