/*
 * Inventory parsers on fixture files (tests/data/inventory) and on byte
 * arrays with hostile shapes; one whole collection of a fixture root; a
 * root where every file is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/inventory/inventory.h"

static char datadir[1024];

static char *
fixture(const char *rel, size_t *len)
{
	char *buf = inv_read(datadir, rel, INV_FILE_MAX, len, NULL, false, NULL);

	if (buf == NULL)
		fail_msg("fixture %s%s missing", datadir, rel);
	return buf;
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "(null)";
}

static json_int_t
iget(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static json_t *
parse_fixture(const char *rel, json_t *(*p)(const char *, size_t, const char *, json_t *),
    json_t *errors)
{
	size_t len;
	char *buf = fixture(rel, &len);
	json_t *v = p(buf, len, rel, errors);

	free(buf);
	return v;
}

static void
test_os_release_variants(void **st)
{
	static const struct { const char *file, *id, *version_id, *pretty, *family; } cases[] = {
		{ "/root1/etc/os-release", "debian", "12", "Debian GNU/Linux 12 (bookworm)", "debian" },
		{ "/os-release/kylin-v10", "kylin", "v10", "Kylin V10 SP1", "debian" },
		{ "/os-release/uos-20", "uos", "20", "UnionTech OS Desktop 20 Pro", "debian" },
		{ "/os-release/ubuntu-2204", "ubuntu", "22.04", "Ubuntu 22.04.4 LTS", "debian" },
		/* Same ID as the Kylin desktop, but RPM-based: told apart by NAME. */
		{ "/os-release/kylin-server-v10", "kylin", "V10",
		    "Kylin Linux Advanced Server V10 (Sword)", "rpm" },
		{ "/os-release/openeuler-2203", "openEuler", "22.03", "openEuler 22.03 (LTS-SP1)", "rpm" },
	};
	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *err = json_array();
		json_t *o = parse_fixture(cases[i].file, inv_parse_os_release, err);

		assert_string_equal(sget(o, "id"), cases[i].id);
		assert_string_equal(sget(o, "version_id"), cases[i].version_id);
		assert_string_equal(sget(o, "pretty_name"), cases[i].pretty);
		assert_string_equal(sget(o, "family"), cases[i].family);
		assert_int_equal(json_array_size(err), 0);
		json_decref(o);
		json_decref(err);
	}
}

static void
test_os_release_odd(void **st)
{
	json_t *err = json_array();
	json_t *o = parse_fixture("/os-release/odd", inv_parse_os_release, err);

	(void)st;
	/* Unterminated quote and a line without "=": skipped and counted. */
	assert_null(json_object_get(o, "name"));
	assert_string_equal(sget(o, "id"), "weird");
	assert_string_equal(sget(o, "version_id"), "single quoted");
	assert_string_equal(sget(o, "pretty_name"), "Esc \"aped\" $x");
	assert_string_equal(sget(o, "family"), "other");
	assert_int_equal(json_array_size(err), 1);
	assert_non_null(strstr(sget(json_array_get(err, 0), "error"), "2 malformed lines"));
	json_decref(o);
	json_decref(err);
}

