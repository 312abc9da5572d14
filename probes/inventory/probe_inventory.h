/*
 * The inventory probe's entry points for the agent (registry, tests).
 */
#ifndef SHAOBING_PROBE_INVENTORY_H
#define SHAOBING_PROBE_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "probes/inventory/inventory.h"
#include "probes/probe.h"

extern const struct probe_ops probe_inventory;

/*
 * One collection: emit "inventory" (full snapshot) when its hash differs
 * from the one in state_path or the last full one is older than
 * resend_ms (0: never resend), else "inventory_unchanged".  Returns 1
 * when the full snapshot was emitted, 0 when unchanged, -1 when emit or
 * collection failed (the state file is then left alone).
 */
int	inventory_run_once(const char *root, size_t max_packages,
	    const char *state_path, int64_t resend_ms, struct emitter *em);

/* State file "HASH SENT_MS\n": 0, or -1 when missing or malformed. */
int	inventory_state_read(const char *path, char hash[INV_HASH_HEX],
	    int64_t *sent_ms);
int	inventory_state_write(const char *path, const char *hash, int64_t sent_ms);

/* [inventory]'s option table (for the man page). */
extern const struct conf_opt inventory_conf_opts[];

#endif
