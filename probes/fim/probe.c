/*
 * [fim NAME]: file integrity of a web root on the agent of the web
 * server (see conf/agent.ini).  inotify reports a change as it happens
 * (the probe drains it every watch_interval, 1 s by default, on the
 * scheduler thread: no locking with the event loop); a full SHA-256 scan
 * every scan_interval catches what inotify cannot see (changes while
 * the agent was stopped, a full inotify queue, watches over the limit).
 * The snapshot is kept in baseline_dir/NAME.json so a restart compares
 * with what was there, not with nothing.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "probes/fim/fim.h"
#include "probes/probe.h"

#define FIM_PATHS_MAX	16
#define FIM_WATCHES_MAX	65536
#define FIM_DEPTH_MAX	64

struct fim {
	char		 name[64];
	char		 paths[2048];
	char		 exclude[2048];
	int64_t		 max_size;
	int64_t		 scan_ms, watch_ms;
	bool		 watch;
	char		 baseline_dir[512];
	/* derived */
	char		 path[FIM_PATHS_MAX][FIM_PATH_MAX];
	size_t		 npath;
	struct fim_opts	 o;
	json_t		*snap;
	int		 ifd;
	struct { int wd; char *dir; } *w;
	size_t		 nw;
	int64_t		 next_scan;
	int		 dirty;
};

#define OFF(f) offsetof(struct fim, f)
const struct conf_opt fim_opts_table[] = {
	{ "paths", CONF_STR, OFF(paths), sizeof(((struct fim *)0)->paths), 0, 0,
	  "", NULL, NULL, "folders to watch, comma separated (e.g. /var/www/html)" },
	{ "exclude", CONF_STR, OFF(exclude), sizeof(((struct fim *)0)->exclude),
	  0, 0, "", NULL, NULL,
	  "globs of paths or names to leave out, comma separated (e.g. *.log, */cache)" },
	{ "max_size", CONF_SIZE, OFF(max_size), 0, 1, INT64_MAX, "64M", NULL, NULL,
	  "files above this size: size, mode and owner only, no hash" },
	{ "scan_interval", CONF_DURATION, OFF(scan_ms), 0, 10000, 7 * 86400000LL,
	  "1h", NULL, NULL, "full SHA-256 scan" },
	{ "watch", CONF_BOOL, OFF(watch), 0, 0, 0, "yes", NULL, NULL,
	  "inotify for immediate changes" },
	{ "watch_interval", CONF_DURATION, OFF(watch_ms), 0, 100, 60000, "1s",
	  NULL, NULL, "how often inotify's queue is read" },
	{ "baseline_dir", CONF_STR, OFF(baseline_dir),
	  sizeof(((struct fim *)0)->baseline_dir), 0, 0, "/var/lib/shaobing/fim",
	  NULL, NULL, "where the snapshot is kept" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef OFF

struct fim_state {
	struct fim	**f;
	size_t		  n;
};

static void
fim_free_one(struct fim *f)
{
	if (f == NULL)
		return;
	if (f->ifd > 0)
		close(f->ifd);
	for (size_t i = 0; i < f->nw; i++)
		free(f->w[i].dir);
	free(f->w);
	json_decref(f->snap);
	free(f);
}

static void
fim_free(void *state)
{
	struct fim_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		fim_free_one(st->f[i]);
	free(st->f);
	free(st);
}

/* Split a comma list into out[max][len]; the count, -1 when too many/long. */
static int
fim_list(const char *s, char *out, size_t len, size_t max)
{
	size_t	n = 0;

	while (*s != '\0') {
		size_t k;

		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		k = strcspn(s, ",");
		while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		if (k == 0)
			break;
		if (n == max || k >= len)
			return -1;
		memcpy(out + n * len, s, k);
		out[n * len + k] = '\0';
		n++;
		s += k;
		while (*s != '\0' && *s != ',')
			s++;
	}
	return (int)n;
}

struct fim_load {
	struct conf		*c;
	struct fim_state	*st;
	struct conf_err		*err;
};

static int
fim_load_one(void *arg, const char *name, const char *section, int line)
{
	struct fim_load	*l = arg;
	struct fim	*f = calloc(1, sizeof(*f)), **nf;
	int		 n;

#define BAD(...) do { snprintf(l->err->msg, sizeof(l->err->msg), __VA_ARGS__); \
	fim_free_one(f); return -1; } while (0)
	if (f == NULL)
		BAD("out of memory");
	f->ifd = -1;
	if (conf_apply(l->c, section, fim_opts_table, f, l->err) == -1) {
		fim_free_one(f);
		return -1;
	}
	if (strlen(name) >= sizeof(f->name) || strchr(name, '/') != NULL)
		BAD("%s:%d: [fim %s]: name too long or with '/'", conf_path(l->c),
		    line, name);
	snprintf(f->name, sizeof(f->name), "%s", name);
	if ((n = fim_list(f->paths, f->path[0], FIM_PATH_MAX, FIM_PATHS_MAX)) <= 0)
		BAD("%s:%d: [fim %s] paths: give 1 to %d folders", conf_path(l->c),
		    line, name, FIM_PATHS_MAX);
	f->npath = (size_t)n;
	for (size_t i = 0; i < f->npath; i++) {
		size_t k = strlen(f->path[i]);

		if (f->path[i][0] != '/')
			BAD("%s:%d: [fim %s] paths: \"%s\" is not an absolute "
			    "path", conf_path(l->c), line, name, f->path[i]);
		while (k > 1 && f->path[i][k - 1] == '/')
			f->path[i][--k] = '\0';
	}
	if ((n = fim_list(f->exclude, f->o.exclude[0], sizeof(f->o.exclude[0]),
	    FIM_EXCLUDE_MAX)) < 0)
		BAD("%s:%d: [fim %s] exclude: at most %d globs", conf_path(l->c),
		    line, name, FIM_EXCLUDE_MAX);
	f->o.nexclude = (size_t)n;
	f->o.max_size = f->max_size;
	for (size_t i = 0; i < l->st->n; i++)
		if (strcmp(l->st->f[i]->name, name) == 0)
			BAD("%s:%d: [fim %s] defined twice", conf_path(l->c), line, name);
	if ((nf = reallocarray(l->st->f, l->st->n + 1, sizeof(*nf))) == NULL)
		BAD("out of memory");
#undef BAD
	l->st->f = nf;
	l->st->f[l->st->n++] = f;
	return 0;
}

static int
fim_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct fim_state	*st = calloc(1, sizeof(*st));
	struct fim_load		 l = { c, st, err };

	*state = NULL;
	if (st == NULL) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (conf_foreach(c, "fim", fim_load_one, &l) != 0) {
		fim_free(st);
		return -1;
	}
	if (st->n == 0) {
		fim_free(st);
		return 0;
	}
	*state = st;
	return 0;
}

