/*
 * The agent spool: seq order, ack and delete, seq persistence across
 * reopen, the size cap and its drop policy with the spool_dropped event,
 * two connections on one file, a file that is not a spool, and a
 * damaged spool: random bytes over page headers, the middle of the table
 * b-tree, the first page, the whole tail, at open and under open
 * connections (recovered, rows salvaged and counted, seqs continue).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

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
	char		 p[400];
	DIR		*d = opendir(f->dir);
	struct dirent	*de;

	/* The spool, its -wal and -shm, and what a recovery moved aside. */
	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		if (de->d_name[0] != '.')
			unlink(p);
	}
	if (d != NULL)
		closedir(d);
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

/* ---- a damaged spool ---- */

#define DMG_EVENTS	1500	/* ~40 pages of 4 KiB */
#define DMG_ACKED	200

/* Random bytes (a fixed seed per case) over [off, off + len) of path. */
static void
smash(const char *path, off_t off, size_t len, unsigned seed)
{
	unsigned char	*buf = malloc(len);
	int		 fd = open(path, O_RDWR);

	assert_non_null(buf);
	assert_true(fd >= 0);
	srand(seed);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)rand();
	assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
	close(fd);
	free(buf);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* Files in f->dir whose name starts with spool.db.corrupt- and has no -wal/-shm. */
static int
count_aside(const struct fx *f)
{
	DIR		*d = opendir(f->dir);
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "spool.db.corrupt-", 17) == 0 &&
		    strstr(de->d_name, "-wal") == NULL &&
		    strstr(de->d_name, "-shm") == NULL)
			n++;
	closedir(d);
	return n;
}

/* DMG_EVENTS events of ~100 bytes, the first DMG_ACKED acknowledged. */
static void
fill_spool(const struct fx *f)
{
	struct spool	*sp;
	char		 err[256], pad[80];

	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	sp = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(sp);
	for (int i = 1; i <= DMG_EVENTS; i++) {
		uint64_t	 seq;
		json_t		*d = json_pack("{s:i, s:s}", "n", i, "pad", pad);

		assert_int_equal(spool_append(sp, 1700000000000 + i, "t",
		    i % 7 == 0 ? SEV_CRITICAL : SEV_LOW, "k", d, &seq, err,
		    sizeof(err)), 1);
		assert_int_equal(seq, (uint64_t)i);
		json_decref(d);
	}
	assert_int_equal(spool_ack(sp, DMG_ACKED, err, sizeof(err)), DMG_ACKED);
	/* Closing checkpoints: every page is in spool.db itself. */
	spool_close(sp);
}

/*
 * What a recovered spool must show: the spool_corrupt event, salvaged
 * rows intact (data.n == seq) and counted, new seqs above the old ones
 * and above the collector's floor, new events held back until then.
 */
