/*
 * The asset register's tables and queries.  See store_asset.h.
 *
 * Snapshots are kept compressed (zlib over compact JSON with sorted
 * keys) and only when the hash changes: a desktop's snapshot is about
 * 100-200 KB of JSON, 10-20 KB compressed, and it changes when packages
 * are upgraded (weekly at most on an office PC), so keeping every
 * distinct snapshot with its dates costs about 1 MB per machine per
 * year — small next to the events table, and it lets `shaobing assets
 * diff --since` compare any two dates long after the 180-day event
 * retention has removed the raw inventory events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "collector/store_asset.h"
#include "collector/store_priv.h"

const char store_asset_migration[] =
	"ALTER TABLE agents ADD COLUMN derived_seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE assets ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('managed', 'unmanaged', 'target')),"
	"  name TEXT NOT NULL,"
	"  machine_id TEXT,"			/* managed */
	"  agent_id INTEGER REFERENCES agents(id),"	/* managed: latest */
	"  os TEXT NOT NULL DEFAULT '',"
	"  ip TEXT NOT NULL DEFAULT '',"
	"  mac TEXT NOT NULL DEFAULT '',"
	"  vendor TEXT NOT NULL DEFAULT '',"
	"  source TEXT NOT NULL DEFAULT '',"	/* unmanaged: who saw it */
	"  up INTEGER,"				/* target: last check */
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  tag TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  department TEXT NOT NULL DEFAULT '',"
	"  location TEXT NOT NULL DEFAULT '',"
	"  purchase_date TEXT NOT NULL DEFAULT '',"	/* YYYY-MM-DD */
	"  notes TEXT NOT NULL DEFAULT '',"
	"  updated INTEGER"			/* last edit by a person */
	");"
	"CREATE UNIQUE INDEX assets_machine ON assets(machine_id) "
	"  WHERE kind = 'managed';"
	"CREATE UNIQUE INDEX assets_unmanaged ON assets(mac) "
	"  WHERE kind = 'unmanaged';"
	"CREATE UNIQUE INDEX assets_target ON assets(name) WHERE kind = 'target';"
	"CREATE INDEX assets_kind ON assets(kind, name);"
	"CREATE TABLE asset_agents ("
	"  asset_id INTEGER NOT NULL REFERENCES assets(id),"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (asset_id, agent_id)"
	");"
	"CREATE INDEX asset_agents_agent ON asset_agents(agent_id);"
	"CREATE TABLE asset_addrs ("
	"  asset_id INTEGER NOT NULL REFERENCES assets(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('mac', 'ip')),"
	"  addr TEXT NOT NULL,"
	"  PRIMARY KEY (kind, addr, asset_id)"
	");"
	"CREATE INDEX asset_addrs_asset ON asset_addrs(asset_id);"
	"CREATE TABLE inventory_snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  asset_id INTEGER NOT NULL REFERENCES assets(id),"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  event_id INTEGER NOT NULL,"		/* the inventory event */
	"  hash TEXT NOT NULL,"
	"  collected INTEGER NOT NULL,"		/* agent clock */
	"  received INTEGER NOT NULL,"		/* collector clock */
	"  confirmed INTEGER NOT NULL,"		/* last report with this hash */
	"  raw_bytes INTEGER NOT NULL,"		/* inflated JSON */
	"  data BLOB NOT NULL"			/* zlib */
	");"
	"CREATE INDEX inventory_snapshots_asset ON "
	"  inventory_snapshots(asset_id, collected);";

