/*
 * The asset register: OUI parsing, MAC and admin field validation,
 * snapshot storage (only when the hash changes), derived change events
 * with negative seqs and their recursion guard, identity by machine-id,
 * unmanaged devices.
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

#include "collector/api.h"
#include "collector/asset.h"
#include "collector/store_asset.h"
#include "collector/store_priv.h"
#include "probes/inventory/inventory.h"
#include "tests/unit/backends.h"

/* ---- OUI ------------------------------------------------------------- */

static const char oui_text[] =
	"OUI/MA-L                                                    Organization\n"
	"company_id                                                  Organization\n"
	"\n"
	"00-22-72   (hex)\t\tAmerican Micro-Fuel Device Corp.\n"
	"002272     (base 16)\t\tAmerican Micro-Fuel Device Corp.\n"
	"\t\t\t\t2181 Buchanan Loop\n"
	"\n"
	"D4-5D-64   (hex)\t\tASUSTek COMPUTER INC.\r\n"
	"d4-5d-64   (hex)\t\tDuplicate Should Not Win\n"
	"0G-00-00   (hex)\t\tBad hex digit\n"
	"00-11-22   (hex)\t\t\n"
	"00:11:22   (hex)\t\tWrong separator\n"
	"AC-DE-48   (hex)\t\tBad\x01\xff UTF-8 \xe5\x8d\x8e\xe4\xb8\xba\n"
	"00-00-0C   (hex)";	/* truncated: no name, no newline */

static void
test_oui_parse(void **state)
{
	struct oui_table	*t;
	size_t			 bad = 0;

	(void)state;
	t = oui_parse(oui_text, sizeof(oui_text) - 1, &bad);
	assert_non_null(t);
	assert_int_equal(oui_count(t), 3);
	/* bad hex, empty name, ':' separator, truncated */
	assert_int_equal(bad, 4);
	assert_string_equal(oui_lookup(t, "00:22:72:01:02:03"),
	    "American Micro-Fuel Device Corp.");
	assert_string_equal(oui_lookup(t, "D4-5D-64-AA-BB-CC"),
	    "ASUSTek COMPUTER INC.");
	assert_string_equal(oui_lookup(t, "ac:de:48:00:00:01"),
	    "Bad?? UTF-8 华为");
	assert_null(oui_lookup(t, "00:11:22:33:44:55"));
	assert_null(oui_lookup(t, "not a mac"));
	assert_null(oui_lookup(NULL, "00:22:72:01:02:03"));
	oui_free(t);

	/* Empty and garbage input: an empty table, never a crash. */
	t = oui_parse("", 0, &bad);
	assert_non_null(t);
	assert_int_equal(oui_count(t), 0);
	assert_null(oui_lookup(t, "00:22:72:01:02:03"));
	oui_free(t);
	t = oui_parse("(hex)", 5, &bad);
	assert_int_equal(oui_count(t), 0);
	assert_int_equal(bad, 1);
	oui_free(t);
	oui_free(NULL);
}

static void
test_oui_debian(void **state)
{
	char			 err[256];
	struct oui_table	*t;

	(void)state;
	t = oui_load(ASSET_OUI_DEFAULT, err, sizeof(err));
	if (t == NULL)
		skip();		/* ieee-data not installed */
	assert_true(oui_count(t) > 10000);
	assert_non_null(oui_lookup(t, "00:1a:2b:3c:4d:5e"));
	oui_free(t);
	assert_null(oui_load("/nonexistent/oui.txt", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/oui.txt"));
}

static void
test_mac_norm(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "D4:5D:64:AA:BB:CC", "d4:5d:64:aa:bb:cc" },
		{ "d4-5d-64-aa-bb-cc", "d4:5d:64:aa:bb:cc" },
		{ "00:00:00:00:00:00", NULL },		/* incomplete ARP entry */
		{ "ff:ff:ff:ff:ff:ff", NULL },		/* broadcast */
		{ "01:00:5e:00:00:01", NULL },		/* multicast */
		{ "d4:5d:64:aa:bb", NULL },
		{ "d4:5d:64:aa:bb:cc:dd", NULL },
		{ "d4:5d:64:aa:bb:cg", NULL },
		{ "d4.5d.64.aa.bb.cc", NULL },
		{ "", NULL },
	};
	char out[18];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = asset_mac_norm(cases[i].in, out, sizeof(out));

		if (cases[i].out == NULL)
			assert_int_equal(r, -1);
		else {
			assert_int_equal(r, 0);
			assert_string_equal(out, cases[i].out);
		}
	}
	assert_int_equal(asset_mac_norm(NULL, out, sizeof(out)), -1);
	assert_int_equal(asset_mac_norm("d4:5d:64:aa:bb:cc", out, 17), -1);
}