static void
check_recovered(const struct fx *f, struct spool *sp, int expect_rows)
{
	struct event_batch	 b;
	const struct event	*sc = NULL;
	char			 err[256];
	uint64_t		 seq, floor = DMG_EVENTS + 40;
	json_int_t		 salvaged, lost;
	size_t			 real = 0;
	json_t			*d = json_object();

	assert_int_equal(count_aside(f), 1);
	assert_int_equal(spool_seq_pending(sp), 1);
	/* A new event while the collector's floor is unknown: held back. */
	assert_int_equal(spool_append(sp, 0, "after", SEV_CRITICAL, "k", d,
	    &seq, err, sizeof(err)), 1);
	/* Above the old file's counter when its meta page survived. */
	if (expect_rows)
		assert_true(seq > DMG_EVENTS);
	assert_int_equal(spool_read_batch(sp, "x", 100000, 1 << 30, &b, err,
	    sizeof(err)), 0);
	for (size_t i = 0; i < b.n; i++) {
		const struct event *e = &b.events[i];

		assert_string_not_equal(e->type, "after");
		assert_string_not_equal(e->type, "spool_corrupt");
		assert_true(e->seq > DMG_ACKED && e->seq <= DMG_EVENTS);
		assert_int_equal(json_integer_value(json_object_get(e->data,
		    "n")), (json_int_t)e->seq);
		real++;
	}
	event_batch_free(&b);
	if (expect_rows)
		assert_true(real > 0);
	/* A batch read from the damaged file and acknowledged late takes
	   the salvaged rows only, never what the recovery issued since. */
	assert_int_equal(spool_ack(sp, seq + 100, err, sizeof(err)),
	    (int64_t)real);
	/* The collector says it holds up to floor (it stored some that the
	   acknowledgement never reached): new events move above it. */
	assert_true(spool_raise_seq(sp, floor, err, sizeof(err)) > 0);
	assert_int_equal(spool_seq_pending(sp), 0);
	assert_int_equal(spool_read_batch(sp, "x", 100000, 1 << 30, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 2);
	for (size_t i = 0; i < b.n; i++) {
		const struct event *e = &b.events[i];

		if (strcmp(e->type, "spool_corrupt") == 0)
			sc = e;
		assert_true(e->seq > floor);
		if (i > 0)
			assert_true(e->seq > b.events[i - 1].seq);
	}
	assert_non_null(sc);
	assert_int_equal(sc->severity, SEV_HIGH);
	assert_non_null(strstr(json_string_value(json_object_get(sc->data,
	    "moved_to")), "spool.db.corrupt-"));
	assert_non_null(json_string_value(json_object_get(sc->data, "error")));
	salvaged = json_integer_value(json_object_get(sc->data, "salvaged"));
	assert_int_equal(salvaged, (json_int_t)real);
	if (json_is_integer(json_object_get(sc->data, "lost"))) {
		lost = json_integer_value(json_object_get(sc->data, "lost"));
		if (json_is_true(json_object_get(sc->data, "lost_exact")))
			assert_int_equal(salvaged + lost, DMG_EVENTS - DMG_ACKED);
		else
			assert_true(salvaged + lost >= DMG_EVENTS - DMG_ACKED);
	}
	assert_true(strcmp(b.events[b.n - 1].type, "after") == 0);
	event_batch_free(&b);
	/* And after a restart the counter holds. */
	spool_close(sp);
	sp = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_check(sp, err, sizeof(err)), 0);
	assert_int_equal(spool_append(sp, 0, "later", SEV_INFO, "k", d, &seq,
	    err, sizeof(err)), 1);
	assert_true(seq > floor + 2);
	json_decref(d);
	spool_close(sp);
}

/* Damage the closed spool, then open and check it as the daemon does. */
static void
damage_then_open(void **state, off_t off, size_t len, unsigned seed,
    int expect_rows)
{
	struct fx	*f = *state;
	struct spool	*sp;
	char		 err[256];
	int		 r;

	smash(f->path, off, len, seed);
	sp = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(sp);
	r = spool_check(sp, err, sizeof(err));
	/* The first page fails at open already; the others at the check. */
	assert_true(r == 1 || (r == 0 && count_aside(f) == 1));
	check_recovered(f, sp, expect_rows);
}

static void
test_damage_page_headers(void **state)
{
	struct fx	*f = *state;

	fill_spool(f);
	/* 12 bytes at the head of pages 3, 9 and 17 (b-tree page headers). */
	smash(f->path, 2 * 4096, 12, 1);
	smash(f->path, 8 * 4096, 12, 2);
	smash(f->path, 16 * 4096 + 100, 12, 3);
	{
		char		 err[256];
		struct spool	*sp = spool_open(f->path, 64 << 20, err,
				    sizeof(err));

		assert_non_null(sp);
		assert_true(spool_check(sp, err, sizeof(err)) >= 0);
		check_recovered(f, sp, 1);
	}
}

