/*
 * Indicators and the export on a hand-computed data set (collector/
 * indicator.c, collector/store_indicator.c, cli/cmd_export.c).
 *
 * Zone Asia/Shanghai (UTC+8).  Period 2024-02-26 (Mon) .. 2024-03-03 (Sun),
 * 7 days, across the leap day 2024-02-29; "now" is 2024-03-10.
 * Calendar: 2024-02-28 (Wed) holiday, 2024-03-02 (Sat) make-up work day.
 * Office hours 08:30-17:30 (9 h); [schedule] always = web-*.
 * Office work days: Feb 26, 27, 29 (3 × 9 h = 27 h = 97,200,000 ms) and
 * Mar 1, 2 (2 × 9 h = 18 h = 64,800,000 ms): 45 h = 162,000,000 ms.
 * Heartbeats every hour (interval 1 h), gap_factor 2: a gap over 2 h, or
 * a boot after the last heartbeat, opens a new uptime interval.
 *
 * pc-01 office: up Feb 26 08:00 .. Mar 2 18:00 without a break.
 *       up 162,000,000 (Feb 97,200,000, Mar 64,800,000) → 100.00%
 * pc-02 office: up .. Feb 27 12:00, reboots (boot 13:55), up again 14:00 ..
 *       Mar 2 18:00.  Known down 12:00-14:00 = 7,200,000 (Feb).
 *       up 154,800,000 (Feb 90,000,000) → 154.8/162 = 95.56%,
 *       completeness 100.00%
 * pc-03 office: up .. Feb 29 10:00, silent, heartbeats again 13:00 with
 *       the same boot time (no reboot): 10:00-13:00 on the leap day is no
 *       data = 10,800,000.  up 151,200,000 (Feb 86,400,000) → 93.33%,
 *       completeness 93.33%
 * web-01 always: up Feb 26 00:00 .. Mar 1 06:00, reboots (boot 06:20),
 *       up 06:30 .. Mar 4 00:00.  Scheduled 7 days = 604,800,000 (Feb
 *       345,600,000, Mar 259,200,000); down 1,800,000 (Mar);
 *       up 603,000,000 → 99.70%
 * Total: scheduled 1,090,800,000, up 1,071,000,000, down 9,000,000, no
 * data 10,800,000.  Operation 1071/1090.8 = 98.18% (≥ 95: met, 20.00 of
 * 20).  Completeness 1080/1090.8 = 99.01%.
 * Months: Feb scheduled 637,200,000 up 619,200,000 → 97.18%;
 *         Mar scheduled 453,600,000 up 451,800,000 → 99.60%.
 *
 * Website "portal" (web-01's check, website = true), samples at 00:00,
 * 06:00, 12:00, 18:00: all pass except one on Feb 27 (3/4 = 75% < 95%:
 * not a running day); no samples on Mar 2 (no data).  A failing sample
 * of the non-website target "dns" on Feb 26 does not count.  Running
 * days 5 (Feb 26, 28, 29, Mar 1, 3), days with data 6, days 7.  Target
 * for 7 days: ⌈365 × 7 ÷ 365⌉ = 7; 5 < 7 not met; score 5/7 × 20 = 14.29.
 * Assessment: one port_exposed finding and one TLS report of "portal":
 * 1 target ≥ 1, met, 10 of 10.
 *
 * Incidents (first_seen local; notified after):
 *  1 NA NASCAN IV resolved   pc-01 Feb 26 10:00  +2 min
 *  2 MP        III resolved  pc-02 Feb 29 09:00  +12 min
 *  3 NA        IV false_pos. pc-03 Feb 29 15:00  +1 min   (false positive)
 *  4 DE        IV resolved   web-01 Mar 1 06:05  +5 min   (equipment fault)
 *  5 SHE       IV open       pc-01 Mar 1 23:30   +30 s    (Mar 1 local, Mar 1 UTC 15:30)
 *  6 AB        IV acknowl.   pc-02 Feb 26 16:00  never notified
 * Security incidents (not DE, not false positive): 1, 2, 5, 6 = 4, on
 * days Feb 26, Feb 29, Mar 1 = 3 incident days.  Days monitored 7
 * (from Feb 26, the first monitored day).  Incident-days rate 3/7 =
 * 42.86% (≤ 1%: not met, score 1 ÷ 42.857 × 20 = 0.47).  Asset-days 4 × 7
 * = 28; per asset-year 4 × 365 ÷ 28 = 52.1428 → 5214.29%.
 * Feedback (not false positives, notified): 30 s, 2, 5, 12 min → n 4;
 * median (rank 2) 120,000; p95 (rank ⌈3.8⌉ = 4) 720,000 = 12.00 min; max
 * 720,000; within 10 min 3/4 = 75.00%; not notified 1.  12 > 10: not met,
 * score 10/12 × 20 = 16.67.
 * By category NA 1, MP 1, DE 1, SHE 1, AB 1; by level IV 4, III 1; false
 * positives 1; equipment faults 1; incidents 6.  Assets added 4.
 * Total score 20 + 14.29 + 10 + 16.67 + 0.47 = 61.43 of 90.
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

#include "cli/cli.h"
#include "cli/export.h"
#include "collector/indicator.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "collector/store_indicator.h"
#include "collector/report_api.h"
#include "collector/store_report.h"
#include "common/targets.h"
#include "common/timeutil.h"
#include "tests/unit/backends.h"

#define H	3600000LL
#define MIN	60000LL

struct fx {
	char			 dir[64];
	char			 path[128];
	struct store		*st;
	struct schedule_conf	 sc;
	struct indicator_conf	 ic;
	uint64_t		 seq;
};

static int64_t
local(int y, int mo, int d, int h, int mi)
{
	char	buf[32];
	int64_t	ms;

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
	assert_int_equal(time_parse_human(buf, 0, &ms), 0);
	return ms;
}

/* Hourly heartbeats from a to b (b included) with boot time boot. */
static void
beats(struct fx *f, const char *agent, int64_t a, int64_t b, int64_t boot)
{
	char	err[256];
	int	new_agent;

	for (int64_t t = a;; t += H) {
		struct store_heartbeat hb = { agent, t > b ? b : t, H, boot };

		assert_int_equal(store_heartbeat(f->st, &hb, 2.0, hb.ts_ms,
		    &new_agent, err, sizeof(err)), 0);
		if (t >= b)
			break;
	}
}