static void
test_fields_check(void **state)
{
	static const struct { const char *json; const char *why; } cases[] = {
		{ "{\"owner\":\"张三\",\"tag\":\"GZ-0173\"}", NULL },
		{ "{\"purchase_date\":\"2024-02-29\"}", NULL },	/* leap day */
		{ "{\"purchase_date\":\"\"}", NULL },		/* clears */
		{ "{\"notes\":\"line 1\\nline 2\"}", NULL },
		{ "{\"purchase_date\":\"2023-02-29\"}", "purchase_date" },
		{ "{\"purchase_date\":\"2024-13-01\"}", "purchase_date" },
		{ "{\"purchase_date\":\"2024-3-15\"}", "purchase_date" },
		{ "{\"purchase_date\":\"15/03/2024\"}", "purchase_date" },
		{ "{\"colour\":\"red\"}", "unknown field 'colour'" },
		{ "{\"owner\":3}", "owner: expected a string" },
		{ "{\"owner\":\"a\\u0007b\"}", "control" },
		{ "{\"owner\":\"a\\nb\"}", "control" },
		{ "{\"owner\":\"a\\u0000b\"}", "owner" },
		{ "{}", "expected an object" },
		{ "[]", "expected an object" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t	 jerr;
		json_t		*j = json_loads(cases[i].json, JSON_ALLOW_NUL, &jerr);
		char		 why[256] = "";
		int		 r;

		assert_non_null(j);
		r = asset_fields_check(j, why, sizeof(why));
		if (cases[i].why == NULL)
			assert_int_equal(r, 0);
		else {
			assert_int_equal(r, -1);
			assert_non_null(strstr(why, cases[i].why));
		}
		json_decref(j);
	}
	{
		char	 big[300], why[256];
		json_t	*j;

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		j = json_pack("{s:s}", "location", big);
		assert_int_equal(asset_fields_check(j, why, sizeof(why)), -1);
		json_decref(j);
	}
}

/* ---- the hook on a real store --------------------------------------- */

struct fx {
	struct store		*st;
	struct asset_engine	 ae;
	struct collector_conf	 cc;
	uint64_t		 seq[4];
};

static int
fx_setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct conf_err	 cerr;
	char		 err[256];

	char		 path[] = "/tmp/test_asset_XXXXXX";
	int		 fd = mkstemp(path);
	FILE		*fp;

	assert_non_null(f);
	assert_true(fd != -1);
	/* web-* are servers. */
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("[schedule]\nalways = web-*\n", fp);
	fclose(fp);
	assert_int_equal(collector_conf_load(path, &f->cc, &cerr), 0);
	unlink(path);
	f->st = store_open(test_backend_target(":memory:"), err, sizeof(err));
	assert_non_null(f->st);
	f->ae.conf = &f->cc;
	f->ae.oui_path = "";
	assert_int_equal(store_add_event_hook(f->st, asset_hook, &f->ae), 0);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	asset_engine_free(&f->ae);
	collector_conf_free(&f->cc);
	free(f);
	return 0;
}

static json_t *
snapshot(const char *rootname)
{
	const char	*td = getenv("SHAOBING_TESTDATA");
	char		 root[1024];
	struct inv_opts	 o;
	json_t		*s;

	snprintf(root, sizeof(root), "%s/inventory/%s", td && td[0] ? td :
	    "tests/data", rootname);
	o.root = root;
	o.max_packages = 100000;
	s = inventory_collect(&o);
	assert_non_null(s);
	assert_non_null(json_object_get(json_object_get(s, "host"),
	    "machine_id"));
	return s;
}

