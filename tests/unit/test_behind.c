/*
 * The ingest fast path's write-behind (collector/store_behind.c, the
 * incident cache's folds in store_incident.c): a group of batches stored
 * in one transaction, its hooks' writes held and written once per row
 * before COMMIT, leaves every table exactly as the same events stored
 * one per transaction (each write made where it happens).  The events
 * are what coalescing could get wrong: samples of one target out of
 * order and at equal times, its host, kind, vendor and model changing,
 * findings repeated with new messages and times either way, detections
 * folding into the same incidents, a website going down.  And when a
 * held write fails at the flush, the group goes to the careful path and
 * only that event is rejected, as it is stored alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "collector/asset.h"
#include "collector/db.h"
#include "collector/incident.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "collector/store_indicator.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "tests/unit/backends.h"

#define T0	INT64_C(1780000000000)
#define NAGENTS	3
#define NEV	600		/* 900 samples in a group: full multi-row chunks */

/* One store with the collector's hooks, as main.c registers them. */
struct side {
	char			 path[128];
	const char		*target;
	struct store		*st;
	struct asset_engine	 ae;
	struct incidents_conf	 ic;
	struct incidents	*in;
};

struct fx {
	char		 dir[64];
	struct side	 a, b;		/* a: grouped; b: one per transaction */
};

static void
side_open(struct fx *f, struct side *s, const char *name)
{
	struct incidents_opts	 o = { .gap_factor = 3 };
	struct conf_err		 cerr;
	struct conf		*c;
	char			 err[256];

	snprintf(s->path, sizeof(s->path), "%s/%s.db", f->dir, name);
	s->target = test_backend_target(s->path);
	assert_non_null(s->st = store_open(s->target, err, sizeof(err)));
	assert_non_null(c = conf_load_string("t.ini", "[incidents]\n"
	    "website_down_after = 2\n", &cerr));
	assert_int_equal(incidents_conf_load(c, &s->ic, &cerr), 0);
	conf_free(c);
	o.conf = &s->ic;
	assert_int_equal(store_add_event_hook(s->st, store_indicator_hook,
	    NULL), 0);
	assert_int_equal(store_add_event_hook(s->st, asset_hook, &s->ae), 0);
	assert_non_null(s->in = incidents_new(s->st, &o, err, sizeof(err)));
}

