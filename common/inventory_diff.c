/*
 * Inventory snapshot differences (contract in inventory_diff.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory_diff.h"

/* ---- Debian versions (deb-version(7); algorithm of dpkg's verrevcmp) -- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
ver_order(char c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	if (c != '\0')
		return (unsigned char)c + 256;
	return 0;
}

/* Compare [a, a_end) with [b, b_end). */
static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
			int ac = ver_order(a < ae ? *a : '\0');
			int bc = ver_order(b < be ? *b : '\0');

			if (ac != bc)
				return ac - bc;
			if (a < ae)
				a++;
			if (b < be)
				b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && is_digit(*a) && is_digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && is_digit(*a))
			return 1;
		if (b < be && is_digit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct ver {
	unsigned long long	 epoch;
	const char		*up, *up_end, *rev, *rev_end;
};

static void
ver_split(const char *s, struct ver *v)
{
	const char *colon = strchr(s, ':'), *end = s + strlen(s), *dash;

	v->epoch = 0;
	if (colon != NULL) {
		for (const char *p = s; p < colon; p++) {
			if (!is_digit(*p) || v->epoch > 100000000ULL) {
				v->epoch = 0;
				break;
			}
			v->epoch = v->epoch * 10 + (unsigned)(*p - '0');
		}
		s = colon + 1;
	}
	dash = strrchr(s, '-');
	v->up = s;
	if (dash != NULL) {
		v->up_end = dash;
		v->rev = dash + 1;
	} else {
		v->up_end = end;
		v->rev = end;
	}
	v->rev_end = end;
}

int
inventory_version_cmp(const char *a, const char *b)
{
	struct ver x, y;
	int c;

	ver_split(a, &x);
	ver_split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	c = verrevcmp(x.up, x.up_end, y.up, y.up_end);
	if (c != 0)
		return c;
	return verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}

/* ---- records -------------------------------------------------------- */

enum change_type {
	CH_PKG_INSTALLED, CH_PKG_REMOVED, CH_PKG_UPGRADED, CH_PKG_DOWNGRADED,
	CH_PORT_OPENED, CH_PORT_CLOSED, CH_ADMIN_ADDED, CH_ADMIN_REMOVED,
	CH_USER_ADDED, CH_USER_REMOVED, CH_EMPTY_PASSWORD, CH_FW_DISABLED,
	CH_FW_ENABLED, CH_SSH_ROOT, CH_CPU, CH_MEMORY, CH_DISK_ADDED,
	CH_DISK_REMOVED, CH_DISK_CHANGED, CH_MAC, CH_IF_ADDED, CH_IF_REMOVED,
	CH_OS, CH_KERNEL, CH_MACHINE_ID, CH_COUNT
};

static const char *const type_names[CH_COUNT] = {
	"package_installed", "package_removed", "package_upgraded",
	"package_downgraded", "port_opened", "port_closed", "admin_added",
	"admin_removed", "user_added", "user_removed", "empty_password",
	"firewall_disabled", "firewall_enabled", "ssh_root_login",
	"cpu_changed", "memory_changed", "disk_added", "disk_removed",
	"disk_changed", "mac_changed", "interface_added", "interface_removed",
	"os_changed", "kernel_changed", "machine_id_changed",
};

struct diff {
	json_t		*by_type[CH_COUNT];	/* key → record, sorted on output */
	bool		 server;
};

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
add(struct diff *d, enum change_type t, const char *sev, bool matters,
    const char *key, json_t *detail, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
add(struct diff *d, enum change_type t, const char *sev, bool matters,
    const char *key, json_t *detail, const char *fmt, ...)
{
	char summary[512];
	va_list ap;
	json_t *r = json_object();

	va_start(ap, fmt);
	vsnprintf(summary, sizeof(summary), fmt, ap);
	va_end(ap);
	if (r == NULL || d->by_type[t] == NULL) {
		json_decref(r);
		json_decref(detail);
		return;
	}
	json_object_set_new(r, "type", json_string(type_names[t]));
	json_object_set_new(r, "severity", json_string(sev));
	json_object_set_new(r, "matters", json_boolean(matters));
	json_object_set_new(r, "key", json_string(key));
	json_object_set_new(r, "summary", json_string(summary));
	json_object_set_new(r, "detail", detail ? detail : json_object());
	json_object_set_new(d->by_type[t], key, r);
}

/* Index an array of objects by a key built from fields; later dups lose. */
static json_t *
index_by(const json_t *arr, const char *f1, const char *f2, const char *f3)
{
	json_t *idx = json_object(), *e;
	size_t i;

	if (!json_is_array(arr) || idx == NULL)
		return idx;
	json_array_foreach(arr, i, e) {
		char key[768];
		const char *f[3] = { f1, f2, f3 };
		size_t n = 0;

		if (!json_is_object(e))
			continue;
		key[0] = '\0';
		for (int k = 0; k < 3 && f[k] != NULL; k++) {
			json_t *v = json_object_get(e, f[k]);
			int w;

			if (json_is_string(v))
				w = snprintf(key + n, sizeof(key) - n, "%s%s", k ? ":" : "",
				    json_string_value(v));
			else if (json_is_integer(v))
				w = snprintf(key + n, sizeof(key) - n, "%s%lld", k ? ":" : "",
				    (long long)json_integer_value(v));
			else
				w = snprintf(key + n, sizeof(key) - n, "%s", k ? ":" : "");
			if (w < 0 || (size_t)w >= sizeof(key) - n) {
				n = sizeof(key);
				break;
			}
			n += (size_t)w;
		}
		if (n >= sizeof(key) || json_object_get(idx, key) != NULL)
			continue;
		json_object_set(idx, key, e);
	}
	return idx;
}

static const json_t *
path2(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

static void
diff_packages(struct diff *d, const json_t *o, const json_t *n)
{
	json_t *io = index_by(path2(o, "packages", "list"), "name", "arch", NULL);
	json_t *in = index_by(path2(n, "packages", "list"), "name", "arch", NULL);
	const char *k;
	json_t *e;

	json_object_foreach(in, k, e) {
		json_t *old = json_object_get(io, k);
		char key[800];

		snprintf(key, sizeof(key), "package:%s", k);
		if (old == NULL) {
			add(d, CH_PKG_INSTALLED, "info", false, key,
			    json_pack("{s:s,s:s,s:s}", "name", sget(e, "name"),
			    "arch", sget(e, "arch"), "version", sget(e, "version")),
			    "package %s %s installed", sget(e, "name"), sget(e, "version"));
		} else {
			int c = inventory_version_cmp(sget(old, "version"), sget(e, "version"));

			if (c == 0)
				continue;
			add(d, c < 0 ? CH_PKG_UPGRADED : CH_PKG_DOWNGRADED,
			    c < 0 ? "info" : "low", false, key,
			    json_pack("{s:s,s:s,s:s,s:s}", "name", sget(e, "name"),
			    "arch", sget(e, "arch"), "from", sget(old, "version"),
			    "to", sget(e, "version")),
			    "package %s %s from %s to %s", sget(e, "name"),
			    c < 0 ? "upgraded" : "downgraded", sget(old, "version"),
			    sget(e, "version"));
		}
	}
	json_object_foreach(io, k, e) {
		char key[800];

		if (json_object_get(in, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "package:%s", k);
		add(d, CH_PKG_REMOVED, "info", false, key,
		    json_pack("{s:s,s:s,s:s}", "name", sget(e, "name"),
		    "arch", sget(e, "arch"), "version", sget(e, "version")),
		    "package %s %s removed", sget(e, "name"), sget(e, "version"));
	}
	json_decref(io);
	json_decref(in);
}

static json_t *
port_detail(const json_t *e)
{
	return json_pack("{s:s,s:s,s:I,s:s}", "proto", sget(e, "proto"),
	    "addr", sget(e, "addr"), "port", json_integer_value(json_object_get(e, "port")),
	    "process", sget(e, "process"));
}

static void
diff_ports(struct diff *d, const json_t *o, const json_t *n)
{
	json_t *io = index_by(json_object_get(o, "listening"), "proto", "addr", "port");
	json_t *in = index_by(json_object_get(n, "listening"), "proto", "addr", "port");
	const char *k;
	json_t *e;

	json_object_foreach(in, k, e) {
		char key[800];

		if (json_object_get(io, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "port:%s", k);
		add(d, CH_PORT_OPENED, d->server ? "medium" : "low", d->server, key,
		    port_detail(e), "new listening port %s %s:%lld (%s)",
		    sget(e, "proto"), sget(e, "addr"),
		    (long long)json_integer_value(json_object_get(e, "port")),
		    sget(e, "process"));
	}
	json_object_foreach(io, k, e) {
		char key[800];

		if (json_object_get(in, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "port:%s", k);
		add(d, CH_PORT_CLOSED, "info", false, key, port_detail(e),
		    "listening port closed %s %s:%lld (%s)", sget(e, "proto"),
		    sget(e, "addr"),
		    (long long)json_integer_value(json_object_get(e, "port")),
		    sget(e, "process"));
	}
	json_decref(io);
	json_decref(in);
}

static int
has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Strings in a but not in b → records of type t. */
static void
diff_strings(struct diff *d, const json_t *a, const json_t *b, enum change_type t,
    const char *sev, bool matters, const char *prefix, const char *what)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return;
	json_array_foreach(a, i, v) {
		char key[600];
		const char *s = json_string_value(v);

		if (s == NULL || has_str(b, s))
			continue;
		snprintf(key, sizeof(key), "%s:%s", prefix, s);
		add(d, t, sev, matters, key, json_pack("{s:s}", "name", s), what, s);
	}
}

static void
diff_users(struct diff *d, const json_t *o, const json_t *n)
{
	json_t *io = index_by(path2(o, "users", "accounts"), "name", NULL, NULL);
	json_t *in = index_by(path2(n, "users", "accounts"), "name", NULL, NULL);
	const json_t *oe = path2(o, "posture", "empty_password_accounts");
	const json_t *ne = path2(n, "posture", "empty_password_accounts");
	const char *k;
	json_t *e;

	diff_strings(d, path2(n, "users", "admins"), path2(o, "users", "admins"),
	    CH_ADMIN_ADDED, "high", true, "admin", "new administrator %s");
	diff_strings(d, path2(o, "users", "admins"), path2(n, "users", "admins"),
	    CH_ADMIN_REMOVED, "low", false, "admin", "administrator %s removed");
	json_object_foreach(in, k, e) {
		char key[800];

		if (json_object_get(io, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "user:%s", k);
		add(d, CH_USER_ADDED, "low", false, key,
		    json_pack("{s:s,s:I,s:b}", "name", sget(e, "name"),
		    "uid", json_integer_value(json_object_get(e, "uid")),
		    "login", json_is_true(json_object_get(e, "login"))),
		    "new account %s", sget(e, "name"));
	}
	json_object_foreach(io, k, e) {
		char key[800];

		if (json_object_get(in, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "user:%s", k);
		add(d, CH_USER_REMOVED, "info", false, key,
		    json_pack("{s:s,s:I}", "name", sget(e, "name"),
		    "uid", json_integer_value(json_object_get(e, "uid"))),
		    "account %s removed", sget(e, "name"));
	}
	diff_strings(d, ne, oe, CH_EMPTY_PASSWORD, "high", true, "empty_password",
	    "account %s has an empty password");
	json_decref(io);
	json_decref(in);
}

static void
diff_posture(struct diff *d, const json_t *o, const json_t *n)
{
	const json_t *of = path2(json_object_get(o, "posture"), "firewall", "active");
	const json_t *nf = path2(json_object_get(n, "posture"), "firewall", "active");
	const json_t *os = path2(o, "posture", "ssh"), *ns = path2(n, "posture", "ssh");

	if (json_is_boolean(of) && json_is_boolean(nf) && json_is_true(of) != json_is_true(nf)) {
		if (json_is_true(nf))
			add(d, CH_FW_ENABLED, "info", false, "firewall", NULL,
			    "firewall enabled");
		else
			add(d, CH_FW_DISABLED, "medium", d->server, "firewall", NULL,
			    "firewall no longer active");
	}
	if (json_is_false(json_object_get(os, "root_login_allowed")) &&
	    json_is_true(json_object_get(ns, "root_login_allowed")))
		add(d, CH_SSH_ROOT, "medium", d->server, "ssh_root_login",
		    json_pack("{s:s,s:s}", "from", sget(os, "permit_root_login"),
		    "to", sget(ns, "permit_root_login")),
		    "SSH now allows root login (PermitRootLogin %s)",
		    sget(ns, "permit_root_login"));
}

static void
diff_hardware(struct diff *d, const json_t *o, const json_t *n)
{
	const json_t *oc = path2(o, "hardware", "cpu"), *nc = path2(n, "hardware", "cpu");
	json_t *io, *in, *e;
	const char *k;

	if (json_is_object(oc) && json_is_object(nc) &&
	    (strcmp(sget(oc, "model"), sget(nc, "model")) != 0 ||
	    !json_equal(json_object_get(oc, "cores"), json_object_get(nc, "cores")) ||
	    !json_equal(json_object_get(oc, "threads"), json_object_get(nc, "threads"))))
		add(d, CH_CPU, "medium", false, "cpu",
		    json_pack("{s:O,s:O}", "from", oc, "to", nc),
		    "CPU changed from %s to %s", sget(oc, "model"), sget(nc, "model"));
	{
		const json_t *a = path2(o, "hardware", "memory");
		const json_t *b = path2(n, "hardware", "memory");
		const json_t *ta = json_object_get(a, "total_bytes");
		const json_t *tb = json_object_get(b, "total_bytes");

		/* The kernel's MemTotal moves by a few pages between boots
		 * and kernels; only a change of more than 1/64 is hardware. */
		if (json_is_integer(ta) && json_is_integer(tb)) {
			json_int_t x = json_integer_value(ta), y = json_integer_value(tb);
			json_int_t diff = x > y ? x - y : y - x;

			if (diff > (x > y ? x : y) / 64)
				add(d, CH_MEMORY, "medium", false, "memory",
				    json_pack("{s:I,s:I}", "from", x, "to", y),
				    "memory changed from %lld to %lld bytes",
				    (long long)x, (long long)y);
		}
	}
	io = index_by(path2(o, "hardware", "disks"), "name", NULL, NULL);
	in = index_by(path2(n, "hardware", "disks"), "name", NULL, NULL);
	json_object_foreach(in, k, e) {
		json_t *old = json_object_get(io, k);
		char key[800];

		snprintf(key, sizeof(key), "disk:%s", k);
		if (old == NULL)
			add(d, CH_DISK_ADDED, "medium", false, key, json_deep_copy(e),
			    "disk %s added (%s)", k, sget(e, "model"));
		else if (!json_equal(json_object_get(old, "size_bytes"), json_object_get(e, "size_bytes")) ||
		    strcmp(sget(old, "model"), sget(e, "model")) != 0 ||
		    strcmp(sget(old, "serial"), sget(e, "serial")) != 0)
			add(d, CH_DISK_CHANGED, "medium", false, key,
			    json_pack("{s:s,s:O,s:O}", "name", k, "from", old, "to", e),
			    "disk %s changed (%s %s → %s %s)", k, sget(old, "model"),
			    sget(old, "serial"), sget(e, "model"), sget(e, "serial"));
	}
	json_object_foreach(io, k, e) {
		char key[800];

		if (json_object_get(in, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "disk:%s", k);
		add(d, CH_DISK_REMOVED, "medium", false, key, json_deep_copy(e),
		    "disk %s removed (%s)", k, sget(e, "model"));
	}
	json_decref(io);
	json_decref(in);
}

static void
diff_network(struct diff *d, const json_t *o, const json_t *n)
{
	json_t *io = index_by(path2(o, "network", "interfaces"), "name", NULL, NULL);
	json_t *in = index_by(path2(n, "network", "interfaces"), "name", NULL, NULL);
	const char *k;
	json_t *e;

	json_object_foreach(in, k, e) {
		json_t *old = json_object_get(io, k);
		char key[800];

		snprintf(key, sizeof(key), "mac:%s", k);
		if (old == NULL)
			add(d, CH_IF_ADDED, "low", false, key,
			    json_pack("{s:s,s:s}", "interface", k, "mac", sget(e, "mac")),
			    "network interface %s (%s) added", k, sget(e, "mac"));
		else if (strcmp(sget(old, "mac"), sget(e, "mac")) != 0)
			add(d, CH_MAC, "medium", false, key,
			    json_pack("{s:s,s:s,s:s}", "interface", k,
			    "from", sget(old, "mac"), "to", sget(e, "mac")),
			    "MAC of %s changed from %s to %s", k, sget(old, "mac"),
			    sget(e, "mac"));
	}
	json_object_foreach(io, k, e) {
		char key[800];

		if (json_object_get(in, k) != NULL)
			continue;
		snprintf(key, sizeof(key), "mac:%s", k);
		add(d, CH_IF_REMOVED, "low", false, key,
		    json_pack("{s:s,s:s}", "interface", k, "mac", sget(e, "mac")),
		    "network interface %s (%s) removed", k, sget(e, "mac"));
	}
	json_decref(io);
	json_decref(in);
}

static void
diff_system(struct diff *d, const json_t *o, const json_t *n)
{
	const char *a = sget(json_object_get(o, "os"), "pretty_name");
	const char *b = sget(json_object_get(n, "os"), "pretty_name");

	if (strcmp(a, b) != 0)
		add(d, CH_OS, "low", false, "os", json_pack("{s:s,s:s}", "from", a, "to", b),
		    "operating system changed from %s to %s", a, b);
	a = sget(path2(o, "host", "kernel"), "release");
	b = sget(path2(n, "host", "kernel"), "release");
	if (strcmp(a, b) != 0)
		add(d, CH_KERNEL, "info", false, "kernel",
		    json_pack("{s:s,s:s}", "from", a, "to", b),
		    "kernel changed from %s to %s", a, b);
	a = sget(json_object_get(o, "host"), "machine_id");
	b = sget(json_object_get(n, "host"), "machine_id");
	if (strcmp(a, b) != 0)
		add(d, CH_MACHINE_ID, "medium", false, "machine_id",
		    json_pack("{s:s,s:s}", "from", a, "to", b),
		    "machine-id changed from %s to %s (reinstalled or cloned?)", a, b);
}

static int
key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

json_t *
inventory_diff(const json_t *old_snap, const json_t *new_snap,
    const struct inventory_diff_opts *opts)
{
	struct diff d;
	json_t *out = json_array();

	if (out == NULL)
		return NULL;
	if (!json_is_object(old_snap) || !json_is_object(new_snap))
		return out;
	memset(&d, 0, sizeof(d));
	d.server = opts != NULL && opts->server;
	for (int t = 0; t < CH_COUNT; t++)
		if ((d.by_type[t] = json_object()) == NULL)
			goto oom;
	diff_packages(&d, old_snap, new_snap);
	diff_ports(&d, old_snap, new_snap);
	diff_users(&d, old_snap, new_snap);
	diff_posture(&d, old_snap, new_snap);
	diff_hardware(&d, old_snap, new_snap);
	diff_network(&d, old_snap, new_snap);
	diff_system(&d, old_snap, new_snap);
	for (int t = 0; t < CH_COUNT; t++) {
		size_t n = json_object_size(d.by_type[t]), i = 0;
		const char **keys, *k;
		json_t *v;

		if (n == 0)
			continue;
		if ((keys = calloc(n, sizeof(*keys))) == NULL)
			goto oom;
		json_object_foreach(d.by_type[t], k, v)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), key_cmp);
		for (i = 0; i < n; i++)
			json_array_append(out, json_object_get(d.by_type[t], keys[i]));
		free(keys);
	}
	for (int t = 0; t < CH_COUNT; t++)
		json_decref(d.by_type[t]);
	return out;
oom:
	for (int t = 0; t < CH_COUNT; t++)
		json_decref(d.by_type[t]);
	json_decref(out);
	return NULL;
}