static void
test_dpkg_status_odd(void **st)
{
	json_t *err = json_array();
	size_t len;
	char *buf = fixture("/root1/var/lib/dpkg/status", &len);
	json_t *a = inv_parse_dpkg_status(buf, len, "status", 1000, err);
	json_t *p;

	(void)st;
	/* Sorted by name then arch; config-files and a bad Status left out;
	 * the paragraph without Package reported. */
	assert_int_equal(json_array_size(a), 6);
	p = json_array_get(a, 0);
	assert_string_equal(sget(p, "name"), "half-done");
	assert_string_equal(sget(p, "state"), "half-installed");
	assert_string_equal(sget(p, "version"), "2.0~rc1-1");
	assert_string_equal(sget(json_array_get(a, 1), "name"), "libc6");
	assert_string_equal(sget(json_array_get(a, 1), "arch"), "amd64");
	assert_string_equal(sget(json_array_get(a, 2), "arch"), "i386");
	p = json_array_get(a, 3);
	assert_string_equal(sget(p, "name"), "openssh-server");
	assert_string_equal(sget(p, "version"), "1:9.2p1-2+deb12u2");
	assert_null(json_object_get(p, "state"));
	/* Two paragraphs run together: the later Package line wins. */
	assert_string_equal(sget(json_array_get(a, 4), "name"), "unattended-upgrades");
	assert_string_equal(sget(json_array_get(a, 5), "name"), "zlib1g");
	assert_string_equal(sget(json_array_get(a, 5), "version"), "1:1.2.13.dfsg-1");
	assert_int_equal(json_array_size(err), 1);
	assert_non_null(strstr(sget(json_array_get(err, 0), "error"), "paragraph without Package"));
	json_decref(a);
	json_decref(err);

	/* A cap smaller than the list: the rest named in errors. */
	err = json_array();
	a = inv_parse_dpkg_status(buf, len, "status", 2, err);
	assert_int_equal(json_array_size(a), 2);
	assert_non_null(strstr(sget(json_array_get(err, 1), "error"), "not listed"));
	json_decref(a);
	json_decref(err);
	free(buf);
}

static void
test_dpkg_status_truncated(void **st)
{
	static const char s[] = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStat";
	json_t *err = json_array();
	json_t *a;

	(void)st;
	for (size_t n = 0; n <= sizeof(s) - 1; n++) {
		a = inv_parse_dpkg_status(s, n, "t", 10, err);
		assert_true(json_array_size(a) <= 1);
		json_decref(a);
	}
	a = inv_parse_dpkg_status(s, sizeof(s) - 1, "t", 10, err);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	/* Fields absent (no Status, no Architecture): found by the fuzzer
	 * (memcmp on a NULL slice); reported, not listed. */
	a = inv_parse_dpkg_status("Package: x\n\nPackage: y\nStatus: install ok installed\n",
	    52, "t", 10, err);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(sget(json_array_get(a, 0), "arch"), "");
	json_decref(a);
	a = inv_parse_dpkg_status(s, sizeof(s) - 1, "t", 10, err);
	assert_string_equal(sget(json_array_get(a, 0), "version"), "1");
	json_decref(a);
	json_decref(err);
}

static void
test_proc_net_tcp(void **st)
{
	json_t *err = json_array();
	size_t len;
	char *buf = fixture("/root1/proc/net/tcp", &len);
	json_t *a = inv_parse_proc_net(buf, len, "tcp", "/proc/net/tcp", err);

	(void)st;
	/* Two LISTEN sockets; the ESTABLISHED one skipped; garbage counted. */
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(sget(json_array_get(a, 0), "addr"), "0.0.0.0");
	assert_int_equal(iget(json_array_get(a, 0), "port"), 22);
	assert_int_equal(iget(json_array_get(a, 0), "inode"), 11111);
	assert_string_equal(sget(json_array_get(a, 1), "addr"), "127.0.0.1");
	assert_int_equal(iget(json_array_get(a, 1), "port"), 3306);
	assert_int_equal(iget(json_array_get(a, 1), "uid"), 115);
	assert_int_equal(json_array_size(err), 1);
	free(buf);
	json_decref(a);

	buf = fixture("/root1/proc/net/tcp6", &len);
	a = inv_parse_proc_net(buf, len, "tcp6", "/proc/net/tcp6", err);
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(sget(json_array_get(a, 0), "addr"), "::");
	assert_int_equal(iget(json_array_get(a, 0), "port"), 80);
	assert_string_equal(sget(json_array_get(a, 1), "addr"), "::1");
	assert_int_equal(iget(json_array_get(a, 1), "port"), 631);
	free(buf);
	json_decref(a);

	/* UDP: the unconnected socket counts, the connected one does not. */
	buf = fixture("/root1/proc/net/udp", &len);
	a = inv_parse_proc_net(buf, len, "udp", "/proc/net/udp", err);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(iget(json_array_get(a, 0), "port"), 68);
	free(buf);
	json_decref(a);
	assert_int_equal(json_array_size(err), 1);
	json_decref(err);
}