/* Store one event (data stolen) as agent a (0..3: "web-01", "pc-01", ...). */
static int
put(struct fx *f, const char *agent, int a, const char *type, json_t *data,
    char *err, size_t errlen)
{
	struct event_batch		b;
	struct store_batch_result	res;
	char				key[EVENT_KEY_MAX];
	const char			*mid = json_string_value(json_object_get(
					    json_object_get(data, "host"),
					    "machine_id"));
	int				rc;

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "%s", agent);
	b.events = calloc(1, sizeof(*b.events));
	b.n = 1;
	snprintf(key, sizeof(key), "inventory:%s", mid ? mid :
	    "0123456789abcdef0123456789abcdef");
	f->seq[a]++;
	assert_int_equal(event_set(&b.events[0], agent, f->seq[a],
	    1764230400000LL + (int64_t)f->seq[a] * 1000, type, SEV_INFO, key,
	    data), 0);
	rc = store_insert_batch(f->st, &b, 1764230500000LL +
	    (int64_t)f->seq[a] * 1000, &res, err, errlen);
	for (size_t i = 0; rc == 0 && i < res.nrejected; i++)
		print_message("# rejected: %s\n", res.rejected[i].error);
	event_batch_free(&b);
	return rc;
}

static int64_t
q1(struct fx *f, const char *sql)
{
	struct db_stmt	*s;
	int64_t		 v = -999;

	assert_int_equal(db_prepare(store_db(f->st), sql, 0, &s),
	    0);
	if (db_step(s) == DB_ROW)
		v = db_column_int64(s, 0);
	db_finalize(s);
	return v;
}

/* SQL: the derived event's "matters" is v (0 false, 1 true). */
static const char *
matters_is(int v)
{
	if (test_backend_pg())
		return v ? "CAST(data AS json) ->> 'matters' = 'true'" :
		    "CAST(data AS json) ->> 'matters' = 'false'";
	return v ? "json_extract(data, '$.matters') = 1" :
	    "json_extract(data, '$.matters') = 0";
}