/* One event from agent, through store_insert_batch and the hook. */
static void
event(struct fx *f, const char *agent, int64_t ts, const char *type,
    const char *key, json_t *data)
{
	struct event			ev;
	struct event_batch		b;
	struct store_batch_result	res;
	char				err[256];

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.agent, sizeof(ev.agent), "%s", agent);
	ev.seq = ++f->seq;
	ev.ts_ms = ts;
	snprintf(ev.type, sizeof(ev.type), "%s", type);
	ev.severity = SEV_INFO;
	snprintf(ev.key, sizeof(ev.key), "%s", key);
	ev.data = data;
	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "%s", agent);
	b.events = &ev;
	b.n = 1;
	if (store_insert_batch(f->st, &b, ts, &res, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(res.inserted, 1);
	json_decref(data);
}

static void
sample(struct fx *f, const char *target, int website, int64_t ts, int up)
{
	char key[64];

	snprintf(key, sizeof(key), "availability:%s", target);
	event(f, "web-01", ts, "availability", key, json_pack("{s:s, s:b, s:b, "
	    "s:i}", "target", target, "up", up, "website", website,
	    "latency_ms", 12));
}

static void
incident(struct fx *f, const char *agent, const char *cat, const char *sub,
    int level, const char *status, int64_t first, int64_t notified)
{
	struct store_incident_row	r;
	int64_t				id, aid;
	char				err[256];

	assert_int_equal(store_agent_id(f->st, agent, &aid, err, sizeof(err)), 0);
	memset(&r, 0, sizeof(r));
	r.key = "k";
	r.type = "t";
	r.category = cat;
	r.subcategory = sub;
	r.status = status;
	r.asset = agent;
	r.title = "测试 test <b>&";
	r.level = level;
	r.severity = 3;
	r.count = 1;
	r.agent_id = aid;
	r.first_seen = r.last_seen = r.received = first;
	r.notified = notified;
	assert_int_equal(store_incident_put(f->st, &r, &id, err, sizeof(err)), 0);
}

static int
setup_empty(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf	*c;
	struct conf_err	 cerr;
	char		 err[256], ini[256];
	static const char cal[] =
	    "2024-02-28 holiday 测试假日\n2024-03-02 workday 调休\n";
	FILE		*fp;

	assert_non_null(f);
	time_set_zone("Asia/Shanghai");
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_indicator.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cal.txt", f->dir);
	assert_non_null(fp = fopen(f->path, "w"));
	fputs(cal, fp);
	fclose(fp);
	snprintf(ini, sizeof(ini), "%s/c.ini", f->dir);
	assert_non_null(fp = fopen(ini, "w"));
	fprintf(fp, "[schedule]\ncalendar = %s\nalways = web-*, db-01\n", f->path);
	fclose(fp);
	assert_non_null(c = conf_load(ini, &cerr));
	assert_int_equal(schedule_conf_load(c, &f->sc, &cerr), 0);
	assert_int_equal(indicator_conf_apply(c, &f->ic, &cerr), 0);
	conf_free(c);
	snprintf(f->path, sizeof(f->path), "%s/c.db", f->dir);
	/* In memory: the hand data set is ~700 transactions. */
	assert_non_null(f->st = store_open(test_backend_target(":memory:"), err, sizeof(err)));
	assert_int_equal(store_add_event_hook(f->st, store_indicator_hook,
	    NULL), 0);
	*state = f;
	return 0;
}

static int
setup_hand(void **state)
{
	struct fx *f;

	setup_empty(state);
	f = *state;
	beats(f, "pc-01", local(2024, 2, 26, 8, 0), local(2024, 3, 2, 18, 0),
	    local(2024, 2, 26, 7, 50));
	beats(f, "pc-02", local(2024, 2, 26, 8, 0), local(2024, 2, 27, 12, 0),
	    local(2024, 2, 26, 7, 50));
	beats(f, "pc-02", local(2024, 2, 27, 14, 0), local(2024, 3, 2, 18, 0),
	    local(2024, 2, 27, 13, 55));
	beats(f, "pc-03", local(2024, 2, 26, 8, 0), local(2024, 2, 29, 10, 0),
	    local(2024, 2, 26, 7, 50));
	beats(f, "pc-03", local(2024, 2, 29, 13, 0), local(2024, 3, 2, 18, 0),
	    local(2024, 2, 26, 7, 50));
	beats(f, "web-01", local(2024, 2, 26, 0, 0), local(2024, 3, 1, 6, 0),
	    local(2024, 2, 25, 23, 0));
	beats(f, "web-01", local(2024, 3, 1, 6, 30), local(2024, 3, 4, 0, 0),
	    local(2024, 3, 1, 6, 20));
	for (int d = 0; d < 7; d++) {
		int64_t day = local(2024, 2, 26, 0, 0) + d * 24 * H;

		if (d == 5)
			continue;	/* Mar 2: no samples */
		for (int k = 0; k < 4; k++)
			sample(f, "portal", 1, day + k * 6 * H, !(d == 1 && k == 2));
	}
	sample(f, "dns", 0, local(2024, 2, 26, 12, 0), 0);
	event(f, "web-01", local(2024, 2, 28, 10, 0), "port_exposed",
	    "port_exposed:portal:3306", json_pack("{s:s, s:s, s:s}", "target",
	    "portal", "code", "port_exposed", "message",
	    "=端口 3306 对外开放 port 3306 exposed"));
	event(f, "web-01", local(2024, 2, 29, 10, 0), "tls_report",
	    "tls_report:portal", json_pack("{s:s, s:{s:s}}", "target", "portal",
	    "report", "protocol", "TLSv1.3"));
	incident(f, "pc-01", "NA", "NASCAN", 4, "resolved",
	    local(2024, 2, 26, 10, 0), local(2024, 2, 26, 10, 2));
	incident(f, "pc-02", "MP", "", 3, "resolved",
	    local(2024, 2, 29, 9, 0), local(2024, 2, 29, 9, 12));
	incident(f, "pc-03", "NA", "NASCAN", 4, "false_positive",
	    local(2024, 2, 29, 15, 0), local(2024, 2, 29, 15, 1));
	incident(f, "web-01", "DE", "", 4, "resolved",
	    local(2024, 3, 1, 6, 5), local(2024, 3, 1, 6, 10));
	incident(f, "pc-01", "SHE", "SHEVULN", 4, "open",
	    local(2024, 3, 1, 23, 30), local(2024, 3, 1, 23, 30) + 30000);
	incident(f, "pc-02", "AB", "", 4, "acknowledged",
	    local(2024, 2, 26, 16, 0), 0);
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	store_close(f->st);
	schedule_conf_free(&f->sc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static json_t *
compute(struct fx *f, const char *from, const char *to, int64_t now)
{
	struct indicator_period	 p;
	json_t			*doc;
	char			 err[256];

	assert_int_equal(indicator_period_parse(from, to, &p, err,
	    sizeof(err)), 0);
	if (indicator_compute(f->st, &f->sc, &f->ic, &p, now, 1, &doc, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	return doc;
}

static const json_t *
ind(const json_t *doc, const char *id)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(json_object_get(doc, "indicators"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			return o;
	fail_msg("no indicator %s", id);
	return NULL;
}

static json_int_t
geti(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", k);
	return json_integer_value(v);
}

static void
assert_2(const json_t *o, const char *k, const char *want)
{
	char got[32];

	if (!json_is_number(json_object_get(o, k)))
		fail_msg("%s is not a number", k);
	snprintf(got, sizeof(got), "%.2f", json_number_value(json_object_get(o,
	    k)));
	assert_string_equal(got, want);
}

static const json_t *
find(const json_t *arr, const char *k1, const char *v1, const char *k2,
    const char *v2)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(arr, i, o)
		if (strcmp(json_string_value(json_object_get(o, k1)), v1) == 0 &&
		    (k2 == NULL || strcmp(json_string_value(json_object_get(o,
		    k2)), v2) == 0))
			return o;
	fail_msg("no row %s=%s", k1, v1);
	return NULL;
}

static void
test_hand_operation(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 3, 10, 0, 0));
	const json_t	*o = ind(doc, "operation"), *c = json_object_get(doc,
			    "counts"), *u = json_object_get(doc, "uptime");
	const json_t	*r;

	assert_int_equal(geti(o, "numerator"), 1071000000);
	assert_int_equal(geti(o, "denominator"), 1090800000);
	assert_2(o, "actual", "98.18");
	assert_true(json_is_true(json_object_get(o, "met")));
	assert_2(o, "score", "20.00");
	assert_int_equal(geti(c, "down_ms"), 9000000);
	assert_int_equal(geti(c, "no_data_ms"), 10800000);
	assert_2(c, "completeness_pct", "99.01");
	/* Per asset and month. */
	r = find(u, "agent", "pc-01", "month", "2024-02");
	assert_int_equal(geti(r, "scheduled_ms"), 97200000);
	assert_int_equal(geti(r, "up_ms"), 97200000);
	r = find(u, "agent", "pc-02", "month", "2024-02");
	assert_int_equal(geti(r, "up_ms"), 90000000);
	assert_int_equal(geti(r, "down_ms"), 7200000);
	assert_int_equal(geti(r, "no_data_ms"), 0);
	r = find(u, "agent", "pc-03", "month", "2024-02");
	assert_int_equal(geti(r, "up_ms"), 86400000);
	assert_int_equal(geti(r, "no_data_ms"), 10800000);
	r = find(u, "agent", "pc-03", "month", "2024-03");
	assert_int_equal(geti(r, "scheduled_ms"), 64800000);
	assert_int_equal(geti(r, "up_ms"), 64800000);
	r = find(u, "agent", "web-01", "month", "2024-02");
	assert_string_equal(json_string_value(json_object_get(r, "schedule")),
	    "always");
	assert_int_equal(geti(r, "scheduled_ms"), 345600000);
	r = find(u, "agent", "web-01", "month", "2024-03");
	assert_int_equal(geti(r, "scheduled_ms"), 259200000);
	assert_int_equal(geti(r, "up_ms"), 257400000);
	assert_int_equal(geti(r, "down_ms"), 1800000);
	r = find(json_object_get(doc, "per_asset"), "agent", "pc-02", NULL, NULL);
	assert_2(r, "operation_pct", "95.56");
	assert_2(r, "completeness_pct", "100.00");
	r = find(json_object_get(doc, "per_asset"), "agent", "pc-03", NULL, NULL);
	assert_2(r, "operation_pct", "93.33");
	assert_2(r, "completeness_pct", "93.33");
	r = find(json_object_get(doc, "per_asset"), "agent", "web-01", NULL, NULL);
	assert_2(r, "operation_pct", "99.70");
	r = find(json_object_get(doc, "monthly"), "month", "2024-02", NULL, NULL);
	assert_int_equal(geti(r, "scheduled_ms"), 637200000);
	assert_int_equal(geti(r, "up_ms"), 619200000);
	assert_2(r, "operation_pct", "97.18");
	r = find(json_object_get(doc, "monthly"), "month", "2024-03", NULL, NULL);
	assert_int_equal(geti(r, "scheduled_ms"), 453600000);
	assert_int_equal(geti(r, "up_ms"), 451800000);
	assert_2(r, "operation_pct", "99.60");
	json_decref(doc);
}

static void
test_hand_website_assessment(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 3, 10, 0, 0));
	const json_t	*o = ind(doc, "website_days"), *d;

	assert_int_equal(geti(o, "numerator"), 5);
	assert_int_equal(geti(o, "denominator"), 7);
	assert_2(o, "target", "7.00");
	assert_false(json_is_true(json_object_get(o, "met")));
	assert_2(o, "score", "14.29");
	assert_int_equal(geti(json_object_get(doc, "counts"),
	    "website_days_with_data"), 6);
	d = find(json_object_get(doc, "website_days"), "date", "2024-02-27",
	    NULL, NULL);
	assert_int_equal(geti(d, "samples"), 4);
	assert_int_equal(geti(d, "up"), 3);
	assert_false(json_is_true(json_object_get(d, "running")));
	d = find(json_object_get(doc, "website_days"), "date", "2024-02-26",
	    NULL, NULL);
	assert_int_equal(geti(d, "samples"), 4);	/* not the dns sample */
	assert_true(json_is_true(json_object_get(d, "running")));
	d = find(json_object_get(doc, "website_days"), "date", "2024-03-02",
	    NULL, NULL);
	assert_true(json_is_null(json_object_get(d, "running")));
	o = ind(doc, "assessment");
	assert_int_equal(geti(o, "numerator"), 1);
	assert_true(json_is_true(json_object_get(o, "met")));
	assert_2(o, "score", "10.00");
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc,
	    "assessment"), "findings")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(doc,
	    "assessment"), "tls_reports")), 1);
	json_decref(doc);
}

