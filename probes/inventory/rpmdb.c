/*
 * Installed RPM packages (Kylin Server, openEuler, ...) through the
 * system's own librpm, loaded with dlopen() only when an rpm database is
 * there.  The rpmdb is Berkeley DB, NDB or SQLite holding binary headers,
 * depending on the rpm version: only librpm reads every one of them, and
 * the librpm of the machine reads its own database.  Linking librpm would
 * make the agent depend on it on every Debian/Kylin desktop too, so it is
 * loaded at run time instead (the .deb and .rpm need nothing more).
 *
 * The few functions used have kept these signatures since rpm 4.9 (they
 * are rpm's public C API, <rpm/rpmts.h>, <rpm/header.h>); declared here so
 * that building needs no librpm-dev for every target architecture.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/inventory/inventory.h"

/* librpm's opaque handles (its typedefs rpmts, Header, rpmdbMatchIterator). */
struct rpmts_s;
struct headerToken_s;
struct rpmdbMatchIterator_s;

struct librpm {
	void			*dl;
	int			(*read_config)(const char *, const char *);
	int			(*define_macro)(void *, const char *, int);
	struct rpmts_s		*(*ts_create)(void);
	struct rpmts_s		*(*ts_free)(struct rpmts_s *);
	int			(*ts_set_root)(struct rpmts_s *, const char *);
	struct rpmdbMatchIterator_s *(*init_iterator)(struct rpmts_s *, int,
				    const void *, size_t);
	struct headerToken_s	*(*next)(struct rpmdbMatchIterator_s *);
	struct rpmdbMatchIterator_s *(*free_iterator)(struct rpmdbMatchIterator_s *);
	char			*(*format)(struct headerToken_s *, const char *,
				    const char **);
	int			(*log_mask)(int);
};

#define RPMDBI_PACKAGES	0
#define RMIL_CMDLINE	(-7)	/* macro level of rpm --define */

/* Where rpm keeps its database: the classic and the newer (rpm >= 4.16) place. */
static const char *const rpmdb_dirs[] = { "/var/lib/rpm", "/usr/lib/sysimage/rpm", NULL };
static const char *const rpmdb_files[] = { "rpmdb.sqlite", "Packages", "Packages.db", NULL };
/* Newest first: rpm 4.19+, 4.16-4.18 (openEuler 22.03), 4.14/4.15 (Kylin V10). */
static const char *const librpm_names[] = { "librpm.so.10", "librpm.so.9", "librpm.so.8", NULL };

int
inv_rpmdb_present(const char *root, const char **where)
{
	char path[4096], sub[256];

	for (int d = 0; rpmdb_dirs[d] != NULL; d++)
		for (int f = 0; rpmdb_files[f] != NULL; f++) {
			snprintf(sub, sizeof(sub), "%s/%s", rpmdb_dirs[d], rpmdb_files[f]);
			if (inv_path(root, sub, path, sizeof(path)) == 0 &&
			    access(path, F_OK) == 0) {
				if (where != NULL)
					*where = rpmdb_dirs[d];
				return 1;
			}
		}
	return 0;
}

static int
librpm_load(struct librpm *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; librpm_names[i] != NULL && r->dl == NULL; i++)
		r->dl = dlopen(librpm_names[i], RTLD_NOW | RTLD_LOCAL);
	if (r->dl == NULL)
		return -1;
	/* POSIX allows object pointer -> function pointer through memcpy. */
#define SYM(field, name) do {						\
		void *p_ = dlsym(r->dl, name);				\
		if (p_ == NULL) goto fail;				\
		memcpy(&r->field, &p_, sizeof(p_));			\
	} while (0)
	SYM(read_config, "rpmReadConfigFiles");
	SYM(define_macro, "rpmDefineMacro");
	SYM(ts_create, "rpmtsCreate");
	SYM(ts_free, "rpmtsFree");
	SYM(ts_set_root, "rpmtsSetRootDir");
	SYM(init_iterator, "rpmtsInitIterator");
	SYM(next, "rpmdbNextIterator");
	SYM(free_iterator, "rpmdbFreeIterator");
	SYM(format, "headerFormat");