static void
test_proc_net_hostile(void **st)
{
	static const char *const lines[] = {
		"0: 00000000:0016 00000000:0000 0A 0 0 0 4294967296 0 1\n",	/* uid too big */
		"0: 0000000:0016 00000000:0000 0A 0 0 0 0 0 1\n",		/* short address */
		"0: 00000000:00016 00000000:0000 0A 0 0 0 0 0 1\n",		/* long port */
		"0: 0000000G:0016 00000000:0000 0A 0 0 0 0 0 1\n",		/* not hex */
		"0: 00000000:0016 00000000:0000 A 0 0 0 0 0 1\n",		/* one-digit state */
		"0: 00000000:0016 00000000:0000 0A 0 0 0 0 0 99999999999999999999999\n",
		"0: 00000000:0016",
	};
	(void)st;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		json_t *err = json_array();
		json_t *a = inv_parse_proc_net(lines[i], strlen(lines[i]), "tcp", "t", err);

		assert_int_equal(json_array_size(a), 0);
		assert_int_equal(json_array_size(err), 1);
		json_decref(a);
		json_decref(err);
	}
}

static void
test_passwd_group_shadow(void **st)
{
	json_t *err = json_array(), *u, *g, *e;

	(void)st;
	u = parse_fixture("/root1/etc/passwd", inv_parse_passwd, err);
	/* 7 good lines; the NIS line and the colon-less line reported. */
	assert_int_equal(json_array_size(u), 7);
	assert_string_equal(sget(json_array_get(u, 0), "name"), "root");
	assert_true(json_is_true(json_object_get(json_array_get(u, 0), "login")));
	assert_string_equal(sget(json_array_get(u, 1), "name"), "daemon");
	assert_true(json_is_false(json_object_get(json_array_get(u, 1), "login")));
	assert_string_equal(sget(json_array_get(u, 5), "name"), "li");
	assert_int_equal(iget(json_array_get(u, 5), "uid"), 1001);
	assert_int_equal(json_array_size(err), 1);
	assert_non_null(strstr(sget(json_array_get(err, 0), "error"), "2 malformed lines"));

	g = parse_fixture("/root1/etc/group", inv_parse_group, err);
	assert_int_equal(json_object_size(g), 8);
	assert_int_equal(iget(json_object_get(g, "sudo"), "gid"), 27);
	assert_int_equal(json_array_size(json_object_get(json_object_get(g, "adm"), "members")), 2);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(json_object_get(g, "adm"), "members"), 1)), "zhang");

	e = parse_fixture("/root1/etc/shadow", inv_parse_shadow_empty, err);
	assert_int_equal(json_array_size(e), 1);
	assert_string_equal(json_string_value(json_array_get(e, 0)), "guest");
	json_decref(u);
	json_decref(g);
	json_decref(e);
	json_decref(err);
}

static void
test_cpuinfo_meminfo(void **st)
{
	json_t *err = json_array(), *c, *m;
	static const char arm[] = "processor\t: 0\nBogoMIPS\t: 100\n\nprocessor\t: 1\n\n"
	    "Hardware\t: Phytium FT-2000/4\n";

	(void)st;
	c = parse_fixture("/root1/proc/cpuinfo", inv_parse_cpuinfo, err);
	assert_string_equal(sget(c, "model"), "Intel(R) Core(TM) i5-9500 CPU @ 3.00GHz");
	assert_int_equal(iget(c, "threads"), 4);
	assert_int_equal(iget(c, "cores"), 2);
	assert_int_equal(iget(c, "sockets"), 1);
	json_decref(c);
	c = inv_parse_cpuinfo(arm, sizeof(arm) - 1, "arm", err);
	assert_string_equal(sget(c, "model"), "Phytium FT-2000/4");
	assert_int_equal(iget(c, "threads"), 2);
	assert_int_equal(iget(c, "cores"), 2);
	json_decref(c);
	m = parse_fixture("/root1/proc/meminfo", inv_parse_meminfo, err);
	assert_int_equal(iget(m, "total_bytes"), 16310044LL * 1024);
	assert_int_equal(iget(m, "swap_bytes"), 2097148LL * 1024);
	assert_int_equal(iget(m, "available_bytes"), 8000000LL * 1024);
	json_decref(m);
	assert_int_equal(json_array_size(err), 0);
	m = inv_parse_meminfo("MemTotal: 99999999999999999999 kB\n", 35, "m", err);
	assert_null(json_object_get(m, "total_bytes"));
	assert_int_equal(json_array_size(err), 2);	/* not a number; no MemTotal */
	json_decref(m);
	json_decref(err);
}

