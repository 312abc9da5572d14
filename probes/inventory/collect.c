/*
 * One inventory snapshot: read every source below the root prefix, run
 * its parser, assemble, sort, hash.
 *
 * SNAPSHOT FORMAT (schema 1; every array sorted so the hash is stable)
 *   {"schema":1, "hash":"<sha256 of the stable part>",
 *    "collected_at":"...Z",
 *    "host":{"hostname","machine_id","kernel":{"release","arch"}},
 *    "os":{"id","id_like","name","version","version_id","pretty_name",
 *          "version_codename","family"},
 *    "hardware":{"dmi":{"sys_vendor",...},"cpu":{"model","threads","cores",
 *          "sockets"},"memory":{"total_bytes","swap_bytes"},
 *          "disks":[{"name","size_bytes","model","serial","vendor",
 *          "rotational","removable"}]},
 *    "filesystems":[{"mount","device","type","size_bytes"}],
 *    "network":{"interfaces":[{"name","mac","ipv4":[],"ipv6":[]}],
 *          "gateways":[{"dev","gateway"}],"dns":[]},
 *    "packages":{"format":"dpkg"|"rpm"|"dpkg+rpm","count":N,
 *          "list":[{"name","version","arch"}]}  (rpm: rpmdb.c, via librpm),
 *    "listening":[{"proto","addr","port","process","user"}],
 *    "users":{"accounts":[...],"admins":[names],"admin_groups":{...}},
 *    "services":{"running":[],"enabled":[]},
 *    "posture":{"firewall":{"active","evidence":[]},
 *          "auto_updates":{"enabled","evidence"},
 *          "ssh":{"installed","permit_root_login","password_authentication",
 *          "root_login_allowed","password_login_allowed"},
 *          "empty_password_accounts":[]},
 *    "errors":[{"source","error"}],
 *    "volatile":{"boot_time","uptime_s","memory_available_bytes",
 *          "filesystems":[{"mount","used_bytes","avail_bytes"}],
 *          "neighbours":[{"ip","mac","dev"}]}}
 * "volatile" holds what changes without the machine changing (usage,
 * reboots, the ARP cache); it travels with every event but is not hashed.
 */
#include <sys/statvfs.h>
#include <sys/utsname.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/timeutil.h"
#include "probes/inventory/inventory.h"

static int
is_live(const char *root)
{
	return strcmp(root, "/") == 0 || root[0] == '\0';
}

/* First line of a small file, trimmed; NULL (quietly if quiet) when absent. */
static json_t *
read_line(const char *root, const char *path, bool quiet, json_t *errors)
{
	size_t len;
	char *buf = inv_read(root, path, 4096, &len, NULL, quiet, errors);
	struct rbuf b;
	struct inv_str line = { "", 0 };
	json_t *v;

	if (buf == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	(void)inv_line_next(&b, &line);
	line = inv_trim(line);
	v = inv_json_str(line.p, line.len);
	free(buf);
	return v;
}

static void
set_opt(json_t *o, const char *key, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, key, v);
}

/* ---- sorting -------------------------------------------------------- */

struct sort_keys {
	const char	*k[3];
};

static int
json_val_cmp(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);

		return x < y ? -1 : x > y;
	}
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	return (a != NULL) - (b != NULL);
}

static const struct sort_keys *sort_by;

static int
obj_cmp(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;

	for (int i = 0; i < 3 && sort_by->k[i] != NULL; i++) {
		int c = json_val_cmp(json_object_get(a, sort_by->k[i]),
		    json_object_get(b, sort_by->k[i]));

		if (c != 0)
			return c;
	}
	return 0;
}

/* Sort an array of objects by up to three keys (not reentrant). */
static void
sort_objects(json_t *a, const char *k1, const char *k2, const char *k3)
{
	struct sort_keys keys = { { k1, k2, k3 } };
	size_t n = json_array_size(a);
	json_t **v;

	if (n < 2 || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	sort_by = &keys;
	qsort(v, n, sizeof(*v), obj_cmp);
	sort_by = NULL;
	json_array_clear(a);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, v[i]);
	free(v);
}

/* Sorted names of directory entries (no dot files); NULL when unreadable. */
static json_t *
list_dir(const char *root, const char *path, const char *suffix, bool quiet,
    json_t *errors)
{
	char full[4096];
	DIR *d;
	struct dirent *de;
	json_t *a;
	size_t sl = suffix ? strlen(suffix) : 0;

	if (inv_path(root, path, full, sizeof(full)) == -1)
		return NULL;
	if ((d = opendir(full)) == NULL) {
		if (!(quiet && errno == ENOENT))
			inv_error(errors, path, "cannot list: %s", strerror(errno));
		return NULL;
	}
	a = json_array();
	while ((de = readdir(d)) != NULL && json_array_size(a) < 4096) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (sl > 0 && (nl <= sl || strcmp(de->d_name + nl - sl, suffix) != 0))
			continue;
		json_array_append_new(a, inv_json_cstr(de->d_name));
	}
	closedir(d);
	inv_sort_strings(a);
	return a;
}

