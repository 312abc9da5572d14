/*
 * Incidents: the type → category/level table and its configuration,
 * folding within windows, the lifecycle rules, the hash-chained trail
 * (an edited row is found), host down on a controlled clock across a
 * schedule boundary and a holiday, website down from availability
 * samples.  Each test uses a fresh database file.
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
#include <pthread.h>

#include "collector/incident.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "collector/store_priv.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "tests/unit/backends.h"

#define MIN	60000LL
#define HOUR	(60 * MIN)

/* UTC ms of a local (Asia/Shanghai, UTC+8) time. */
static int64_t
local(int y, unsigned mo, unsigned d, int h, int mi)
{
	return (time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 -
	    8 * 3600) * 1000LL;
}

struct fx {
	char			 dir[64];
	char			 path[96];
	const char		*target;	/* path, or PostgreSQL's */
	struct store		*st;
	struct incidents_conf	 ic;
	struct schedule_conf	 sc;
	struct incidents	*in;
	uint64_t		 seq;
};

/* Configuration text plus a [schedule] with a holiday calendar. */
static void
fx_conf(struct fx *f, const char *text)
{
	struct conf_err	 err;
	struct conf	*c;
	char		 cal[160], all[2048];
	FILE		*fp;

	/* A holiday on Monday 2026-11-30 for the schedule tests. */
	snprintf(cal, sizeof(cal), "%s/holidays.txt", f->dir);
	assert_non_null(fp = fopen(cal, "w"));
	fprintf(fp, "2026-11-30 holiday 测试假日\n");
	fclose(fp);
	snprintf(all, sizeof(all), "%s\n[schedule]\ncalendar = %s\n"
	    "always = web-*\n", text, cal);
	assert_non_null(c = conf_load_string("test.ini", all, &err));
	schedule_conf_free(&f->sc);
	assert_int_equal(incidents_conf_load(c, &f->ic, &err), 0);
	if (schedule_conf_load(c, &f->sc, &err) == -1)
		fail_msg("%s", err.msg);
	conf_free(c);
}

static void
fx_start(struct fx *f)
{
	struct incidents_opts	o = {
		.conf = &f->ic, .schedule = &f->sc, .gap_factor = 3,
	};
	char			err[256];

	assert_non_null(f->in = incidents_new(f->st, &o, err, sizeof(err)));
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[256];

	log_init("test_incident", 0, LOG_LVL_ERROR);
	time_set_zone("Asia/Shanghai");
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_incident.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	f->target = test_backend_target(f->path);
	assert_non_null(f->st = store_open(f->target, err, sizeof(err)));
	fx_conf(f, "");
	fx_start(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[160];

	incidents_free(f->in);
	store_close(f->st);
	schedule_conf_free(&f->sc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* Store one event from agent at ts (received at recv). */
static int
put(struct fx *f, const char *agent, int64_t ts, int64_t recv,
    const char *type, enum severity sev, const char *key, json_t *data)
{
	struct event_batch		b;
	struct store_batch_result	r;
	char				err[256];
	int				rc;

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "%s", agent);
	b.events = calloc(1, sizeof(*b.events));
	b.n = 1;
	assert_int_equal(event_set(&b.events[0], agent, ++f->seq, ts, type, sev,
	    key, data), 0);
	rc = store_insert_batch(f->st, &b, recv, &r, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "insert: %s\n", err);
	event_batch_free(&b);
	return rc;
}

static int64_t
scalar(struct fx *f, const char *sql)
{
	return test_db_scalar(f->target, sql);
}

static void
exec(struct fx *f, const char *sql, int want_ok)
{
	assert_int_equal(test_db_exec(f->target, sql), want_ok ? 0 : -1);
}

/* ---- two collectors on one database -------------------------------- */

#define RACE_N	150

struct racer {
	struct fx		*f;
	int			 parity;	/* seqs 2i+1 or 2i+2 */
	struct store		*st;
	struct incidents	*in;
	int			 failed;
	char			 err[256];
};

/* A second collector: its own connection and incident engine. */
static void *
race_thread(void *arg)
{
	struct racer		*r = arg;
	int64_t			 t = local(2026, 11, 27, 10, 0);

	for (int i = 0; i < RACE_N && !r->failed; i++) {
		struct event_batch		b;
		struct store_batch_result	res;

		memset(&b, 0, sizeof(b));
		snprintf(b.agent, sizeof(b.agent), "pc-01");
		b.events = calloc(1, sizeof(*b.events));
		b.n = 1;
		if (b.events == NULL || event_set(&b.events[0], "pc-01",
		    (uint64_t)(2 * i + r->parity), t + i * 1000, "port_scan",
		    SEV_HIGH, "port_scan:10.0.0.9->10.0.0.1",
		    json_pack("{s:i}", "ports", i)) == -1 ||
		    store_insert_batch(r->st, &b, t + i * 1000, &res, r->err,
		    sizeof(r->err)) == -1)
			r->failed = 1;
		event_batch_free(&b);
	}
	return NULL;
}

/*
 * Two collectors (two connections, two incident engines) fold events of
 * one key into one database at the same time: one incident, opened
 * once, counting every event; the trail's chain stays linear.
 */
static void
test_two_collectors_fold_once(void **state)
{
	struct fx		*f = *state;
	struct racer		 r[2];
	struct incidents_stats	 s[2];
	struct incidents_opts	 o = {
		.conf = &f->ic, .schedule = &f->sc, .gap_factor = 3,
	};
	pthread_t		 t[2];
	int64_t			 rows = 0, broken = 0;
	char			 err[256];

	memset(r, 0, sizeof(r));
	r[0].st = f->st;
	r[0].in = f->in;
	assert_non_null(r[1].st = store_open(f->target, err, sizeof(err)));
	assert_non_null(r[1].in = incidents_new(r[1].st, &o, err, sizeof(err)));
	for (int i = 0; i < 2; i++) {
		r[i].f = f;
		r[i].parity = i + 1;
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r[i]),
		    0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		if (r[i].failed)
			fail_msg("collector %d: %s", i + 1, r[i].err);
		incidents_stats(r[i].in, &s[i]);
	}
	assert_int_equal(s[0].opened + s[1].opened, 1);
	assert_int_equal(s[0].folded + s[1].folded, 2 * RACE_N - 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
	assert_int_equal(scalar(f, "SELECT count FROM incidents"), 2 * RACE_N);
	assert_int_equal(scalar(f, "SELECT count(*) FROM events"), 2 * RACE_N);
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, err,
	    sizeof(err)), 0);
	assert_int_equal(broken, 0);
	assert_true(rows >= 1);
	incidents_free(r[1].in);
	store_close(r[1].st);
}