static void
test_snapshots_and_derived(void **state)
{
	struct fx	*f = *state;
	char		 err[512], sql[256];
	json_t		*s1 = snapshot("root1"), *s2 = snapshot("root2"), *u;
	json_t		*list, *diff;

	/* First: a baseline, no changes. */
	assert_int_equal(put(f, "web-01", 0, "inventory", json_deep_copy(s1),
	    err, sizeof(err)), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'managed'"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM inventory_snapshots"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM events WHERE seq < 0"), 0);
	/* Two ARP neighbours without an agent (the 00:.. entry is none). */
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'unmanaged'"), 2);

	/* Same hash again (a resend): confirmed, not stored twice. */
	assert_int_equal(put(f, "web-01", 0, "inventory", json_deep_copy(s1),
	    err, sizeof(err)), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM inventory_snapshots"), 1);
	assert_int_equal(q1(f, "SELECT confirmed > received FROM "
	    "inventory_snapshots"), 1);
	/* inventory_unchanged with the same hash: nothing new either. */
	u = json_pack("{s:O, s:O, s:O}", "hash", json_object_get(s1, "hash"),
	    "collected_at", json_object_get(s1, "collected_at"), "volatile",
	    json_object_get(s1, "volatile"));
	assert_int_equal(put(f, "web-01", 0, "inventory_unchanged", u, err,
	    sizeof(err)), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM inventory_snapshots"), 1);

	/* Changed: stored, and each change is a derived event. */
	assert_int_equal(put(f, "web-01", 0, "inventory", json_deep_copy(s2),
	    err, sizeof(err)), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM inventory_snapshots"), 2);
	assert_int_equal(q1(f, "SELECT count(*) FROM events WHERE seq < 0 AND "
	    "type = 'admin_added'"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM events WHERE seq < 0 AND "
	    "type = 'package_installed' AND key = 'package:nginx:amd64'"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM events WHERE seq < 0 AND "
	    "type = 'mac_changed'"), 1);
	/* A server: the new port matters. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE seq < 0 "
	    "AND type = 'port_opened' AND %s", matters_is(0));
	assert_int_equal(q1(f, sql), 0);
	assert_true(q1(f, "SELECT count(*) FROM events WHERE seq < 0 AND "
	    "type = 'port_opened'") >= 1);
	/* Seqs -1..-n from the agent's counter, agent seqs untouched. */
	assert_int_equal(q1(f, "SELECT min(seq) FROM events WHERE seq < 0"),
	    -q1(f, "SELECT count(*) FROM events WHERE seq < 0"));
	assert_int_equal(q1(f, "SELECT derived_seq FROM agents"),
	    q1(f, "SELECT min(seq) FROM events"));
	assert_int_equal(q1(f, "SELECT last_seq FROM agents"), 4);
	assert_int_equal(q1(f, "SELECT events FROM agents"), 4);
	/* The new MAC is managed now: in asset_addrs. */
	assert_int_equal(store_asset_addr_managed(f->st, "d4:5d:64:aa:bb:dd",
	    NULL, err, sizeof(err)), 1);
	assert_int_equal(store_asset_addr_managed(f->st, "d4:5d:64:aa:bb:cc",
	    NULL, err, sizeof(err)), 0);

	/* The admin query marks derived events. */
	{
		struct store_event_query q = { .type = "admin_added",
		    .since_ms = INT64_MIN, .limit = 10 };
		int64_t next;

		assert_int_equal(api_events_json(f->st, &q, &list, &next, err,
		    sizeof(err)), 0);
		assert_int_equal(json_array_size(list), 1);
		assert_true(json_is_true(json_object_get(json_array_get(list, 0),
		    "derived")));
		assert_true(json_integer_value(json_object_get(json_array_get(list,
		    0), "seq")) < 0);
		json_decref(list);
		q.type = "inventory";
		assert_int_equal(api_events_json(f->st, &q, &list, &next, err,
		    sizeof(err)), 0);
		assert_null(json_object_get(json_array_get(list, 0), "derived"));
		json_decref(list);
	}

	/* The diff the CLI shows: previous → current. */
	assert_int_equal(asset_diff(f->st, &f->cc, 1, INT64_MIN, &diff, err,
	    sizeof(err)), 0);
	assert_true(json_array_size(json_object_get(diff, "changes")) >= 5);
	json_decref(diff);
	assert_int_equal(asset_diff(f->st, &f->cc, 99, INT64_MIN, &diff, err,
	    sizeof(err)), 1);

	json_decref(s1);
	json_decref(s2);
}

/* The register's typed rows, copied for the checks. */
#define SEEN_ASSETS	8
struct seen_assets {
	size_t	n;
	int64_t	id[SEEN_ASSETS];
	char	name[SEEN_ASSETS][32], agent[SEEN_ASSETS][32];
	char	mac[SEEN_ASSETS][32];
};

static int
seen_asset(void *arg, const struct asset_row *a, char *err, size_t errlen)
{
	struct seen_assets *s = arg;

	(void)err;
	(void)errlen;
	if (s->n < SEEN_ASSETS) {
		s->id[s->n] = a->id;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", a->name);
		snprintf(s->agent[s->n], sizeof(s->agent[0]), "%s",
		    a->agent ? a->agent : "");
		snprintf(s->mac[s->n], sizeof(s->mac[0]), "%s", a->mac);
	}
	s->n++;
	return 0;
}

static void
test_identity_renamed(void **state)
{
	struct fx	*f = *state;
	char		 err[512], sql[256];
	json_t		*s1 = snapshot("root1"), *s2;
	struct seen_assets	 seen;

	assert_int_equal(put(f, "pc-01", 1, "inventory", json_deep_copy(s1),
	    err, sizeof(err)), 0);
	/* Renamed, and reporting through another agent name. */
	s2 = json_deep_copy(s1);
	json_object_set_new(json_object_get(s2, "host"), "hostname",
	    json_string("pc-renamed"));
	json_object_set_new(s2, "hash", json_string("0000000000000000000000000000000000000000000000000000000000000001"));
	assert_int_equal(put(f, "pc-02", 2, "inventory", s2, err, sizeof(err)),
	    0);
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'managed'"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM asset_agents"), 2);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_asset_list(f->st, "managed", seen_asset, &seen,
	    err, sizeof(err)), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.name[0], "pc-renamed");
	assert_string_equal(seen.agent[0], "pc-02");
	assert_true(seen.id[0] > 0);
	/* pc-01 is an office PC: a hostname change derives, nothing matters
	   but is recorded as history only. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE seq < 0 "
	    "AND %s", matters_is(1));
	assert_int_equal(q1(f, sql), 0);
	json_decref(s1);
}

static void
test_unmanaged_absorbed(void **state)
{
	struct fx	*f = *state;
	char		 err[512];
	json_t		*d, *s1 = snapshot("root1");
	struct seen_assets	 seen;

	/* Seen by the packet engine before the machine had an agent. */
	d = json_pack("{s:s, s:s}", "mac", "D4:5D:64:AA:BB:CC", "ip",
	    "192.168.1.10");
	assert_int_equal(put(f, "sensor", 3, "new_device", d, err, sizeof(err)),
	    0);
	/* Garbage MACs are not devices. */
	d = json_pack("{s:s}", "mac", "ff:ff:ff:ff:ff:ff");
	assert_int_equal(put(f, "sensor", 3, "new_device", d, err, sizeof(err)),
	    0);
	d = json_pack("{s:i}", "mac", 7);
	assert_int_equal(put(f, "sensor", 3, "new_device", d, err, sizeof(err)),
	    0);
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'unmanaged'"), 1);
	/* Its agent starts: the device is that managed machine now. */
	assert_int_equal(put(f, "pc-01", 1, "inventory", s1, err, sizeof(err)),
	    0);
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'unmanaged' AND mac = 'd4:5d:64:aa:bb:cc'"), 0);
	/* Seen again later: still not listed. */
	d = json_pack("{s:s}", "mac", "d4:5d:64:aa:bb:cc");
	assert_int_equal(put(f, "sensor", 3, "new_device", d, err, sizeof(err)),
	    0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_asset_list(f->st, "unmanaged", seen_asset, &seen,
	    err, sizeof(err)), 0);
	for (size_t i = 0; i < seen.n && i < SEEN_ASSETS; i++)
		assert_string_not_equal(seen.mac[i], "d4:5d:64:aa:bb:cc");
	/* The sensor agent without inventory is listed with id 0 (null). */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_asset_list(f->st, "managed", seen_asset, &seen,
	    err, sizeof(err)), 0);
	assert_int_equal(seen.n, 2);
	assert_true((seen.id[0] == 0) != (seen.id[1] == 0));
	assert_string_equal(seen.name[seen.id[0] == 0 ? 0 : 1], "sensor");
	/* A target from availability. */
	d = json_pack("{s:s, s:s, s:b}", "target", "web", "host", "www.example.gov.cn",
	    "up", 1);
	assert_int_equal(put(f, "sensor", 3, "availability", d, err,
	    sizeof(err)), 0);
	assert_int_equal(q1(f, "SELECT count(*) FROM assets WHERE kind = "
	    "'target' AND up = 1"), 1);
}