/* ---- sections ------------------------------------------------------- */

static json_t *
collect_host(const char *root, json_t *errors)
{
	json_t *h = json_object(), *k = json_object();
	json_t *name = read_line(root, "/etc/hostname", true, NULL);

	if (name == NULL)
		name = read_line(root, "/proc/sys/kernel/hostname", false, errors);
	set_opt(h, "hostname", name);
	set_opt(h, "machine_id", read_line(root, "/etc/machine-id", false, errors));
	set_opt(k, "release", read_line(root, "/proc/sys/kernel/osrelease", false, errors));
	if (is_live(root)) {
		struct utsname u;

		if (uname(&u) == 0)
			json_object_set_new(k, "arch", inv_json_cstr(u.machine));
	}
	json_object_set_new(h, "kernel", k);
	return h;
}

static json_t *
collect_os(const char *root, json_t *errors)
{
	size_t len;
	const char *src = "/etc/os-release";
	char *buf = inv_read(root, src, INV_SMALL_MAX, &len, NULL, true, NULL);
	json_t *o;

	if (buf == NULL) {
		src = "/usr/lib/os-release";	/* os-release(5) fallback */
		buf = inv_read(root, src, INV_SMALL_MAX, &len, NULL, false, errors);
	}
	if (buf == NULL)
		return json_object();
	o = inv_parse_os_release(buf, len, src, errors);
	free(buf);
	return o;
}

static json_t *
collect_dmi(const char *root, json_t *errors)
{
	static const char *const files[] = { "sys_vendor", "product_name",
	    "product_version", "product_serial", "product_uuid", "board_vendor",
	    "board_name", "board_serial", "chassis_type", "chassis_serial",
	    "bios_vendor", "bios_version", "bios_date", NULL };
	json_t *o = json_object();
	char path[128];
	json_t *missing = json_array();

	for (int i = 0; files[i] != NULL; i++) {
		json_t *v;

		snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", files[i]);
		/* The serials and UUID are readable by root only (mode 0400). */
		v = read_line(root, path, true, missing);
		set_opt(o, files[i], v);
	}
	/* One entry for all unreadable DMI files rather than thirteen. */
	if (json_array_size(missing) > 0) {
		char names[512] = "";
		size_t n = 0, idx;
		json_t *e;
		const char *why = "";

		json_array_foreach(missing, idx, e) {
			const char *src = json_string_value(json_object_get(e, "source"));
			const char *base = src ? strrchr(src, '/') : NULL;

			why = json_string_value(json_object_get(e, "error"));
			n += (size_t)snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0,
			    "%s%s", idx ? ", " : "", base ? base + 1 : "?");
			if (n >= sizeof(names))
				n = sizeof(names) - 1;
		}
		inv_error(errors, "/sys/class/dmi/id", "%s: %s", names, why ? why : "");
	}
	json_decref(missing);
	return o;
}

static json_t *
collect_parsed(const char *root, const char *path, size_t max,
    json_t *(*parse)(const char *, size_t, const char *, json_t *),
    json_t *errors)
{
	size_t len;
	char *buf = inv_read(root, path, max, &len, NULL, false, errors);
	json_t *v;

	if (buf == NULL)
		return NULL;
	v = parse(buf, len, path, errors);
	free(buf);
	return v;
}