static int64_t
fim_interval(void *state)
{
	struct fim_state	*st = state;
	int64_t			 min = INT64_MAX;

	for (size_t i = 0; i < st->n; i++) {
		int64_t ms = st->f[i]->watch ? st->f[i]->watch_ms : st->f[i]->scan_ms;

		if (ms < min)
			min = ms;
	}
	return min;
}

struct fim_emit_ctx {
	struct fim	*f;
	struct emitter	*em;
};

static void
fim_to_event(const struct fim_event *ev, void *arg)
{
	struct fim_emit_ctx	*x = arg;
	char			 key[EVENT_KEY_MAX + FIM_PATH_MAX + 128];

	if (ev->data == NULL)
		return;
	json_object_set_new(ev->data, "fim", json_string(x->f->name));
	snprintf(key, sizeof(key), "%s:%s:%s", ev->type, x->f->name, ev->path);
	key[text_utf8_prefix(key, strlen(key), EVENT_KEY_MAX - 1)] = '\0';	/* cut long: it still folds */
	if (ev->sev >= SEV_HIGH)
		log_warnx("fim %s: %s %s; look at the file now", x->f->name,
		    ev->type, ev->path);
	emit_event(x->em, 0, ev->type, ev->sev, key, ev->data);
}

static void
fim_save(struct fim *f)
{
	char	path[1024], tmp[1100];

	snprintf(path, sizeof(path), "%s/%s.json", f->baseline_dir, f->name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(f->snap, tmp, JSON_COMPACT) == -1 ||
	    rename(tmp, path) == -1) {
		log_warnx("fim %s: cannot write %s: %s; create baseline_dir "
		    "writable by the agent's user", f->name, path, strerror(errno));
		unlink(tmp);
		return;
	}
	f->dirty = 0;
}

/* The full snapshot of every path; NULL on error (logged). */
static json_t *
fim_scan_all(struct fim *f)
{
	json_t	*all = json_object();
	char	 why[FIM_PATH_MAX + 128];

	for (size_t i = 0; all != NULL && i < f->npath; i++) {
		json_t *s = fim_scan(f->path[i], &f->o, why, sizeof(why));

		if (s == NULL) {
			log_warnx("fim %s: %s; check [fim %s] paths", f->name, why,
			    f->name);
			continue;
		}
		json_object_update(all, s);
		json_decref(s);
	}
	return all;
}

