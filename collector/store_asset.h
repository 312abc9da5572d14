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
/* A stored inventory snapshot (without its data); hash valid in the call. */
struct asset_snapshot_row {
	int64_t		 id;
	const char	*hash;
	int64_t		 collected_ms;	/* agent clock */
	int64_t		 received_ms;
	int64_t		 confirmed_ms;	/* the same hash last seen */
	int64_t		 json_bytes;	/* the report as sent */
	int64_t		 stored_bytes;	/* as kept */
};
typedef int (*store_snapshot_fn)(void *arg,
    const struct asset_snapshot_row *sn, char *err, size_t errlen);
/* fn for the asset's snapshots, oldest first.  0 or -1 with err. */
int	store_asset_snapshot_list(struct store *st, int64_t asset_id,
	    store_snapshot_fn fn, void *arg, char *err, size_t errlen);

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
 * An asset of the register; texts are "" when empty (agent and
 * machine_id NULL when none) and valid during the call only.
 */
struct asset_row {
	int64_t		 id;		/* 0: an agent that never sent an
					   inventory (kind managed) */
	const char	*kind;		/* managed, unmanaged, target */
	const char	*name;
	const char	*agent;
	const char	*machine_id;
	const char	*os, *ip, *mac, *vendor, *source;
	int64_t		 first_seen_ms;
	int64_t		 last_seen_ms;
	int		 up;		/* target: its last check */
	const char	*tag, *owner, *department, *location;
	const char	*purchase_date, *notes;
	int64_t		 agent_last_seen_ms;	/* managed: its agent's last
						   contact, STORE_NO_TIME
						   without an agent */
	int64_t		 agent_heartbeat_ms;	/* its heartbeat interval */
	int64_t		 snapshots;	/* inventory snapshots kept */
	const char	*device_kind;	/* agentless equipment: printer, ... */
	const char	*model;
};
typedef int (*store_asset_fn)(void *arg, const struct asset_row *a,
    char *err, size_t errlen);

/*
 * The register: fn for every asset of kind (NULL: all kinds), plus, for
 * managed, the agents that never sent an inventory, by kind and name.
 * 0 or -1 with err.
 */
int	store_asset_list(struct store *st, const char *kind, store_asset_fn fn,
	    void *arg, char *err, size_t errlen);
/* fn for asset id: 0, 1 unknown id, -1 error. */
int	store_asset_get(struct store *st, int64_t id, store_asset_fn fn,
	    void *arg, char *err, size_t errlen);

/* The admin fields of an asset, already validated; NULL: leave as is. */
struct asset_fields {
	const char	*tag, *owner, *department, *location;
	const char	*purchase_date, *notes;
};

/*
 * Set the non-NULL fields of asset id.  0, 1 unknown id, -1 error.  One
 * transaction.
 */
int	store_asset_set(struct store *st, int64_t id,
	    const struct asset_fields *f, int64_t now_ms, char *err,
	    size_t errlen);

#endif