#undef SYM
	/*
	 * librpm prints its own "error: ..." lines on stderr; the agent logs
	 * one line per event of its own, so they are silenced and the failure
	 * becomes an errors entry (optional symbol: older librpm may lack it).
	 */
	{
		void *p = dlsym(r->dl, "rpmlogSetMask");

		memcpy(&r->log_mask, &p, sizeof(p));
	}
	return 0;
fail:
	dlclose(r->dl);
	r->dl = NULL;
	return -1;
}

/* One header field through rpm's own formatter, as a JSON string. */
static json_t *
field(struct librpm *r, struct headerToken_s *h, const char *fmt)
{
	const char *err = NULL;
	char *s = r->format(h, fmt, &err);
	json_t *v;

	if (s == NULL)
		return json_string("");
	v = inv_json_str(s, strnlen(s, 4096));
	free(s);
	return v;
}

static int
cmp_pkg(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	int c = strcmp(json_string_value(json_object_get(*x, "name")),
	    json_string_value(json_object_get(*y, "name")));

	if (c != 0)
		return c;
	c = strcmp(json_string_value(json_object_get(*x, "arch")),
	    json_string_value(json_object_get(*y, "arch")));
	return c != 0 ? c : strcmp(json_string_value(json_object_get(*x, "version")),
	    json_string_value(json_object_get(*y, "version")));
}

json_t *
inv_rpmdb_packages(const char *root, size_t max, json_t *errors)
{
	static int config_read;
	struct librpm r;
	const char *where = "/var/lib/rpm";
	json_t *list = json_array(), **v = NULL;
	struct rpmts_s *ts;
	struct rpmdbMatchIterator_s *mi;
	struct headerToken_s *h;
	size_t n = 0, cap = 0, skipped = 0;
	char macro[64];

	if (!inv_rpmdb_present(root, &where))
		return list;
	if (librpm_load(&r) == -1) {
		inv_error(errors, where, "rpm database present but librpm (librpm.so.8/9/10) "
		    "could not be loaded: %s; install the rpm libraries to list rpm packages",
		    dlerror() ? dlerror() : "not found");
		return list;
	}
	if (!config_read && r.read_config(NULL, NULL) != 0) {
		inv_error(errors, where, "librpm could not read its configuration (rpmrc, macros); "
		    "rpm packages not listed");
		goto out;
	}
	config_read = 1;
	if (r.log_mask != NULL)
		r.log_mask(1);	/* RPMLOG_MASK(RPMLOG_EMERG); 0 would only query */
	/*
	 * The database where it was found (relative to the root), not the
	 * configured %_dbpath: Debian's rpm, for one, points it at ~/.rpmdb.
	 */
	snprintf(macro, sizeof(macro), "_dbpath %s", where);
	r.define_macro(NULL, macro, RMIL_CMDLINE);
	ts = r.ts_create();
	if (ts == NULL || r.ts_set_root(ts, root[0] != '\0' ? root : "/") != 0) {
		inv_error(errors, where, "librpm: cannot use root %s; rpm packages not listed", root);
		if (ts != NULL)
			r.ts_free(ts);
		goto out;
	}
	mi = r.init_iterator(ts, RPMDBI_PACKAGES, NULL, 0);
	if (mi == NULL) {
		inv_error(errors, where, "librpm could not open the rpm database (damaged, "
		    "or no permission); rpm packages not listed");
		r.ts_free(ts);
		goto out;
	}
	while ((h = r.next(mi)) != NULL) {
		json_t *p;

		if (n >= max) {
			skipped++;
			continue;
		}
		p = json_object();
		json_object_set_new(p, "name", field(&r, h, "%{NAME}"));
		json_object_set_new(p, "version",
		    field(&r, h, "%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}"));
		json_object_set_new(p, "arch", field(&r, h, "%|ARCH?{%{ARCH}}:{noarch}|"));
		if (n == cap) {
			json_t **nv = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));

			if (nv == NULL) {
				json_decref(p);
				break;
			}
			v = nv;
		}
		v[n++] = p;
	}
	r.free_iterator(mi);
	r.ts_free(ts);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_pkg);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
	if (skipped > 0)
		inv_error(errors, where, "%zu rpm packages beyond the limit of %zu not listed",
		    skipped, max);
out:
	/* librpm stays loaded: unloading it is not safe (atexit handlers). */
	return list;
}
