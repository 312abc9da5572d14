/*
 * The store side of the asset register (collector/asset.c): assets,
 * their dated inventory snapshots, the addresses of managed machines.
 *
 *   assets               one row per asset: kind 'managed' (a machine
 *                        with an agent, identified by its machine-id),
 *                        'unmanaged' (a device on the LAN without an
 *                        agent, identified by its MAC) or 'target' (a
 *                        monitored target such as the website, by name);
 *                        plus the fields only people know (tag, owner,
 *                        department, location, purchase_date, notes)
 *   asset_agents         every agent that has reported for a managed
 *                        asset (a renamed or re-enrolled PC keeps its
 *                        asset)
 *   asset_addrs          MAC and IP addresses of managed assets, from
 *                        their current snapshot: what is NOT an
 *                        unmanaged device
 *   inventory_snapshots  one row per distinct snapshot of an asset, stored
 *                        only when the hash changes: zlib-compressed
 *                        canonical JSON, its hash, when it was collected,
 *                        received and last confirmed (an inventory_unchanged
 *                        with the same hash)
 *
 * Times are UTC ms.  Every function runs inside the caller's transaction
 * (the ingest hook's) or, for the admin ones, as a single statement.
 */
#ifndef SHAOBING_STORE_ASSET_H
#define SHAOBING_STORE_ASSET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/store.h"

#define ASSET_HASH_HEX		65
#define ASSET_SNAPSHOT_MAX	(64u << 20)	/* inflated JSON, bytes */

/* Migration SQL appended to store.c's migrations[]. */
extern const char store_asset_migration[];

struct store_asset_managed {
	const char	*machine_id;
	const char	*name;		/* hostname, else agent name */
	const char	*os;		/* pretty name, may be "" */
	const char	*ip;		/* first IPv4, may be "" */
	const char	*mac;		/* first MAC, may be "" */
	int64_t		 agent_id;
	int64_t		 seen_ms;	/* collector clock */
};

/*
 * The managed asset of m->machine_id, created on first sight; name, OS,
 * addresses, agent and last_seen follow the latest report (fields given
 * as NULL are left alone).  *created 1 when new.  0, or -1 with err.
 */
int	store_asset_managed_upsert(struct store *st,
	    const struct store_asset_managed *m, int64_t *asset_id,
	    int *created, char *err, size_t errlen);

/* Latest snapshot of an asset: 0 (id, hash filled), 1 none, -1 error. */
int	store_asset_snapshot_last(struct store *st, int64_t asset_id,
	    int64_t *snap_id, char hash[ASSET_HASH_HEX], char *err,
	    size_t errlen);
/*
 * A snapshot's JSON (inflated and parsed, a new reference): 0, 1 no such
 * snapshot, -1 error (a damaged row is an error naming it).
 */
int	store_asset_snapshot_load(struct store *st, int64_t snap_id,
	    json_t **snap, char *err, size_t errlen);
/* Store a new snapshot (compressed).  0 with *snap_id, -1 with err. */
int	store_asset_snapshot_add(struct store *st, int64_t asset_id,
	    int64_t agent_id, int64_t event_id, const char *hash,
	    int64_t collected_ms, int64_t received_ms, const json_t *snap,
	    int64_t *snap_id, size_t *stored_bytes, char *err, size_t errlen);
/* An unchanged report with the same hash: last_confirmed = ms. */
int	store_asset_snapshot_confirm(struct store *st, int64_t snap_id,
	    int64_t ms, char *err, size_t errlen);
/*
 * Snapshot in effect at ms (the newest collected at or before it, else
 * the oldest): 0, 1 none, -1 error.
 */
int	store_asset_snapshot_at(struct store *st, int64_t asset_id, int64_t ms,
	    int64_t *snap_id, char *err, size_t errlen);
/* [{"id","hash","collected","received","confirmed","bytes"}] oldest first. */
int	store_asset_snapshot_list(struct store *st, int64_t asset_id,
	    json_t **out, char *err, size_t errlen);

/*
 * Replace the addresses of a managed asset: macs and ips are arrays of
 * strings (lower-case MACs).  Unmanaged rows with one of these MACs are
 * removed (the device has an agent now); *absorbed counts them.
 */
int	store_asset_addrs_set(struct store *st, int64_t asset_id,
	    const json_t *macs, const json_t *ips, int *absorbed, char *err,
	    size_t errlen);
/* 1 when mac or ip (either may be NULL) belongs to a managed asset. */
int	store_asset_addr_managed(struct store *st, const char *mac,
	    const char *ip, char *err, size_t errlen);

/*
 * A device without an agent seen at ms: upsert by MAC (lower-case
 * "aa:bb:cc:dd:ee:ff"); ip, vendor, source replace the old ones when
 * not empty.  *created 1 when new.
 */
int	store_asset_unmanaged_seen(struct store *st, const char *mac,
	    const char *ip, const char *vendor, const char *source, int64_t ms,
	    int *created, char *err, size_t errlen);

/* A monitored target (website): upsert by name with its state. */
int	store_asset_target_seen(struct store *st, const char *name,
	    const char *host, int up, int64_t ms, const char *device_kind,
	    const char *vendor, const char *model, char *err, size_t errlen);

/*
 * The register: every asset (kind NULL: all kinds), plus agents that
 * never sent an inventory (kind managed, "id": null), as a new array of
 * {"id","kind","name","agent","machine_id","os","ip","mac","vendor",
 *  "source","first_seen","last_seen","status","tag","owner",
 *  "department","location","purchase_date","notes","snapshots"}.
 * status: managed "up"/"down" (agent's last contact vs gap_factor x its
 * heartbeat interval), target "up"/"down" (last check), unmanaged
 * "present"/"absent" (seen within absent_ms).
 */
int	store_asset_list(struct store *st, const char *kind, int64_t now_ms,
	    double gap_factor, int64_t absent_ms, json_t **out, char *err,
	    size_t errlen);
/* One asset as in the list (0), 1 unknown id, -1 error. */
int	store_asset_get(struct store *st, int64_t id, int64_t now_ms,
	    double gap_factor, int64_t absent_ms, json_t **out, char *err,
	    size_t errlen);

/*
 * Set admin fields of asset id from an object of already validated
 * strings (asset_fields_check()).  0, 1 unknown id, -1 error.  One
 * transaction.
 */
int	store_asset_set(struct store *st, int64_t id, const json_t *fields,
	    int64_t now_ms, char *err, size_t errlen);

#endif