/* /sys/block/NAME: physical disks (loop, ram, zram, dm and md are not). */
static json_t *
collect_disks(const char *root, json_t *errors)
{
	static const char *const skip[] = { "loop", "ram", "zram", "dm-", "md",
	    "sr", "fd", "nbd", NULL };
	json_t *names = list_dir(root, "/sys/block", NULL, false, errors);
	json_t *a = json_array(), *n;
	size_t i;

	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		char path[512];
		json_t *d, *v;
		int skipped = 0;

		for (int k = 0; skip[k] != NULL; k++)
			if (strncmp(name, skip[k], strlen(skip[k])) == 0)
				skipped = 1;
		if (skipped)
			continue;
		d = json_object();
		json_object_set_new(d, "name", json_string(name));
		snprintf(path, sizeof(path), "/sys/block/%s/size", name);
		v = read_line(root, path, false, errors);
		if (json_is_string(v)) {
			struct inv_str s = { json_string_value(v), strlen(json_string_value(v)) };
			uint64_t sectors;

			/* The size file counts 512-byte sectors whatever the
			 * logical block size (include/linux/blk_types.h). */
			if (inv_str_u64(s, &sectors) == 0 && sectors < (uint64_t)INT64_MAX / 512)
				json_object_set_new(d, "size_bytes",
				    json_integer((json_int_t)(sectors * 512)));
		}
		json_decref(v);
		snprintf(path, sizeof(path), "/sys/block/%s/device/model", name);
		set_opt(d, "model", read_line(root, path, true, errors));
		snprintf(path, sizeof(path), "/sys/block/%s/device/vendor", name);
		set_opt(d, "vendor", read_line(root, path, true, errors));
		/* NVMe has device/serial; SCSI/SATA only via VPD page 0x80. */
		snprintf(path, sizeof(path), "/sys/block/%s/device/serial", name);
		set_opt(d, "serial", read_line(root, path, true, errors));
		snprintf(path, sizeof(path), "/sys/block/%s/queue/rotational", name);
		v = read_line(root, path, true, errors);
		if (v != NULL)
			json_object_set_new(d, "rotational",
			    json_boolean(strcmp(json_string_value(v), "1") == 0));
		json_decref(v);
		snprintf(path, sizeof(path), "/sys/block/%s/removable", name);
		v = read_line(root, path, true, errors);
		if (v != NULL)
			json_object_set_new(d, "removable",
			    json_boolean(strcmp(json_string_value(v), "1") == 0));
		json_decref(v);
		json_array_append_new(a, d);
	}
	json_decref(names);
	return a;
}

