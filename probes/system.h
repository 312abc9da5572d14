/*
 * The `system` probe: who this machine is (host name, OS, kernel, boot
 * time, machine-id), emitted at start and again when any of it changes.
 * The parsers of the files it reads are exported for tests and fuzzing.
 */
#ifndef SHAOBING_PROBE_SYSTEM_H
#define SHAOBING_PROBE_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "probes/probe.h"

extern const struct probe_ops probe_system;

/*
 * os-release(5): NAME, ID, VERSION_ID, PRETTY_NAME into a new object
 * (absent keys left out; quoting and backslash escapes undone).  Lines
 * that are not KEY=VALUE are skipped.  NULL only on allocation failure.
 */
json_t	*system_parse_os_release(const char *buf, size_t len);
/* proc(5) /proc/stat: the "btime SECONDS" line.  0, or -1 when absent/bad. */
int	 system_parse_btime(const char *buf, size_t len, int64_t *sec);
/* machine-id(5): 32 lowercase hex digits, optional newline.  0 or -1. */
int	 system_parse_machine_id(const char *buf, size_t len, char out[33]);

/* Boot time, UTC ms, from /proc/stat.  0 or -1. */
int	 system_boot_time_ms(int64_t *ms);

/* [system]'s option table (for the man page). */
extern const struct conf_opt system_conf_opts[];

#endif
