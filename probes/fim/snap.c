/*
 * Snapshots of a tree and the changes between them (see fim.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/digest.h"
#include "probes/fim/fim.h"

int
fim_excluded(const struct fim_opts *o, const char *path)
{
	const char	*base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < o->nexclude; i++)
		if (fnmatch(o->exclude[i], path, 0) == 0 ||
		    fnmatch(o->exclude[i], base, 0) == 0)
			return 1;
	return 0;
}

/* SHA-256 of an open file, at most max bytes; -1 when it cannot be read. */
static int
fim_hash(int fd, char *hex, size_t hexlen)
{
	struct digest	*d = digest_sha256_new();
	char		 buf[65536];
	ssize_t		 r;

	if (d == NULL)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (digest_update(d, buf, (size_t)r) == -1) {
			digest_free(d);
			return -1;
		}
	if (r < 0) {
		digest_free(d);
		return -1;
	}
	return digest_final_hex(d, hex, hexlen);
}

json_t *
fim_entry(const char *path, const struct fim_opts *o)
{
	struct stat	st;
	char		hex[DIGEST_SHA256_HEX] = "";
	char		mode[8];
	int		fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (st.st_size <= o->max_size && fim_hash(fd, hex, sizeof(hex)) == -1) {
		close(fd);
		return NULL;
	}
	close(fd);
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	return json_pack("{s:I, s:s, s:s, s:I, s:I}", "size",
	    (json_int_t)st.st_size, "sha256", hex, "mode", mode,
	    "uid", (json_int_t)st.st_uid, "gid", (json_int_t)st.st_gid);
}

/* nftw() has no argument for the callback: one scan at a time. */
static __thread struct {
	json_t			*snap;
	const struct fim_opts	*o;
	int			 full;
} fim_walk;

static int
fim_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	json_t	*e;

	(void)st;
	if (ftw->level > 0 && fim_excluded(fim_walk.o, path))
		return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (flag != FTW_F)
		return FTW_CONTINUE;
	if (json_object_size(fim_walk.snap) >= FIM_FILES_MAX) {
		fim_walk.full = 1;
		return FTW_STOP;
	}
	if ((e = fim_entry(path, fim_walk.o)) != NULL)
		json_object_set_new(fim_walk.snap, path, e);
	return FTW_CONTINUE;
}

json_t *
fim_scan(const char *dir, const struct fim_opts *o, char *why, size_t whylen)
{
	struct stat st;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: %s", dir, errno ? strerror(errno) :
		    "not a folder");
		return NULL;
	}
	if ((fim_walk.snap = json_object()) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	fim_walk.o = o;
	fim_walk.full = 0;
	if (nftw(dir, fim_visit, 32, FTW_PHYS | FTW_ACTIONRETVAL) == -1) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		json_decref(fim_walk.snap);
		return NULL;
	}
	if (fim_walk.full) {
		snprintf(why, whylen, "%s: more than %d files; exclude some",
		    dir, FIM_FILES_MAX);
		json_decref(fim_walk.snap);
		return NULL;
	}
	return fim_walk.snap;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
fim_emit(const struct fim_sink *sink, const char *type, enum severity sev,
    const char *path, json_t *data)
{
	struct fim_event ev;

	ev.type = type;
	ev.sev = sev;
	snprintf(ev.path, sizeof(ev.path), "%s", path);
	ev.data = data;
	sink->fn(&ev, sink->arg);
}

/* {path, size, sha256_before, sha256, owner, mode[, mode_before]} */
static json_t *
fim_data(const char *path, const json_t *before, const json_t *now)
{
	const json_t	*e = now ? now : before;
	struct passwd	*pw = getpwuid((uid_t)json_integer_value(json_object_get(e, "uid")));
	json_t		*d = json_pack("{s:s, s:I, s:s, s:I, s:I}", "path", path,
	    "size", json_integer_value(json_object_get(e, "size")),
	    "mode", jstr(e, "mode"),
	    "uid", json_integer_value(json_object_get(e, "uid")),
	    "gid", json_integer_value(json_object_get(e, "gid")));

	if (d == NULL)
		return NULL;
	if (pw != NULL)
		json_object_set_new(d, "owner", json_string(pw->pw_name));
	if (before != NULL)
		json_object_set_new(d, "sha256_before", json_string(jstr(before, "sha256")));
	if (now != NULL)
		json_object_set_new(d, "sha256", json_string(jstr(now, "sha256")));
	if (before != NULL && now != NULL && strcmp(jstr(before, "mode"), jstr(now, "mode")))
		json_object_set_new(d, "mode_before", json_string(jstr(before, "mode")));
	return d;
}

/* Read a script (up to max_size) and look for a web shell. */
static void
fim_webshell(const char *path, const json_t *now, const struct fim_opts *o,
    const struct fim_sink *sink, int *n)
{
	char	 why[128];
	char	*buf;
	FILE	*fp;
	size_t	 len;
	int64_t	 size = json_integer_value(json_object_get(now, "size"));

	if (!webshell_script(path) || size > o->max_size || (fp = fopen(path, "re")) == NULL)
		return;
	if ((buf = malloc((size_t)size + 1)) != NULL) {
		len = fread(buf, 1, (size_t)size, fp);
		if (webshell_scan(buf, len, why, sizeof(why))) {
			json_t *d = fim_data(path, NULL, now);

			json_object_set_new(d, "construct", json_string(why));
			fim_emit(sink, "webshell_suspect", SEV_CRITICAL, path, d);
			(*n)++;
		}
		free(buf);
	}
	fclose(fp);
}

int
fim_diff_one(const char *path, const json_t *before, const json_t *now,
    const struct fim_opts *o, const struct fim_sink *sink)
{
	int	n = 0;

	if (before == NULL && now == NULL)
		return 0;
	if (before == NULL) {
		fim_emit(sink, "file_added", SEV_MEDIUM, path, fim_data(path, NULL, now));
		n++;
		fim_webshell(path, now, o, sink, &n);
	} else if (now == NULL) {
		fim_emit(sink, "file_deleted", SEV_MEDIUM, path, fim_data(path, before, NULL));
		n++;
	} else {
		if (strcmp(jstr(before, "sha256"), jstr(now, "sha256")) != 0 ||
		    json_integer_value(json_object_get(before, "size")) !=
		    json_integer_value(json_object_get(now, "size"))) {
			fim_emit(sink, "file_modified", SEV_MEDIUM, path,
			    fim_data(path, before, now));
			n++;
			fim_webshell(path, now, o, sink, &n);
		}
		if (strcmp(jstr(before, "mode"), jstr(now, "mode")) != 0 ||
		    !json_equal(json_object_get(before, "uid"), json_object_get(now, "uid")) ||
		    !json_equal(json_object_get(before, "gid"), json_object_get(now, "gid"))) {
			fim_emit(sink, "file_perm_changed", SEV_MEDIUM, path,
			    fim_data(path, before, now));
			n++;
		}
	}
	return n;
}

int
fim_diff(const json_t *a, const json_t *b, const struct fim_opts *o,
    const struct fim_sink *sink)
{
	const char	*path;
	json_t		*e;
	int		 n = 0;

	json_object_foreach((json_t *)a, path, e)
		n += fim_diff_one(path, e, json_object_get(b, path), o, sink);
	json_object_foreach((json_t *)b, path, e)
		if (json_object_get(a, path) == NULL)
			n += fim_diff_one(path, NULL, e, o, sink);
	return n;
}