static void
side_close(struct side *s)
{
	incidents_free(s->in);
	store_close(s->st);
	asset_engine_free(&s->ae);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_init("test_behind", 0, LOG_LVL_ERROR);
	time_set_zone("Asia/Shanghai");
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_behind.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	side_open(f, &f->a, "a");
	side_open(f, &f->b, "b");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[96];

	side_close(&f->a);
	side_close(&f->b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/*
 * Event i of agent k: by tens, availability samples of three targets
 * (times going back now and then, some equal, the last agent's clock
 * behind the others', so the group's last sample of a target is not its
 * latest; host, kind, vendor and
 * model changing; a website failing), an expiring-certificate finding
 * of two keys, a folded port scan and an ARP spoof.
 */
static void
mkevent(struct event *ev, const char *agent, int k, int i)
{
	int64_t	 ts = T0 + (int64_t)i * 1000 - (i % 7 == 3 ? 20000 : 0) -
		    (i % 11 == 5 ? 1000 : 0) - (k == NAGENTS - 1 ? 100000 : 0);
	char	 key[64];
	json_t	*d;

	switch (i % 10) {
	case 0: case 1: case 2: case 3: case 4:
		d = json_pack("{s:s, s:s, s:b, s:i, s:b}",
		    "target", i % 3 == 0 ? "web-0" : i % 3 == 1 ? "sw-1" :
		    "pr-2", "host", i % 4 == 0 ? "10.0.0.1" : "10.0.0.2",
		    "up", (i / 3 + k) % 4 != 0 && !(k == 1 && i >= 40 &&
		    i < 60), "latency_ms", i % 50,
		    "website", i % 3 == 0);
		if (i % 3 != 0 && i % 2 == 0) {
			json_object_set_new(d, "kind", json_string(i % 3 == 1 ?
			    "switch" : "printer"));
			json_object_set_new(d, "schedule", json_string("always"));
			json_object_set_new(d, "interval_ms",
			    json_integer(60000));
			if (i % 4 == 0)
				json_object_set_new(d, "vendor", json_string(
				    i % 8 == 0 ? "Huawei" : "H3C"));
			if (i % 6 == 2)
				json_object_set_new(d, "model", json_string(
				    i % 12 == 2 ? "S5735" : "S5130"));
		}
		snprintf(key, sizeof(key), "availability:t%d", i % 3);
		assert_int_equal(event_set(ev, agent, (uint64_t)i + 1, ts,
		    "availability", SEV_INFO, key, d), 0);
		return;
	case 5: case 6:
		snprintf(key, sizeof(key), "cert_expiring:web-%d:443", i % 2);
		d = json_pack("{s:s, s:s, s:s}", "code", "cert_expiring",
		    "target", i % 2 ? "web-1:443" : "web-0:443", "message",
		    i % 4 == 1 ? "certificate expires in 12 days" :
		    "certificate expires in 11 days");
		assert_int_equal(event_set(ev, agent, (uint64_t)i + 1, ts,
		    "cert_expiring", i % 20 < 10 ? SEV_MEDIUM : SEV_HIGH,
		    key, d), 0);
		return;
	case 7: case 8:
		snprintf(key, sizeof(key), "port_scan:10.9.0.%d", i % 3);
		d = json_pack("{s:s, s:i}", "src", "10.9.0.7", "ports", 100 + i);
		assert_int_equal(event_set(ev, agent, (uint64_t)i + 1, ts,
		    "port_scan", i % 4 == 0 ? SEV_HIGH : SEV_MEDIUM, key, d), 0);
		return;
	default:
		snprintf(key, sizeof(key), "arp_spoof:10.0.0.%d", i % 2);
		d = json_pack("{s:s, s:s, s:s}", "ip", "10.0.0.1", "old_mac",
		    "02:00:00:00:00:01", "new_mac", "02:00:00:00:00:02");
		assert_int_equal(event_set(ev, agent, (uint64_t)i + 1, ts,
		    "arp_spoof", SEV_LOW, key, d), 0);
		return;
	}
}

static void
mkbatches(struct event_batch *b)
{
	for (int k = 0; k < NAGENTS; k++) {
		memset(&b[k], 0, sizeof(b[k]));
		snprintf(b[k].agent, sizeof(b[k].agent), "pc-%02d", k);
		assert_non_null(b[k].events = calloc(NEV, sizeof(struct event)));
		b[k].n = NEV;
		for (int i = 0; i < NEV; i++)
			mkevent(&b[k].events[i], b[k].agent, k, i);
	}
}

/* The batches in one group on a; each event alone on b, same order. */
static void
store_both(struct fx *f, struct event_batch *b)
{
	struct store_batch_in in[NAGENTS];

	memset(in, 0, sizeof(in));
	for (int k = 0; k < NAGENTS; k++) {
		in[k].b = &b[k];
		in[k].now_ms = T0 + 500000;
	}
	assert_int_equal(store_insert_batches(f->a.st, in, NAGENTS), 0);
	for (int k = 0; k < NAGENTS; k++) {
		assert_int_equal(in[k].rc, 0);
		for (size_t i = 0; i < b[k].n; i++) {
			struct event_batch		 one = b[k];
			struct store_batch_result	 r;
			char				 err[256];

			one.events = &b[k].events[i];
			one.n = 1;
			assert_int_equal(store_insert_batch(f->b.st, &one,
			    T0 + 500000, &r, err, sizeof(err)), 0);
		}
	}
}

/* Every row of sql on target, one line each. */
static char *
dump(const char *target, const char *sql)
{
	struct db	*db = test_db_open(target);
	struct db_stmt	*s;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*fp = open_memstream(&out, &len);
	int		 rc;

	assert_non_null(fp);
	assert_int_equal(db_prepare(db, sql, 0, &s), 0);
	while ((rc = db_step(s)) == DB_ROW) {
		for (int c = 0; c < db_column_count(s); c++)
			fprintf(fp, "%s%s", c ? "|" : "", db_column_null(s, c) ?
			    "NULL" : db_column_text(s, c));
		fputc('\n', fp);
	}
	assert_int_equal(rc, DB_DONE);
	db_finalize(s);
	db_close(db);
	fclose(fp);
	return out;
}

/*
 * Without ids: on PostgreSQL a group that failed once and was stored
 * again on the careful path used up sequence numbers.
 */
static const char *const tables[] = {
	"SELECT kind, name, ip, up, first_seen, last_seen, device_kind, "
	"vendor, model FROM assets ORDER BY kind, name",
	"SELECT target, key, code, severity, message, first_ts, last_ts, "
	"count FROM findings ORDER BY target, key",
	"SELECT a.name, v.target, v.ts, v.up, v.latency_ms, v.website, "
	"v.kind, v.schedule, v.interval_ms FROM availability v JOIN agents a "
	"ON a.id = v.agent_id ORDER BY a.name, v.ts, v.target, v.up, "
	"v.latency_ms",
	"SELECT i.key, i.type, i.level, i.severity, i.status, a.name, "
	"i.count, i.first_seen, i.last_seen, i.report_deadline FROM "
	"incidents i LEFT JOIN "
	"agents a ON a.id = i.agent_id ORDER BY i.id",
	"SELECT i.key, a.name, e.seq FROM incident_events x JOIN incidents i "
	"ON i.id = x.incident_id JOIN events e ON e.id = x.event_id JOIN "
	"agents a ON a.id = e.agent_id ORDER BY i.id, a.name, e.seq",
	"SELECT a.name, e.seq, e.type FROM events e JOIN agents a ON "
	"a.id = e.agent_id ORDER BY a.name, seq",
	"SELECT a.name, r.seq FROM rejected_events r JOIN agents a ON "
	"a.id = r.agent_id ORDER BY a.name, r.seq",
};

/* The two stores hold the same rows; rows of the first query >= min. */
static void
same_rows(struct fx *f, int min_assets)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char *x = dump(f->a.target, tables[t]);
		char *y = dump(f->b.target, tables[t]);

		if (strcmp(x, y) != 0)
		{
			/* cmocka cuts long messages: the rows on stderr. */
			fprintf(stderr, "%s\ngrouped:\n%s\none at a time:\n%s",
			    tables[t], x, y);
			fail_msg("%s: the rows differ", tables[t]);
		}
		if (t == 0) {
			int n = 0;

			for (const char *p = x; *p != '\0'; p++)
				n += *p == '\n';
			assert_true(n >= min_assets);
		}
		free(x);
		free(y);
	}
}