static void
test_hand_incidents(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 3, 10, 0, 0));
	const json_t	*o = ind(doc, "event_rate"), *c = json_object_get(doc,
			    "counts"), *fb = json_object_get(c, "feedback");
	const json_t	*er = json_object_get(c, "event_rate"), *m;

	assert_int_equal(geti(o, "numerator"), 3);
	assert_int_equal(geti(o, "denominator"), 7);
	assert_2(o, "actual", "42.86");
	assert_false(json_is_true(json_object_get(o, "met")));
	assert_2(o, "score", "0.47");
	assert_int_equal(geti(json_object_get(er, "asset_year"), "numerator"), 4);
	assert_int_equal(geti(json_object_get(er, "asset_year"), "asset_days"),
	    28);
	assert_2(json_object_get(er, "asset_year"), "pct", "5214.29");
	o = ind(doc, "feedback");
	assert_int_equal(geti(o, "numerator"), 3);
	assert_int_equal(geti(o, "denominator"), 4);
	assert_2(o, "actual", "12.00");
	assert_2(o, "score", "16.67");
	assert_int_equal(geti(fb, "median_ms"), 120000);
	assert_int_equal(geti(fb, "p95_ms"), 720000);
	assert_int_equal(geti(fb, "max_ms"), 720000);
	assert_int_equal(geti(fb, "not_notified"), 1);
	assert_2(fb, "within_target_pct", "75.00");
	assert_int_equal(geti(c, "incidents"), 6);
	assert_int_equal(geti(c, "security_incidents"), 4);
	assert_int_equal(geti(c, "false_positives"), 1);
	assert_int_equal(geti(c, "equipment_faults"), 1);
	assert_int_equal(geti(json_object_get(c, "by_category"), "NA"), 1);
	assert_int_equal(geti(json_object_get(c, "by_category"), "DE"), 1);
	assert_int_equal(geti(json_object_get(c, "by_level"), "4"), 4);
	assert_int_equal(geti(json_object_get(c, "by_level"), "3"), 1);
	assert_int_equal(geti(c, "assets_added_count"), 4);
	m = find(json_object_get(doc, "monthly"), "month", "2024-03", NULL, NULL);
	assert_int_equal(geti(json_object_get(m, "incidents_by_category"),
	    "SHE"), 1);	/* 23:30 local on Mar 1 */
	m = find(json_object_get(doc, "per_asset"), "agent", "pc-01", NULL, NULL);
	assert_int_equal(geti(m, "incident_days"), 2);
	/* The other reading when configured. */
	f->ic.event_rate_reading = IND_READING_ASSET_YEAR;
	json_decref(doc);
	doc = compute(f, "2024-02-26", "2024-03-03", local(2024, 3, 10, 0, 0));
	o = ind(doc, "event_rate");
	assert_int_equal(geti(o, "numerator"), 4);
	assert_int_equal(geti(o, "denominator"), 28);
	assert_2(o, "actual", "5214.29");
	json_decref(doc);
}