/* ---- mapping -------------------------------------------------------- */

static void
test_map_defaults(void **state)
{
	struct incidents_conf	ic;
	struct incident_map	m;
	json_t			*yes = json_pack("{s:b}", "matters", 1);

	(void)state;
	assert_int_equal(incidents_conf_defaults(&ic), 0);
	static const struct {
		const char	*type;
		enum severity	 sev;
		int		 opens;
		const char	*cat, *sub;
		int		 level;
	} rows[] = {
		{ "port_scan", SEV_HIGH, 1, "NA", "NASCAN", 4 },
		{ "address_scan", SEV_MEDIUM, 1, "NA", "NASCAN", 4 },
		{ "ping_sweep", SEV_MEDIUM, 1, "NA", "NASCAN", 4 },
		{ "syn_flood", SEV_HIGH, 1, "NA", "NADOS", 4 },
		{ "udp_flood", SEV_MEDIUM, 1, "NA", "NADOS", 4 },
		/* gateway MAC changed is critical: the most severe, III */
		{ "arp_spoof", SEV_CRITICAL, 1, "NA", "", 3 },
		{ "arp_spoof", SEV_MEDIUM, 1, "NA", "", 4 },
		{ "dns_tunnel", SEV_HIGH, 1, "DS", "", 4 },
		{ "nxdomain_storm", SEV_MEDIUM, 1, "AB", "", 4 },
		{ "cleartext_auth", SEV_MEDIUM, 1, "SHE", "", 4 },
		{ "blocklist", SEV_HIGH, 1, "NA", "", 4 },
		{ "new_device", SEV_LOW, 1, "AB", "", 4 },
		{ "cert_expired", SEV_HIGH, 1, "SHE", "SHEVULN", 4 },
		{ "cert_self_signed", SEV_HIGH, 1, "SHE", "SHEVULN", 4 },
		{ "tls10_accepted", SEV_MEDIUM, 1, "SHE", "SHEVULN", 4 },
		{ "weak_cipher", SEV_HIGH, 1, "SHE", "SHEVULN", 4 },
		{ "port_exposed", SEV_HIGH, 1, "SHE", "", 4 },
		{ "spool_dropped", SEV_INFO, 1, "DE", "", 4 },
		/* info and non-security types open nothing */
		{ "port_scan", SEV_INFO, 0, NULL, NULL, 0 },
		{ "system", SEV_HIGH, 0, NULL, NULL, 0 },
		{ "inventory", SEV_INFO, 0, NULL, NULL, 0 },
		{ "inventory_unchanged", SEV_INFO, 0, NULL, NULL, 0 },
		{ "availability", SEV_HIGH, 0, NULL, NULL, 0 },
		{ "tls_report", SEV_INFO, 0, NULL, NULL, 0 },
		{ "something_new", SEV_CRITICAL, 0, NULL, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = incident_map_event(&ic, rows[i].type, rows[i].sev, NULL,
		    &m);

		if (r != rows[i].opens)
			fail_msg("%s/%s: opens %d, want %d", rows[i].type,
			    severity_name(rows[i].sev), r, rows[i].opens);
		if (!r)
			continue;
		assert_string_equal(m.rule->category, rows[i].cat);
		assert_string_equal(m.rule->subcategory, rows[i].sub);
		assert_int_equal(m.level, rows[i].level);
		assert_int_equal(m.window_ms, HOUR);
	}
	/* Inventory changes only when they matter. */
	assert_int_equal(incident_map_event(&ic, "admin_added", SEV_HIGH, NULL,
	    &m), 0);
	assert_int_equal(incident_map_event(&ic, "admin_added", SEV_HIGH, yes,
	    &m), 1);
	assert_string_equal(m.rule->category, "RO");
	assert_int_equal(incident_map_event(&ic, "port_opened", SEV_MEDIUM, yes,
	    &m), 1);
	assert_string_equal(m.rule->category, "SHE");
	assert_int_equal(incidents_report_hours(&ic), 2);
	json_decref(yes);
}

static int
load(const char *text, struct incidents_conf *ic, struct conf_err *err)
{
	struct conf	*c = conf_load_string("x.ini", text, err);
	int		 r;

	if (c == NULL)
		return -2;
	r = incidents_conf_load(c, ic, err);
	if (r == 0)
		r = conf_check_unused(c, err);
	conf_free(c);
	return r;
}

static void
test_map_config(void **state)
{
	struct incidents_conf	ic;
	struct incident_map	m;
	struct conf_err		err;

	(void)state;
	assert_int_equal(load("[incidents]\nlevel_high = III\nwindow = 10m\n"
	    "operator_kind = cii\n"
	    "[category port_scan]\nlevel = II\nwindow = 5m\n"
	    "[category vpn_brute]\ncategory = NA\nsubcategory = NABRUTE\n"
	    "min_severity = medium\ntitle = 暴力破解 brute force\n"
	    "[category port_exposed]\nmin_severity = critical\n", &ic, &err), 0);
	assert_int_equal(incident_map_event(&ic, "port_scan", SEV_LOW, NULL, &m), 1);
	assert_int_equal(m.level, 2);
	assert_int_equal(m.window_ms, 5 * MIN);
	assert_int_equal(incident_map_event(&ic, "syn_flood", SEV_HIGH, NULL, &m), 1);
	assert_int_equal(m.level, 3);
	assert_int_equal(m.window_ms, 10 * MIN);
	assert_int_equal(incident_map_event(&ic, "vpn_brute", SEV_LOW, NULL, &m), 0);
	assert_int_equal(incident_map_event(&ic, "vpn_brute", SEV_HIGH, NULL, &m), 1);
	assert_string_equal(m.rule->subcategory, "NABRUTE");
	assert_string_equal(m.rule->title, "暴力破解 brute force");
	assert_int_equal(incident_map_event(&ic, "port_exposed", SEV_HIGH, NULL,
	    &m), 0);
	assert_int_equal(incidents_report_hours(&ic), 1);
	assert_int_equal(load("[incidents]\noperator_kind = other\n", &ic,
	    &err), 0);
	assert_int_equal(incidents_report_hours(&ic), 4);
	assert_int_equal(load("[incidents]\nreport_hours = 2\noperator_kind = "
	    "cii\n", &ic, &err), 0);
	assert_int_equal(incidents_report_hours(&ic), 2);

	/* Errors name the file and line. */
	assert_int_equal(load("[incidents]\nlevel_high = V\n", &ic, &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:2"));
	assert_int_equal(load("\n[category brand_new]\nlevel = III\n", &ic,
	    &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:2"));
	assert_non_null(strstr(err.msg, "needs category"));
	assert_int_equal(load("[category port_scan]\nauto_resolve = yes\n", &ic,
	    &err), -1);
	assert_non_null(strstr(err.msg, "equipment faults"));
	/* cert_* may close by itself (certificate renewed), and keeps that
	   under another override; weak_* may not. */
	assert_int_equal(load("[category cert_*]\nlevel = II\n", &ic, &err), 0);
	assert_int_equal(load("[category cert_*]\nauto_resolve = yes\n", &ic,
	    &err), 0);
	assert_int_equal(load("[category weak_*]\nauto_resolve = yes\n", &ic,
	    &err), -1);
	assert_int_equal(load("[category port_scan]\ncategory = XX\n", &ic,
	    &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:2"));
	assert_true(load("[category port_scan]\nlevel = IV\n"
	    "[category port_scan]\nlevel = III\n", &ic, &err) < 0);
	assert_non_null(strstr(err.msg, "x.ini:"));
	assert_true(load("[category bad type!]\ncategory = NA\n", &ic,
	    &err) < 0);
	assert_int_equal(load("[category bad$type]\ncategory = NA\n", &ic,
	    &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:1"));
	assert_int_equal(load("[category port_scan]\nbogus = 1\n", &ic, &err), -1);
	assert_non_null(strstr(err.msg, "bogus"));
}

/* ---- folding -------------------------------------------------------- */

static void
test_fold_window(void **state)
{
	struct fx	*f = *state;
	int64_t		 t = local(2026, 11, 27, 10, 0);

	/* Three scans of the same key within the window: one incident. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(put(f, "pc-01", t + i * 10 * MIN, t + i * 10 * MIN
		    + 300, "port_scan", SEV_HIGH, "port_scan:10.0.0.9->10.0.0.1",
		    json_pack("{s:i}", "ports", 100 + i)), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
	assert_int_equal(scalar(f, "SELECT count FROM incidents"), 3);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_events"), 3);
	assert_int_equal(scalar(f, "SELECT first_seen FROM incidents"), t);
	assert_int_equal(scalar(f, "SELECT last_seen FROM incidents"), t + 20 * MIN);
	assert_int_equal(scalar(f, "SELECT received FROM incidents"), t + 300);
	assert_int_equal(scalar(f, "SELECT level FROM incidents"), 4);
	assert_int_equal(scalar(f, "SELECT report_deadline IS NULL FROM incidents"), 1);

	/* Just outside the window after the last one: a new incident. */
	assert_int_equal(put(f, "pc-01", t + 20 * MIN + HOUR + 1, t + 2 * HOUR,
	    "port_scan", SEV_HIGH, "port_scan:10.0.0.9->10.0.0.1",
	    json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 2);
	/* Another key, another agent with the same key: separate. */
	assert_int_equal(put(f, "pc-01", t, t, "port_scan", SEV_HIGH,
	    "port_scan:10.0.0.8->10.0.0.1", json_object()), 0);
	assert_int_equal(put(f, "pc-02", t, t, "port_scan", SEV_HIGH,
	    "port_scan:10.0.0.9->10.0.0.1", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 4);
	/* Non-security and info events open nothing. */
	assert_int_equal(put(f, "pc-01", t, t, "system", SEV_INFO, "system:pc-01",
	    json_object()), 0);
	assert_int_equal(put(f, "pc-01", t, t, "inventory_unchanged", SEV_INFO,
	    "inventory:pc-01", json_object()), 0);
	assert_int_equal(put(f, "pc-01", t, t, "port_scan", SEV_INFO,
	    "port_scan:x", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 4);
	/* Every incident opened left one trail row. */
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_trail WHERE "
	    "action = 'opened' AND actor = 'shaobing'"), 4);
}

static void
test_fold_escalate_and_resolved(void **state)
{
	struct fx	*f = *state;
	int64_t		 t = local(2026, 11, 27, 10, 0), id;
	json_t		*out = NULL;
	char		 why[256];

	assert_int_equal(put(f, "pc-01", t, t, "arp_spoof", SEV_HIGH,
	    "arp_spoof:10.0.0.1", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT level FROM incidents"), 4);
	/* Gateway MAC changed: critical → level III, with a deadline. */
	assert_int_equal(put(f, "pc-01", t + MIN, t + MIN, "arp_spoof",
	    SEV_CRITICAL, "arp_spoof:10.0.0.1", json_pack("{s:s}", "kind",
	    "gateway_mac_changed")), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
	assert_int_equal(scalar(f, "SELECT level FROM incidents"), 3);
	assert_int_equal(scalar(f, "SELECT severity FROM incidents"), SEV_CRITICAL);
	assert_int_equal(scalar(f, "SELECT report_deadline FROM incidents"),
	    t + 2 * HOUR);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_trail WHERE "
	    "action = 'escalated'"), 1);
	/* A resolved incident is not reopened by a new event: a new one. */
	id = scalar(f, "SELECT id FROM incidents");
	assert_int_equal(incidents_act(f->in, id, INCIDENT_RESOLVE, "alice",
	    "127.0.0.1:5000", "gateway fixed", t + 2 * MIN, &out, why,
	    sizeof(why)), 0);
	json_decref(out);
	assert_int_equal(put(f, "pc-01", t + 3 * MIN, t + 3 * MIN, "arp_spoof",
	    SEV_HIGH, "arp_spoof:10.0.0.1", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 2);
	/* A false positive swallows repeats within its window silently. */
	id = scalar(f, "SELECT max(id) FROM incidents");
	assert_int_equal(incidents_act(f->in, id, INCIDENT_FALSE_POSITIVE, "bob",
	    "127.0.0.1:5001", "our own scanner", t + 4 * MIN, &out, why,
	    sizeof(why)), 0);
	json_decref(out);
	assert_int_equal(put(f, "pc-01", t + 5 * MIN, t + 5 * MIN, "arp_spoof",
	    SEV_HIGH, "arp_spoof:10.0.0.1", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 2);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE id = 2 "
	    "AND status = 'false_positive' AND count = 2"), 1);
}

/* A failing fold rejects its event alone: no event row, no incident,
   the rejection recorded; a later event folds as usual. */
static void
test_fold_rollback(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(test_db_fail_trigger(store_db(f->st), "boom", "INSERT",
	    "incidents", "NEW.key LIKE '%:a'", "boom"), 0);
	assert_int_equal(put(f, "pc-01", 1000, 1000, "port_scan", SEV_HIGH,
	    "port_scan:a", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM events"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM rejected_events WHERE "
	    "error LIKE '%boom%'"), 1);
	assert_int_equal(put(f, "pc-01", 2000, 2000, "port_scan", SEV_HIGH,
	    "port_scan:b", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM events"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
}

/* ---- lifecycle ------------------------------------------------------ */

static void
test_lifecycle_rules(void **state)
{
	static const struct {
		const char		*from;
		enum incident_action	 a;
		const char		*note;
		const char		*to;	/* NULL refused */
	} rows[] = {
		{ "open", INCIDENT_ACK, NULL, "acknowledged" },
		{ "acknowledged", INCIDENT_ACK, NULL, NULL },
		{ "resolved", INCIDENT_ACK, "x", NULL },
		{ "open", INCIDENT_RESOLVE, NULL, NULL },
		{ "open", INCIDENT_RESOLVE, "  ", NULL },
		{ "open", INCIDENT_RESOLVE, "patched", "resolved" },
		{ "acknowledged", INCIDENT_RESOLVE, "patched", "resolved" },
		{ "resolved", INCIDENT_RESOLVE, "again", NULL },
		{ "open", INCIDENT_FALSE_POSITIVE, NULL, NULL },
		{ "acknowledged", INCIDENT_FALSE_POSITIVE, "scanner", "false_positive" },
		{ "false_positive", INCIDENT_FALSE_POSITIVE, "x", NULL },
		{ "resolved", INCIDENT_REOPEN, NULL, NULL },
		{ "resolved", INCIDENT_REOPEN, "came back", "open" },
		{ "false_positive", INCIDENT_REOPEN, "was real", "open" },
		{ "open", INCIDENT_REOPEN, "x", NULL },
	};
	int		 to;
	char		 why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = incident_transition_check(tax_status_parse(rows[i].from),
		    rows[i].a, rows[i].note, &to, why, sizeof(why));

		if (rows[i].to == NULL) {
			assert_int_equal(r, -1);
			assert_true(strlen(why) > 0);
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(tax_status_name(to), rows[i].to);
		}
	}
	assert_int_equal(incident_transition_check(TAX_STATUS_OPEN,
	    INCIDENT_RESOLVE,
	    NULL, &to, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "note"));
}

static void
test_lifecycle_store(void **state)
{
	struct fx	*f = *state;
	json_t		*out = NULL, *trail;
	char		 why[256];
	int64_t		 t = 1795786640000LL;

	assert_int_equal(put(f, "pc-01", t, t + 500, "port_exposed", SEV_HIGH,
	    "port_exposed:web:3306", json_object()), 0);
	assert_int_equal(incidents_act(f->in, 1, INCIDENT_RESOLVE, "alice",
	    "127.0.0.1:4000", "", t + 1000, &out, why, sizeof(why)), 2);
	assert_non_null(strstr(why, "note"));
	assert_int_equal(incidents_act(f->in, 99, INCIDENT_ACK, "alice",
	    "127.0.0.1:4000", "", t + 1000, &out, why, sizeof(why)), 1);
	assert_int_equal(incidents_act(f->in, 1, INCIDENT_ACK, "alice",
	    "127.0.0.1:4000", "looking", t + 60000, &out, why, sizeof(why)), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")),
	    "acknowledged");
	/* Timings: detected → stored 500 ms → acknowledged 60 s. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out,
	    "timings"), "stored_ms")), 500);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out,
	    "timings"), "acknowledged_ms")), 60000);
	assert_true(json_is_null(json_object_get(json_object_get(out,
	    "timings"), "notified_ms")));
	json_decref(out);
	assert_int_equal(incidents_act(f->in, 1, INCIDENT_RESOLVE, "bob",
	    "10.0.0.5:999", "closed 3306 on the firewall", t + 120000, &out,
	    why, sizeof(why)), 0);
	json_decref(out);
	assert_int_equal(incidents_act(f->in, 1, INCIDENT_REOPEN, "carol",
	    "127.0.0.1:1", "", t + 130000, &out, why, sizeof(why)), 2);
	assert_int_equal(incidents_act(f->in, 1, INCIDENT_REOPEN, "carol",
	    "127.0.0.1:1", "still open from outside", t + 130000, &out, why,
	    sizeof(why)), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")),
	    "open");
	assert_true(json_is_null(json_object_get(out, "resolved")));
	trail = json_object_get(out, "trail");
	assert_int_equal(json_array_size(trail), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    trail, 2), "actor")), "bob");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    trail, 2), "source")), "10.0.0.5:999");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    trail, 2), "note")), "closed 3306 on the firewall");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    trail, 3), "action")), "reopened");
	assert_int_equal(json_array_size(json_object_get(out, "events")), 1);
	json_decref(out);
}

/* ---- the trail ------------------------------------------------------ */

static void
test_trail_chain(void **state)
{
	struct fx	*f = *state;
	json_t		*out;
	char		 why[512];
	int64_t		 rows, broken;

	for (int i = 0; i < 5; i++) {
		char key[32];

		snprintf(key, sizeof(key), "port_scan:h%d", i);
		assert_int_equal(put(f, "pc-01", 1000 + i, 2000 + i, "port_scan",
		    SEV_HIGH, key, json_object()), 0);
		assert_int_equal(incidents_act(f->in, i + 1, INCIDENT_ACK, "alice",
		    "127.0.0.1:1", "", 3000 + i, &out, why, sizeof(why)), 0);
		json_decref(out);
	}
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, why,
	    sizeof(why)), 0);
	assert_int_equal(rows, 10);
	assert_int_equal(broken, 0);
	/* SQLite refuses edits and deletes... */
	exec(f, "UPDATE incident_trail SET note = 'x' WHERE id = 4", 0);
	exec(f, "DELETE FROM incident_trail WHERE id = 4", 0);
	/* ...and whoever gets around the triggers is caught by the chain. */
	assert_int_equal(test_db_drop_trigger(store_db(f->st),
	    "incident_trail_no_update", "incident_trail"), 0);
	exec(f, "UPDATE incident_trail SET actor = 'mallory' WHERE id = 4", 1);
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, why,
	    sizeof(why)), 0);
	assert_int_equal(broken, 4);
	assert_non_null(strstr(why, "row 4"));
	assert_non_null(strstr(why, "edited"));
	/* Recomputing that row's hash moves the break to the next row. */
	exec(f, "UPDATE incident_trail SET actor = 'alice' WHERE id = 4", 1);
	assert_int_equal(test_db_drop_trigger(store_db(f->st),
	    "incident_trail_no_delete", "incident_trail"), 0);
	exec(f, "DELETE FROM incident_trail WHERE id = 6", 1);
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, why,
	    sizeof(why)), 0);
	assert_int_equal(broken, 7);
}

/* ---- host down ------------------------------------------------------ */

static void
heartbeat(struct fx *f, const char *agent, int64_t now)
{
	struct store_heartbeat	hb = { agent, now, 60000, now - HOUR };
	int			nw;
	char			err[256];

	assert_int_equal(store_heartbeat(f->st, &hb, 3, now, &nw, err,
	    sizeof(err)), 0);
}

static int
tick(struct fx *f, int64_t now)
{
	char err[256];
	int  r = incidents_tick(f->in, now, err, sizeof(err));

	if (r == -1)
		fail_msg("tick: %s", err);
	return r;
}

static int64_t
host_down_open(struct fx *f, const char *agent)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM incidents i JOIN "
	    "agents a ON a.id = i.agent_id WHERE a.name = '%s' AND i.type = "
	    "'host_down' AND i.status = 'open'", agent);
	return scalar(f, sql);
}

static void
test_host_down_office(void **state)
{
	struct fx *f = *state;

	/* Friday 2026-11-27, office hours 08:30-17:30, grace 3 min. */
	heartbeat(f, "pc-01", local(2026, 11, 27, 17, 0));
	assert_int_equal(tick(f, local(2026, 11, 27, 17, 2)), 0);
	assert_int_equal(host_down_open(f, "pc-01"), 0);
	assert_int_equal(tick(f, local(2026, 11, 27, 17, 4)), 1);
	assert_int_equal(host_down_open(f, "pc-01"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "category = 'DE' AND level = 4 AND first_seen = received"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "category = 'DE' AND agent_id IS NOT NULL"), 1);
	/* Still down later: the same incident, not a second one. */
	assert_int_equal(tick(f, local(2026, 11, 27, 17, 10)), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
	/* Heartbeats return: resolved by the collector. */
	heartbeat(f, "pc-01", local(2026, 11, 27, 17, 20));
	assert_int_equal(tick(f, local(2026, 11, 27, 17, 20) + 1000), 1);
	assert_int_equal(host_down_open(f, "pc-01"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'resolved' AND resolved IS NOT NULL"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_trail WHERE "
	    "action = 'auto_resolved' AND actor = 'shaobing'"), 1);
}

static void
test_host_down_boundary_and_holiday(void **state)
{
	struct fx *f = *state;

	/* Friday 17:29: one scheduled minute left before 17:30. */
	heartbeat(f, "pc-02", local(2026, 11, 27, 17, 29));
	assert_int_equal(tick(f, local(2026, 11, 27, 17, 35)), 0);
	assert_int_equal(tick(f, local(2026, 11, 27, 23, 0)), 0);
	/* Weekend, and Monday the 30th is a holiday: neither up nor down. */
	assert_int_equal(tick(f, local(2026, 11, 28, 12, 0)), 0);
	assert_int_equal(tick(f, local(2026, 11, 29, 12, 0)), 0);
	assert_int_equal(tick(f, local(2026, 11, 30, 8, 35)), 0);
	assert_int_equal(tick(f, local(2026, 11, 30, 15, 0)), 0);
	assert_int_equal(host_down_open(f, "pc-02"), 0);
	/* Tuesday: 1 min on Friday + 2 min now = 3 min, not above grace. */
	assert_int_equal(tick(f, local(2026, 12, 1, 8, 32)), 0);
	assert_int_equal(tick(f, local(2026, 12, 1, 8, 33)), 1);
	assert_int_equal(host_down_open(f, "pc-02"), 1);
}

static void
test_host_down_server(void **state)
{
	struct fx *f = *state;

	/* web-01 matches [schedule] always = web-*: Saturday counts. */
	heartbeat(f, "web-01", local(2026, 11, 28, 10, 0));
	heartbeat(f, "pc-03", local(2026, 11, 28, 10, 0));
	assert_int_equal(tick(f, local(2026, 11, 28, 10, 3)), 0);
	assert_int_equal(tick(f, local(2026, 11, 28, 10, 4)), 1);
	assert_int_equal(host_down_open(f, "web-01"), 1);
	assert_int_equal(host_down_open(f, "pc-03"), 0);
	/* An agent that never sent a heartbeat is not watched. */
	assert_int_equal(put(f, "pc-04", 1000, local(2026, 11, 27, 9, 0),
	    "system", SEV_INFO, "system:pc-04", json_object()), 0);
	assert_int_equal(tick(f, local(2026, 11, 27, 16, 0)), 0);
	assert_int_equal(host_down_open(f, "pc-04"), 0);
}

static void
test_host_down_grace_config(void **state)
{
	struct fx *f = *state;

	incidents_free(f->in);
	fx_conf(f, "[incidents]\nhost_down_grace = 30m\n");
	fx_start(f);
	heartbeat(f, "pc-01", local(2026, 11, 27, 10, 0));
	assert_int_equal(tick(f, local(2026, 11, 27, 10, 20)), 0);
	assert_int_equal(tick(f, local(2026, 11, 27, 10, 31)), 1);
}

/* ---- website down --------------------------------------------------- */

static int
sample(struct fx *f, int64_t t, int up)
{
	return put(f, "mon-01", t, t, "availability", up ? SEV_INFO : SEV_HIGH,
	    "availability:web", json_pack("{s:s, s:b, s:b, s:i, s:s}", "target",
	    "web", "website", 1, "up", up, "latency_ms", 20, "reason",
	    up ? "" : "connection refused"));
}

static void
test_website_down(void **state)
{
	struct fx	*f = *state;
	int64_t		 t = local(2026, 11, 27, 10, 0);

	assert_int_equal(sample(f, t, 0), 0);
	assert_int_equal(sample(f, t + MIN, 0), 0);
	assert_int_equal(sample(f, t + 2 * MIN, 1), 0);	/* resets */
	assert_int_equal(sample(f, t + 3 * MIN, 0), 0);
	assert_int_equal(sample(f, t + 4 * MIN, 0), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 0);
	assert_int_equal(sample(f, t + 5 * MIN, 0), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE type = "
	    "'website_down' AND category = 'DE' AND agent_id IS NULL AND "
	    "asset = 'web' AND status = 'open'"), 1);
	assert_int_equal(sample(f, t + 6 * MIN, 0), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
	assert_int_equal(sample(f, t + 7 * MIN, 1), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'resolved'"), 1);
	/* A non-website target never opens one. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(put(f, "mon-01", t, t, "availability", SEV_HIGH,
		    "availability:db", json_pack("{s:s, s:b, s:b}", "target",
		    "db", "website", 0, "up", 0)), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 1);
}

/* ---- certificate renewed ---------------------------------------------- */

/* A tls_report of web:443 from agent, the run's finding codes in codes. */
static int
tls_report(struct fx *f, const char *agent, int64_t t, json_t *codes)
{
	return put(f, agent, t, t, "tls_report", SEV_INFO, "tls_report:web:443",
	    json_pack("{s:s, s:{s:s}, s:o*}", "target", "web", "report",
	    "target", "web:443", "codes", codes));
}

static void
test_cert_renewed(void **state)
{
	struct fx		*f = *state;
	struct incidents_stats	 st;
	int64_t			 t = local(2026, 11, 27, 10, 0);

	assert_int_equal(put(f, "pc-01", t, t, "cert_expiring", SEV_HIGH,
	    "cert_expiring:web:443", json_object()), 0);
	assert_int_equal(put(f, "pc-01", t, t, "cert_untrusted", SEV_HIGH,
	    "cert_untrusted:web:443", json_object()), 0);
	assert_int_equal(put(f, "pc-01", t, t, "cert_expired", SEV_HIGH,
	    "cert_expired:mail:993", json_object()), 0);
	assert_int_equal(put(f, "pc-01", t, t, "weak_key", SEV_HIGH,
	    "weak_key:web:443", json_object()), 0);
	assert_int_equal(put(f, "pc-02", t, t, "cert_expiring", SEV_HIGH,
	    "cert_expiring:web:443", json_object()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'open'"), 5);
	/* An older agent's report (no codes) says nothing. */
	assert_int_equal(tls_report(f, "pc-01", t + MIN, NULL), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'open'"), 5);
	/* The same run still finds both: nothing resolves. */
	assert_int_equal(tls_report(f, "pc-01", t + MIN, json_pack("[s, s]",
	    "cert_expiring", "cert_untrusted")), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'open'"), 5);
	/* Renewed by a trusted CA: both cert_* of pc-01's web:443 close by
	   themselves; weak_key (a person closes it), mail:993 and pc-02's
	   web:443 stay open. */
	assert_int_equal(tls_report(f, "pc-01", t + 2 * MIN, json_pack("[s]",
	    "weak_key")), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'resolved' AND key IN ('cert_expiring:web:443', "
	    "'cert_untrusted:web:443') AND agent_id = (SELECT id FROM agents "
	    "WHERE name = 'pc-01')"), 2);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'open'"), 3);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_trail WHERE "
	    "action = 'auto_resolved' AND actor = 'shaobing' AND note LIKE "
	    "'certificate renewed: web:443 no longer finds cert_%'"), 2);
	incidents_stats(f->in, &st);
	assert_int_equal(st.auto_resolved, 2);
}

static void
test_cert_renewed_rule_off(void **state)
{
	struct fx		*f = *state;
	int64_t			 t = local(2026, 11, 27, 10, 0);

	/* [category cert_*] auto_resolve = no keeps them for a person (the
	   engine reads f->ic in place). */
	fx_conf(f, "[category cert_*]\nauto_resolve = no\n");
	assert_int_equal(put(f, "pc-01", t, t, "cert_expiring", SEV_HIGH,
	    "cert_expiring:web:443", json_object()), 0);
	assert_int_equal(tls_report(f, "pc-01", t + MIN, json_array()), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "status = 'open'"), 1);
}

/* An empty batch of n events from agent, to be set one by one. */
static void
batch_new(struct event_batch *b, const char *agent, size_t n)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->agent, sizeof(b->agent), "%s", agent);
	assert_non_null(b->events = calloc(n, sizeof(*b->events)));
	b->n = n;
}

/*
 * A batch stored a second time (the careful pass after one of its events
 * failed) counts its website samples once: the third failure in a row
 * opens website down, not the second.
 */
static void
test_website_sample_counted_once(void **state)
{
	struct fx			*f = *state;
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];
	int64_t				 t = local(2026, 11, 27, 10, 0);

	assert_int_equal(test_db_fail_trigger(store_db(f->st), "poison",
	    "INSERT", "events", "NEW.key = 'bad:1'", "poisoned"), 0);
	batch_new(&b, "mon-01", 2);
	assert_int_equal(event_set(&b.events[0], "mon-01", ++f->seq, t,
	    "availability", SEV_HIGH, "availability:web", json_pack("{s:s, s:b, "
	    "s:b}", "target", "web", "website", 1, "up", 0)), 0);
	assert_int_equal(event_set(&b.events[1], "mon-01", ++f->seq, t,
	    "system", SEV_INFO, "bad:1", json_object()), 0);
	assert_int_equal(store_insert_batch(f->st, &b, t, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.nrejected, 1);
	event_batch_free(&b);
	assert_int_equal(sample(f, t + MIN, 0), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 0);
	assert_int_equal(sample(f, t + 2 * MIN, 0), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE type = "
	    "'website_down'"), 1);
}

/*
 * Agentless devices (issue 15): device_down is an equipment fault (DE)
 * only inside the device's schedule; device_up / if_up resolve.
 */
static int
dev_event(struct fx *f, int64_t t, const char *type, const char *key,
    const char *target, const char *schedule)
{
	return put(f, "mon-01", t, t, type, strstr(type, "_up") ? SEV_INFO :
	    SEV_HIGH, key, json_pack("{s:s, s:s, s:s}", "target", target,
	    "kind", "printer", "schedule", schedule));
}

static void
test_device_down_schedule(void **state)
{
	struct fx	*f = *state;
	int64_t		 sat = local(2026, 11, 28, 10, 0);	/* Saturday */
	int64_t		 fri = local(2026, 11, 27, 10, 0);	/* Friday */

	/* An office printer off on Saturday is no fault. */
	assert_int_equal(dev_event(f, sat, "device_down", "device_down:prn",
	    "prn", "office"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents"), 0);
	/* The always-on switch down on Saturday is. */
	assert_int_equal(dev_event(f, sat, "device_down", "device_down:sw",
	    "sw", "always"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:sw' AND category = 'DE' AND level = 4 AND "
	    "status = 'open'"), 1);
	/* The printer down on a Friday morning: DE, then resolved by device_up. */
	assert_int_equal(dev_event(f, fri, "device_down", "device_down:prn",
	    "prn", "office"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:prn' AND status = 'open'"), 1);
	assert_int_equal(dev_event(f, fri + 10 * MIN, "device_up",
	    "device_up:prn", "prn", "office"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:prn' AND status = 'resolved'"), 1);
	/* An interface: if_down opens, if_up of the same port resolves. */
	assert_int_equal(dev_event(f, fri, "if_down", "if_down:sw:ge0/1", "sw",
	    "always"), 0);
	assert_int_equal(dev_event(f, fri + MIN, "if_up", "if_up:sw:ge0/1", "sw",
	    "always"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'if_down:sw:ge0/1' AND status = 'resolved'"), 1);
	/* A restart and printer alerts are faults too; none is a security
	   incident. */
	assert_int_equal(dev_event(f, fri, "device_rebooted",
	    "device_rebooted:sw", "sw", "always"), 0);
	assert_int_equal(dev_event(f, fri, "printer_alert",
	    "printer_alert:prn:8", "prn", "office"), 0);
	assert_int_equal(dev_event(f, fri + MIN, "printer_alert",
	    "printer_alert:prn:8", "prn", "office"), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'printer_alert:prn:8' AND count = 2"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "category != 'DE'"), 0);
}

/*
 * One batch folds as the same events one batch each would: the ingest
 * transaction remembers each key's incident (store_incident.c), and a
 * status change inside it (device_up resolving) must not leave it
 * stale.  The trail written in the group chains on.
 */
static void
test_fold_one_group(void **state)
{
	struct fx			*f = *state;
	struct event_batch		 b;
	struct store_batch_result	 r;
	char				 err[256];
	int64_t				 fri = local(2026, 11, 27, 10, 0);
	int64_t				 rows, broken;
	static const char *const	 types[] = {
		"device_down", "device_down", "device_up", "device_down",
		"device_down", "device_down",
	};
	static const char *const	 keys[] = {
		"device_down:prn", "device_down:prn", "device_up:prn",
		"device_down:prn", "device_down:sw", "device_down:prn",
	};
	size_t				 n = sizeof(types) / sizeof(types[0]);

	batch_new(&b, "mon-01", n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(event_set(&b.events[i], "mon-01", ++f->seq,
		    fri + (int64_t)i * MIN, types[i], strstr(types[i], "_up") ?
		    SEV_INFO : SEV_HIGH, keys[i], json_pack("{s:s, s:s, s:s}",
		    "target", keys[i] + 12, "kind", "printer", "schedule",
		    "always")), 0);
	assert_int_equal(store_insert_batch(f->st, &b, fri + 10 * MIN, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, n);
	event_batch_free(&b);
	/* The first printer incident: two events, then resolved. */
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:prn' AND status = 'resolved' AND count = 2"), 1);
	/* After it, a new one: two events, open. */
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:prn' AND status = 'open' AND count = 2"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:sw' AND status = 'open' AND count = 1"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_events"), 5);
	/* opened, resolved, opened, opened */
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, err,
	    sizeof(err)), 0);
	assert_int_equal(rows, 4);
	assert_int_equal(broken, 0);
	/*
	 * The next group starts from the database again: the first event
	 * finds the incident there, the second in what the first learnt.
	 */
	batch_new(&b, "mon-01", 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(event_set(&b.events[i], "mon-01", ++f->seq,
		    fri + (int64_t)(20 + i) * MIN, "device_down", SEV_HIGH,
		    "device_down:sw", json_pack("{s:s, s:s, s:s}", "target",
		    "sw", "kind", "switch", "schedule", "always")), 0);
	assert_int_equal(store_insert_batch(f->st, &b, fri + 30 * MIN, &r, err,
	    sizeof(err)), 0);
	event_batch_free(&b);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incidents WHERE "
	    "key = 'device_down:sw' AND status = 'open' AND count = 3"), 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_events ie "
	    "JOIN incidents i ON i.id = ie.incident_id WHERE "
	    "i.key = 'device_down:sw'"), 3);
	assert_int_equal(scalar(f, "SELECT count(*) FROM incident_events"), 7);
	assert_int_equal(store_incident_verify(f->st, &rows, &broken, err,
	    sizeof(err)), 0);
	assert_int_equal(broken, 0);
}

/* ---- listing -------------------------------------------------------- */

/* store_incident_list() as typed rows: how many, and the first's. */
struct seen_incident {
	size_t	n;
	int	level;
	char	type[32];
};

static int
seen_incident(void *arg, const struct incident_row *i, char *err,
    size_t errlen)
{
	struct seen_incident *s = arg;

	(void)err;
	(void)errlen;
	if (s->n++ == 0) {
		s->level = i->level;
		snprintf(s->type, sizeof(s->type), "%s", i->type);
	}
	return 0;
}

static size_t
list_incidents(struct store *st, const struct incident_query *q,
    struct seen_incident *s, int64_t *next)
{
	char err[256];

	memset(s, 0, sizeof(*s));
	if (store_incident_list(st, q, seen_incident, s, next, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	return s->n;
}

static void
test_list_filters(void **state)
{
	struct fx		*f = *state;
	struct incident_query	 q = { .since_ms = INT64_MIN, .limit = 100 };
	json_t			*out;
	struct seen_incident	 seen;
	int64_t			 next;
	char			 err[256];

	assert_int_equal(put(f, "pc-01", 1000, 1000, "port_scan", SEV_HIGH,
	    "port_scan:a", json_object()), 0);
	assert_int_equal(put(f, "pc-01", 2000, 2000, "arp_spoof", SEV_CRITICAL,
	    "arp_spoof:gw", json_object()), 0);
	assert_int_equal(put(f, "pc-01", 3000, 3000, "cert_expired", SEV_HIGH,
	    "cert_expired:web:443", json_object()), 0);
	assert_int_equal(incidents_act(f->in, 3, INCIDENT_ACK, "a", "b", "",
	    4000, &out, err, sizeof(err)), 0);
	json_decref(out);
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 3);
	q.category = "NA";
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 2);
	q.category = "NASCAN";
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 1);
	q.category = NULL;
	q.level = 3;
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 1);
	assert_int_equal(seen.level, 3);
	assert_string_equal(seen.type, "arp_spoof");
	q.level = 0;
	q.status = "acknowledged";
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 1);
	q.status = NULL;
	q.since_ms = 2000;
	q.limit = 1;
	assert_int_equal(list_incidents(f->st, &q, &seen, &next), 1);
	assert_int_equal(next, 2);
}

/* Found by fuzz_calendar: an empty calendar file (qsort of NULL). */
static void
test_calendar_empty(void **state)
{
	struct conf_err	 err;
	struct calendar	*cal = calendar_parse("empty.txt", "", 0, &err);

	(void)state;
	assert_non_null(cal);
	assert_int_equal(calendar_count(cal), 0);
	calendar_free(cal);
	assert_non_null(cal = calendar_parse("c.txt", "# only a comment\n", 17,
	    &err));
	assert_int_equal(calendar_count(cal), 0);
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar_empty),
		cmocka_unit_test(test_map_defaults),
		cmocka_unit_test(test_map_config),
		cmocka_unit_test_setup_teardown(test_fold_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_collectors_fold_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fold_escalate_and_resolved,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fold_rollback, setup,
		    teardown),
		cmocka_unit_test(test_lifecycle_rules),
		cmocka_unit_test_setup_teardown(test_lifecycle_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trail_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_down_office, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_host_down_boundary_and_holiday,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_down_server, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_host_down_grace_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_device_down_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fold_one_group, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_website_down, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_renewed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_renewed_rule_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_website_sample_counted_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup,
		    teardown),
	};

	return TEST_RUN_BACKENDS("test_incident", tests, NULL, NULL);
}
