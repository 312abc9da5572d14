/*
 * shaobing-collector --migrate-store (collector/store_migrate.c): a store
 * filled through the real store API (agents, events with JSON data, an
 * incident with its trail, an asset with a compressed snapshot, tokens,
 * console users, the admin audit, a rejected event, uptime) is copied
 * into a second SQLite file and, with SHAOBING_TEST_PG, into PostgreSQL;
 * every table is compared row by row, value by value.  A target that
 * holds rows is refused, and a FROM whose audit trail was edited is
 * reported without copying.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/console.h"
#include "collector/incident.h"
#include "collector/store.h"
#include "collector/store_access.h"
#include "collector/store_asset.h"
#include "collector/store_migrate.h"
#include "collector/store_priv.h"
#include "common/event.h"
#include "common/log.h"
#include "tests/unit/db_target.h"

#define T0	1764547200000LL		/* 2025-12-01 00:00 UTC */

struct fx {
	char	 dir[64];
	char	 from[128], to[128];
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	log_init("test_migrate", 0, LOG_LVL_ERROR);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_migrate.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->from, sizeof(f->from), "sqlite://%s/from.db", f->dir);
	snprintf(f->to, sizeof(f->to), "sqlite://%s/to.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* An event hook refusing one key: its event lands in rejected_events. */
static int
refuse_hook(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	(void)arg;
	(void)st;
	if (strcmp(ctx->ev->key, "refused") != 0)
		return 0;
	snprintf(err, errlen, "test hook refuses this event");
	return -1;
}

static void
put(struct store *st, const char *agent, uint64_t seq, const char *type,
    enum severity sev, const char *key, json_t *data)
{
	struct event_batch		b;
	struct store_batch_result	r;
	char				err[256];

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "%s", agent);
	assert_non_null(b.events = calloc(1, sizeof(*b.events)));
	b.n = 1;
	assert_int_equal(event_set(&b.events[0], agent, seq,
	    T0 + (int64_t)seq * 1000, type, sev, key, data), 0);
	assert_int_equal(store_insert_batch(st, &b, T0 + (int64_t)seq * 1000,
	    &r, err, sizeof(err)), 0);
	event_batch_free(&b);
}

/*
 * n events from agent in one batch (seq from..), enough rows for several
 * multi-row INSERTs and a remainder on both backends.
 */
