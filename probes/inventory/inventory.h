/*
 * Asset inventory (issue 5): what a managed machine is and what runs on it.
 *
 * One parser per source file.  Every parser takes the file's bytes
 * (buf, len; not NUL-terminated, possibly hostile or truncated), reads
 * them only through the line/field cursors below (bounded by rbuf), and
 * returns a new JSON value that is never NULL unless memory ran out.
 * What a parser could not understand it skips and reports once per file
 * in the errors array: {"source":"/proc/net/tcp","error":"3 malformed
 * lines skipped (first: line 4)"}.  A parser never stops the agent.
 *
 * inventory_collect() reads the files below a root directory prefix
 * ("/" live; tests point it at tests/data/inventory/rootN) and assembles
 * one snapshot (see SNAPSHOT FORMAT in inventory_collect's comment).
 */
#ifndef SHAOBING_INVENTORY_H
#define SHAOBING_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/rbuf.h"

#define INV_SCHEMA		1
#define INV_FILE_MAX		(64u << 20)	/* biggest file read (dpkg status) */
#define INV_SMALL_MAX		(1u << 20)	/* any other file */
#define INV_PACKAGES_MAX	100000		/* default cap on packages listed */
#define INV_SOCKETS_MAX		20000		/* listening sockets kept */
#define INV_USERS_MAX		20000
#define INV_NEIGH_MAX		4096
#define INV_HASH_HEX		65		/* SHA-256 hex + NUL */

/* A slice of outside text: never NUL-terminated, never read past len. */
struct inv_str {
	const char	*p;
	size_t		 len;
};

/* Next line of b (without "\n" or "\r\n"); 0 at the end of b. */
int	inv_line_next(struct rbuf *b, struct inv_str *line);
/* Next whitespace-separated field of *s (advanced); 0 when none left. */
int	inv_field_next(struct inv_str *s, struct inv_str *field);
/* Strip blanks both ends. */
struct inv_str inv_trim(struct inv_str s);
int	inv_str_eq(struct inv_str s, const char *lit);
int	inv_str_prefix(struct inv_str s, const char *lit);
/* Unsigned decimal / hexadecimal of the whole slice; -1 on junk/overflow. */
int	inv_str_u64(struct inv_str s, uint64_t *v);
int	inv_str_hex64(struct inv_str s, uint64_t *v);
/* Copy into a NUL-terminated buffer, truncating; returns out. */
char	*inv_str_copy(struct inv_str s, char *out, size_t outlen);
/*
 * JSON string from outside bytes: invalid UTF-8 and control characters
 * become '?', at most 4096 bytes kept.  Never NULL unless out of memory.
 */
json_t	*inv_json_str(const char *p, size_t len);
json_t	*inv_json_cstr(const char *s);

/* Sort an array of JSON strings in place (stable output for the hash). */
void	inv_sort_strings(json_t *a);

