/*
 * Differences between two inventory snapshots of one machine: pure
 * functions, no I/O, shared by the collector (change events, incidents,
 * `shaobing assets diff`) and the tests.
 *
 * CONTRACT
 *   inventory_diff(old, new, opts) compares two snapshots in the agent's
 *   format (probes/inventory/collect.c, "SNAPSHOT FORMAT", schema 1) and
 *   returns a new JSON array of change records, [] when nothing that is
 *   tracked changed.  old may be NULL (first snapshot): then the result
 *   is [] — a first inventory is a baseline, not a list of changes.
 *   Missing sections on either side are treated as empty, and values of
 *   the wrong type are ignored, so a hostile or truncated snapshot gives
 *   fewer records, never a crash.  Only the stable part is compared
 *   ("volatile", "collected_at", "hash", "errors" are not).
 *   Returns NULL only when out of memory.
 *
 *   Each record:
 *     {"type":     one of the types below,
 *      "severity": "info"|"low"|"medium"|"high" (event.h names; a
 *                  suggestion the collector may map to an incident level),
 *      "matters":  true when the change should become an incident,
 *      "key":      stable identity of what changed, e.g.
 *                  "package:openssh-server:amd64", "port:tcp:0.0.0.0:22",
 *                  "admin:alice", "mac:eth0" (fold repeats with it),
 *      "summary":  one line for people (English; the CLI adds Chinese),
 *      "detail":   {...} type-specific fields listed below}
 *   Records come in a fixed order: by type order below, then by key.
 *
 *   type                 detail                          severity  matters
 *   package_installed    name, arch, version             info      no
 *   package_removed      name, arch, version             info      no
 *   package_upgraded     name, arch, from, to            info      no
 *   package_downgraded   name, arch, from, to            low       no
 *   port_opened          proto, addr, port, process      medium/low server only
 *   port_closed          proto, addr, port, process      info      no
 *   admin_added          name                            high      yes (anywhere)
 *   admin_removed        name                            low       no
 *   user_added           name, uid, login                low       no
 *   user_removed         name, uid                       info      no
 *   empty_password       name (an account newly without  high      yes
 *                        a password)
 *   firewall_disabled    -                               medium    server only
 *   firewall_enabled     -                               info      no
 *   ssh_root_login       from, to (PermitRootLogin       medium    server only
 *                        became allowed)
 *   cpu_changed          from, to ({model,cores,threads})medium    no
 *   memory_changed       from, to (total_bytes)          medium    no
 *   disk_added           name, size_bytes, model, serial medium    no
 *   disk_removed         same                            medium    no
 *   disk_changed         name, from, to                  medium    no
 *   mac_changed          interface, from, to             medium    no
 *   interface_added      interface, mac                  low       no
 *   interface_removed    interface, mac                  low       no
 *   os_changed           from, to (pretty_name)          low       no
 *   kernel_changed       from, to (release)              info      no
 *   machine_id_changed   from, to                        medium    no
 *
 *   "server" comes from opts (the collector knows the asset's role);
 *   on a server a new listening port is medium and matters, elsewhere low.
 */
#ifndef SHAOBING_INVENTORY_DIFF_H
#define SHAOBING_INVENTORY_DIFF_H

#include <stdbool.h>

#include <jansson.h>

struct inventory_diff_opts {
	bool	server;		/* the asset is a server (web server) */
};

json_t	*inventory_diff(const json_t *old_snap, const json_t *new_snap,
	    const struct inventory_diff_opts *opts);

/*
 * Debian version comparison (deb-version(7): [epoch:]upstream[-revision],
 * "~" sorts before everything, digits compare numerically): <0, 0, >0.
 * Never reads past either NUL; a non-numeric epoch counts as 0.
 */
int	inventory_version_cmp(const char *a, const char *b);

#endif
