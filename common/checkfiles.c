#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/checkfiles.h"
#include "common/conf.h"

/* The folder of path into dir ("." when none). */
static void
folder_of(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, len, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

static int
check_socket(const char *program, const char *who, const struct checkfile *c)
{
	struct stat		sb;
	char			dir[PATH_MAX], parent[PATH_MAX];

	folder_of(c->path, dir, sizeof(dir));
	if (stat(dir, &sb) == -1 && errno == ENOENT) {
		folder_of(dir, parent, sizeof(parent));
		if (strcmp(parent, "/run") == 0)
			return 0;	/* RuntimeDirectory= */
		fprintf(stderr, "%s: %s (folder of %s): does not exist; create "
		    "it, writable by the service's user\n", program, dir,
		    c->what);
		return 1;
	}
	if (access(dir, W_OK | X_OK) == -1) {
		fprintf(stderr, "%s: %s (folder of %s): cannot make the socket "
		    "in it as %s: %s\n", program, dir, c->what, who,
		    strerror(errno));
		return 1;
	}
	return 0;
}

static int
check_one(const char *program, const char *who, const struct checkfile *c)
{
	char	dir[PATH_MAX], name[IF_NAMESIZE + 1];
	int	fd, bad = 0;

	switch (c->need) {
	case CHECK_READ:
	case CHECK_READ_OPTIONAL:
		if ((fd = open(c->path, O_RDONLY | O_CLOEXEC)) != -1) {
			close(fd);
			return 0;
		}
		if (c->need == CHECK_READ_OPTIONAL && errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s (%s): cannot read it as %s: %s\n",
		    program, c->path, c->what, who, strerror(errno));
		return 1;
	case CHECK_DIR_WRITE:
		if (strlen(c->path) >= sizeof(dir))
			return 0;
		folder_of(c->path, dir, sizeof(dir));
		if (access(dir, W_OK | X_OK) == -1) {
			fprintf(stderr, "%s: %s (folder of %s): cannot write in "
			    "it as %s: %s\n", program, dir, c->what, who,
			    strerror(errno));
			return 1;
		}
		if ((fd = open(c->path, O_RDWR | O_CLOEXEC)) != -1)
			close(fd);
		else if (errno != ENOENT) {
			fprintf(stderr, "%s: %s (%s): cannot open it read-write "
			    "as %s: %s\n", program, c->path, c->what, who,
			    strerror(errno));
			return 1;
		}
		return 0;
	case CHECK_IFACE:
		for (const char *cur = c->path;
		    conf_list_next(&cur, name, sizeof(name)) == 1; )
			if (if_nametoindex(name) == 0) {
				fprintf(stderr, "%s: interface %s (%s): %s; "
				    "`ip link` lists this machine's interfaces\n",
				    program, name, c->what, strerror(errno));
				bad = 1;
			}
		return bad;
	case CHECK_SOCKET:
		return check_socket(program, who, c);
	}
	return 0;
}

int
checkfiles_run(const char *program, const char *user,
    const struct checkfile *items, size_t n)
{
	struct passwd	*pw;
	char		 who[96];
	pid_t		 pid;
	int		 st, bad = 0;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "%s: cannot check the files: fork: %s\n",
		    program, strerror(errno));
		return 2;
	}
	if (pid > 0) {
		while (waitpid(pid, &st, 0) == -1)
			if (errno != EINTR)
				return 2;
		return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 2;
	}
	if (geteuid() == 0 && user != NULL && user[0] != '\0') {
		if ((pw = getpwnam(user)) == NULL) {
			fprintf(stderr, "%s: user %s does not exist; the service "
			    "runs as it (install the package, or set the user)\n",
			    program, user);
			_exit(2);
		}
		if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
			fprintf(stderr, "%s: cannot become user %s to check the "
			    "files: %s\n", program, user, strerror(errno));
			_exit(2);
		}
	}
	pw = getpwuid(getuid());
	snprintf(who, sizeof(who), "user %s", pw != NULL ? pw->pw_name : "?");
	for (size_t i = 0; i < n; i++)
		if (items[i].path != NULL && items[i].path[0] != '\0')
			bad |= check_one(program, who, &items[i]);
	fflush(stderr);
	_exit(bad ? 2 : 0);
}