/* Step a statement that returns no rows, then finalize it. */
static int
done(struct store *st, struct db_stmt *s, const char *what, char *err,
    size_t errlen)
{
	int rc = db_step(s);

	if (rc != DB_DONE)
		store_db_err(st, what, err, errlen);
	db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/*
 * The ingest path (inventory, devices, targets) uses the store's cached
 * statements: prepared once, released (reset) after use.
 */
static int
cached(struct store *st, enum store_stmt_id id, const char *sql,
    struct db_stmt **s, char *err, size_t errlen)
{
	return (*s = store_stmt(st, id, sql, err, errlen)) == NULL ? -1 : 0;
}

static void
bind_text_or_null(struct db_stmt *s, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(s, i);
	else
		db_bind_text(s, i, v, -1);
}

int
store_asset_managed_upsert(struct store *st, const struct store_asset_managed *m,
    int64_t *asset_id, int *created, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc;

	*created = 0;
	if (cached(st, STMT_ASSET_MANAGED_GET,
	    "SELECT id FROM assets WHERE kind = 'managed' AND "
	    "machine_id = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, m->machine_id, -1);
	rc = db_step(s);
	if (rc == DB_ROW)
		*asset_id = db_column_int64(s, 0);
	store_stmt_release(s);
	s = NULL;
	if (rc != DB_ROW && rc != DB_DONE) {
		store_db_err(st, "looking up an asset", err, errlen);
		return -1;
	}
	if (rc == DB_DONE) {
		if (cached(st, STMT_ASSET_MANAGED_ADD,
		    "INSERT INTO assets (kind, name, machine_id, "
		    "agent_id, os, ip, mac, first_seen, last_seen) VALUES "
		    "('managed', ?1, ?2, ?3, coalesce(?4, ''), coalesce(?5, ''), "
		    "coalesce(?6, ''), ?7, ?7) RETURNING id", &s, err,
		    errlen) == -1)
			return -1;
		db_bind_text(s, 1, m->name, -1);
		db_bind_text(s, 2, m->machine_id, -1);
		db_bind_int64(s, 3, m->agent_id);
		bind_text_or_null(s, 4, m->os);
		bind_text_or_null(s, 5, m->ip);
		bind_text_or_null(s, 6, m->mac);
		db_bind_int64(s, 7, m->seen_ms);
		rc = store_step_id(st, s, "adding an asset", asset_id, err,
		    errlen);
		store_stmt_release(s);
		if (rc != 1)
			return -1;
		*created = 1;
	} else {
		if (cached(st, STMT_ASSET_MANAGED_UPDATE,
		    "UPDATE assets SET name = coalesce(?2, name), "
		    "agent_id = ?3, os = coalesce(?4, os), ip = coalesce(?5, ip), "
		    "mac = coalesce(?6, mac), last_seen = greatest(last_seen, ?7) "
		    "WHERE id = ?1", &s, err, errlen) == -1)
			return -1;
		db_bind_int64(s, 1, *asset_id);
		bind_text_or_null(s, 2, m->name);
		db_bind_int64(s, 3, m->agent_id);
		bind_text_or_null(s, 4, m->os);
		bind_text_or_null(s, 5, m->ip);
		bind_text_or_null(s, 6, m->mac);
		db_bind_int64(s, 7, m->seen_ms);
		if (store_stmt_done(st, s, "updating an asset", err, errlen) == -1)
			return -1;
	}
	if (cached(st, STMT_ASSET_AGENT_LINK,
	    "INSERT INTO asset_agents (asset_id, agent_id, first_seen, "
	    "last_seen) VALUES (?1, ?2, ?3, ?3) ON CONFLICT (asset_id, agent_id) "
	    "DO UPDATE SET last_seen = greatest(asset_agents.last_seen, ?3)", &s,
	    err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, *asset_id);
	db_bind_int64(s, 2, m->agent_id);
	db_bind_int64(s, 3, m->seen_ms);
	return store_stmt_done(st, s, "linking an agent to its asset", err, errlen);
}

int
store_asset_snapshot_last(struct store *st, int64_t asset_id, int64_t *snap_id,
    char hash[ASSET_HASH_HEX], char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc;

	if (cached(st, STMT_ASSET_SNAPSHOT_LAST,
	    "SELECT id, hash FROM inventory_snapshots WHERE "
	    "asset_id = ?1 ORDER BY id DESC LIMIT 1", &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, asset_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*snap_id = db_column_int64(s, 0);
		snprintf(hash, ASSET_HASH_HEX, "%s",
		    db_column_text(s, 1));
	}
	store_stmt_release(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return 1;
	store_db_err(st, "reading the last snapshot", err, errlen);
	return -1;
}

int
store_asset_snapshot_load(struct store *st, int64_t snap_id, json_t **snap,
    char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	unsigned char	*raw = NULL;
	uLongf		 rawlen;
	int64_t		 want;
	json_error_t	 jerr;
	int		 rc = -1, step;

	*snap = NULL;
	if (cached(st, STMT_ASSET_SNAPSHOT_LOAD,
	    "SELECT raw_bytes, data FROM inventory_snapshots WHERE "
	    "id = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, snap_id);
	step = db_step(s);
	if (step == DB_DONE) {
		rc = 1;
		goto out;
	}
	if (step != DB_ROW) {
		store_db_err(st, "reading a snapshot", err, errlen);
		goto out;
	}
	want = db_column_int64(s, 0);
	if (want <= 0 || want > (int64_t)ASSET_SNAPSHOT_MAX) {
		snprintf(err, errlen, "%s: snapshot %" PRId64 ": size %" PRId64
		    " out of range", store_name(st), snap_id, want);
		goto out;
	}
	if ((raw = malloc((size_t)want)) == NULL) {
		snprintf(err, errlen, "snapshot %" PRId64 ": out of memory",
		    snap_id);
		goto out;
	}
	rawlen = (uLongf)want;
	if (uncompress(raw, &rawlen, db_column_blob(s, 1),
	    (uLong)db_column_bytes(s, 1)) != Z_OK ||
	    (int64_t)rawlen != want) {
		snprintf(err, errlen, "%s: snapshot %" PRId64 " is damaged "
		    "(does not inflate to %" PRId64 " bytes)", store_name(st),
		    snap_id, want);
		goto out;
	}
	if ((*snap = json_loadb((const char *)raw, rawlen, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "%s: snapshot %" PRId64 " is damaged: %s",
		    store_name(st), snap_id, jerr.text);
		goto out;
	}
	rc = 0;
out:
	free(raw);
	store_stmt_release(s);
	return rc;
}

int
store_asset_snapshot_add(struct store *st, int64_t asset_id, int64_t agent_id,
    int64_t event_id, const char *hash, int64_t collected_ms,
    int64_t received_ms, const json_t *snap, int64_t *snap_id,
    size_t *stored_bytes, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	char		*text = NULL;
	unsigned char	*z = NULL;
	uLongf		 zlen;
	size_t		 len;
	int		 rc = -1;

	if ((text = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		snprintf(err, errlen, "snapshot: cannot serialise (out of memory)");
		goto out;
	}
	len = strlen(text);
	if (len > ASSET_SNAPSHOT_MAX) {
		snprintf(err, errlen, "snapshot of %zu bytes is larger than %u",
		    len, ASSET_SNAPSHOT_MAX);
		goto out;
	}
	zlen = compressBound((uLong)len);
	if ((z = malloc(zlen)) == NULL ||
	    compress2(z, &zlen, (const Bytef *)text, (uLong)len, 6) != Z_OK) {
		snprintf(err, errlen, "snapshot: cannot compress (out of memory)");
		goto out;
	}
	if (cached(st, STMT_ASSET_SNAPSHOT_ADD,
	    "INSERT INTO inventory_snapshots (asset_id, agent_id, "
	    "event_id, hash, collected, received, confirmed, raw_bytes, data) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8) RETURNING id", &s, err,
	    errlen) == -1)
		goto out;
	db_bind_int64(s, 1, asset_id);
	db_bind_int64(s, 2, agent_id);
	db_bind_int64(s, 3, event_id);
	db_bind_text(s, 4, hash, -1);
	db_bind_int64(s, 5, collected_ms);
	db_bind_int64(s, 6, received_ms);
	db_bind_int64(s, 7, (int64_t)len);
	db_bind_blob(s, 8, z, (int)zlen);
	rc = store_step_id(st, s, "storing a snapshot", snap_id, err,
	    errlen) == 1 ? 0 : -1;
	if (rc == 0) {
		if (stored_bytes != NULL)
			*stored_bytes = zlen;
	}
out:
	store_stmt_release(s);
	free(z);
	free(text);
	return rc;
}

int
store_asset_snapshot_confirm(struct store *st, int64_t snap_id, int64_t ms,
    char *err, size_t errlen)
{
	struct db_stmt *s = NULL;

	if (cached(st, STMT_ASSET_SNAPSHOT_CONFIRM,
	    "UPDATE inventory_snapshots SET confirmed = "
	    "greatest(confirmed, ?2) WHERE id = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, snap_id);
	db_bind_int64(s, 2, ms);
	return store_stmt_done(st, s, "confirming a snapshot", err, errlen);
}

int
store_asset_snapshot_at(struct store *st, int64_t asset_id, int64_t ms,
    int64_t *snap_id, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc;

	if (cached(st, STMT_ASSET_SNAPSHOT_AT,
	    "SELECT id FROM inventory_snapshots WHERE asset_id = ?1 "
	    "ORDER BY (collected <= ?2) DESC, CASE WHEN collected <= ?2 THEN "
	    "-collected ELSE collected END, id LIMIT 1", &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, asset_id);
	db_bind_int64(s, 2, ms);
	rc = db_step(s);
	if (rc == DB_ROW)
		*snap_id = db_column_int64(s, 0);
	store_stmt_release(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return 1;
	store_db_err(st, "finding a snapshot by date", err, errlen);
	return -1;
}

struct asset_walk {
	store_asset_fn		 fn;
	store_snapshot_fn	 snap_fn;
	void			*arg;
};

static int
snapshot_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct asset_walk		*w = arg;
	struct asset_snapshot_row	 sn = {
		.id = store_col_int(r, 0),
		.hash = store_col_text(r, 1),
		.collected_ms = store_col_int(r, 2),
		.received_ms = store_col_int(r, 3),
		.confirmed_ms = store_col_int(r, 4),
		.json_bytes = store_col_int(r, 5),
		.stored_bytes = store_col_int(r, 6),
	};

	return w->snap_fn(w->arg, &sn, err, errlen) == -1 ? -1 : 0;
}

int
store_asset_snapshot_list(struct store *st, int64_t asset_id,
    store_snapshot_fn fn, void *arg, char *err, size_t errlen)
{
	struct asset_walk w = { .snap_fn = fn, .arg = arg };

	return store_query(st, STORE_ONCE, "SELECT id, hash, collected, "
	    "received, confirmed, raw_bytes, length(data) FROM "
	    "inventory_snapshots WHERE asset_id = ?1 ORDER BY id",
	    "listing snapshots", snapshot_row, &w, err, errlen, "I",
	    asset_id) == -1 ? -1 : 0;
}

static int
addrs_insert(struct store *st, int64_t asset_id, const char *kind,
    const json_t *list, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	const json_t	*v;
	size_t		 i;
	int		 rc = 0;

	if (cached(st, STMT_ASSET_ADDR_ADD,
	    "INSERT INTO asset_addrs (asset_id, kind, addr) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", &s, err, errlen) == -1)
		return -1;
	json_array_foreach(list, i, v) {
		if (!json_is_string(v))
			continue;
		db_bind_int64(s, 1, asset_id);
		db_bind_text(s, 2, kind, -1);
		db_bind_text(s, 3, json_string_value(v), -1);
		if (db_step(s) != DB_DONE) {
			store_db_err(st, "recording an address", err, errlen);
			rc = -1;
			break;
		}
		db_reset(s);
	}
	store_stmt_release(s);
	return rc;
}

int
store_asset_addrs_set(struct store *st, int64_t asset_id, const json_t *macs,
    const json_t *ips, int *absorbed, char *err, size_t errlen)
{
	struct db_stmt *s = NULL;

	*absorbed = 0;
	if (cached(st, STMT_ASSET_ADDRS_CLEAR,
	    "DELETE FROM asset_addrs WHERE asset_id = ?1", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_int64(s, 1, asset_id);
	if (store_stmt_done(st, s, "replacing addresses", err, errlen) == -1 ||
	    addrs_insert(st, asset_id, "mac", macs, err, errlen) == -1 ||
	    addrs_insert(st, asset_id, "ip", ips, err, errlen) == -1)
		return -1;
	/* A device first seen without an agent that now runs one. */
	if (cached(st, STMT_ASSET_ABSORB,
	    "DELETE FROM assets WHERE kind = 'unmanaged' AND mac IN "
	    "(SELECT addr FROM asset_addrs WHERE asset_id = ?1 AND kind = 'mac')",
	    &s, err, errlen) == -1)
		return -1;
	db_bind_int64(s, 1, asset_id);
	if (store_stmt_done(st, s, "removing absorbed devices", err, errlen) == -1)
		return -1;
	*absorbed = db_changes(store_db(st));
	return 0;
}

int
store_asset_addr_managed(struct store *st, const char *mac, const char *ip,
    char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc;

	if (cached(st, STMT_ASSET_ADDR_MANAGED,
	    "SELECT 1 FROM asset_addrs WHERE (kind = 'mac' AND "
	    "addr = ?1) OR (kind = 'ip' AND addr = ?2) LIMIT 1", &s, err,
	    errlen) == -1)
		return -1;
	bind_text_or_null(s, 1, mac);
	bind_text_or_null(s, 2, ip);
	rc = db_step(s);
	store_stmt_release(s);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	store_db_err(st, "checking an address", err, errlen);
	return -1;
}

int
store_asset_unmanaged_seen(struct store *st, const char *mac, const char *ip,
    const char *vendor, const char *source, int64_t ms, int *created,
    char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;

	*created = 0;
	if (cached(st, STMT_ASSET_UNMANAGED_UPDATE,
	    "UPDATE assets SET ip = CASE WHEN ?2 <> '' THEN ?2 ELSE ip "
	    "END, vendor = CASE WHEN ?3 <> '' THEN ?3 ELSE vendor END, "
	    "source = CASE WHEN ?4 <> '' THEN ?4 ELSE source END, "
	    "name = CASE WHEN ?2 <> '' AND name = ip THEN ?2 ELSE name END, "
	    "last_seen = greatest(last_seen, ?5), "
	    "first_seen = least(first_seen, ?5) "
	    "WHERE kind = 'unmanaged' AND mac = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, mac, -1);
	db_bind_text(s, 2, ip ? ip : "", -1);
	db_bind_text(s, 3, vendor ? vendor : "", -1);
	db_bind_text(s, 4, source ? source : "", -1);
	db_bind_int64(s, 5, ms);
	if (store_stmt_done(st, s, "updating a device", err, errlen) == -1)
		return -1;
	if (db_changes(store_db(st)) > 0)
		return 0;
	if (cached(st, STMT_ASSET_UNMANAGED_ADD,
	    "INSERT INTO assets (kind, name, mac, ip, vendor, source, "
	    "first_seen, last_seen) VALUES ('unmanaged', CASE WHEN ?2 <> '' "
	    "THEN ?2 ELSE ?1 END, ?1, ?2, ?3, ?4, ?5, ?5)", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_text(s, 1, mac, -1);
	db_bind_text(s, 2, ip ? ip : "", -1);
	db_bind_text(s, 3, vendor ? vendor : "", -1);
	db_bind_text(s, 4, source ? source : "", -1);
	db_bind_int64(s, 5, ms);
	if (store_stmt_done(st, s, "adding a device", err, errlen) == -1)
		return -1;
	*created = 1;
	return 0;
}

int
store_asset_target_write(struct store *st, const struct store_target_row *r,
    char *err, size_t errlen)
{
	struct db_stmt *s = NULL;

	/* A device's kind, vendor and model: the latest check's, when it
	   says (an ICMP check knows only the kind). */
	if (cached(st, STMT_ASSET_TARGET_SEEN,
	    "INSERT INTO assets (kind, name, ip, up, first_seen, "
	    "last_seen, device_kind, vendor, model) VALUES ('target', ?1, ?2, "
	    "?3, ?8, ?4, coalesce(?5, ''), coalesce(?6, ''), coalesce(?7, '')) "
	    "ON CONFLICT (name) WHERE kind = 'target' DO UPDATE SET "
	    "ip = excluded.ip, "
	    "up = CASE WHEN ?4 >= assets.last_seen THEN ?3 ELSE assets.up END, "
	    "device_kind = coalesce(?5, assets.device_kind), "
	    "vendor = coalesce(?6, assets.vendor), "
	    "model = coalesce(?7, assets.model), "
	    "last_seen = greatest(assets.last_seen, ?4)", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_text(s, 1, r->name, -1);
	db_bind_text(s, 2, r->host ? r->host : "", -1);
	db_bind_int(s, 3, r->up != 0);
	db_bind_int64(s, 4, r->last);
	for (int i = 0; i < 3; i++) {
		const char *v = i == 0 ? r->kind : i == 1 ? r->vendor :
		    r->model;

		if (v != NULL)
			db_bind_text(s, 5 + i, v, -1);
		else
			db_bind_null(s, 5 + i);
	}
	db_bind_int64(s, 8, r->first);
	return store_stmt_done(st, s, "recording a target", err, errlen);
}

int
store_asset_target_seen(struct store *st, const char *name, const char *host,
    int up, int64_t ms, const char *device_kind, const char *vendor,
    const char *model, char *err, size_t errlen)
{
	struct store_target_row r = {
		.name = name, .host = host ? host : "", .up = up != 0,
		.first = ms, .last = ms, .kind = device_kind,
		.vendor = vendor, .model = model,
	};
	int held;

	/* On the fast path, one upsert per target at COMMIT. */
	if ((held = store_behind_target(st, &r, err, errlen)) != 0)
		return held < 0 ? -1 : 0;
	return store_asset_target_write(st, &r, err, errlen);
}

/* Columns shared by the list and the single asset. */
#define ASSET_COLS \
	"SELECT s.id, s.kind, s.name, a.name, s.machine_id, s.os, s.ip, " \
	"s.mac, s.vendor, s.source, s.first_seen, s.last_seen, s.up, s.tag, " \
	"s.owner, s.department, s.location, s.purchase_date, s.notes, " \
	"a.last_seen, a.heartbeat_interval_ms, (SELECT count(*) FROM " \
	"inventory_snapshots i WHERE i.asset_id = s.id), s.device_kind, " \
	"s.model FROM assets s " \
	"LEFT JOIN agents a ON a.id = s.agent_id "
/* Agents that never sent an inventory, in the same shape. */
#define AGENT_COLS \
	"SELECT NULL, 'managed', a.name, a.name, NULL, '', '', '', '', '', " \
	"a.first_seen, a.last_seen, NULL, '', '', '', '', '', '', " \
	"a.last_seen, a.heartbeat_interval_ms, 0, '', '' FROM agents a WHERE NOT " \
	"EXISTS (SELECT 1 FROM asset_agents x WHERE x.agent_id = a.id) "

/* A text column, "" for NULL. */
static const char *
col(const struct store_row *r, int i)
{
	const char *v = store_col_text(r, i);

	return v ? v : "";
}

static int
asset_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct asset_walk	*w = arg;
	struct asset_row	 a = {
		.id = store_col_int(r, 0),
		.kind = col(r, 1),
		.name = col(r, 2),
		.agent = store_col_text(r, 3),
		.machine_id = store_col_text(r, 4),
		.os = col(r, 5),
		.ip = col(r, 6),
		.mac = col(r, 7),
		.vendor = col(r, 8),
		.source = col(r, 9),
		.first_seen_ms = store_col_int(r, 10),
		.last_seen_ms = store_col_int(r, 11),
		.up = store_col_int(r, 12) != 0,
		.tag = col(r, 13),
		.owner = col(r, 14),
		.department = col(r, 15),
		.location = col(r, 16),
		.purchase_date = col(r, 17),
		.notes = col(r, 18),
		.agent_last_seen_ms = store_col_time(r, 19),
		.agent_heartbeat_ms = store_col_int(r, 20),
		.snapshots = store_col_int(r, 21),
		.device_kind = col(r, 22),
		.model = col(r, 23),
	};

	return w->fn(w->arg, &a, err, errlen) == -1 ? -1 : 0;
}

int
store_asset_list(struct store *st, const char *kind, store_asset_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct asset_walk	w = { .fn = fn, .arg = arg };
	int			agents = kind == NULL ||
	    strcmp(kind, "managed") == 0;

	return store_query(st, STORE_ONCE, agents ?
	    ASSET_COLS "WHERE CAST(?1 AS TEXT) IS NULL OR s.kind = ?1 UNION ALL "
	    AGENT_COLS "ORDER BY 2, 3, 4 NULLS FIRST, 1 NULLS FIRST" :
	    ASSET_COLS "WHERE s.kind = ?1 ORDER BY 2, 3, 4 NULLS FIRST, 1 NULLS FIRST", "listing assets",
	    asset_row, &w, err, errlen, "s", kind) == -1 ? -1 : 0;
}

int
store_asset_get(struct store *st, int64_t id, store_asset_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct asset_walk	w = { .fn = fn, .arg = arg };
	int			n;

	n = store_query(st, STORE_ONCE, ASSET_COLS "WHERE s.id = ?1",
	    "reading an asset", asset_row, &w, err, errlen, "I", id);
	return n == -1 ? -1 : n == 0 ? 1 : 0;
}

int
store_asset_set(struct store *st, int64_t id, const struct asset_fields *f,
    int64_t now_ms, char *err, size_t errlen)
{
	/* Column names come from this fixed list only, never from input. */
	const struct {
		const char	*col, *v;
	} cols[] = { { "tag", f->tag }, { "owner", f->owner },
		{ "department", f->department }, { "location", f->location },
		{ "purchase_date", f->purchase_date }, { "notes", f->notes } };
	struct db *db = store_db(st);
	struct db_stmt	*s = NULL;
	char		 sql[128];
	int		 rc = -1, found;

	if (db_begin_write(db) != 0) {
		store_db_err(st, "BEGIN", err, errlen);
		return -1;
	}
	if (store_prepare(st, "SELECT 1 FROM assets WHERE id = ?1", &s, err, errlen) == -1)
		goto fail;
	db_bind_int64(s, 1, id);
	found = db_step(s) == DB_ROW;
	db_finalize(s);
	s = NULL;
	if (!found) {
		rc = 1;
		goto fail;
	}
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const char *v = cols[i].v;

		if (v == NULL)
			continue;
		snprintf(sql, sizeof(sql), "UPDATE assets SET %s = ?2, "
		    "updated = ?3 WHERE id = ?1", cols[i].col);
		if (store_prepare(st, sql, &s, err, errlen) == -1)
			goto fail;
		db_bind_int64(s, 1, id);
		db_bind_text(s, 2, v, -1);
		db_bind_int64(s, 3, now_ms);
		if (done(st, s, "setting asset fields", err, errlen) == -1)
			goto fail;
		s = NULL;
	}
	if (db_exec(db, "COMMIT") != 0) {
		store_db_err(st, "COMMIT", err, errlen);
		goto fail;
	}
	return 0;
fail:
	db_finalize(s);
	db_exec(db, "ROLLBACK");
	return rc;
}
