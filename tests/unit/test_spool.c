/*
 * The agent spool: seq order, ack and delete, seq persistence across
 * reopen, the size cap and its drop policy with the spool_dropped event,
 * two connections on one file, a file that is not a spool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/spool.h"

struct fx {
	char	dir[64];
	char	path[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_spool.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/spool.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 p[160];
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static uint64_t
put(struct spool *sp, const char *type, enum severity sev, int n)
{
	char		 err[256], key[32];
	uint64_t	 seq = 0;
	json_t		*d = json_pack("{s:i}", "n", n);

	snprintf(key, sizeof(key), "k:%d", n);
	assert_int_equal(spool_append(sp, 1700000000000 + n, type, sev, key, d,
	    &seq, err, sizeof(err)), 1);
	json_decref(d);
	return seq;
}

static void
test_order_and_ack(void **state)
{
	struct fx		*f = *state;
	struct spool		*sp;
	struct event_batch	 b;
	struct spool_stats	 st;
	char			 err[256];

	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	for (int i = 1; i <= 5; i++)
		assert_int_equal(put(sp, "t", SEV_INFO, i), (uint64_t)i);
	assert_int_equal(spool_read_batch(sp, "pc-01", 3, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(b.events[i].seq, i + 1);
		assert_string_equal(b.events[i].agent, "pc-01");
		assert_int_equal(json_integer_value(json_object_get(
		    b.events[i].data, "n")), (json_int_t)i + 1);
		assert_int_equal(b.events[i].ts_ms, 1700000000000 + (int64_t)i + 1);
	}
	assert_string_equal(b.events[1].key, "k:2");
	event_batch_free(&b);

	/* Ack through 3: exactly those go. */
	assert_int_equal(spool_ack(sp, 3, err, sizeof(err)), 3);
	assert_int_equal(spool_read_batch(sp, "pc-01", 10, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.events[0].seq, 4);
	assert_int_equal(b.events[1].seq, 5);
	event_batch_free(&b);
	/* A stale ack deletes nothing. */
	assert_int_equal(spool_ack(sp, 2, err, sizeof(err)), 0);
	assert_int_equal(spool_ack(sp, 5, err, sizeof(err)), 2);
	assert_int_equal(spool_stats(sp, &st, err, sizeof(err)), 0);
	assert_int_equal(st.events, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.next_seq, 6);
	assert_int_equal(spool_read_batch(sp, "pc-01", 10, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 0);
	event_batch_free(&b);
	spool_close(sp);
}

static void
test_seq_persists(void **state)
{
	struct fx	*f = *state;
	struct spool	*sp;
	char		 err[256];

	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	put(sp, "t", SEV_INFO, 1);
	put(sp, "t", SEV_INFO, 2);
	put(sp, "t", SEV_INFO, 3);
	/* Delete everything: the counter must not fall back. */
	assert_int_equal(spool_ack(sp, 3, err, sizeof(err)), 3);
	spool_close(sp);
	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(put(sp, "t", SEV_INFO, 4), 4);
	spool_close(sp);
	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(put(sp, "t", SEV_INFO, 5), 5);
	spool_close(sp);
}

static void
test_two_connections(void **state)
{
	struct fx		*f = *state;
	struct spool		*a, *b;
	struct event_batch	 bt;
	char			 err[256];

	a = spool_open(f->path, 1 << 20, err, sizeof(err));
	b = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	put(a, "t", SEV_HIGH, 1);
	put(a, "t", SEV_LOW, 2);
	assert_int_equal(spool_read_batch(b, "x", 10, 1 << 20, &bt, err,
	    sizeof(err)), 0);
	assert_int_equal(bt.n, 2);
	assert_int_equal(bt.events[0].severity, SEV_HIGH);
	assert_int_equal(bt.events[1].severity, SEV_LOW);
	event_batch_free(&bt);
	assert_int_equal(spool_ack(b, 1, err, sizeof(err)), 1);
	/* The appender's next seq is unaffected by the other's delete. */
	assert_int_equal(put(a, "t", SEV_INFO, 3), 3);
	spool_close(a);
	spool_close(b);
}

static void
test_batch_bytes(void **state)
{
	struct fx		*f = *state;
	struct spool		*sp;
	struct event_batch	 b;
	char			 err[256];

	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	for (int i = 1; i <= 10; i++)
		put(sp, "t", SEV_INFO, i);
	/* Each row is ~80 accounted bytes: 200 bytes hold 2. */
	assert_int_equal(spool_read_batch(sp, "x", 10, 200, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 2);
	event_batch_free(&b);
	/* The first event always goes, however large. */
	assert_int_equal(spool_read_batch(sp, "x", 10, 1, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 1);
	event_batch_free(&b);
	spool_close(sp);
}

/* Find the spool_dropped event in a batch; NULL if none. */
static const struct event *
find_drop(const struct event_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->events[i].type, "spool_dropped") == 0)
			return &b->events[i];
	return NULL;
}

static json_int_t
by_sev(const struct event *e, const char *sev)
{
	return json_integer_value(json_object_get(json_object_get(e->data,
	    "by_severity"), sev));
}

static void
test_cap_drops_oldest_lowest(void **state)
{
	struct fx		*f = *state;
	struct spool		*sp;
	struct event_batch	 b;
	struct spool_stats	 st;
	const struct event	*dr;
	char			 err[256];
	uint64_t		 hi;
	int			 i;

	/* 512 reserved for the report; ~80 bytes a row: room for ~6 rows. */
	sp = spool_open(f->path, 1024, err, sizeof(err));
	assert_non_null(sp);
	spool_set_drop_report_interval(sp, 0);
	put(sp, "t", SEV_MEDIUM, 1);		/* seq 1 */
	for (i = 2; i <= 6; i++)
		put(sp, "t", SEV_INFO, i);	/* seq 2..6 */
	assert_int_equal(spool_stats(sp, &st, err, sizeof(err)), 0);
	assert_int_equal(st.events, 6);
	/* Full: a high event pushes out the oldest info (seq 2), not seq 1. */
	hi = put(sp, "t", SEV_HIGH, 7);
	assert_int_equal(spool_read_batch(sp, "x", 100, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.events[0].seq, 1);
	assert_int_equal(b.events[0].severity, SEV_MEDIUM);
	assert_int_equal(b.events[1].seq, 3);
	for (size_t k = 0; k < b.n; k++)
		assert_int_not_equal(b.events[k].seq, 2);
	dr = find_drop(&b);
	assert_non_null(dr);
	assert_int_equal(dr->severity, SEV_MEDIUM);
	assert_int_equal(json_integer_value(json_object_get(dr->data,
	    "dropped")), 1);
	assert_int_equal(by_sev(dr, "info"), 1);
	assert_int_equal(by_sev(dr, "medium"), 0);
	assert_int_equal(json_integer_value(json_object_get(dr->data,
	    "first_seq")), 2);
	/* The report comes after the event that caused it, with its own seq. */
	assert_true(dr->seq > hi);
	event_batch_free(&b);
	assert_int_equal(spool_stats(sp, &st, err, sizeof(err)), 0);
	assert_true(st.bytes <= 1024);
	assert_int_equal(st.dropped_pending, 0);
	spool_close(sp);
}

static void
test_cap_new_low_event_loses(void **state)
{
	struct fx		*f = *state;
	struct spool		*sp;
	struct event_batch	 b;
	const struct event	*dr;
	char			 err[256];
	uint64_t		 seq = 0;
	json_t			*d;
	int			 i;

	sp = spool_open(f->path, 1024, err, sizeof(err));
	assert_non_null(sp);
	/* Reports only on flush: several drops fold into one event. */
	spool_set_drop_report_interval(sp, 3600000);
	for (i = 1; i <= 6; i++)
		put(sp, "t", SEV_CRITICAL, i);
	/*
	 * First drop is reported at once (no report yet); make it happen,
	 * then further drops only count.
	 */
	d = json_object();
	assert_int_equal(spool_append(sp, 0, "t", SEV_INFO, "k", d, &seq, err,
	    sizeof(err)), 0);
	assert_int_equal(spool_append(sp, 0, "t", SEV_LOW, "k", d, &seq, err,
	    sizeof(err)), 0);
	assert_int_equal(spool_append(sp, 0, "t", SEV_INFO, "k", d, &seq, err,
	    sizeof(err)), 0);
	json_decref(d);
	assert_int_equal(spool_flush_drops(sp, err, sizeof(err)), 1);
	assert_int_equal(spool_flush_drops(sp, err, sizeof(err)), 0);
	assert_int_equal(spool_read_batch(sp, "x", 100, 1 << 20, &b, err,
	    sizeof(err)), 0);
	/* Every critical event is still there. */
	for (i = 0; i < 6; i++)
		assert_int_equal(b.events[i].severity, SEV_CRITICAL);
	dr = find_drop(&b);
	assert_non_null(dr);
	/* First report: the first info; the second: one low, one info. */
	assert_int_equal(by_sev(dr, "info"), 1);
	assert_int_equal(by_sev(dr, "critical"), 0);
	dr = find_drop(&(struct event_batch){ .events = (struct event *)dr + 1,
	    .n = b.n - (size_t)(dr - b.events) - 1 });
	assert_non_null(dr);
	assert_int_equal(by_sev(dr, "info"), 1);
	assert_int_equal(by_sev(dr, "low"), 1);
	event_batch_free(&b);
	spool_close(sp);
}

static void
test_too_big_and_bad(void **state)
{
	struct fx	*f = *state;
	struct spool	*sp;
	char		 err[256], big[2048];
	uint64_t	 seq;
	json_t		*d;
	FILE		*fp;

	sp = spool_open(f->path, 1024, err, sizeof(err));
	assert_non_null(sp);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	d = json_pack("{s:s}", "blob", big);
	assert_int_equal(spool_append(sp, 0, "t", SEV_CRITICAL, "k", d, &seq,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot fit"));
	json_decref(d);
	assert_int_equal(spool_append(sp, 0, "t", (enum severity)9, "k", NULL,
	    &seq, err, sizeof(err)), -1);
	spool_close(sp);
	unlink(f->path);

	/* A file that is not a spool: a clear error, nothing else. */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", fp);
	fclose(fp);
	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_null(sp);
	assert_non_null(strstr(err, f->path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_drops_oldest_lowest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap_new_low_event_loses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_big_and_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
