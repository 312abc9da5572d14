/*
 * Snapshot diffing (common/inventory_diff.c), Debian version order, and
 * the probe's changed/unchanged decision with its state file.
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

#include "common/inventory_diff.h"
#include "probes/inventory/probe_inventory.h"
#include "tests/unit/conf_example.h"

static char datadir[1024];

static json_t *
collect(const char *sub)
{
	char root[1200];
	struct inv_opts o = { root, 1000 };

	snprintf(root, sizeof(root), "%s/%s", datadir, sub);
	return inventory_collect(&o);
}

static const json_t *
find(const json_t *changes, const char *type, const char *key)
{
	size_t i;
	json_t *c;

	json_array_foreach(changes, i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "key")), key) == 0)
			return c;
	return NULL;
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(null)";
}

static void
test_version_cmp(void **st)
{
	static const struct { const char *a, *b; int sign; } cases[] = {
		{ "1.0", "1.0", 0 }, { "1.0", "1.1", -1 }, { "1.10", "1.9", 1 },
		{ "1.0~rc1", "1.0", -1 }, { "1.0~rc1", "1.0~rc2", -1 },
		{ "1:1.0", "2.0", 1 }, { "0:1.0", "1.0", 0 },
		{ "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", -1 },
		{ "2.36-9", "2.36-10", -1 }, { "1.0-1", "1.0", 1 },
		{ "1.0a", "1.0", 1 }, { "1.0+", "1.0.", -1 }, { "", "0", 0 },
		{ "1.2.13.dfsg-1", "1.2.13-1", 1 }, { "x:1", "1", 0 },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int c = inventory_version_cmp(cases[i].a, cases[i].b);
		int r = inventory_version_cmp(cases[i].b, cases[i].a);

		if ((c > 0) - (c < 0) != cases[i].sign || (r > 0) - (r < 0) != -cases[i].sign)
			fail_msg("%s vs %s: %d (want sign %d)", cases[i].a, cases[i].b, c,
			    cases[i].sign);
	}
}

static void
test_diff_root1_root2(void **st)
{
	json_t *a = collect("root1"), *b = collect("root2"), *d, *ds;
	struct inventory_diff_opts desk = { false }, server = { true };
	const json_t *c;

	(void)st;
	d = inventory_diff(a, b, &desk);
	assert_non_null(d);
	c = find(d, "package_installed", "package:nginx:amd64");
	assert_non_null(c);
	assert_string_equal(sget(json_object_get(c, "detail"), "version"), "1.22.1-9");
	assert_true(json_is_false(json_object_get(c, "matters")));
	c = find(d, "package_upgraded", "package:openssh-server:amd64");
	assert_non_null(c);
	assert_string_equal(sget(json_object_get(c, "detail"), "from"), "1:9.2p1-2+deb12u2");
	c = find(d, "admin_added", "admin:li");
	assert_non_null(c);
	assert_string_equal(sget(c, "severity"), "high");
	assert_true(json_is_true(json_object_get(c, "matters")));
	c = find(d, "port_opened", "port:tcp:0.0.0.0:8080");
	assert_non_null(c);
	assert_string_equal(sget(c, "severity"), "low");
	assert_true(json_is_false(json_object_get(c, "matters")));
	assert_string_equal(sget(json_object_get(c, "detail"), "process"), "nginx");
	c = find(d, "mac_changed", "mac:eth0");
	assert_non_null(c);
	assert_string_equal(sget(json_object_get(c, "detail"), "to"), "d4:5d:64:aa:bb:dd");
	/* Exactly those five; usage, boot time and ARP changes are not changes. */
	assert_int_equal(json_array_size(d), 5);
	/* Order: by type order, then key. */
	assert_string_equal(sget(json_array_get(d, 0), "type"), "package_installed");
	assert_string_equal(sget(json_array_get(d, 4), "type"), "mac_changed");

	ds = inventory_diff(a, b, &server);
	c = find(ds, "port_opened", "port:tcp:0.0.0.0:8080");
	assert_string_equal(sget(c, "severity"), "medium");
	assert_true(json_is_true(json_object_get(c, "matters")));

	/* Backwards: removed, downgraded, closed, admin removed. */
	json_decref(d);
	d = inventory_diff(b, a, &desk);
	assert_non_null(find(d, "package_removed", "package:nginx:amd64"));
	assert_non_null(find(d, "package_downgraded", "package:openssh-server:amd64"));
	assert_non_null(find(d, "port_closed", "port:tcp:0.0.0.0:8080"));
	assert_non_null(find(d, "admin_removed", "admin:li"));
	json_decref(d);
	json_decref(ds);

	/* Same snapshot: nothing. */
	d = inventory_diff(a, a, &server);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	json_decref(a);
	json_decref(b);
}