static void
test_net_tables(void **st)
{
	json_t *err = json_array(), *v;

	(void)st;
	v = parse_fixture("/root1/proc/net/arp", inv_parse_arp, err);
	assert_int_equal(json_array_size(v), 2);	/* the incomplete one dropped */
	assert_string_equal(sget(json_array_get(v, 1), "mac"), "a0:b1:c2:d3:e4:f5");
	json_decref(v);
	v = parse_fixture("/root1/proc/net/route", inv_parse_route, err);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(sget(json_array_get(v, 0), "gateway"), "192.168.1.1");
	json_decref(v);
	v = parse_fixture("/root1/proc/net/ipv6_route", inv_parse_ipv6_route, err);
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(sget(json_array_get(v, 0), "gateway"), "fe80::1");
	json_decref(v);
	v = parse_fixture("/root1/proc/net/if_inet6", inv_parse_if_inet6, err);
	/* The temporary (privacy) address is left out. */
	assert_int_equal(json_array_size(json_object_get(v, "eth0")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "eth0"), 1)),
	    "2001:db8::42/64");
	json_decref(v);
	assert_int_equal(json_array_size(err), 0);
	v = parse_fixture("/root1/etc/resolv.conf", inv_parse_resolv, err);
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 1)), "2001:db8::53");
	assert_int_equal(json_array_size(err), 1);
	json_decref(v);
	json_decref(err);
}

static void
test_mounts_and_conf(void **st)
{
	json_t *err = json_array(), *v, *cfg = json_object();
	static const char apt[] = "APT::Periodic::Unattended-Upgrade \"1\";\n"
	    "/* c */ APT { Periodic { Unattended-Upgrade \"0\"; }; };\n";
	static const char ssh[] = "permitrootlogin=yes\nPermitRootLogin no\nMatch all\nPasswordAuthentication no\n";

	(void)st;
	v = parse_fixture("/root1/proc/self/mounts", inv_parse_mounts, err);
	assert_int_equal(json_array_size(v), 5);
	assert_string_equal(sget(json_array_get(v, 3), "mount"), "/home/my docs");
	json_decref(v);
	inv_parse_apt_conf(apt, sizeof(apt) - 1, cfg);
	assert_string_equal(sget(cfg, "apt::periodic::unattended-upgrade"), "0");
	json_decref(cfg);
	cfg = json_object();
	inv_parse_sshd_config(ssh, sizeof(ssh) - 1, cfg, NULL, NULL);
	assert_string_equal(sget(cfg, "permitrootlogin"), "yes");	/* first wins */
	assert_null(json_object_get(cfg, "passwordauthentication"));	/* after Match */
	json_decref(cfg);
	json_decref(err);
}

static void
test_json_str_sanitises(void **st)
{
	json_t *s = inv_json_str("a\xff\x01\xe4\xb8\xad\xc0\x80z", 9);

	(void)st;
	assert_non_null(s);
	assert_string_equal(json_string_value(s), "a??\xe4\xb8\xad??z");
	json_decref(s);
}

static json_t *
collect(const char *sub)
{
	char root[1200];
	struct inv_opts o = { root, 1000 };

	snprintf(root, sizeof(root), "%s/%s", datadir, sub);
	return inventory_collect(&o);
}