static void
put_many(struct store *st, const char *agent, uint64_t from, size_t n)
{
	struct event_batch		b;
	struct store_batch_result	r;
	char				err[256];

	memset(&b, 0, sizeof(b));
	snprintf(b.agent, sizeof(b.agent), "%s", agent);
	assert_non_null(b.events = calloc(n, sizeof(*b.events)));
	b.n = n;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(event_set(&b.events[i], agent, from + i,
		    T0 + (int64_t)(from + i) * 1000, "process", SEV_INFO,
		    "process:sshd", json_pack("{s:I, s:s}", "pid",
		    (json_int_t)i, "cmd", "/usr/sbin/sshd -D")), 0);
	assert_int_equal(store_insert_batch(st, &b, T0 + 5000000, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.inserted, n);
	event_batch_free(&b);
}

/* Every kind of row the store keeps, through its own functions. */
static void
fill(const char *target)
{
	struct store			*st;
	struct incidents_conf		 ic;
	struct incidents_opts		 o;
	struct incidents		*in;
	struct store_heartbeat		 hb = { "pc-01", T0, 60000, T0 - 3600000 };
	struct store_asset_managed	 am = { "mid-0001", "pc-01", "Debian 12",
		"10.0.0.5", "52:54:00:12:34:56", 1, T0 };
	struct store_audit		 au = { T0, "root (uid 0)", "socket",
		"pid 42", "POST", "/api/v1/admin/tokens", 200 };
	json_t				*snap, *out = NULL;
	char				 err[256];
	int64_t				 id, asset, snap_id;
	size_t				 bytes;
	int				 created;

	assert_non_null(st = store_open(target, err, sizeof(err)));
	assert_int_equal(incidents_conf_defaults(&ic), 0);
	memset(&o, 0, sizeof(o));
	o.conf = &ic;
	o.gap_factor = 3;
	assert_non_null(in = incidents_new(st, &o, err, sizeof(err)));
	assert_int_equal(store_add_event_hook(st, refuse_hook, NULL), 0);
	/* Texts that must come back byte for byte: UTF-8, quotes, escapes. */
	put(st, "pc-01", 1, "port_scan", SEV_HIGH, "port_scan:10.0.0.9",
	    json_pack("{s:s, s:i, s:f}", "note", "扫描 \"端口\"\n\ttab",
	    "ports", 1024, "rate", 12.5));
	put(st, "pc-01", 2, "port_scan", SEV_HIGH, "port_scan:10.0.0.9",
	    json_pack("{s:[i,i,i]}", "ports", 22, 80, 443));
	put(st, "pc-01", 3, "process", SEV_INFO, "refused",
	    json_pack("{s:s}", "cmd", "x"));
	for (uint64_t s = 4; s < 40; s++)
		put(st, s % 2 ? "pc-01" : "srv-02", s, "login_failed",
		    SEV_LOW, "login_failed:root", json_pack("{s:I}", "n",
		    (json_int_t)s * 1000000000000LL));
	put_many(st, "srv-03", 1, 1100);
	assert_int_equal(store_heartbeat(st, &hb, 3, T0, &created, err,
	    sizeof(err)), 0);
	hb.ts_ms += 60000;
	assert_int_equal(store_heartbeat(st, &hb, 3, T0 + 60000, &created, err,
	    sizeof(err)), 0);
	/* The incident's trail: opened, acknowledged, resolved. */
	assert_int_equal(incidents_act(in, 1, INCIDENT_ACK, "alice", "cli", "",
	    T0 + 100000, &out, err, sizeof(err)), 0);
	json_decref(out);
	assert_int_equal(incidents_act(in, 1, INCIDENT_RESOLVE, "bob",
	    "console", "误报已处理 handled", T0 + 200000, &out, err,
	    sizeof(err)), 0);
	json_decref(out);
	/* An asset with its compressed snapshot (a blob). */
	assert_int_equal(store_asset_managed_upsert(st, &am, &asset, &created,
	    err, sizeof(err)), 0);
	snap = json_pack("{s:s, s:[{s:s, s:s}]}", "hostname", "pc-01",
	    "packages", "name", "openssl", "version", "3.0.15-1~deb12u1");
	assert_int_equal(store_asset_snapshot_add(st, asset, 1, 1,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    T0, T0 + 5, snap, &snap_id, &bytes, err, sizeof(err)), 0);
	json_decref(snap);
	assert_int_equal(store_apitoken_add(st, "tokhash", "admin", "运维",
	    T0, 0, "root", &id, err, sizeof(err)), 0);
	assert_int_equal(store_enroll_token_add(st, "enrollhash", T0,
	    T0 + 3600000, 3, "root", NULL, &id, err, sizeof(err)), 0);
	assert_int_equal(store_console_user_add(st, "zhang", CONSOLE_ROLE_ADMIN,
	    "$argon2id$v=19$fake", T0, err, sizeof(err)), 0);
	assert_int_equal(store_audit_add(st, &au, err, sizeof(err)), 0);
	incidents_free(in);
	store_close(st);
}

/* Counted rows of a table in an open store. */
static int64_t
rows(struct store *st, const char *table)
{
	char	sql[128], err[256];
	int64_t	n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(store_query_ints(st, STORE_ONCE, sql, "count", &n, 1, err,
	    sizeof(err), ""), 1);
	return n;
}

static int
name_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	char	***v = arg;
	size_t	 n = 0;

	(void)err;
	(void)errlen;
	while ((*v)[n] != NULL)
		n++;
	assert_true(n < 63);
	(*v)[n] = strdup(store_col_text(r, 0));
	return 0;
}

struct cols {
	char	*name[64];
	int	 blob[64];
	int	 n;
};

static int
col_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct cols	*c = arg;
	const char	*ty = store_col_text(r, 1);

	(void)err;
	(void)errlen;
	assert_true(c->n < 64);
	c->blob[c->n] = ty != NULL && strstr(ty, "BLOB") != NULL;
	c->name[c->n++] = strdup(store_col_text(r, 0));
	return 0;
}

/*
 * The rows of table (columns and kinds from FROM's SQLite schema) in a
 * text form showing every value: NULL, blobs in hex, the rest as texts
 * byte for byte; with exact_types (both SQLite) each value's typeof()
 * beside it, so an integer that became a text shows.
 */