static int
str_in(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Real filesystems from mounts; size stable, usage volatile. */
static void
collect_filesystems(const char *root, json_t *snap, json_t *vol, json_t *errors)
{
	size_t len;
	char *buf;
	json_t *nodev = NULL, *mounts, *fs = json_array(), *use = json_array(), *m;
	size_t i;

	json_object_set_new(snap, "filesystems", fs);
	json_object_set_new(vol, "filesystems", use);
	if ((buf = inv_read(root, "/proc/filesystems", INV_SMALL_MAX, &len, NULL,
	    false, errors)) != NULL) {
		nodev = inv_parse_nodev(buf, len);
		free(buf);
	}
	mounts = collect_parsed(root, "/proc/self/mounts", INV_SMALL_MAX,
	    inv_parse_mounts, errors);
	json_array_foreach(mounts, i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *mnt = json_string_value(json_object_get(m, "mount"));
		char full[4096];
		struct statvfs sv;
		json_t *f, *u;
		size_t j;
		json_t *prev;
		int dup = 0;

		if (type == NULL || mnt == NULL || str_in(nodev, type) ||
		    strcmp(type, "squashfs") == 0 || strcmp(type, "iso9660") == 0)
			continue;
		/* Bind mounts and stacked mounts: the first entry per path. */
		json_array_foreach(fs, j, prev)
			if (strcmp(json_string_value(json_object_get(prev, "mount")), mnt) == 0)
				dup = 1;
		if (dup)
			continue;
		f = json_object();
		json_object_set(f, "mount", json_object_get(m, "mount"));
		json_object_set(f, "device", json_object_get(m, "device"));
		json_object_set(f, "type", json_object_get(m, "type"));
		if (inv_path(root, mnt, full, sizeof(full)) == 0 &&
		    statvfs(full, &sv) == 0) {
			uint64_t fr = sv.f_frsize ? sv.f_frsize : sv.f_bsize;

			json_object_set_new(f, "size_bytes",
			    json_integer((json_int_t)(sv.f_blocks * fr)));
			u = json_object();
			json_object_set(u, "mount", json_object_get(m, "mount"));
			json_object_set_new(u, "used_bytes",
			    json_integer((json_int_t)((sv.f_blocks - sv.f_bfree) * fr)));
			json_object_set_new(u, "avail_bytes",
			    json_integer((json_int_t)(sv.f_bavail * fr)));
			json_array_append_new(use, u);
		} else {
			inv_error(errors, mnt, "statvfs failed: %s", strerror(errno));
		}
		json_array_append_new(fs, f);
	}
	sort_objects(fs, "mount", NULL, NULL);
	sort_objects(use, "mount", NULL, NULL);
	json_decref(nodev);
	json_decref(mounts);
}

static json_t *
collect_network(const char *root, json_t *errors)
{
	json_t *net = json_object(), *ifs = json_array(), *v6 = NULL, *names, *n;
	struct ifaddrs *ifa = NULL;
	size_t i, len;
	char *buf;

	if ((buf = inv_read(root, "/proc/net/if_inet6", INV_SMALL_MAX, &len, NULL,
	    true, errors)) != NULL) {
		v6 = inv_parse_if_inet6(buf, len, "/proc/net/if_inet6", errors);
		free(buf);
	}
	/* IPv4 addresses live only in netlink: getifaddrs() on this host. */
	if (is_live(root) && getifaddrs(&ifa) == -1) {
		inv_error(errors, "getifaddrs", "%s", strerror(errno));
		ifa = NULL;
	}
	names = list_dir(root, "/sys/class/net", NULL, false, errors);
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		char path[512];
		json_t *o, *v4, *a6;

		if (strcmp(name, "lo") == 0)
			continue;
		o = json_object();
		v4 = json_array();
		json_object_set_new(o, "name", json_string(name));
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
		set_opt(o, "mac", read_line(root, path, true, errors));
		for (struct ifaddrs *p = ifa; p != NULL; p = p->ifa_next) {
			char s[INET_ADDRSTRLEN + 8];
			const struct sockaddr_in *sin, *mask;
			uint32_t mk;
			int plen = 0;

			if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_INET ||
			    strcmp(p->ifa_name, name) != 0)
				continue;
			sin = (const struct sockaddr_in *)(const void *)p->ifa_addr;
			mask = (const struct sockaddr_in *)(const void *)p->ifa_netmask;
			inet_ntop(AF_INET, &sin->sin_addr, s, INET_ADDRSTRLEN);
			if (mask != NULL)
				for (mk = ntohl(mask->sin_addr.s_addr); mk & 0x80000000u; mk <<= 1)
					plen++;
			snprintf(s + strlen(s), 8, "/%d", plen & 63);
			json_array_append_new(v4, json_string(s));
		}
		inv_sort_strings(v4);
		json_object_set_new(o, "ipv4", v4);
		a6 = json_object_get(v6, name);
		a6 = a6 ? json_copy(a6) : json_array();
		inv_sort_strings(a6);
		json_object_set_new(o, "ipv6", a6);
		json_array_append_new(ifs, o);
	}
	if (ifa != NULL)
		freeifaddrs(ifa);
	json_decref(names);
	json_decref(v6);
	json_object_set_new(net, "interfaces", ifs);
	{
		json_t *gw = collect_parsed(root, "/proc/net/route", INV_SMALL_MAX,
		    inv_parse_route, errors);
		json_t *gw6;

		if (gw == NULL)
			gw = json_array();
		if ((buf = inv_read(root, "/proc/net/ipv6_route", INV_SMALL_MAX, &len,
		    NULL, true, errors)) != NULL) {
			gw6 = inv_parse_ipv6_route(buf, len, "/proc/net/ipv6_route", errors);
			json_array_extend(gw, gw6);
			json_decref(gw6);
			free(buf);
		}
		sort_objects(gw, "dev", "gateway", NULL);
		json_object_set_new(net, "gateways", gw);
	}
	{
		json_t *dns = collect_parsed(root, "/etc/resolv.conf", INV_SMALL_MAX,
		    inv_parse_resolv, errors);

		json_object_set_new(net, "dns", dns ? dns : json_array());
	}
	return net;
}

static json_t *
collect_packages(const char *root, size_t max, json_t *errors)
{
	json_t *p = json_object(), *list = NULL, *rpms;
	size_t len, i;
	char *buf;
	json_t *e;
	bool rpmdb = inv_rpmdb_present(root, NULL);

	/* dpkg's status file; on an RPM system (an rpmdb, no dpkg) quietly absent. */
	buf = inv_read(root, "/var/lib/dpkg/status", INV_FILE_MAX, &len, NULL,
	    rpmdb, errors);
	if (buf != NULL)
		list = inv_parse_dpkg_status(buf, len, "/var/lib/dpkg/status", max,
		    errors);
	free(buf);
	if (list == NULL)
		list = json_array();
	/* The rpm database through librpm, only where there is one. */
	rpms = rpmdb ? inv_rpmdb_packages(root, max, errors) : json_array();
	json_object_set_new(p, "format", json_string(
	    json_array_size(rpms) == 0 ? "dpkg" :
	    json_array_size(list) == 0 ? "rpm" : "dpkg+rpm"));
	json_array_foreach(rpms, i, e)
		json_array_append(list, e);
	json_decref(rpms);
	json_object_set_new(p, "count", json_integer((json_int_t)json_array_size(list)));
	json_object_set_new(p, "list", list);
	return p;
}

