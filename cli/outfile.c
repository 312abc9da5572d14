/*
 * Files the CLI writes (asset register, year-end export): written to a
 * temporary file beside the target, checked at every step (fwrite via
 * ferror, fflush, fsync, fclose), then renamed over it.  A target that
 * exists and is not a regular file (a device such as /dev/full, a FIFO,
 * a folder, a symbolic link) is refused, never replaced; a regular file
 * is replaced only with --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

int
cli_outfile_check(const char *path, bool force, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%.900s exists and is not a "
			    "regular file (%s); refusing to replace it: give "
			    "another --out", path, S_ISDIR(st.st_mode) ?
			    "a folder" : S_ISLNK(st.st_mode) ? "a symbolic "
			    "link" : S_ISFIFO(st.st_mode) ? "a FIFO" :
			    S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ?
			    "a device" : "a special file");
			return -1;
		}
		if (!force) {
			snprintf(err, errlen, "%.900s exists; add --force to "
			    "replace it", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_outfile_open(struct cli_outfile *o, const char *path, bool force,
    char *err, size_t errlen)
{
	int fd;

	memset(o, 0, sizeof(*o));
	if (snprintf(o->path, sizeof(o->path), "%s", path) >=
	    (int)sizeof(o->path)) {
		snprintf(err, errlen, "%.200s...: path too long", path);
		return -1;
	}
	if (cli_outfile_check(path, force, err, errlen) == -1)
		return -1;
	snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(o->tmp)) == -1) {
		snprintf(err, errlen, "%.900s: cannot create: %s", o->tmp,
		    strerror(errno));
		return -1;
	}
	(void)fchmod(fd, 0644);
	if ((o->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%.900s: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

int
cli_outfile_commit(struct cli_outfile *o, int bad, char *err, size_t errlen)
{
	int saved = 0;

	if (o->f == NULL)
		return -1;
	errno = 0;
	if (bad || fflush(o->f) == EOF || ferror(o->f) ||
	    fsync(fileno(o->f)) == -1)
		saved = errno ? errno : EIO;
	if (fclose(o->f) == EOF && saved == 0)
		saved = errno ? errno : EIO;
	o->f = NULL;
	if (saved == 0 && rename(o->tmp, o->path) == -1)
		saved = errno;
	if (saved != 0) {
		unlink(o->tmp);
		snprintf(err, errlen, "%.900s: cannot write: %s; nothing was "
		    "replaced", o->path, strerror(saved));
		return -1;
	}
	return 0;
}

void
cli_outfile_abort(struct cli_outfile *o)
{
	if (o->f != NULL) {
		fclose(o->f);
		o->f = NULL;
		unlink(o->tmp);
	}
}
