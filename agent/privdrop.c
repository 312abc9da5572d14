/*
 * Privilege drop.  Capabilities go through the raw capset(2) syscall so
 * the agent needs no libcap: PR_SET_KEEPCAPS keeps the permitted set
 * across setuid(), then capset() trims it to CAP_NET_RAW|CAP_NET_ADMIN
 * and makes those effective (setuid cleared the effective set).
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/privdrop.h"
#include "common/log.h"

int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if (user == NULL || *user == '\0' || (pw = getpwnam(user)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
privdrop_check(const char *user, char *why, size_t whylen)
{
	uid_t	uid;
	gid_t	gid;

	if (privdrop_lookup(user, &uid, &gid) == -1) {
		snprintf(why, whylen, "user '%s' does not exist; create it "
		    "(adduser --system --group %s) or name another user",
		    user, user);
		return -1;
	}
	errno = 0;
	if (getgrgid(gid) == NULL) {
		snprintf(why, whylen, "the group (gid %u) of user '%s' does "
		    "not exist; fix /etc/group or name another user",
		    (unsigned)gid, user);
		return -1;
	}
	return 0;
}

static int
keep_net_caps(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	uint32_t			mask;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	mask = (1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN);	/* both < 32 */
	data[0].effective = mask;
	data[0].permitted = mask;
	if (syscall(SYS_capset, &hdr, data) == -1)
		return -1;
	(void)prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L);
	return 0;
}

int
privdrop(const char *user, bool keep_net, char *why, size_t whylen)
{
	uid_t	uid;
	gid_t	gid;

	if (geteuid() != 0) {
		log_debug("not root (uid %u); no privileges to drop",
		    (unsigned)geteuid());
		return 0;
	}
	if (privdrop_check(user, why, whylen) == -1 ||
	    privdrop_lookup(user, &uid, &gid) == -1)
		return -1;
	if (keep_net && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1) {
		snprintf(why, whylen, "prctl(PR_SET_KEEPCAPS): %s",
		    strerror(errno));
		return -1;
	}
	if (setgroups(1, &gid) == -1) {
		snprintf(why, whylen, "setgroups to gid %u: %s", (unsigned)gid,
		    strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		snprintf(why, whylen, "setresgid %u: %s", (unsigned)gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		snprintf(why, whylen, "setresuid %u: %s", (unsigned)uid,
		    strerror(errno));
		return -1;
	}
	/* Paranoia that costs nothing: root must be gone for good. */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(why, whylen, "privilege drop failed: could become "
		    "root again");
		return -1;
	}
	if (keep_net && keep_net_caps() == -1) {
		snprintf(why, whylen, "cannot keep CAP_NET_RAW/CAP_NET_ADMIN "
		    "after dropping root (capset): %s", strerror(errno));
		return -1;
	}
	log_info("dropped root: running as user %s (uid %u, gid %u)%s", user,
	    (unsigned)uid, (unsigned)gid, keep_net ? ", keeping only "
	    "CAP_NET_RAW and CAP_NET_ADMIN for packet capture" : ", no "
	    "capabilities kept");
	return 0;
}