/* Inode → "comm" for the listening sockets, from /proc/PID/fd links. */
static void
socket_owners(const char *root, json_t *listening, json_t *errors)
{
	char path[4096];
	DIR *proc, *fdd;
	struct dirent *pe, *fe;
	size_t left = 0, i;
	json_t *s;
	unsigned denied = 0;

	json_array_foreach(listening, i, s)
		if (json_integer_value(json_object_get(s, "inode")) != 0)
			left++;
	if (left == 0 || inv_path(root, "/proc", path, sizeof(path)) == -1)
		return;
	if ((proc = opendir(path)) == NULL) {
		inv_error(errors, "/proc", "cannot list: %s", strerror(errno));
		return;
	}
	while (left > 0 && (pe = readdir(proc)) != NULL) {
		char fdpath[4096];
		const char *c;

		for (c = pe->d_name; *c >= '0' && *c <= '9'; c++)
			;
		if (*c != '\0' || c == pe->d_name)
			continue;
		if (snprintf(fdpath, sizeof(fdpath), "%s/%s/fd", path, pe->d_name) >=
		    (int)sizeof(fdpath))
			continue;
		if ((fdd = opendir(fdpath)) == NULL) {
			if (errno == EACCES)
				denied++;
			continue;	/* gone, or another user's */
		}
		while (left > 0 && (fe = readdir(fdd)) != NULL) {
			char link[4096], target[64];
			ssize_t n;
			struct inv_str t, num;
			uint64_t ino;

			if (fe->d_name[0] == '.')
				continue;
			if (snprintf(link, sizeof(link), "%s/%s", fdpath, fe->d_name) >=
			    (int)sizeof(link))
				continue;
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			t.p = target;
			t.len = (size_t)n;
			/* "socket:[12345]" */
			if (!inv_str_prefix(t, "socket:[") || target[n - 1] != ']')
				continue;
			num.p = target + 8;
			num.len = (size_t)n - 9;
			if (inv_str_u64(num, &ino) == -1)
				continue;
			json_array_foreach(listening, i, s) {
				char commp[256];
				json_t *comm;

				if ((uint64_t)json_integer_value(json_object_get(s, "inode")) != ino ||
				    json_object_get(s, "process") != NULL)
					continue;
				snprintf(commp, sizeof(commp), "/proc/%.200s/comm", pe->d_name);
				comm = read_line(root, commp, true, NULL);
				json_object_set_new(s, "process", comm ? comm : json_string("?"));
				left--;
			}
		}
		closedir(fdd);
	}
	closedir(proc);
	if (left > 0)
		inv_error(errors, "/proc/*/fd", "owning process of %zu listening "
		    "socket%s not found%s", left, left == 1 ? "" : "s",
		    denied ? " (other users' processes are readable by root only)" : "");
}

static json_t *
collect_listening(const char *root, json_t *accounts, json_t *errors)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6", NULL };
	json_t *all = json_array(), *s;
	size_t i;

	for (int p = 0; protos[p] != NULL; p++) {
		char path[64];
		size_t len;
		char *buf;
		json_t *l;

		snprintf(path, sizeof(path), "/proc/net/%s", protos[p]);
		/* tcp6/udp6 are absent when IPv6 is disabled: not an error. */
		buf = inv_read(root, path, INV_FILE_MAX, &len, NULL, p % 2 == 1, errors);
		if (buf == NULL)
			continue;
		l = inv_parse_proc_net(buf, len, protos[p], path, errors);
		json_array_extend(all, l);
		json_decref(l);
		free(buf);
	}
	socket_owners(root, all, errors);
	json_array_foreach(all, i, s) {
		json_int_t uid = json_integer_value(json_object_get(s, "uid"));
		size_t j;
		json_t *u;

		json_array_foreach(accounts, j, u)
			if (json_integer_value(json_object_get(u, "uid")) == uid) {
				json_object_set(s, "user", json_object_get(u, "name"));
				break;
			}
		/* Inodes change on every restart: keep them out of the hash. */
		json_object_del(s, "inode");
		if (json_object_get(s, "process") == NULL)
			json_object_set_new(s, "process", json_string("?"));
	}
	sort_objects(all, "proto", "port", "addr");
	/* The same socket can appear once per SO_REUSEPORT worker. */
	for (i = 1; i < json_array_size(all); ) {
		if (json_equal(json_array_get(all, i - 1), json_array_get(all, i)))
			json_array_remove(all, i);
		else
			i++;
	}
	return all;
}