static char *
dump(struct store *from, struct store *st, const char *table,
    int exact_types)
{
	struct db	*db = store_db(st);
	struct db_stmt	*s;
	struct cols	 c = { 0 };
	char		 sql[4096], err[256];
	char		*out = NULL;
	size_t		 len = 0, n;
	FILE		*f = open_memstream(&out, &len);
	int		 step;

	assert_non_null(f);
	assert_true(store_query(from, STORE_ONCE, "SELECT name, type FROM "
	    "pragma_table_info(?1) ORDER BY cid", "columns", col_row, &c, err,
	    sizeof(err), "s", table) > 0);
	n = snprintf(sql, sizeof(sql), "SELECT ");
	for (int i = 0; i < c.n; i++)
		n += snprintf(sql + n, sizeof(sql) - n, "%s\"%s\"%s%s%s",
		    i ? ", " : "", c.name[i], exact_types ? ", typeof(\"" : "",
		    exact_types ? c.name[i] : "", exact_types ? "\")" : "");
	n += snprintf(sql + n, sizeof(sql) - n, " FROM \"%s\" ORDER BY \"%s\"",
	    table, c.name[0]);
	if (c.n > 1)
		snprintf(sql + n, sizeof(sql) - n, ", \"%s\"", c.name[1]);
	assert_int_equal(db_prepare(db, sql, 0, &s), 0);
	while ((step = db_step(s)) == DB_ROW) {
		for (int i = 0; i < db_column_count(s); i++) {
			int	col = exact_types ? i / 2 : i;

			if (exact_types && i % 2 == 1) {
				fprintf(f, ":%s|", db_column_text(s, i));
				continue;
			}
			fprintf(f, "%s=", c.name[col]);
			if (db_column_null(s, i))
				fprintf(f, "NULL");
			else if (c.blob[col]) {
				const unsigned char *b = db_column_blob(s, i);

				for (int k = 0; k < db_column_bytes(s, i); k++)
					fprintf(f, "%02x", b[k]);
			} else
				fwrite(db_column_text(s, i), 1,
				    db_column_bytes(s, i), f);
			if (!exact_types)
				fprintf(f, "|");
		}
		fprintf(f, "\n");
	}
	assert_int_equal(step, DB_DONE);
	db_finalize(s);
	fclose(f);
	for (int i = 0; i < c.n; i++)
		free(c.name[i]);
	return out;
}

/* Every table of FROM equal in TO, and the tables that must have rows. */
static void
compare(const char *from, const char *to)
{
	struct store	*a, *b;
	char		 err[256], *tables[64] = { 0 }, **tp = tables;
	int		 exact = !db_target_is_postgres(to);
	static const char *const filled[] = { "agents", "events",
		"incidents", "incident_events", "incident_trail", "assets",
		"inventory_snapshots", "api_tokens", "enroll_tokens",
		"console_users", "admin_audit", "rejected_events", "uptime" };

	assert_non_null(a = store_open(from, err, sizeof(err)));
	assert_non_null(b = store_open(to, err, sizeof(err)));
	assert_true(store_query(a, STORE_ONCE, "SELECT name FROM sqlite_master "
	    "WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'",
	    "tables", name_row, &tp, err, sizeof(err), "") > 15);
	for (size_t i = 0; i < sizeof(filled) / sizeof(filled[0]); i++)
		if (rows(a, filled[i]) < 1)
			fail_msg("the test fills no row of %s", filled[i]);
	for (int i = 0; tables[i] != NULL; i++) {
		char	*da = dump(a, a, tables[i], exact);
		char	*db = dump(a, b, tables[i], exact);

		if (strcmp(da, db) != 0)
			fail_msg("table %s differs:\nFROM:\n%s\nTO:\n%s",
			    tables[i], da, db);
		free(da);
		free(db);
		free(tables[i]);
	}
	store_close(a);
	store_close(b);
}

/* A new id after the copy continues after the copied ones. */
static void
ids_continue(const char *to)
{
	struct store	*st;
	char		 err[256];
	int64_t		 top, fresh;

	assert_non_null(st = store_open(to, err, sizeof(err)));
	assert_int_equal(store_query_ints(st, STORE_ONCE, "SELECT max(id) "
	    "FROM events", "max", &top, 1, err, sizeof(err), ""), 1);
	put(st, "pc-01", 5000, "login_failed", SEV_LOW, "k",
	    json_pack("{}"));
	assert_int_equal(store_query_ints(st, STORE_ONCE, "SELECT id FROM "
	    "events WHERE seq = 5000", "new", &fresh, 1, err, sizeof(err), ""),
	    1);
	assert_true(fresh > top);
	assert_int_equal(store_query_ints(st, STORE_ONCE, "SELECT max(id) FROM "
	    "api_tokens", "max", &top, 1, err, sizeof(err), ""), 1);
	assert_int_equal(store_apitoken_add(st, "tok2", "read", "new", T0, 0,
	    "root", &fresh, err, sizeof(err)), 0);
	assert_true(fresh > top);
	store_close(st);
}