/* Read a whole file into a NUL-terminated buffer. */
static char *
slurp(const char *dir, const char *name)
{
	char	 path[256], *buf;
	FILE	*fp;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("missing: %s", want);
}

static void
test_hand_export_files(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 3, 10, 0, 0));
	char		 out[128], err[256], *t;

	snprintf(out, sizeof(out), "%s/out", f->dir);
	assert_int_equal(cli_export_write(doc, out, true, NULL, err, sizeof(err)), 8);
	t = slurp(out, "indicators.csv");
	assert_memory_equal(t, "\xEF\xBB\xBF\"一级指标 Level 1\"", 22);
	has(t, "\"办公基础设施、设备正常运行比例\",\"equipment normal-operation "
	    "ratio\",\"≥ 95%\",\"98.18%\",1071000000,");
	has(t, ",1090800000,");
	has(t, "\"网信网平台运行天数\",\"website running days\",\"≥ 7 天 days\","
	    "\"5 天 days\",5,");
	has(t, "\"网络安全事件发生率\",\"security-event rate\",\"≤ 1%\","
	    "\"42.86%\",3,");
	has(t, "\"监测到信息后控制反馈时间\",\"feedback time after detection\","
	    "\"≤ 10 分钟 min\",\"12.00 分钟 min\",3,");
	has(t, ",20,20.00,");
	has(t, ",20,14.29,");
	has(t, ",20,16.67,");
	has(t, ",20,0.47,");
	has(t, "\"data completeness\",\"\",\"99.01%\",1080000000,");
	free(t);
	t = slurp(out, "uptime.csv");
	has(t, "\"pc-02\",\"2024-02\",\"office\",27.00,25.00,2.00,0.00,92.59,"
	    "100.00,97200000,90000000,7200000,0,\"agent\"\r\n");
	has(t, "\"pc-03\",\"2024-02\",\"office\",27.00,24.00,0.00,3.00,88.89,"
	    "88.89,97200000,86400000,0,10800000,\"agent\"\r\n");
	free(t);
	t = slurp(out, "website-days.csv");
	has(t, "\"2024-02-27\",4,3,75.00,\"否 no\"\r\n");
	has(t, "\"2024-02-29\",4,4,100.00,\"是 yes\"\r\n");
	has(t, "\"2024-03-02\",0,0,,\"无数据 no data\"\r\n");
	free(t);
	t = slurp(out, "incidents.csv");
	has(t, "\"2024-02-29 09:00:00\",\"MP\",\"\",3,\"resolved\",\"pc-02\","
	    "\"测试 test <b>&\",1,\"2024-02-29 09:12:00\",12.00,");
	free(t);
	t = slurp(out, "tls-assessment.csv");
	/* A formula-looking message is defused. */
	has(t, "\"'=端口 3306 对外开放 port 3306 exposed\"");
	free(t);
	t = slurp(out, "report.html");
	has(t, "<td class=\"actual n\">98.18%<br><span class=\"small frac\">"
	    "297.50 h / 303.00 h</span>");
	has(t, "<td class=\"score n\">61.43</td>");
	has(t, "测试 test &lt;b&gt;&amp;");
	has(t, "<svg id=\"chart-operation\"");
	/* The 95% target as a line on the monthly operation chart. */
	has(t, "<line class=\"target\" x1=\"40\" y1=\"27.5\"");
	has(t, "目标 target 95%</text>");
	/* Levels and statuses named, not numbers and English words. */
	has(t, "<td class=\"level\">较大 III</td><td class=\"status\">已解决 "
	    "resolved</td>");
	has(t, "<td class=\"level\">一般 IV</td><td class=\"status\">误报 "
	    "false positive</td>");
	/* The TLS row as text, not raw JSON. */
	has(t, "<td class=\"small tls\">protocol TLSv1.3</td>");
	if (strstr(t, "{&quot;") != NULL)
		fail_msg("raw JSON in the report");
	/* Machines without an asset ID yet: "—", never 0. */
	has(t, "<tr><td class=\"n\">—</td><td>pc-01</td>");
	if (strstr(t, "<tr><td class=\"n\">0</td>") != NULL)
		fail_msg("a machine with ID 0");
	/* A checked website is not a machine in office hours. */
	{
		char	*mem = NULL;
		size_t	 len = 0;
		FILE	*m = open_memstream(&mem, &len);

		assert_non_null(m);
		assert_int_equal(json_array_append_new(json_object_get(doc,
		    "assets"), json_pack("{s:i, s:s, s:s, s:s}", "id", 9, "kind",
		    "target", "name", "portal", "schedule", "")), 0);
		assert_int_equal(cli_export_html(doc, m), 0);
		fclose(m);
		has(mem, "<td>portal</td><td>检查目标 checked target</td>");
		free(mem);
	}
	/* Generated: local time (the collector's UTC string, shown local). */
	{
		char want[64], loc[32];

		cli_local_time(json_string_value(json_object_get(doc,
		    "generated")), loc, sizeof(loc));
		assert_non_null(strstr(loc, "2024-03-10 00:00"));
		snprintf(want, sizeof(want), "生成 generated %s", loc);
		has(t, want);
	}
	free(t);
	t = slurp(out, "tls-assessment.csv");
	has(t, "\"protocol TLSv1.3\"");
	free(t);
	t = slurp(out, "export.json");
	has(t, "\"label\": \"2024-02-26..2024-03-03\"");
	free(t);
	/* Asset status as of the period's end: web-01 was up on Mar 3. */
	assert_string_equal(json_string_value(json_object_get(find(
	    json_object_get(doc, "assets"), "name", "web-01", NULL, NULL),
	    "status")), "up");
	json_decref(doc);
	/* A year in progress says 年初至今. */
	doc = compute(f, "2024-01-01", "2024-12-31", local(2024, 3, 10, 0, 0));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    doc, "period"), "label")), "2024 年初至今 year to date");
	json_decref(doc);
}