/* Admins: uid 0 accounts, and members (listed or primary) of sudo/admin/wheel. */
static json_t *
collect_users(const char *root, json_t *errors, json_t **accounts_out)
{
	static const char *const admin_groups[] = { "sudo", "admin", "wheel", NULL };
	json_t *u = json_object(), *accounts, *groups, *admins = json_array();
	json_t *ag = json_object(), *a;
	size_t i;

	accounts = collect_parsed(root, "/etc/passwd", INV_FILE_MAX, inv_parse_passwd, errors);
	if (accounts == NULL)
		accounts = json_array();
	groups = collect_parsed(root, "/etc/group", INV_FILE_MAX, inv_parse_group, errors);
	json_array_foreach(accounts, i, a)
		if (json_integer_value(json_object_get(a, "uid")) == 0)
			json_array_append(admins, json_object_get(a, "name"));
	for (int g = 0; admin_groups[g] != NULL; g++) {
		json_t *grp = json_object_get(groups, admin_groups[g]);
		json_t *members, *m;
		size_t j;

		if (grp == NULL)
			continue;
		members = json_copy(json_object_get(grp, "members"));
		json_array_foreach(accounts, j, a)
			if (json_integer_value(json_object_get(a, "gid")) ==
			    json_integer_value(json_object_get(grp, "gid")) &&
			    !str_in(members, json_string_value(json_object_get(a, "name"))))
				json_array_append(members, json_object_get(a, "name"));
		inv_sort_strings(members);
		json_array_foreach(members, j, m)
			if (!str_in(admins, json_string_value(m)))
				json_array_append(admins, m);
		json_object_set_new(ag, admin_groups[g], members);
	}
	inv_sort_strings(admins);
	json_object_set_new(u, "accounts", accounts);
	json_object_set_new(u, "admins", admins);
	json_object_set_new(u, "admin_groups", ag);
	json_decref(groups);
	*accounts_out = accounts;
	return u;
}

/*
 * Running services: systemd puts each running unit in its own cgroup
 * (system.slice/NAME.service; cgroup v2 and the v1 name=systemd tree).
 * Enabled ones are the symlinks in the targets' .wants directories.
 */
static json_t *
collect_services(const char *root, json_t *errors)
{
	static const char *const wants[] = {
	    "/etc/systemd/system/multi-user.target.wants",
	    "/etc/systemd/system/graphical.target.wants", NULL };
	json_t *s = json_object(), *run, *en = json_array();

	run = list_dir(root, "/sys/fs/cgroup/system.slice", ".service", true, NULL);
	if (run == NULL)
		run = list_dir(root, "/sys/fs/cgroup/systemd/system.slice", ".service",
		    true, NULL);
	if (run == NULL) {
		inv_error(errors, "/sys/fs/cgroup/system.slice", "not found: "
		    "systemd is not managing this system (container?); running "
		    "services unknown");
		run = json_array();
	}
	for (int i = 0; wants[i] != NULL; i++) {
		json_t *l = list_dir(root, wants[i], ".service", true, NULL), *v;
		size_t j;

		json_array_foreach(l, j, v)
			if (!str_in(en, json_string_value(v)))
				json_array_append(en, v);
		json_decref(l);
	}
	inv_sort_strings(en);
	json_object_set_new(s, "running", run);
	json_object_set_new(s, "enabled", en);
	return s;
}

/* Read the files matching root+pattern (glob(7)), in lexical order. */
static void
each_glob(const char *root, const char *pattern,
    void (*cb)(const char *buf, size_t len, void *arg), void *arg)
{
	char full[4096];
	glob_t g;
	size_t rl;

	if (inv_path(root, pattern, full, sizeof(full)) == -1)
		return;
	if (glob(full, 0, NULL, &g) != 0)
		return;
	rl = strlen(full) - strlen(pattern);
	for (size_t i = 0; i < g.gl_pathc && i < 256; i++) {
		size_t len;
		char *buf = inv_read(root, g.gl_pathv[i] + rl, INV_SMALL_MAX, &len,
		    NULL, true, NULL);

		if (buf != NULL)
			cb(buf, len, arg);
		free(buf);
	}
	globfree(&g);
}

struct sshd_walk {
	const char	*root;
	json_t		*cfg;
	int		 depth;
};

static void sshd_file(const char *buf, size_t len, void *arg);

/* Include pattern: relative ones are below /etc/ssh (sshd_config(5)). */
static void
sshd_include(const char *pattern, void *arg)
{
	struct sshd_walk *w = arg;
	char pat[1100];

	if (w->depth >= 4)
		return;	/* include loops */
	snprintf(pat, sizeof(pat), "%s%s", pattern[0] == '/' ? "" : "/etc/ssh/", pattern);
	w->depth++;
	each_glob(w->root, pat, sshd_file, w);
	w->depth--;
}

static void
sshd_file(const char *buf, size_t len, void *arg)
{
	struct sshd_walk *w = arg;

	inv_parse_sshd_config(buf, len, w->cfg, sshd_include, w);
}