static void
test_diff_hardware_posture(void **st)
{
	json_t *a = collect("root1"), *b = json_deep_copy(a), *d;
	json_t *hw = json_object_get(b, "hardware");
	struct inventory_diff_opts server = { true };

	(void)st;
	json_object_set_new(json_object_get(hw, "memory"), "total_bytes",
	    json_integer(32LL << 30));
	json_object_set_new(json_object_get(hw, "cpu"), "cores", json_integer(8));
	json_array_remove(json_object_get(hw, "disks"), 0);
	json_object_set_new(json_object_get(json_object_get(b, "posture"), "firewall"),
	    "active", json_false());
	json_array_append_new(json_object_get(json_object_get(b, "posture"),
	    "empty_password_accounts"), json_string("zhang"));
	d = inventory_diff(a, b, &server);
	assert_non_null(find(d, "memory_changed", "memory"));
	assert_non_null(find(d, "cpu_changed", "cpu"));
	assert_non_null(find(d, "disk_removed", "disk:nvme0n1"));
	assert_true(json_is_true(json_object_get(find(d, "firewall_disabled", "firewall"),
	    "matters")));
	assert_true(json_is_true(json_object_get(find(d, "empty_password",
	    "empty_password:zhang"), "matters")));
	assert_int_equal(json_array_size(d), 5);
	json_decref(d);

	/* A memory wobble of a few pages is not a hardware change. */
	json_decref(b);
	b = json_deep_copy(a);
	json_object_set_new(json_object_get(json_object_get(b, "hardware"), "memory"),
	    "total_bytes", json_integer(16310044LL * 1024 - 8192));
	d = inventory_diff(a, b, &server);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	json_decref(a);
	json_decref(b);
}

static void
test_diff_hostile(void **st)
{
	static const char *const docs[] = {
		"{}", "{\"packages\":7}", "{\"packages\":{\"list\":[1,null,{\"name\":3}]}}",
		"{\"listening\":[{\"port\":\"x\"},{}],\"users\":{\"admins\":[1,\"a\"]}}",
		"{\"hardware\":{\"cpu\":[],\"memory\":{\"total_bytes\":\"big\"},\"disks\":{}}}",
		"{\"network\":{\"interfaces\":[{\"name\":\"eth0\",\"mac\":5}]},\"posture\":[]}",
	};
	json_t *base = collect("root1");

	(void)st;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *h = json_loads(docs[i], 0, NULL), *d;

		assert_non_null(h);
		d = inventory_diff(base, h, NULL);
		assert_non_null(d);
		json_decref(d);
		d = inventory_diff(h, base, NULL);
		assert_non_null(d);
		json_decref(d);
		json_decref(h);
	}
	/* First snapshot: a baseline, no changes. */
	{
		json_t *d = inventory_diff(NULL, base, NULL);

		assert_int_equal(json_array_size(d), 0);
		json_decref(d);
	}
	json_decref(base);
}

/* A fake emitter that records events like the spool would. */
struct rec {
	char	type[64];
	json_t	*data;
	int	fail;
	int	n;
};

