/*
 * The asset register (issue 5): what the office owns and what changed.
 *
 * asset_hook() is a store event hook (store_add_event_hook):
 *   inventory            the managed asset of the snapshot's machine-id
 *                        (created on first sight; name, OS and addresses
 *                        follow the latest report, so a renamed PC or a
 *                        re-enrolled agent stays one asset).  When the
 *                        hash differs from the asset's last snapshot the
 *                        snapshot is stored (compressed) and every change
 *                        common/inventory_diff finds becomes a derived
 *                        event of the agent (store_insert_derived: type
 *                        = the change type, data = the change record
 *                        plus asset_id; "matters" decides whether the
 *                        incidents engine opens an incident).  The same
 *                        hash only confirms the stored snapshot.
 *   inventory_unchanged  confirms the snapshot, refreshes last_seen
 *   inventory(_unchanged) volatile.neighbours, new_device (packet
 *                        engine): devices without an agent become
 *                        'unmanaged' assets by MAC (vendor from the IEEE
 *                        OUI table), unless the MAC or IP belongs to a
 *                        managed asset
 *   availability         the target (website) becomes a 'target' asset
 * Derived events are never looked at again (no derivation from a
 * derived event).  "server" for inventory_diff is the agent's schedule:
 * [schedule] always names the servers.
 */
#ifndef SHAOBING_ASSET_H
#define SHAOBING_ASSET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/collector.h"
#include "collector/store.h"
#include "common/oui.h"

#define ASSET_ABSENT_MS		(7LL * 86400000)  /* unmanaged: "absent" after */
#define ASSET_OUI_DEFAULT	"/usr/share/ieee-data/oui.txt"

/* ---- validation ------------------------------------------------------ */

/*
 * Normalise a MAC "AA-BB-CC-DD-EE-FF" / "aa:bb:..." into lower-case
 * colon form (out >= 18 bytes).  -1 when it is not a unicast, non-zero
 * 6-byte MAC (broadcast, multicast and 00:00:00:00:00:00 are no devices).
 */
int	asset_mac_norm(const char *in, char *out, size_t outlen);

/*
 * Admin fields: an object of key → string from outside.  Keys: tag,
 * owner, department, location, purchase_date (YYYY-MM-DD, a real date),
 * notes; values valid UTF-8 without control characters (notes may have
 * newlines), at most 256 bytes (notes 2000).  0, or -1 with why naming
 * the key.
 */
int	asset_fields_check(const json_t *fields, char *why, size_t whylen);

/* ---- the hook -------------------------------------------------------- */

struct asset_engine {
	const struct collector_conf	*conf;	/* schedule (servers) */
	const char			*oui_path;
	struct oui_table		*oui;	/* loaded on first need */
	int				 oui_tried;
	uint64_t			 snapshots, derived, devices;
};

int	asset_hook(void *arg, struct store *st,
	    const struct store_event_ctx *ctx, char *err, size_t errlen);
void	asset_engine_free(struct asset_engine *ae);

/*
 * Changes of asset id between the snapshot in effect at since_ms
 * (INT64_MIN: the one before the latest) and the latest, as
 * {"asset_id","from":{id,hash,collected},"to":{...},"changes":[...]}
 * (inventory_diff records).  0, 1 unknown asset or no snapshot, -1.
 */
int	asset_diff(struct store *st, const struct collector_conf *cc,
	    int64_t id, int64_t since_ms, json_t **out, char *err,
	    size_t errlen);

/* ---- admin API (rows of access.c's admin table) --------------------- */

struct api;
struct api_request;
struct api_response;

/*
 * The register as the API shows it (asset_api.c): a new array of
 * {"id","kind","name","agent","machine_id","os","ip","mac","vendor",
 *  "source","first_seen","last_seen","status","tag","owner",
 *  "department","location","purchase_date","notes","snapshots"} (+
 * "device_kind", "model" for agentless equipment), agents that never
 * sent an inventory with "id": null.  0 or -1 with err.
 */
int	asset_list_json(struct store *st, const char *kind, int64_t now_ms,
	    double gap_factor, int64_t absent_ms, json_t **out, char *err,
	    size_t errlen);
/* One asset as in the list (0), 1 unknown id, -1 error. */
int	asset_get_json(struct store *st, int64_t id, int64_t now_ms,
	    double gap_factor, int64_t absent_ms, json_t **out, char *err,
	    size_t errlen);
/* [{"id","hash","collected","received","confirmed","json_bytes",
   "stored_bytes"}] oldest first.  0 or -1 with err. */
int	asset_snapshots_json(struct store *st, int64_t id, json_t **out,
	    char *err, size_t errlen);
struct asset_row;
/*
 * status: managed "up"/"down" (agent's last contact vs gap_factor x its
 * heartbeat interval), target "up"/"down" (last check), unmanaged
 * "present"/"absent" (seen within absent_ms).
 */
const char *asset_status(const struct asset_row *a, int64_t now_ms,
	    double gap_factor, int64_t absent_ms);

/* GET /api/v1/admin/assets[?kind=managed|unmanaged|target] */
void	asset_api_list(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
/* GET /api/v1/admin/asset?id=N (with the current snapshot and its
   history); POST with {"tag":..,...} sets admin fields. */
void	asset_api_one(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
/* GET /api/v1/admin/asset/diff?id=N[&since=ISO_UTC] */
void	asset_api_diff(struct api *api, const struct api_request *rq,
	    struct api_response *rs);

#endif