static void
test_group_same_as_one_by_one(void **state)
{
	struct fx		*f = *state;
	struct event_batch	 b[NAGENTS];

	mkbatches(b);
	store_both(f, b);
	/* Three targets; two findings, each seen many times. */
	same_rows(f, 3);
	assert_int_equal(test_db_scalar(f->a.target, "SELECT count FROM "
	    "findings WHERE target = 'web-1:443'"), NAGENTS * NEV / 10);
	/* Incident numbers without gaps (PostgreSQL takes ids ahead and
	   gives back the ones not used): one more, in a transaction of its
	   own, follows the group's last. */
	{
		struct event_batch		 one;
		struct store_batch_result	 r;
		char				 err[256];

		memset(&one, 0, sizeof(one));
		snprintf(one.agent, sizeof(one.agent), "pc-00");
		assert_non_null(one.events = calloc(1, sizeof(*one.events)));
		one.n = 1;
		assert_int_equal(event_set(&one.events[0], "pc-00", NEV + 1,
		    T0 + NEV * 1000, "port_scan", SEV_HIGH,
		    "port_scan:10.9.9.9", json_object()), 0);
		assert_int_equal(store_insert_batch(f->a.st, &one, T0 + 600000,
		    &r, err, sizeof(err)), 0);
		event_batch_free(&one);
	}
	assert_int_equal(test_db_scalar(f->a.target, "SELECT max(id) - "
	    "count(*) FROM incidents"), 0);
	/* Detections folded: several events in one incident. */
	assert_true(test_db_scalar(f->a.target, "SELECT max(count) FROM "
	    "incidents") > 3);
	assert_true(test_db_scalar(f->a.target, "SELECT count(*) FROM "
	    "incidents WHERE type = 'website_down'") >= 1);
	for (int k = 0; k < NAGENTS; k++)
		event_batch_free(&b[k]);
}

/* A held write the database refuses at the flush: that event alone. */
static void
test_flush_failure(void **state)
{
	struct fx		*f = *state;
	struct event_batch	 b[NAGENTS];
	struct side		*sides[2] = { &f->a, &f->b };

	for (int i = 0; i < 2; i++) {
		struct db *db = test_db_open(sides[i]->target);

		/* pc-01's sample 33 (seq 34). */
		assert_int_equal(test_db_fail_trigger(db, "no_sample", "INSERT",
		    "availability", "NEW.ts = 1780000033000 AND "
		    "NEW.latency_ms = 33 AND NEW.agent_id = (SELECT id FROM "
		    "agents WHERE name = 'pc-01')", "no such sample"), 0);
		db_close(db);
	}
	mkbatches(b);
	store_both(f, b);
	same_rows(f, 3);
	assert_int_equal(test_db_scalar(f->a.target, "SELECT count(*) FROM "
	    "rejected_events"), 1);
	assert_int_equal(test_db_scalar(f->a.target, "SELECT seq FROM "
	    "rejected_events"), 34);
	assert_int_equal(test_db_scalar(f->a.target, "SELECT count(*) FROM "
	    "events"), NAGENTS * NEV - 1);
	for (int k = 0; k < NAGENTS; k++)
		event_batch_free(&b[k]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_same_as_one_by_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_failure, setup,
		    teardown),
	};

	return TEST_RUN_BACKENDS("test_behind", tests, NULL, NULL);
}