/*
 * Agentless equipment in the operation ratio (issue 15), by hand.
 * Mon 2024-02-26, office hours 08:30-17:30 = 9 h = 32,400,000 ms.
 * pc-01 and mon-01 (the agent that checks the printer) send hourly
 * heartbeats 08:00-18:00: up 32,400,000 each (100%).
 * printer-1 (kind printer, schedule office), checked by mon-01 every
 * 5 min 08:00..18:00; no answer from 10:00 to 11:25, answers at 11:30.
 * gap_factor 2: each sample covers the 5 min to the next one.
 * Down [10:00, 11:30) = 5,400,000; up 32,400,000 - 5,400,000 =
 * 27,000,000 → 83.33%; no data 0 → completeness 100.00%.
 * Total: scheduled 97,200,000, up 91,800,000, down 5,400,000 →
 * 91.8 ÷ 97.2 = 94.44% (< 95: not met), completeness 100.00%.
 */
static void
test_device_operation(void **state)
{
	struct fx	*f = *state;
	json_t		*doc;
	const json_t	*o, *row = NULL, *per = NULL;
	size_t		 i;
	char		 out[128], err[256], *t;

	f->ic.gap_factor = 2.0;
	beats(f, "pc-01", local(2024, 2, 26, 8, 0), local(2024, 2, 26, 18, 0),
	    local(2024, 2, 26, 7, 50));
	beats(f, "mon-01", local(2024, 2, 26, 8, 0), local(2024, 2, 26, 18, 0),
	    local(2024, 2, 26, 7, 50));
	for (int64_t ts = local(2024, 2, 26, 8, 0); ts <= local(2024, 2, 26,
	    18, 0); ts += 5 * MIN) {
		int up = ts < local(2024, 2, 26, 10, 0) ||
		    ts >= local(2024, 2, 26, 11, 30);

		event(f, "mon-01", ts, "availability", "availability:printer-1",
		    json_pack("{s:s, s:s, s:b, s:b, s:i, s:s, s:s, s:i}",
		    "target", "printer-1", "host", "10.0.0.9", "up", up,
		    "website", 0, "latency_ms", 1, "kind", "printer",
		    "schedule", "office", "interval_ms", (int)(5 * MIN)));
	}
	doc = compute(f, "2024-02-26", "2024-02-26", local(2024, 3, 10, 0, 0));
	o = ind(doc, "operation");
	assert_int_equal(geti(o, "numerator"), 91800000);
	assert_int_equal(geti(o, "denominator"), 97200000);
	assert_2(o, "actual", "94.44");
	assert_false(json_is_true(json_object_get(o, "met")));
	assert_int_equal(geti(json_object_get(doc, "counts"),
	    "devices_monitored"), 1);
	assert_int_equal(geti(json_object_get(doc, "counts"), "down_ms"),
	    5400000);
	json_array_foreach(json_object_get(doc, "uptime"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "agent")),
		    "printer-1") == 0)
			row = o;
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "kind")),
	    "printer");
	assert_int_equal(geti(row, "up_ms"), 27000000);
	assert_int_equal(geti(row, "down_ms"), 5400000);
	assert_int_equal(geti(row, "no_data_ms"), 0);
	assert_2(row, "operation_pct", "83.33");
	json_array_foreach(json_object_get(doc, "per_asset"), i, o)
		if (json_object_get(o, "device") != NULL)
			per = o;
	assert_non_null(per);
	assert_2(per, "operation_pct", "83.33");
	snprintf(out, sizeof(out), "%s/dev", f->dir);
	assert_int_equal(cli_export_write(doc, out, true, NULL, err,
	    sizeof(err)), 8);
	t = slurp(out, "uptime.csv");
	has(t, "\"printer-1\",\"2024-02\",\"office\",9.00,7.50,1.50,0.00,"
	    "83.33,100.00,32400000,27000000,5400000,0,\"printer\"\r\n");
	free(t);
	json_decref(doc);
}