static void
test_damage_middle(void **state)
{
	struct fx *f = *state;

	fill_spool(f);
	/* 2.5 pages from the middle of the file, not page-aligned. */
	damage_then_open(state, file_size(f->path) / 2 + 777, 4096 * 5 / 2, 4,
	    1);
}

static void
test_damage_first_page(void **state)
{
	fill_spool(*state);
	damage_then_open(state, 0, 4096, 5, 0);
}

static void
test_damage_tail(void **state)
{
	struct fx	*f = *state;
	off_t		 off;

	fill_spool(f);
	off = file_size(f->path) / 3 * 2;
	damage_then_open(state, off, (size_t)(file_size(f->path) - off), 6, 1);
}

/*
 * Damage under two open connections (the daemon's loop and uploader):
 * the reader recovers, the appender follows the new file.
 */
static void
test_damage_while_open(void **state)
{
	struct fx		*f = *state;
	struct spool		*a, *b;
	struct event_batch	 bt;
	char			 err[256];
	uint64_t		 seq;
	json_t			*d = json_object();

	fill_spool(f);
	a = spool_open(f->path, 64 << 20, err, sizeof(err));
	b = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	/* Random bytes over 3 pages of the table's first leaves. */
	smash(f->path, 5 * 4096 + 300, 3 * 4096, 7);
	smash(f->path, file_size(f->path) - 4096 * 4, 4096, 8);
	assert_int_equal(spool_read_batch(b, "x", 100000, 1 << 30, &bt, err,
	    sizeof(err)), 0);
	event_batch_free(&bt);
	assert_int_equal(count_aside(f), 1);
	/* The other connection writes into the fresh file, above. */
	assert_int_equal(spool_append(a, 0, "t", SEV_HIGH, "k", d, &seq, err,
	    sizeof(err)), 1);
	assert_true(seq > DMG_EVENTS);
	json_decref(d);
	spool_close(a);
	spool_close(b);
	/* The fresh file is sound, with one recovery only. */
	a = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(spool_check(a, err, sizeof(err)), 0);
	assert_int_equal(count_aside(f), 1);
	spool_close(a);
}

/*
 * A rotted row at the end: its seq reads 2^40 (so max(seq) says so) but
 * its record is malformed, and the counters are gone.  The salvage walks
 * one seq at a time past the last row it read; that walk is bounded (it
 * went on to 2^40, a lookup and a failing range read per seq: hours).
 */
static void
test_damage_rotted_max_seq(void **state)
{
	static const unsigned char ts[8] = { 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x08 };
	struct fx		*f = *state;
	struct spool		*sp;
	struct event_batch	 bt;
	sqlite3			*db;
	unsigned char		*buf;
	off_t			 size, at = -1;
	char			 err[256];
	int			 fd;

	fill_spool(f);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO events VALUES "
	    "(1099511627776, 1234605616436508424, 1, 't', 'k', '{}', 40);"
	    "UPDATE meta SET next_seq = 0; PRAGMA wal_checkpoint(TRUNCATE);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* Its ts (0x1122334455667708) is stored big-endian right after the
	   record header: make the ts column's serial type 10 (reserved). */
	size = file_size(f->path);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	fd = open(f->path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, (size_t)size, 0), (ssize_t)size);
	for (off_t i = 8; i + 8 <= size; i++)
		if (memcmp(buf + i, ts, 8) == 0) {
			at = i;
			break;
		}
	assert_true(at > 0);
	/* header: its size (8), seq (0: the rowid), ts (6: 8 bytes), severity,
	   type, key, data, size */
	assert_int_equal(buf[at - 8], 8);
	assert_int_equal(buf[at - 7], 0);
	assert_int_equal(buf[at - 6], 6);
	assert_int_equal(pwrite(fd, "\x0a", 1, at - 6), 1);
	close(fd);
	free(buf);

	sp = spool_open(f->path, 64 << 20, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_read_batch(sp, "x", 100000, 1 << 30, &bt, err,
	    sizeof(err)), 0);
	event_batch_free(&bt);
	assert_int_equal(count_aside(f), 1);
	/* Every unacknowledged row but the rotted one came through, and the
	   rotted one is counted lost (the index still knows it). */
	assert_true(spool_raise_seq(sp, DMG_EVENTS, err, sizeof(err)) >= 0);
	assert_int_equal(spool_read_batch(sp, "x", 100000, 1 << 30, &bt, err,
	    sizeof(err)), 0);
	assert_int_equal(bt.n, DMG_EVENTS - DMG_ACKED + 1);
	for (size_t i = 0; i + 1 < bt.n; i++)
		assert_int_equal(bt.events[i].seq, DMG_ACKED + 1 + i);
	assert_string_equal(bt.events[bt.n - 1].type, "spool_corrupt");
	assert_int_equal(json_integer_value(json_object_get(
	    bt.events[bt.n - 1].data, "salvaged")), DMG_EVENTS - DMG_ACKED);
	assert_int_equal(json_integer_value(json_object_get(
	    bt.events[bt.n - 1].data, "lost")), 1);
	event_batch_free(&bt);
	spool_close(sp);
}

