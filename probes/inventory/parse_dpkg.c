/*
 * dpkg's status file (/var/lib/dpkg/status): deb822 paragraphs, as
 * described in deb-control(5) and deb822(5): "Field: value" lines,
 * continuation lines start with a space or tab, paragraphs are separated
 * by blank lines.  Only Package, Status, Version and Architecture matter
 * here; Status is "WANT FLAG STATE" (dpkg(1), "Package states").
 */
#include <stdlib.h>
#include <string.h>

#include "probes/inventory/inventory.h"

struct pkg {
	struct inv_str	name, version, arch, state;
};

struct pkgs {
	struct pkg	*v;
	size_t		 n, cap, max, dropped;
	int		 oom;
};

static int
str_cmp(struct inv_str a, struct inv_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.p, b.p, n) : 0;	/* an absent field has p NULL */

	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

static int
pkg_cmp(const void *x, const void *y)
{
	const struct pkg *a = x, *b = y;
	int c = str_cmp(a->name, b->name);

	return c != 0 ? c : str_cmp(a->arch, b->arch);
}

/* States that leave files on the system; "not-installed" and
 * "config-files" do not count as installed software. */
static int
state_counts(struct inv_str st)
{
	static const char *const ok[] = { "installed", "half-installed",
	    "unpacked", "half-configured", "triggers-awaited",
	    "triggers-pending", NULL };

	for (int i = 0; ok[i] != NULL; i++)
		if (inv_str_eq(st, ok[i]))
			return 1;
	return 0;
}

static void
para_end(struct pkgs *ps, struct pkg *cur, int *in_para, unsigned start,
    struct inv_bad *bad)
{
	struct inv_str f, st = { NULL, 0 }, s = cur->state;
	int nf = 0;

	if (!*in_para)
		return;
	*in_para = 0;
	if (cur->name.len == 0) {
		inv_bad_note(bad, start, "paragraph without Package");
		goto out;
	}
	/* "install ok installed": the third word is the state. */
	while (inv_field_next(&s, &f)) {
		if (++nf == 3)
			st = f;
	}
	if (nf != 3) {
		inv_bad_note(bad, start, "Status is not \"want flag state\"");
		goto out;
	}
	if (!state_counts(st))
		goto out;
	cur->state = st;
	if (ps->n == ps->max) {
		ps->dropped++;
		goto out;
	}
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 512;
		struct pkg *nv;

		if (ncap > ps->max)
			ncap = ps->max;
		nv = realloc(ps->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			ps->oom = 1;
			goto out;
		}
		ps->v = nv;
		ps->cap = ncap;
	}
	ps->v[ps->n++] = *cur;
out:
	memset(cur, 0, sizeof(*cur));
}

json_t *
inv_parse_dpkg_status(const char *buf, size_t len, const char *source,
    size_t max, json_t *errors)
{
	struct pkgs ps = { NULL, 0, 0, max, 0, 0 };
	struct pkg cur;
	struct rbuf b;
	struct inv_str line;
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0, start = 0, dups = 0;
	int in_para = 0;
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	memset(&cur, 0, sizeof(cur));
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		struct inv_str k, v;
		size_t i;

		lineno++;
		if (inv_trim(line).len == 0) {
			para_end(&ps, &cur, &in_para, start, &bad);
			continue;
		}
		if (!in_para) {
			in_para = 1;
			start = lineno;
		}
		if (line.p[0] == ' ' || line.p[0] == '\t')
			continue;	/* continuation of a field we skip */
		if (line.p[0] == '#')
			continue;
		for (i = 0; i < line.len && line.p[i] != ':'; i++)
			;
		if (i == line.len || i == 0) {
			inv_bad_note(&bad, lineno, "expected \"Field: value\"");
			continue;
		}
		k.p = line.p;
		k.len = i;
		v.p = line.p + i + 1;
		v.len = line.len - i - 1;
		v = inv_trim(v);
		/* Field names are case-insensitive (deb822(5)). */
		if (k.len == 7 && strncasecmp(k.p, "Package", 7) == 0)
			cur.name = v;
		else if (k.len == 7 && strncasecmp(k.p, "Version", 7) == 0)
			cur.version = v;
		else if (k.len == 12 && strncasecmp(k.p, "Architecture", 12) == 0)
			cur.arch = v;
		else if (k.len == 6 && strncasecmp(k.p, "Status", 6) == 0)
			cur.state = v;
	}
	para_end(&ps, &cur, &in_para, start, &bad);
	inv_bad_flush(&bad, errors, source);
	if (ps.n > 0)
		qsort(ps.v, ps.n, sizeof(ps.v[0]), pkg_cmp);
	for (size_t i = 0; i < ps.n; i++) {
		struct pkg *p = &ps.v[i];
		json_t *o;

		if (i > 0 && pkg_cmp(&ps.v[i - 1], p) == 0) {
			dups++;
			continue;
		}
		o = json_object();
		if (o == NULL)
			break;
		json_object_set_new(o, "name", inv_json_str(p->name.p, p->name.len));
		json_object_set_new(o, "version", inv_json_str(p->version.p, p->version.len));
		json_object_set_new(o, "arch", inv_json_str(p->arch.p, p->arch.len));
		if (!inv_str_eq(p->state, "installed"))
			json_object_set_new(o, "state", inv_json_str(p->state.p, p->state.len));
		json_array_append_new(a, o);
	}
	if (dups > 0)
		inv_error(errors, source, "%u duplicate package entries ignored", dups);
	if (ps.dropped > 0)
		inv_error(errors, source, "more than %zu installed packages; "
		    "%zu not listed (raise [inventory] max_packages)", max, ps.dropped);
	if (ps.oom)
		inv_error(errors, source, "out of memory; package list incomplete");
	free(ps.v);
	return a;
}