static void
test_empty_year(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2023-01-01", "2023-12-31",
			    local(2024, 3, 10, 0, 0));
	const char	*ids[] = { "operation", "website_days", "feedback",
				   "event_rate" };
	char		 out[128], err[256], *t;

	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    doc, "period"), "label")), "2023");
	for (size_t i = 0; i < 4; i++) {
		const json_t *o = ind(doc, ids[i]);

		assert_true(json_is_null(json_object_get(o, "actual")));
		assert_true(json_is_null(json_object_get(o, "score")));
		assert_true(json_is_null(json_object_get(o, "met")));
		assert_true(json_is_true(json_object_get(o, "no_data")));
	}
	/* Not assessed is a fact (0 of 1), not missing data. */
	assert_false(json_is_true(json_object_get(ind(doc, "assessment"),
	    "met")));
	snprintf(out, sizeof(out), "%s/empty", f->dir);
	assert_int_equal(cli_export_write(doc, out, true, NULL, err, sizeof(err)), 8);
	t = slurp(out, "indicators.csv");
	has(t, "\"无数据 no data\"");
	if (strstr(t, "0.00%") != NULL || strstr(t, "100.00%") != NULL)
		fail_msg("an empty year shows a percentage");
	free(t);
	t = slurp(out, "report.html");
	has(t, "无数据 no data");
	has(t, "本期无事件 no incidents in the period");
	free(t);
	json_decref(doc);
}

static void
test_future_and_partial(void **state)
{
	struct fx	*f = *state;
	/* "now" is Feb 27 12:00: what has not happened is not counted. */
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 2, 27, 12, 0));
	const json_t	*r = find(json_object_get(doc, "per_asset"), "agent",
			    "pc-01", NULL, NULL);

	/* Feb 26 08:30-17:30 and Feb 27 08:30-12:00 = 9 h + 3.5 h. */
	assert_int_equal(geti(r, "scheduled_ms"), 12 * H + 30 * MIN);
	assert_int_equal(geti(json_object_get(doc, "period"), "elapsed_days"), 2);
	json_decref(doc);
	doc = compute(f, "2024-04-01", "2024-04-30", local(2024, 3, 10, 0, 0));
	assert_true(json_is_true(json_object_get(ind(doc, "operation"),
	    "no_data")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    doc, "period"), "label")), "2024-04");
	json_decref(doc);
}