static void
migrate_to(struct fx *f, const char *to)
{
	char				 sum[160], *text = NULL;
	size_t				 len = 0;
	struct store_migrate_opts	 o = { 5, NULL };
	FILE				*fp;

	snprintf(sum, sizeof(sum), "%s/summary.txt", f->dir);
	assert_non_null(o.summary = fp = fopen(sum, "w+"));
	assert_int_equal(store_migrate(f->from, to, &o), 0);
	rewind(fp);
	assert_int_equal(getdelim(&text, &len, '\0', fp) > 0, 1);
	fclose(fp);
	assert_non_null(strstr(text, "\nevents "));
	assert_non_null(strstr(text, "verifies on TO"));
	assert_null(strstr(text, "MISMATCH"));
	free(text);
	compare(f->from, to);
	ids_continue(to);
}

static void
test_sqlite_to_sqlite(void **state)
{
	struct fx	*f = *state;

	fill(f->from);
	migrate_to(f, f->to);
}

static void
test_sqlite_to_postgres(void **state)
{
	struct fx	*f = *state;
	const char	*pg;

	if (getenv("SHAOBING_TEST_PG") == NULL)
		skip();		/* tests/run-unit.sh sets it (tests/pg.sh) */
	assert_non_null(pg = test_pg_target());
	fill(f->from);
	migrate_to(f, pg);
}

/* A target with rows is refused, and nothing in it changes. */
static void
test_target_not_empty(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	char		 err[256];

	fill(f->from);
	assert_non_null(st = store_open(f->to, err, sizeof(err)));
	assert_int_equal(store_console_user_add(st, "li", CONSOLE_ROLE_READ,
	    "$argon2id$x", T0, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(store_migrate(f->from, f->to, NULL), 2);
	assert_non_null(st = store_open(f->to, err, sizeof(err)));
	assert_int_equal(rows(st, "console_users"), 1);
	assert_int_equal(rows(st, "events"), 0);
	assert_int_equal(rows(st, "agents"), 0);
	store_close(st);
	/* A TO holding an older store is refused before it is migrated. */
	{
		char		 old[160];
		struct db	*db;
		struct db_stmt	*q;

		snprintf(old, sizeof(old), "%s/old.db", f->dir);
		assert_non_null(db = db_open(old, err, sizeof(err)));
		assert_int_equal(db_exec(db, "CREATE TABLE agents (id INTEGER "
		    "PRIMARY KEY, name TEXT); PRAGMA user_version = 5"), 0);
		db_close(db);
		assert_int_equal(store_migrate(f->from, old, NULL), 2);
		assert_non_null(db = db_open(old, err, sizeof(err)));
		assert_int_equal(db_prepare(db, "PRAGMA user_version", 0, &q), 0);
		assert_int_equal(db_step(q), DB_ROW);
		assert_int_equal(db_column_int(q, 0), 5);
		db_finalize(q);
		db_close(db);
	}
	/* The same database twice, and a FROM that does not exist. */
	assert_int_equal(store_migrate(f->from, f->from, NULL), 2);
	assert_int_equal(store_migrate("sqlite:///nonexistent/x.db", f->to,
	    NULL), 2);
}

/* FROM's trail edited behind the store's back: reported, nothing copied. */
static void
test_broken_chain(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	char		 err[256];

	fill(f->from);
	assert_non_null(st = store_open(f->from, err, sizeof(err)));
	assert_int_equal(db_exec(store_db(st), "DROP TRIGGER "
	    "incident_trail_no_update; UPDATE incident_trail SET note = "
	    "'edited' WHERE id = 2"), 0);
	store_close(st);
	assert_int_equal(store_migrate(f->from, f->to, NULL), 1);
	assert_non_null(st = store_open(f->to, err, sizeof(err)));
	assert_int_equal(rows(st, "events"), 0);
	assert_int_equal(rows(st, "incident_trail"), 0);
	store_close(st);
}

/*
 * A trigger of TO refusing an INSERT (here on the trail, the table last
 * in line for the chain): the copy stops and rolls back, TO stays empty.
 */
static void
test_insert_refused(void **state)
{
	struct fx	*f = *state;
	struct store	*st;
	char		 err[256];

	fill(f->from);
	assert_non_null(st = store_open(f->to, err, sizeof(err)));
	assert_int_equal(db_exec(store_db(st), "CREATE TRIGGER no_insert "
	    "BEFORE INSERT ON incident_trail BEGIN SELECT RAISE(ABORT, "
	    "'no historical rows'); END"), 0);
	store_close(st);
	assert_int_equal(store_migrate(f->from, f->to, NULL), 1);
	assert_non_null(st = store_open(f->to, err, sizeof(err)));
	assert_int_equal(rows(st, "agents"), 0);
	assert_int_equal(rows(st, "events"), 0);
	assert_int_equal(rows(st, "incidents"), 0);
	assert_int_equal(rows(st, "incident_trail"), 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sqlite_to_sqlite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_to_postgres, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_target_not_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broken_chain, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_insert_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