/* A hook that tries to derive from a derived event. */
static int
greedy_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct event	ev;
	int		rc;

	(void)arg;
	if (!ctx->derived)
		return 0;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(event_set(&ev, ctx->agent, 0, ctx->ev->ts_ms, "again",
	    SEV_INFO, "again", NULL), 0);
	rc = store_insert_derived(st, ctx->agent_id, ctx->agent, &ev, 0, err,
	    errlen);
	event_clear(&ev);
	return rc;
}

static void
test_derived_guard(void **state)
{
	struct fx	*f = *state;
	char		 err[512] = "";
	json_t		*s1 = snapshot("root1"), *s2 = snapshot("root2");
	struct event	 ev;

	/* Outside a batch transaction: refused. */
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(event_set(&ev, "x", 0, 1, "t", SEV_INFO, "k", NULL), 0);
	assert_int_equal(store_insert_derived(f->st, 1, "x", &ev, 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not inside a batch transaction"));
	event_clear(&ev);

	assert_int_equal(put(f, "web-01", 0, "inventory", s1, err, sizeof(err)),
	    0);
	assert_int_equal(store_add_event_hook(f->st, greedy_hook, NULL), 0);
	assert_int_equal(put(f, "web-01", 0, "inventory", s2, err, sizeof(err)),
	    0);
	assert_int_equal(q1(f, "SELECT count(*) FROM rejected_events WHERE "
	    "error LIKE '%may not derive another%'"), 1);
	/* The event rolled back alone: one snapshot, no derived rows. */
	assert_int_equal(q1(f, "SELECT count(*) FROM inventory_snapshots"), 1);
	assert_int_equal(q1(f, "SELECT count(*) FROM events WHERE seq < 0"), 0);
	assert_int_equal(q1(f, "SELECT derived_seq FROM agents"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oui_parse),
		cmocka_unit_test(test_oui_debian),
		cmocka_unit_test(test_mac_norm),
		cmocka_unit_test(test_fields_check),
		cmocka_unit_test_setup_teardown(test_snapshots_and_derived,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_identity_renamed,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unmanaged_absorbed,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_derived_guard,
		    fx_setup, fx_teardown),
	};

	return TEST_RUN_BACKENDS("test_asset", tests, NULL, NULL);
}
