/*
 * Parsers for the account files: passwd(5), group(5), shadow(5).
 * Colon-separated records, one per line; NIS "+"/"-" compat lines and
 * comments are skipped (and counted as not understood).
 */
#include <stdlib.h>
#include <string.h>

#include "probes/inventory/inventory.h"

/* Split line on ':' into at most max fields; returns the count. */
static size_t
colon_fields(struct inv_str line, struct inv_str *f, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= line.len && n < max; i++) {
		if (i == line.len || line.p[i] == ':') {
			f[n].p = line.p + start;
			f[n].len = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

struct user {
	struct inv_str	name, home, shell;
	uint64_t	uid, gid;
};

static int
user_cmp(const void *x, const void *y)
{
	const struct user *a = x, *b = y;
	size_t n;
	int c;

	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	n = a->name.len < b->name.len ? a->name.len : b->name.len;
	c = memcmp(a->name.p, b->name.p, n);
	if (c != 0)
		return c;
	return a->name.len < b->name.len ? -1 : a->name.len > b->name.len;
}

/* Shells that refuse interactive logins. */
static int
shell_login(struct inv_str sh)
{
	static const char *const no[] = { "/nologin", "/false", "/sync",
	    "/halt", "/shutdown", NULL };

	if (sh.len == 0)
		return 1;	/* passwd(5): empty means /bin/sh */
	for (int i = 0; no[i] != NULL; i++) {
		size_t n = strlen(no[i]);

		if (sh.len >= n && memcmp(sh.p + sh.len - n, no[i], n) == 0)
			return 0;
	}
	return 1;
}

json_t *
inv_parse_passwd(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[8];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;
	struct user *us = NULL;
	size_t n = 0, cap = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		struct user u;

		lineno++;
		if (inv_trim(line).len == 0 || line.p[0] == '#')
			continue;
		if (line.p[0] == '+' || line.p[0] == '-') {
			inv_bad_note(&bad, lineno, "NIS compat entry not followed");
			continue;
		}
		if (colon_fields(line, f, 8) != 7 || f[0].len == 0 ||
		    inv_str_u64(f[2], &u.uid) == -1 || inv_str_u64(f[3], &u.gid) == -1 ||
		    u.uid > UINT32_MAX || u.gid > UINT32_MAX) {
			inv_bad_note(&bad, lineno, "expected name:pw:uid:gid:gecos:home:shell");
			continue;
		}
		if (n == INV_USERS_MAX) {
			inv_error(errors, source, "more than %d accounts; rest not listed",
			    INV_USERS_MAX);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct user *nu = realloc(us, ncap * sizeof(*nu));

			if (nu == NULL)
				break;
			us = nu;
			cap = ncap;
		}
		u.name = f[0];
		u.home = f[5];
		u.shell = f[6];
		us[n++] = u;
	}
	inv_bad_flush(&bad, errors, source);
	if (n > 0)
		qsort(us, n, sizeof(us[0]), user_cmp);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		if (o == NULL)
			break;
		json_object_set_new(o, "name", inv_json_str(us[i].name.p, us[i].name.len));
		json_object_set_new(o, "uid", json_integer((json_int_t)us[i].uid));
		json_object_set_new(o, "gid", json_integer((json_int_t)us[i].gid));
		json_object_set_new(o, "home", inv_json_str(us[i].home.p, us[i].home.len));
		json_object_set_new(o, "shell", inv_json_str(us[i].shell.p, us[i].shell.len));
		json_object_set_new(o, "login", json_boolean(shell_login(us[i].shell)));
		json_array_append_new(a, o);
	}
	free(us);
	return a;
}

json_t *
inv_parse_group(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *o = json_object();
	struct rbuf b;
	struct inv_str line, f[5];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (o == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		char name[256];
		uint64_t gid;
		json_t *g, *mem;
		size_t start = 0;

		lineno++;
		if (inv_trim(line).len == 0 || line.p[0] == '#')
			continue;
		if (line.p[0] == '+' || line.p[0] == '-') {
			inv_bad_note(&bad, lineno, "NIS compat entry not followed");
			continue;
		}
		if (colon_fields(line, f, 5) != 4 || f[0].len == 0 ||
		    f[0].len >= sizeof(name) || inv_str_u64(f[2], &gid) == -1 ||
		    gid > UINT32_MAX) {
			inv_bad_note(&bad, lineno, "expected name:pw:gid:members");
			continue;
		}
		inv_str_copy(f[0], name, sizeof(name));
		if (json_object_get(o, name) != NULL) {
			inv_bad_note(&bad, lineno, "duplicate group (first kept)");
			continue;
		}
		if (json_object_size(o) >= INV_USERS_MAX)
			break;
		g = json_object();
		mem = json_array();
		json_object_set_new(g, "gid", json_integer((json_int_t)gid));
		for (size_t i = 0; i <= f[3].len; i++) {
			if (i == f[3].len || f[3].p[i] == ',') {
				struct inv_str m = { f[3].p + start, i - start };

				m = inv_trim(m);
				if (m.len > 0 && json_array_size(mem) < INV_USERS_MAX)
					json_array_append_new(mem, inv_json_str(m.p, m.len));
				start = i + 1;
			}
		}
		json_object_set_new(g, "members", mem);
		json_object_set_new(o, name, g);
	}
	inv_bad_flush(&bad, errors, source);
	return o;
}

static int
json_str_cmp(const void *x, const void *y)
{
	return strcmp(json_string_value(*(json_t *const *)x),
	    json_string_value(*(json_t *const *)y));
}

void
inv_sort_strings(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v;

	if (n < 2 || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(*v), json_str_cmp);
	json_array_clear(a);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, v[i]);
	free(v);
}

json_t *
inv_parse_shadow_empty(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f[10];
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		size_t nf;

		lineno++;
		if (inv_trim(line).len == 0 || line.p[0] == '#' ||
		    line.p[0] == '+' || line.p[0] == '-')
			continue;
		nf = colon_fields(line, f, 10);
		if (nf < 2 || f[0].len == 0) {
			inv_bad_note(&bad, lineno, "expected name:password:...");
			continue;
		}
		/* An empty field lets anyone in without a password;
		 * "!", "*" or a hash do not. */
		if (f[1].len == 0 && json_array_size(a) < INV_USERS_MAX)
			json_array_append_new(a, inv_json_str(f[0].p, f[0].len));
	}
	inv_bad_flush(&bad, errors, source);
	inv_sort_strings(a);
	return a;
}