/* The example targets file, as for 2024 (the hand data set's year). */
static struct targets *
example_targets(void)
{
	const char	*root = getenv("SHAOBING_ROOT");
	char		 path[1024], *text, *y;
	struct conf_err	 err;
	struct targets	*t;
	FILE		*fp;
	long		 n;

	snprintf(path, sizeof(path), "%s/conf/targets-2022-example.ini",
	    root ? root : ".");
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(text = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	assert_non_null(y = strstr(text, "\nyear = 2022"));
	memcpy(y + 8, "2024", 4);
	if ((t = targets_parse("example-2024.ini", text, &err)) == NULL)
		fail_msg("%s", err.msg);
	free(text);
	return t;
}

static const json_t *
form_of(const json_t *doc, const char *id)
{
	return find(json_object_get(doc, "forms"), "id", id, NULL, NULL);
}

static void
assert_row(const json_t *form, const char *id, const char *status,
    const char *points, const char *score)
{
	const json_t	*r = find(json_object_get(form, "rows"), "id", id, NULL,
			    NULL);
	char		 got[32];

	assert_string_equal(json_string_value(json_object_get(r, "status")),
	    status);
	assert_2(r, "scaled_points", points);
	if (score == NULL) {
		assert_true(json_is_null(json_object_get(r, "score")));
		return;
	}
	snprintf(got, sizeof(got), "%.2f", json_number_value(json_object_get(r,
	    "score")));
	assert_string_equal(got, score);
}

/*
 * The example's three forms on the hand data set (see the top of the
 * file for every figure).  网络舆情监控软件费: operation 98.18% ≥ 95 → 15
 * of 15; feedback p95 12 min ≤ 10 → 10/12 × 10 = 8.33; event rate 42.86%
 * ≤ 1 → 1/42.86 × 10 = 0.23; five entered rows not entered yet → 0.
 * Total 23.56.  网信网平台维护费: website 5 days ≥ 365 → 5/365 × 15 =
 * 0.21; assessment 1 ≥ 1 → 10; operation 10; feedback 8.33; event rate
 * 0.23; total 28.77.  综合事务管理经费: no desktop with a purchase date
 * in 2024: 0 of 2 → 0 of 20 × 90/80 = 22.50 points; the month of the
 * last purchase does not apply (left out, 10 points), the other six
 * rows scaled by 90/80 (按百分制折算).
 */
static void
test_hand_forms(void **state)
{
	struct fx	*f = *state;
	json_t		*doc = compute(f, "2024-02-26", "2024-03-03",
			    local(2024, 3, 10, 0, 0));
	struct targets	*t = example_targets();
	const json_t	*fm, *r;
	char		 err[256], out[128], *h;

	/*
	 * portal.4 held to 99% instead of 95% so that the operation ratio
	 * misses its target there: 98.18/99 × 10 = 9.92 (portal total 28.69).
	 */
	t->proj[1].ind[3].target = 99;
	assert_int_equal(report_forms_build(doc, t, NULL, err, sizeof(err)), 0);
	fm = form_of(doc, "opinion");
	assert_string_equal(json_string_value(json_object_get(fm, "name")),
	    "网络舆情监控软件费");
	assert_2(json_object_get(fm, "budget"), "full", "8.00");
	assert_2(json_object_get(fm, "budget"), "fiscal", "8.00");
	assert_true(json_is_null(json_object_get(json_object_get(fm, "budget"),
	    "executed")));
	assert_row(fm, "opinion.1", "not_entered", "15.00", "0.00");
	assert_row(fm, "opinion.3", "scored", "15.00", "15.00");
	assert_row(fm, "opinion.4", "scored", "10.00", "8.33");
	assert_row(fm, "opinion.6", "scored", "10.00", "0.23");
	assert_2(fm, "total", "23.56");
	assert_false(json_is_true(json_object_get(fm, "scaled")));
	r = find(json_object_get(fm, "rows"), "id", "opinion.3", NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "source_text")),
	    "自动监测");
	assert_string_equal(json_string_value(json_object_get(r, "num_den")),
	    "297.50 h / 303.00 h");
	/* Met: no deviation, no facts. */
	assert_int_equal(json_array_size(json_object_get(r, "facts")), 0);
	/* The incident that took 12 minutes, with its level named. */
	r = find(json_object_get(fm, "rows"), "id", "opinion.4", NULL, NULL);
	h = json_dumps(json_object_get(r, "facts"), 0);
	assert_non_null(strstr(h, "MP 较大 III pc-02 2024-02-29 09:00：反馈 12.0 "
	    "分钟"));
	assert_non_null(strstr(h, "AB 一般 IV pc-02 2024-02-26 16:00：未通报"));
	assert_null(strstr(h, "NASCAN"));
	free(h);
	fm = form_of(doc, "portal");
	assert_row(fm, "portal.1", "scored", "15.00", "0.21");
	assert_row(fm, "portal.3", "scored", "10.00", "10.00");
	assert_row(fm, "portal.4", "scored", "10.00", "9.92");
	assert_2(fm, "total", "28.69");
	/* The facts: each machine short of its schedule, in hours, and the
	   months in which one was known down. */
	r = find(json_object_get(fm, "rows"), "id", "portal.4", NULL, NULL);
	h = json_dumps(json_object_get(r, "facts"), 0);
	assert_non_null(strstr(h, "pc-03：运行 93.33%，停机 0.00 小时 down，无数据 "
	    "3.00 小时 no data（计划 45.00 小时 scheduled）"));
	assert_non_null(strstr(h, "pc-02：运行 95.56%，停机 2.00 小时 down，无数据 "
	    "0.00 小时 no data"));
	assert_non_null(strstr(h, "pc-02 2024-02：停机 2.00 小时 down"));
	assert_non_null(strstr(h, "web-01 2024-03：停机 0.50 小时 down"));
	assert_null(strstr(h, "pc-01"));
	free(h);
	r = find(json_object_get(fm, "rows"), "id", "portal.1", NULL, NULL);
	h = json_dumps(json_object_get(r, "facts"), 0);
	assert_non_null(strstr(h, "2024-02-27：检查 4 次，通过 3 次 (75.00%)"));
	assert_non_null(strstr(h, "无检查数据 1 天 days without checks（自 "
	    "2024-03-02 起 from）"));
	free(h);
	fm = form_of(doc, "office");
	assert_true(json_is_true(json_object_get(fm, "scaled")));
	assert_row(fm, "office.1", "scored", "22.50", "0.00");
	assert_row(fm, "office.4", "not_applicable", "0.00", NULL);
	assert_row(fm, "office.2", "not_entered", "16.88", "0.00");
	assert_2(json_object_get(fm, "budget"), "carryover", "0.50");
	/* The scaled points of a form add up to 90. */
	{
		double sum = 0;
		size_t i;
		const json_t *o;

		json_array_foreach(json_object_get(fm, "rows"), i, o)
			sum += json_number_value(json_object_get(o,
			    "scaled_points"));
		assert_true(sum > 89.98 && sum < 90.02);
	}
	/* Written: report.html opens with the forms, report.xlsx beside. */
	snprintf(out, sizeof(out), "%s/forms", f->dir);
	assert_int_equal(cli_export_write(doc, out, false, NULL, err, sizeof(err)), 8);
	assert_int_equal(report_forms_xlsx(doc, out, false, err, sizeof(err)), 0);
	h = slurp(out, "report.html");
	has(h, "<section class=\"form\" data-project=\"opinion\">");
	has(h, "<td class=\"n total\">23.56</td>");
	has(h, "<li>pc-03：运行 93.33%，停机 0.00 小时 down，无数据 3.00 小时 no data");
	has(h, "部分指标不适用，其余按百分制折算");
	free(h);
	h = slurp(out, "report.xlsx");
	assert_int_equal(memcmp(h, "PK", 2), 0);
	free(h);
	/*
	 * Entered values, stored as `shaobing report set` stores them:
	 * 1200 platforms ≥ 1000 → 15 of 15; 全年执行数 7.60 of 8.00 万元 →
	 * 执行率 95.00% → 9.50 of 10.  Total 23.56 + 15 + 9.50 = 48.06.
	 */
	{
		json_t *vals;

		assert_int_equal(store_report_set(f->st, 2024, "opinion",
		    "opinion.1", 1200, "监测平台统计 platform count", "root "
		    "(uid 0)", local(2024, 3, 5, 10, 0), err, sizeof(err)), 0);
		assert_int_equal(store_report_set(f->st, 2024, "opinion",
		    "budget", 7.0, "", "root (uid 0)", local(2024, 3, 5, 10, 0),
		    err, sizeof(err)), 0);
		/* Set again: replaced. */
		assert_int_equal(store_report_set(f->st, 2024, "opinion",
		    "budget", 7.6, "决算 final accounts", "root (uid 0)",
		    local(2024, 3, 6, 10, 0), err, sizeof(err)), 0);
		assert_int_equal(store_report_set(f->st, 2023, "opinion",
		    "opinion.2", 3, "", "x", 0, err, sizeof(err)), 0);
		/* A typo, and a measured row: neither is taken, both named. */
		assert_int_equal(store_report_set(f->st, 2024, "opinoin",
		    "opinion.2", 3, "", "x", 0, err, sizeof(err)), 0);
		assert_int_equal(store_report_set(f->st, 2024, "opinion",
		    "opinion.3", 99, "", "x", 0, err, sizeof(err)), 0);
		assert_int_equal(report_values_json(f->st, 2024, &vals, err,
		    sizeof(err)), 0);
		assert_int_equal(json_array_size(json_object_get(vals,
		    "values")), 4);
		json_object_del(doc, "forms");
		assert_int_equal(report_forms_build(doc, t, vals, err,
		    sizeof(err)), 0);
		json_decref(vals);
		fm = form_of(doc, "opinion");
		assert_row(fm, "opinion.1", "scored", "15.00", "15.00");
		r = find(json_object_get(fm, "rows"), "id", "opinion.1", NULL,
		    NULL);
		assert_string_equal(json_string_value(json_object_get(r,
		    "actual_text")), "1200 个");
		assert_string_equal(json_string_value(json_object_get(r,
		    "source_text")), "填报");
		assert_string_equal(json_string_value(json_object_get(r,
		    "num_den")), "监测平台统计 platform count · root (uid 0) "
		    "2024-03-05 10:00:00");
		assert_2(json_object_get(fm, "budget"), "executed", "7.60");
		assert_2(json_object_get(fm, "budget"), "rate", "95.00");
		assert_2(json_object_get(fm, "budget"), "score", "9.50");
		assert_2(fm, "total", "48.06");
		assert_string_equal(json_string_value(json_object_get(fm,
		    "conclusion")), "自评得分 48.06 分（满分 100），等级：差；尚有 "
		    "4 项待填报，得分未定 (4 values still to be entered)");
		h = json_dumps(json_object_get(doc, "forms_unused"), 0);
		assert_string_equal(h, "[\"opinion opinion.3\", \"opinoin "
		    "opinion.2\"]");
		free(h);
		/* The measured row kept its measured value. */
		assert_row(fm, "opinion.3", "scored", "15.00", "15.00");
		/* Another project's values are its own. */
		assert_true(json_is_null(json_object_get(json_object_get(
		    form_of(doc, "portal"), "budget"), "executed")));
	}
	/* Targets of another year are refused. */
	json_object_del(doc, "forms");
	t->year = 2023;
	assert_int_equal(report_forms_build(doc, t, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the targets are for 2023, the period "
	    "starts 2024-02-26"));
	targets_free(t);
	json_decref(doc);
}