/*
 * An event the collector rejected moves to the dead letters once, with
 * one spool_rejected report; a rejected report is kept, not reported.
 */
static void
test_reject_dead_letter(void **state)
{
	struct fx		*f = *state;
	struct spool		*sp;
	struct spool_stats	 st;
	struct event_batch	 b;
	char			 err[256];
	uint64_t		 seq;
	json_t			*d = json_pack("{s:s}", "x", "y"), *dl;

	sp = spool_open(f->path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	for (int i = 0; i < 3; i++)
		assert_int_equal(spool_append(sp, 1700000000000 + i, "t",
		    SEV_LOW, i == 1 ? "poisoned-key" : "k", d, &seq, err,
		    sizeof(err)), 1);
	assert_int_equal(spool_reject(sp, 2, "the collector says no", err,
	    sizeof(err)), 1);
	/* Told again (a resent batch): nothing more happens. */
	assert_int_equal(spool_reject(sp, 2, "the collector says no", err,
	    sizeof(err)), 0);
	assert_int_equal(spool_read_batch(sp, "x", 100, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.events[0].seq, 1);
	assert_int_equal(b.events[1].seq, 3);
	assert_int_equal(b.events[2].seq, 4);
	assert_string_equal(b.events[2].type, "spool_rejected");
	assert_int_equal(b.events[2].severity, SEV_HIGH);
	assert_int_equal(json_integer_value(json_object_get(b.events[2].data,
	    "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(b.events[2].data,
	    "error")), "the collector says no");
	assert_string_equal(json_string_value(json_object_get(b.events[2].data,
	    "type")), "t");
	event_batch_free(&b);
	/* The report itself rejected: kept, no second report (no loop). */
	assert_int_equal(spool_reject(sp, 4, "no again", err, sizeof(err)), 2);
	assert_int_equal(spool_stats(sp, &st, err, sizeof(err)), 0);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.next_seq, 5);
	assert_int_equal(spool_rejected(sp, &dl, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(dl), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dl,
	    0), "key")), "poisoned-key");
	assert_string_equal(json_string_value(json_object_get(json_array_get(dl,
	    0), "error")), "the collector says no");
	assert_string_equal(json_string_value(json_object_get(json_array_get(dl,
	    1), "type")), "spool_rejected");
	json_decref(dl);
	/* Byte accounting follows the moves. */
	assert_int_equal(spool_ack(sp, 3, err, sizeof(err)), 2);
	assert_int_equal(spool_stats(sp, &st, err, sizeof(err)), 0);
	assert_int_equal(st.events, 0);
	assert_int_equal(st.bytes, 0);
	json_decref(d);
	spool_close(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_dead_letter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_drops_oldest_lowest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cap_new_low_event_loses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_big_and_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_page_headers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damage_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_first_page, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damage_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_rotted_max_seq, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damage_while_open, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
