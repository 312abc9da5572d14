/*
 * --check-config's second half: open every file a daemon will open, as
 * the user it will run as (its unit's User=), and check the network
 * interfaces it will capture on exist.  A configuration that parses but
 * names a key the service cannot read must fail here, not at start.
 */
#ifndef SHAOBING_CHECKFILES_H
#define SHAOBING_CHECKFILES_H

#include <stddef.h>

enum checkfile_need {
	CHECK_READ,		/* open(path, O_RDONLY) */
	CHECK_READ_OPTIONAL,	/* the same; a missing file is fine */
	CHECK_DIR_WRITE,	/* path's folder writable; path, if there, read-write */
	CHECK_IFACE,		/* path is an interface name list (a,b,c) */
	/* path is a Unix socket to bind: its folder exists and is
	   writable, or is missing under /run (the unit's RuntimeDirectory=
	   makes it at start) */
	CHECK_SOCKET,
};

struct checkfile {
	const char		*what;	/* "[server] cert" */
	const char		*path;	/* "" or NULL: not configured, skipped */
	enum checkfile_need	 need;
};

/*
 * Check items in a child process that, when started as root and user is
 * set, becomes user (its groups from /etc/group) first.  Prints one line
 * per problem to stderr: "PROGRAM: PATH (WHAT): cannot read as user U:
 * REASON".  Returns 0 when all is well, 2 otherwise (the configuration
 * error status, which the units do not restart on).
 */
int	checkfiles_run(const char *program, const char *user,
	    const struct checkfile *items, size_t n);

#endif