/* Append {"source":source,"error":msg} to errors (NULL errors: ignored). */
void	inv_error(json_t *errors, const char *source, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Malformed-line bookkeeping for one file: count, first line number;
 * inv_bad_flush() turns it into one errors entry.
 */
struct inv_bad {
	unsigned	n;
	unsigned	first;
	const char	*why;
};
void	inv_bad_note(struct inv_bad *bad, unsigned lineno, const char *why);
void	inv_bad_flush(struct inv_bad *bad, json_t *errors, const char *source);

/*
 * Read root+path into a malloc'd buffer (NUL-terminated for convenience,
 * *len excludes it).  At most max bytes; a longer file is read up to max
 * and *truncated set.  NULL with an errors entry naming path and the
 * reason (errno text) when it cannot be read; quiet (no entry) when quiet
 * and the file does not exist.
 */
char	*inv_read(const char *root, const char *path, size_t max, size_t *len,
	    bool *truncated, bool quiet, json_t *errors);
/* root + path into out; -1 when it does not fit. */
int	inv_path(const char *root, const char *path, char *out, size_t outlen);

/* ---- parsers: one per source file ---------------------------------- */

/* os-release (KEY="value" lines; quotes and backslash escapes). */
json_t	*inv_parse_os_release(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/cpuinfo: {"model", "threads", "cores", "sockets"}. */
json_t	*inv_parse_cpuinfo(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/meminfo: {"total_bytes", "swap_bytes", "available_bytes"}. */
json_t	*inv_parse_meminfo(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/stat: the btime line, seconds since the epoch; -1 if absent. */
int64_t	inv_parse_btime(const char *buf, size_t len);
/*
 * dpkg's status file (deb822 paragraphs).  Only installed packages
 * (Status "install ok installed", or half-installed states reported with
 * their state).  [{"name","version","arch"[,"state"]}] sorted by
 * name then arch; at most max entries, the rest reported in errors.
 */
json_t	*inv_parse_dpkg_status(const char *buf, size_t len, const char *source,
	    size_t max, json_t *errors);
/*
 * Installed rpm packages, read with the machine's own librpm (dlopen'd
 * only when an rpm database exists below root; rpmdb.c): the same
 * [{"name","version","arch"}] as dpkg, version "[EPOCH:]VERSION-RELEASE",
 * sorted by name, arch.  Empty with an errors entry when the database or
 * librpm cannot be used.  inv_rpmdb_present() says whether root holds an
 * rpm database (and where, if where is not NULL).
 */
json_t	*inv_rpmdb_packages(const char *root, size_t max, json_t *errors);
int	inv_rpmdb_present(const char *root, const char **where);
/*
 * /proc/net/{tcp,tcp6,udp,udp6}: listening sockets (TCP state 0A; UDP
 * state 07 with a zero remote address) as
 * [{"proto","addr","port","uid","inode"}]; proto is "tcp", "tcp6", ...
 */
json_t	*inv_parse_proc_net(const char *buf, size_t len, const char *proto,
	    const char *source, json_t *errors);
/* /proc/net/arp: complete entries [{"ip","mac","dev"}]. */
json_t	*inv_parse_arp(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/net/route: default gateways [{"dev","gateway"}]. */
json_t	*inv_parse_route(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/net/ipv6_route: default gateways [{"dev","gateway"}]. */
json_t	*inv_parse_ipv6_route(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/net/if_inet6: {"IFNAME":["addr/prefix",...]}. */
json_t	*inv_parse_if_inet6(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* resolv.conf: nameserver addresses, in file order. */
json_t	*inv_parse_resolv(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /etc/passwd: [{"name","uid","gid","home","shell","login"}] by uid, name. */
json_t	*inv_parse_passwd(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /etc/group: {"GROUP":{"gid":N,"members":[...]}}. */
json_t	*inv_parse_group(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /etc/shadow: names of accounts whose password field is empty, sorted. */
json_t	*inv_parse_shadow_empty(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/self/mounts: [{"device","mount","type"}], escapes (\040) decoded. */
json_t	*inv_parse_mounts(const char *buf, size_t len, const char *source,
	    json_t *errors);
/* /proc/filesystems: names of types marked "nodev" (pseudo filesystems). */
json_t	*inv_parse_nodev(const char *buf, size_t len);

/*
 * sshd_config: sshd keeps the FIRST value of a keyword, so set only
 * keys not already in *cfg (an object of lower-cased keyword → value).
 * Each Include pattern is handed to include() where it stands (NULL:
 * ignored); parsing stops at the first Match block.
 */
void	inv_parse_sshd_config(const char *buf, size_t len, json_t *cfg,
	    void (*include)(const char *pattern, void *arg), void *arg);
/* apt.conf fragment: sets "APT::Periodic::Unattended-Upgrade" etc. in cfg. */
void	inv_parse_apt_conf(const char *buf, size_t len, json_t *cfg);
/* KEY=value file (ufw.conf, /etc/default files): value of key or NULL. */
json_t	*inv_parse_kv(const char *buf, size_t len, const char *key);

/* ---- collection ----------------------------------------------------- */

struct inv_opts {
	const char	*root;		/* "/" or a fixture root */
	size_t		 max_packages;
};

/*
 * Collect one snapshot.  Never NULL unless out of memory.  Whatever could
 * not be read is named in "errors".  "hash" is filled (inventory_hash()).
 */
json_t	*inventory_collect(const struct inv_opts *o);

/*
 * SHA-256 (hex) of the snapshot's stable part: the canonical JSON
 * (compact, keys sorted) of everything but "hash", "collected_at" and
 * "volatile".  -1 on failure.
 */
int	inventory_hash(const json_t *snap, char out[INV_HASH_HEX]);

/* `shaobing-agent --inventory [--json] [--root DIR]`. */
int	inventory_main(int argc, char **argv);

#endif