static void
test_collect_root1(void **st)
{
	json_t *s = collect("root1"), *l, *a;
	const char *h;
	char again[INV_HASH_HEX];

	(void)st;
	assert_non_null(s);
	assert_string_equal(sget(json_object_get(s, "host"), "hostname"), "pc-finance-01");
	assert_string_equal(sget(json_object_get(json_object_get(s, "hardware"), "dmi"),
	    "product_serial"), "PC1ABCDE");
	assert_int_equal(iget(json_object_get(s, "packages"), "count"), 6);
	l = json_object_get(s, "listening");
	assert_int_equal(json_array_size(l), 5);
	assert_string_equal(sget(json_array_get(l, 0), "process"), "sshd");
	assert_string_equal(sget(json_array_get(l, 0), "user"), "root");
	assert_null(json_object_get(json_array_get(l, 0), "inode"));
	a = json_object_get(json_object_get(s, "users"), "admins");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 1)), "zhang");
	/* Disks: loop0 is not one; sizes in bytes. */
	assert_int_equal(json_array_size(json_object_get(json_object_get(s, "hardware"), "disks")), 2);
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(s, "posture"),
	    "firewall"), "active")));
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(s, "posture"),
	    "auto_updates"), "enabled")));
	assert_string_equal(sget(json_object_get(json_object_get(s, "posture"), "ssh"),
	    "password_authentication"), "no");
	assert_int_equal(json_array_size(json_object_get(json_object_get(s, "volatile"),
	    "neighbours")), 2);
	assert_int_equal(json_array_size(json_object_get(s, "filesystems")), 2);
	h = sget(s, "hash");
	assert_int_equal(strlen(h), 64);
	assert_int_equal(inventory_hash(s, again), 0);
	assert_string_equal(h, again);
	json_decref(s);
}

/* Same machine, different usage/boot/ARP: same hash.  root2 differs. */
static void
test_hash_stable(void **st)
{
	json_t *a = collect("root1"), *b = collect("root1"), *c = collect("root2");

	(void)st;
	json_object_set_new(json_object_get(b, "volatile"), "boot_time", json_string("x"));
	json_object_set_new(b, "collected_at", json_string("y"));
	{
		char h[INV_HASH_HEX];

		assert_int_equal(inventory_hash(b, h), 0);
		assert_string_equal(sget(a, "hash"), h);
	}
	assert_string_not_equal(sget(a, "hash"), sget(c, "hash"));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void
test_missing_root(void **st)
{
	json_t *s = collect("missing"), *e;
	size_t i;
	int saw_dpkg = 0, saw_tcp = 0, saw_passwd = 0;

	(void)st;
	assert_non_null(s);
	assert_int_equal(iget(json_object_get(s, "packages"), "count"), 0);
	assert_int_equal(json_array_size(json_object_get(s, "listening")), 0);
	json_array_foreach(json_object_get(s, "errors"), i, e) {
		const char *src = sget(e, "source"), *why = sget(e, "error");

		if (strcmp(src, "/var/lib/dpkg/status") == 0 &&
		    strstr(why, "No such file") != NULL)
			saw_dpkg = 1;
		if (strcmp(src, "/proc/net/tcp") == 0)
			saw_tcp = 1;
		if (strcmp(src, "/etc/passwd") == 0)
			saw_passwd = 1;
	}
	assert_true(saw_dpkg && saw_tcp && saw_passwd);
	assert_int_equal(strlen(sget(s, "hash")), 64);
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release_variants),
		cmocka_unit_test(test_os_release_odd),
		cmocka_unit_test(test_dpkg_status_odd),
		cmocka_unit_test(test_dpkg_status_truncated),
		cmocka_unit_test(test_proc_net_tcp),
		cmocka_unit_test(test_proc_net_hostile),
		cmocka_unit_test(test_passwd_group_shadow),
		cmocka_unit_test(test_cpuinfo_meminfo),
		cmocka_unit_test(test_net_tables),
		cmocka_unit_test(test_mounts_and_conf),
		cmocka_unit_test(test_json_str_sanitises),
		cmocka_unit_test(test_collect_root1),
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_missing_root),
	};
	const char *td = getenv("SHAOBING_TESTDATA");

	snprintf(datadir, sizeof(datadir), "%s/inventory", td && td[0] ? td : "tests/data");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