static void
apt_file(const char *buf, size_t len, void *arg)
{
	inv_parse_apt_conf(buf, len, arg);
}

static int
service_on(const json_t *services, const char *unit)
{
	return str_in(json_object_get(services, "running"), unit) ||
	    str_in(json_object_get(services, "enabled"), unit);
}

static json_t *
collect_posture(const char *root, const json_t *services, const json_t *packages,
    json_t *empty, json_t *errors)
{
	json_t *p = json_object(), *fw = json_object(), *ev = json_array();
	json_t *au = json_object(), *ssh = json_object(), *cfg, *v;
	size_t len;
	char *buf;
	int active = 0;

	/* Firewall: ufw's own switch, or a firewall service. */
	if ((buf = inv_read(root, "/etc/ufw/ufw.conf", INV_SMALL_MAX, &len, NULL,
	    true, errors)) != NULL) {
		v = inv_parse_kv(buf, len, "ENABLED");
		if (json_is_string(v) && strcasecmp(json_string_value(v), "yes") == 0) {
			active = 1;
			json_array_append_new(ev, json_string("ufw.conf ENABLED=yes"));
		}
		json_decref(v);
		free(buf);
	}
	{
		static const char *const units[] = { "firewalld.service",
		    "nftables.service", "netfilter-persistent.service",
		    "ufw.service", NULL };

		for (int i = 0; units[i] != NULL; i++)
			if (service_on(services, units[i])) {
				char e[96];

				/* ufw.service runs even when ufw is disabled. */
				if (strcmp(units[i], "ufw.service") == 0)
					continue;
				active = 1;
				snprintf(e, sizeof(e), "%s running or enabled", units[i]);
				json_array_append_new(ev, json_string(e));
			}
	}
	json_object_set_new(fw, "active", json_boolean(active));
	json_object_set_new(fw, "evidence", ev);
	json_object_set_new(p, "firewall", fw);

	/* Automatic updates: unattended-upgrades installed and switched on. */
	cfg = json_object();
	each_glob(root, "/etc/apt/apt.conf.d/*", apt_file, cfg);
	{
		const char *uu = json_string_value(json_object_get(cfg,
		    "apt::periodic::unattended-upgrade"));
		int installed = 0;
		size_t i;
		json_t *pk;

		json_array_foreach(json_object_get(packages, "list"), i, pk)
			if (strcmp(json_string_value(json_object_get(pk, "name")),
			    "unattended-upgrades") == 0)
				installed = 1;
		json_object_set_new(au, "unattended_upgrades_installed", json_boolean(installed));
		json_object_set_new(au, "periodic_unattended_upgrade",
		    uu ? json_string(uu) : json_null());
		json_object_set_new(au, "enabled", json_boolean(installed && uu != NULL &&
		    strcmp(uu, "0") != 0 && strcasecmp(uu, "false") != 0));
	}
	json_decref(cfg);
	json_object_set_new(p, "auto_updates", au);

	/* SSH: sshd's first-value-wins view of the global section. */
	{
		struct sshd_walk w = { root, json_object(), 0 };
		const char *prl, *pa;

		buf = inv_read(root, "/etc/ssh/sshd_config", INV_SMALL_MAX, &len, NULL,
		    true, errors);
		json_object_set_new(ssh, "installed", json_boolean(buf != NULL));
		if (buf != NULL) {
			sshd_file(buf, len, &w);
			free(buf);
			/* Defaults of OpenSSH >= 7.0: prohibit-password, yes. */
			prl = json_string_value(json_object_get(w.cfg, "permitrootlogin"));
			pa = json_string_value(json_object_get(w.cfg, "passwordauthentication"));
			if (prl == NULL)
				prl = "prohibit-password";
			if (pa == NULL)
				pa = "yes";
			json_object_set_new(ssh, "permit_root_login", inv_json_cstr(prl));
			json_object_set_new(ssh, "password_authentication", inv_json_cstr(pa));
			json_object_set_new(ssh, "root_login_allowed",
			    json_boolean(strcmp(prl, "no") != 0));
			json_object_set_new(ssh, "root_password_login_allowed",
			    json_boolean(strcmp(prl, "yes") == 0 && strcmp(pa, "no") != 0));
			json_object_set_new(ssh, "password_login_allowed",
			    json_boolean(strcmp(pa, "no") != 0));
		}
		json_decref(w.cfg);
	}
	json_object_set_new(p, "ssh", ssh);
	json_object_set_new(p, "empty_password_accounts", empty ? empty : json_array());
	return p;
}

/* ---- assembly ------------------------------------------------------- */