/* Watch dir and the folders under it (inotify is not recursive). */
static void
fim_watch_tree(struct fim *f, const char *dir, int depth)
{
	DIR		*d;
	struct dirent	*e;
	int		 wd;
	void		*nw;

	if (f->ifd < 0 || depth > FIM_DEPTH_MAX || f->nw >= FIM_WATCHES_MAX ||
	    (depth > 0 && fim_excluded(&f->o, dir)))
		return;
	wd = inotify_add_watch(f->ifd, dir, IN_CREATE | IN_CLOSE_WRITE |
	    IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
	    IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK);
	if (wd == -1) {
		log_warnx("fim %s: cannot watch %s: %s; the periodic scan still "
		    "covers it (raise fs.inotify.max_user_watches)", f->name, dir,
		    strerror(errno));
		return;
	}
	if ((nw = reallocarray(f->w, f->nw + 1, sizeof(*f->w))) == NULL)
		return;
	f->w = nw;
	f->w[f->nw].wd = wd;
	if ((f->w[f->nw].dir = strdup(dir)) == NULL)
		return;
	f->nw++;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[FIM_PATH_MAX];

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >=
		    sizeof(sub))
			continue;
		fim_watch_tree(f, sub, depth + 1);
	}
	closedir(d);
}

static const char *
fim_wd_dir(const struct fim *f, int wd)
{
	for (size_t i = 0; i < f->nw; i++)
		if (f->w[i].wd == wd)
			return f->w[i].dir;
	return NULL;
}

/* One path changed: compare its entry with the snapshot's. */
static void
fim_path_changed(struct fim *f, const char *path, struct fim_sink *sink)
{
	json_t	*now, *before;

	if (fim_excluded(&f->o, path))
		return;
	now = fim_entry(path, &f->o);
	before = json_object_get(f->snap, path);
	if (fim_diff_one(path, before, now, &f->o, sink) > 0)
		f->dirty = 1;
	if (now != NULL)
		json_object_set_new(f->snap, path, now);
	else if (before != NULL)
		json_object_del(f->snap, path);
}

/* A folder appeared: watch it and report what is already in it. */
static void
fim_dir_added(struct fim *f, const char *dir, struct fim_sink *sink)
{
	char	 why[FIM_PATH_MAX + 128];
	json_t	*s, *e;
	const char *p;

	fim_watch_tree(f, dir, 1);
	if ((s = fim_scan(dir, &f->o, why, sizeof(why))) == NULL)
		return;
	json_object_foreach(s, p, e)
		fim_path_changed(f, p, sink);
	json_decref(s);
}

static void
fim_drain(struct fim *f, struct fim_sink *sink, int64_t now)
{
	char	buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t	n;

	while ((n = read(f->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event	*ev = (struct inotify_event *)p;
			const char		*dir;
			char			 path[FIM_PATH_MAX];

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_warnx("fim %s: inotify queue overflowed; "
				    "scanning everything now", f->name);
				f->next_scan = now;
				continue;
			}
			if (ev->len == 0 || (dir = fim_wd_dir(f, ev->wd)) == NULL)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    ev->name) >= sizeof(path))
				continue;
			if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
				fim_dir_added(f, path, sink);
			else if (!(ev->mask & IN_ISDIR))
				fim_path_changed(f, path, sink);
		}
	}
}

static void
fim_start(struct fim *f)
{
	char	 path[1024];
	json_t	*base;

	snprintf(path, sizeof(path), "%s/%s.json", f->baseline_dir, f->name);
	base = json_load_file(path, 0, NULL);
	if (f->watch && (f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		log_warnx("fim %s: inotify: %s; only the periodic scan runs",
		    f->name, strerror(errno));
	for (size_t i = 0; i < f->npath; i++)
		fim_watch_tree(f, f->path[i], 0);
	if (json_is_object(base)) {
		f->snap = base;		/* the scan below reports the difference */
		f->next_scan = 0;
		return;
	}
	json_decref(base);
	f->snap = fim_scan_all(f);
	f->dirty = 1;
	log_info("fim %s: baseline of %zu files taken", f->name,
	    json_object_size(f->snap));
	f->next_scan = time_mono_ms() + f->scan_ms;
}

static void
fim_tick(void *state, struct emitter *em)
{
	struct fim_state	*st = state;

	for (size_t i = 0; i < st->n && !probe_stopping(); i++) {
		struct fim		*f = st->f[i];
		struct fim_emit_ctx	 x = { f, em };
		struct fim_sink		 sink = { fim_to_event, &x };
		int64_t			 now;

		if (f->snap == NULL)
			fim_start(f);
		if (f->snap == NULL)
			continue;
		now = time_mono_ms();
		if (f->ifd >= 0)
			fim_drain(f, &sink, now);
		if (now >= f->next_scan) {
			json_t *all = fim_scan_all(f);

			if (all != NULL) {
				if (fim_diff(f->snap, all, &f->o, &sink) > 0)
					f->dirty = 1;
				json_decref(f->snap);
				f->snap = all;
			}
			f->next_scan = now + f->scan_ms;
		}
		if (f->dirty)
			fim_save(f);
	}
}

const struct probe_ops fim_probe = {
	.name = "fim",
	.configure = fim_configure,
	.interval_ms = fim_interval,
	.run = fim_tick,
	.start = NULL,
	.free = fim_free,
};