/*
 * Boundary: db-01 (always) is up to Feb 29 22:00, off, boots Mar 1 01:50
 * and is up again from 02:00.  The outage 22:00-02:00 is known down (the
 * boot proves it) whichever period is asked: Feb 26..29 holds 2 h of it,
 * Mar 1..3 the other 2 h, the whole week all 4 h; never "no data".
 */
static void
test_boundary_outage(void **state)
{
	struct fx	*f = *state;
	int64_t		 now = local(2024, 3, 10, 0, 0);
	json_t		*doc;
	const json_t	*c;

	beats(f, "db-01", local(2024, 2, 26, 0, 0), local(2024, 2, 29, 22, 0),
	    local(2024, 2, 25, 23, 0));
	beats(f, "db-01", local(2024, 3, 1, 2, 0), local(2024, 3, 4, 0, 0),
	    local(2024, 3, 1, 1, 50));
	doc = compute(f, "2024-02-26", "2024-02-29", now);
	c = json_object_get(doc, "counts");
	assert_int_equal(geti(c, "down_ms"), 2 * H);
	assert_int_equal(geti(c, "no_data_ms"), 0);
	json_decref(doc);
	doc = compute(f, "2024-03-01", "2024-03-03", now);
	c = json_object_get(doc, "counts");
	assert_int_equal(geti(c, "down_ms"), 2 * H);
	assert_int_equal(geti(c, "no_data_ms"), 0);
	json_decref(doc);
	doc = compute(f, "2024-02-26", "2024-03-03", now);
	c = json_object_get(doc, "counts");
	assert_int_equal(geti(c, "down_ms"), 4 * H);
	assert_int_equal(geti(c, "no_data_ms"), 0);
	json_decref(doc);
	/* A period that ends inside the outage, before the next interval. */
	doc = compute(f, "2024-02-29", "2024-02-29", now);
	assert_int_equal(geti(json_object_get(doc, "counts"), "down_ms"), 2 * H);
	json_decref(doc);
}

/*
 * Calendar coverage: the fixture's calendar lists days of 2024 only.  A
 * desktop monitored over New Year 2023/2024: 2023's holidays are unknown,
 * so the operation ratio is marked 口径不完整 and not scored — in the
 * JSON, the CSV and the report; a period inside 2024 is scored.
 */
static void
test_calendar_missing(void **state)
{
	struct fx	*f = *state;
	int64_t		 now = local(2024, 3, 10, 0, 0);
	json_t		*doc;
	const json_t	*o;
	char		 out[128], err[256], *t;

	beats(f, "pc-09", local(2023, 12, 25, 8, 0), local(2024, 1, 5, 18, 0),
	    local(2023, 12, 25, 7, 50));
	doc = compute(f, "2023-12-25", "2024-01-05", now);
	o = ind(doc, "operation");
	assert_true(json_is_true(json_object_get(o, "incomplete")));
	assert_int_equal(geti(o, "calendar_missing"), 2023);
	assert_true(json_is_null(json_object_get(o, "met")));
	assert_true(json_is_null(json_object_get(o, "score")));
	assert_true(json_is_number(json_object_get(o, "actual")));
	assert_non_null(strstr(json_string_value(json_object_get(o,
	    "deviation")), "口径不完整"));
	snprintf(out, sizeof(out), "%s/gap", f->dir);
	assert_int_equal(cli_export_write(doc, out, false, NULL, err, sizeof(err)), 8);
	t = slurp(out, "indicators.csv");
	has(t, "\"口径不完整 incomplete: 100.00%\"");
	has(t, "\"口径不完整 incomplete\"");
	has(t, "缺少 2023 年节假日日历");
	free(t);
	t = slurp(out, "report.html");
	has(t, "口径不完整 incomplete: 100.00%");
	free(t);
	json_decref(doc);
	doc = compute(f, "2024-01-01", "2024-01-05", now);
	o = ind(doc, "operation");
	assert_null(json_object_get(o, "incomplete"));
	assert_true(json_is_true(json_object_get(o, "met")));
	json_decref(doc);
}

static void
test_period_parse(void **state)
{
	struct indicator_period	p;
	char			why[200];

	(void)state;
	assert_int_equal(indicator_period_parse("2024-02-29", "2024-02-29", &p,
	    why, sizeof(why)), 0);
	assert_int_equal(p.to_day - p.from_day, 1);
	assert_int_equal(indicator_period_parse("2023-02-29", "2023-03-01", &p,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "from"));
	assert_int_equal(indicator_period_parse("2024-03-01", "2024-02-01", &p,
	    why, sizeof(why)), -1);
	assert_int_equal(indicator_period_parse("2024-1-01", "2024-02-01", &p,
	    why, sizeof(why)), -1);
	assert_int_equal(indicator_period_parse("2000-01-01", "2024-02-01", &p,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "longer"));
}

static void
test_schedule_for_agent(void **state)
{
	struct fx *f = *state;

	assert_int_equal(schedule_for_agent(&f->sc, "web-01")->kind,
	    SCHEDULE_ALWAYS);
	assert_int_equal(schedule_for_agent(&f->sc, "db-01")->kind,
	    SCHEDULE_ALWAYS);
	assert_int_equal(schedule_for_agent(&f->sc, "db-02")->kind,
	    SCHEDULE_OFFICE);
	assert_int_equal(schedule_for_agent(&f->sc, "pc-01")->kind,
	    SCHEDULE_OFFICE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hand_operation, setup_hand,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hand_website_assessment,
		    setup_hand, teardown),
		cmocka_unit_test_setup_teardown(test_hand_incidents, setup_hand,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hand_export_files,
		    setup_hand, teardown),
		cmocka_unit_test_setup_teardown(test_future_and_partial,
		    setup_hand, teardown),
		cmocka_unit_test_setup_teardown(test_device_operation,
		    setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_hand_forms, setup_hand,
		    teardown),
		cmocka_unit_test_setup_teardown(test_boundary_outage,
		    setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_calendar_missing,
		    setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_empty_year, setup_empty,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schedule_for_agent,
		    setup_empty, teardown),
		cmocka_unit_test(test_period_parse),
	};

	return TEST_RUN_BACKENDS("test_indicator", tests, NULL, NULL);
}