struct hash_sink {
	struct digest	*d;
};

static int
hash_cb(const char *buf, size_t size, void *data)
{
	struct hash_sink *s = data;

	return digest_update(s->d, buf, size);
}

int
inventory_hash(const json_t *snap, char out[INV_HASH_HEX])
{
	json_t *stable = json_copy((json_t *)snap);	/* shallow */
	struct hash_sink s = { digest_sha256_new() };
	int rc = -1;

	if (stable == NULL || s.d == NULL)
		goto out;
	json_object_del(stable, "hash");
	json_object_del(stable, "collected_at");
	json_object_del(stable, "volatile");
	/* Canonical form: compact, keys sorted, arrays already sorted. */
	if (json_dump_callback(stable, hash_cb, &s,
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) != 0)
		goto out;
	rc = digest_final_hex(s.d, out, INV_HASH_HEX);
	s.d = NULL;
out:
	digest_free(s.d);
	json_decref(stable);
	return rc;
}

json_t *
inventory_collect(const struct inv_opts *o)
{
	const char *root = o->root && o->root[0] ? o->root : "/";
	json_t *snap = json_object(), *errors = json_array(), *vol = json_object();
	json_t *hw = json_object(), *mem, *accounts = NULL, *users, *services;
	json_t *packages, *empty, *v;
	char ts[32], hash[INV_HASH_HEX];
	size_t len;
	char *buf;

	if (snap == NULL || errors == NULL || vol == NULL || hw == NULL) {
		json_decref(snap);
		json_decref(errors);
		json_decref(vol);
		json_decref(hw);
		return NULL;
	}
	json_object_set_new(snap, "schema", json_integer(INV_SCHEMA));
	if (time_format_utc(time_now_ms(), ts, sizeof(ts)) == 0)
		json_object_set_new(snap, "collected_at", json_string(ts));
	json_object_set_new(snap, "host", collect_host(root, errors));
	json_object_set_new(snap, "os", collect_os(root, errors));

	json_object_set_new(hw, "dmi", collect_dmi(root, errors));
	v = collect_parsed(root, "/proc/cpuinfo", INV_FILE_MAX, inv_parse_cpuinfo, errors);
	json_object_set_new(hw, "cpu", v ? v : json_object());
	mem = collect_parsed(root, "/proc/meminfo", INV_SMALL_MAX, inv_parse_meminfo, errors);
	if (mem == NULL)
		mem = json_object();
	if ((v = json_object_get(mem, "available_bytes")) != NULL) {
		json_object_set(vol, "memory_available_bytes", v);
		json_object_del(mem, "available_bytes");
	}
	json_object_set_new(hw, "memory", mem);
	json_object_set_new(hw, "disks", collect_disks(root, errors));
	json_object_set_new(snap, "hardware", hw);

	collect_filesystems(root, snap, vol, errors);
	json_object_set_new(snap, "network", collect_network(root, errors));
	packages = collect_packages(root, o->max_packages ? o->max_packages :
	    INV_PACKAGES_MAX, errors);
	json_object_set_new(snap, "packages", packages);
	users = collect_users(root, errors, &accounts);
	json_object_set_new(snap, "listening", collect_listening(root, accounts, errors));
	json_object_set_new(snap, "users", users);
	services = collect_services(root, errors);
	json_object_set_new(snap, "services", services);

	/* /etc/shadow is root-only: non-root runs report that and go on. */
	empty = collect_parsed(root, "/etc/shadow", INV_FILE_MAX,
	    inv_parse_shadow_empty, errors);
	json_object_set_new(snap, "posture",
	    collect_posture(root, services, packages, empty, errors));

	if ((buf = inv_read(root, "/proc/stat", INV_SMALL_MAX, &len, NULL, false,
	    errors)) != NULL) {
		int64_t bt = inv_parse_btime(buf, len);

		if (bt > 0 && time_format_utc(bt * 1000, ts, sizeof(ts)) == 0)
			json_object_set_new(vol, "boot_time", json_string(ts));
		else
			inv_error(errors, "/proc/stat", "no btime line");
		free(buf);
	}
	v = collect_parsed(root, "/proc/net/arp", INV_SMALL_MAX, inv_parse_arp, errors);
	if (v != NULL)
		sort_objects(v, "ip", "dev", NULL);
	json_object_set_new(vol, "neighbours", v ? v : json_array());

	sort_objects(errors, "source", "error", NULL);
	json_object_set_new(snap, "errors", errors);
	json_object_set_new(snap, "volatile", vol);
	if (inventory_hash(snap, hash) == 0)
		json_object_set_new(snap, "hash", json_string(hash));
	return snap;
}