static int
rec_emit(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct rec *r = ctx;

	(void)ts;
	(void)sev;
	assert_non_null(strstr(key, "inventory:0123456789abcdef"));
	snprintf(r->type, sizeof(r->type), "%s", type);
	json_decref(r->data);
	r->data = data;
	r->n++;
	return r->fail ? -1 : 0;
}

static void
test_probe_changed_unchanged(void **st)
{
	char root1[1200], root2[1200], state[] = "/tmp/test_inventory_state.XXXXXX";
	struct rec r = { "", NULL, 0, 0 };
	struct emitter em = { rec_emit, &r };
	char h[INV_HASH_HEX];
	int64_t ms;
	int fd = mkstemp(state);

	(void)st;
	assert_true(fd >= 0);
	close(fd);
	unlink(state);	/* no state yet */
	snprintf(root1, sizeof(root1), "%s/root1", datadir);
	snprintf(root2, sizeof(root2), "%s/root2", datadir);

	/* An emit failure leaves no state behind: the next run sends it all. */
	r.fail = 1;
	assert_int_equal(inventory_run_once(root1, 1000, state, 0, &em), -1);
	assert_int_equal(inventory_state_read(state, h, &ms), -1);
	r.fail = 0;

	assert_int_equal(inventory_run_once(root1, 1000, state, 0, &em), 1);
	assert_string_equal(r.type, "inventory");
	assert_non_null(json_object_get(r.data, "packages"));
	assert_int_equal(inventory_state_read(state, h, &ms), 0);
	assert_string_equal(h, sget(r.data, "hash"));

	assert_int_equal(inventory_run_once(root1, 1000, state, 0, &em), 0);
	assert_string_equal(r.type, "inventory_unchanged");
	assert_string_equal(sget(r.data, "hash"), h);
	assert_null(json_object_get(r.data, "packages"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(r.data,
	    "volatile"), "neighbours")), 2);

	/* Resend after "resend" even if unchanged (1 ms has long passed). */
	assert_int_equal(inventory_state_write(state, h, 1), 0);
	assert_int_equal(inventory_run_once(root1, 1000, state, 1000, &em), 1);

	assert_int_equal(inventory_run_once(root2, 1000, state, 0, &em), 1);
	assert_string_equal(r.type, "inventory");
	assert_string_not_equal(sget(r.data, "hash"), h);

	/* A corrupt state file means "send everything". */
	{
		FILE *f = fopen(state, "w");

		assert_non_null(f);
		fputs("zz not a hash\n", f);
		fclose(f);
	}
	assert_int_equal(inventory_run_once(root2, 1000, state, 0, &em), 1);
	assert_int_equal(r.n, 6);
	json_decref(r.data);
	unlink(state);
}

/*
 * conf/agent.ini's [inventory], every option uncommented, configures the
 * probe with the documented defaults.
 */
static void
test_example_conf(void **state)
{
	char		*text;
	struct conf	*c;
	struct conf_err	 err;
	void		*st = NULL;
	int		 opts = 0;

	(void)state;
	text = conf_example_text("agent.ini", "inventory", &opts);
	assert_non_null(text);
	assert_int_equal(opts, 6);
	c = conf_load_string("agent.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (probe_inventory.configure(c, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(st);
	assert_int_equal(probe_inventory.interval_ms(st), 6 * 3600 * 1000);
	if (conf_check_unused(c, &err) != 0)
		fail_msg("%s", err.msg);
	probe_inventory.free(st);
	conf_free(c);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_diff_root1_root2),
		cmocka_unit_test(test_diff_hardware_posture),
		cmocka_unit_test(test_diff_hostile),
		cmocka_unit_test(test_probe_changed_unchanged),
		cmocka_unit_test(test_example_conf),
	};
	const char *td = getenv("SHAOBING_TESTDATA");

	snprintf(datadir, sizeof(datadir), "%s/inventory", td && td[0] ? td : "tests/data");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
