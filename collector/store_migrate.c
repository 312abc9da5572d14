/*
 * shaobing-collector --migrate-store FROM TO (see store_migrate.h).
 *
 * The list of tables comes from the databases' catalogs, not from a list
 * kept here, so a table a later migration adds is copied without
 * touching this file: TO's tables (created by store_open() at this
 * build's schema version) ordered parents before children by TO's
 * foreign keys, each of which FROM must have too.  Values are read with
 * their stored type (SQLite: typeof(); PostgreSQL: the column's type)
 * and bound the same way, so integers stay integers, blobs blobs, NULL
 * NULL and texts byte for byte; only a text going into a blob column
 * (or the reverse) is bound as the target column's kind.
 *
 * FROM is read inside one read transaction (one snapshot: the counts,
 * the trail check and the copy see the same rows); TO is written inside
 * one write transaction, so a failed copy leaves TO as it was.
 *
 * Triggers stay in place on TO: the incident trail's append-only
 * triggers refuse UPDATE and DELETE, and the copy only INSERTs, so the
 * historical rows go in as they are (with their own prev_hash and hash,
 * which the verification then recomputes).  Should a constraint or
 * trigger of TO refuse an INSERT, the copy stops with the table, the
 * rows and the database's message, and TO is rolled back: rows are
 * never changed to get past a rule.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/incident.h"
#include "collector/store_migrate.h"
#include "collector/store_priv.h"
#include "common/log.h"

/*
 * Tables of the schema's own bookkeeping, never copied: TO has its own
 * (SQLite keeps the version in PRAGMA user_version and AUTOINCREMENT
 * counters in sqlite_sequence, excluded by their sqlite_ prefix).
 */
static const char *const not_copied[] = {
	"shaobing_schema",	/* PostgreSQL store's version (store_pg.c) */
};

/*
 * Rows per multi-row INSERT, and bound values per statement at most:
 * PostgreSQL gains from longer statements (fewer round trips; 1,024 rows
 * copied a year of 1,000 machines in 15 s instead of 21), SQLite loses
 * (11 s instead of 3.7: it plans each long statement slowly).
 */
#define BATCH_ROWS_SQLITE	256
#define BATCH_VALUES_SQLITE	8192
#define BATCH_ROWS_PG		1024
#define BATCH_VALUES_PG		30000	/* PostgreSQL takes 65,535 */
#define PROGRESS_ROWS	100000

struct col {
	char	*name;
	char	 kind;		/* TO's declared type: 'i' 'r' 't' 'b',
				   'n' none (SQLite without a type) */
	char	 from_kind;	/* FROM's (PostgreSQL FROM: how to read) */
};

struct table {
	char		*name;
	struct col	*cols;
	int		 ncols;
	char		**parents;
	int		 nparents;
	int		 placed;
	int64_t		 from_rows, to_rows, copied;
};

/* A value of the batch being built (texts and blobs in mig.buf). */
struct val {
	char	 kind;		/* 'n' NULL, 'i', 'r', 't', 'b' */
	int64_t	 i;
	double	 d;
	size_t	 off;
	int	 n;
};

struct mig {
	struct store	*from, *to;
	struct table	*t;
	size_t		 nt;
	int64_t		 progress;
	struct val	*vals;
	char		*buf;
	size_t		 buflen, bufcap;
	char		 err[1024];
};

static double
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The kind of a declared column type, by SQLite's affinity rules. */
static char
type_kind(const char *decl)
{
	char	 low[64];
	size_t	 i;

	for (i = 0; decl != NULL && decl[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)(decl[i] >= 'A' && decl[i] <= 'Z' ?
		    decl[i] - 'A' + 'a' : decl[i]);
	low[i] = '\0';
	if (strstr(low, "int") != NULL || strstr(low, "bool") != NULL)
		return 'i';
	if (strstr(low, "char") != NULL || strstr(low, "text") != NULL ||
	    strstr(low, "clob") != NULL)
		return 't';
	if (strstr(low, "blob") != NULL || strstr(low, "bytea") != NULL)
		return 'b';
	if (low[0] == '\0')
		return 'n';	/* no type: each value keeps its own */
	if (strstr(low, "real") != NULL || strstr(low, "floa") != NULL ||
	    strstr(low, "doub") != NULL || strstr(low, "numeric") != NULL)
		return 'r';
	return 't';
}

static int
is_postgres(struct store *st)
{
	return db_kind(store_db(st)) == DB_POSTGRES;
}

/* Row callbacks collecting names (and kinds) into growing arrays. */
struct names {
	char	**v;
	char	 *kinds;
	int	  n;
};

static int
name_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct names	*nm = arg;
	char		**v;
	char		 *k;

	if ((v = realloc(nm->v, (nm->n + 1) * sizeof(*v))) == NULL)
		goto oom;
	nm->v = v;
	if ((k = realloc(nm->kinds, nm->n + 1)) == NULL)
		goto oom;
	nm->kinds = k;
	if ((v[nm->n] = strdup(store_col_text(r, 0))) == NULL)
		goto oom;
	k[nm->n++] = type_kind(store_col_text(r, 1));
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void
names_free(struct names *nm)
{
	for (int i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	free(nm->kinds);
	memset(nm, 0, sizeof(*nm));
}

/* The store's tables (kinds unused), bookkeeping left out. */
static int
list_tables(struct store *st, struct names *nm, char *err, size_t errlen)
{
	if (store_query(st, STORE_ONCE, is_postgres(st) ?
	    "SELECT table_name::text, '' FROM information_schema.tables "
	    "WHERE table_schema = current_schema() "
	    "AND table_type = 'BASE TABLE' ORDER BY 1" :
	    "SELECT name, '' FROM sqlite_master WHERE type = 'table' "
	    "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY 1",
	    "listing the tables", name_row, nm, err, errlen, "") == -1)
		return -1;
	for (int i = 0; i < nm->n; i++) {
		for (size_t j = 0; j < sizeof(not_copied) /
		    sizeof(not_copied[0]); j++) {
			if (strcmp(nm->v[i], not_copied[j]) != 0)
				continue;
			free(nm->v[i]);
			memmove(nm->v + i, nm->v + i + 1,
			    (nm->n - i - 1) * sizeof(*nm->v));
			nm->n--;
			i--;
			break;
		}
	}
	return 0;
}

static int
list_columns(struct store *st, const char *table, struct names *nm,
    char *err, size_t errlen)
{
	return store_query(st, STORE_ONCE, is_postgres(st) ?
	    "SELECT column_name::text, data_type::text "
	    "FROM information_schema.columns WHERE table_schema = "
	    "current_schema() AND table_name::text = ?1 "
	    "ORDER BY ordinal_position" :
	    "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid",
	    "listing the columns", name_row, nm, err, errlen, "s",
	    table) == -1 ? -1 : 0;
}

/* The tables table refers to by foreign keys (itself left out). */
static int
list_parents(struct store *st, const char *table, struct names *nm,
    char *err, size_t errlen)
{
	return store_query(st, STORE_ONCE, is_postgres(st) ?
	    "SELECT p.relname::text, '' FROM pg_constraint c "
	    "JOIN pg_class ch ON ch.oid = c.conrelid "
	    "JOIN pg_class p ON p.oid = c.confrelid "
	    "JOIN pg_namespace n ON n.oid = ch.relnamespace "
	    "WHERE c.contype = 'f' AND n.nspname = current_schema() "
	    "AND ch.relname::text = ?1 AND p.oid <> ch.oid" :
	    "SELECT DISTINCT \"table\", '' FROM pragma_foreign_key_list(?1) "
	    "WHERE \"table\" <> ?1",
	    "listing the foreign keys", name_row, nm, err, errlen, "s",
	    table) == -1 ? -1 : 0;
}

static int
has_name(const struct names *nm, const char *name)
{
	for (int i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return i;
	return -1;
}

static void
tables_free(struct mig *m)
{
	for (size_t i = 0; i < m->nt; i++) {
		for (int c = 0; c < m->t[i].ncols; c++)
			free(m->t[i].cols[c].name);
		free(m->t[i].cols);
		for (int p = 0; p < m->t[i].nparents; p++)
			free(m->t[i].parents[p]);
		free(m->t[i].parents);
		free(m->t[i].name);
	}
	free(m->t);
	m->t = NULL;
	m->nt = 0;
}

/*
 * m->t: TO's tables parents first, with the columns FROM has (each of
 * which TO must have).  0 or -1 with m->err.
 */
static int
plan(struct mig *m)
{
	struct names	 tt = { 0 }, ft = { 0 }, tc = { 0 }, fc = { 0 };
	struct names	 par = { 0 };
	struct table	*sorted = NULL;
	size_t		 ns = 0;
	int		 rc = -1;

	if (list_tables(m->to, &tt, m->err, sizeof(m->err)) == -1 ||
	    list_tables(m->from, &ft, m->err, sizeof(m->err)) == -1)
		goto out;
	for (int i = 0; i < ft.n; i++) {
		if (has_name(&tt, ft.v[i]) == -1) {
			snprintf(m->err, sizeof(m->err), "table %s of %s is not "
			    "in %s's schema (a newer collector's table?); "
			    "nothing copied", ft.v[i], store_name(m->from),
			    store_name(m->to));
			goto out;
		}
	}
	if ((m->t = calloc(tt.n, sizeof(*m->t))) == NULL)
		goto oom;
	for (int i = 0; i < tt.n; i++) {
		struct table	*t = &m->t[m->nt];

		if (has_name(&ft, tt.v[i]) == -1) {
			log_info("migrate-store: table %s is new in this "
			    "schema and missing from %s: left empty",
			    tt.v[i], store_name(m->from));
			continue;
		}
		if ((t->name = strdup(tt.v[i])) == NULL)
			goto oom;
		m->nt++;
		names_free(&tc);
		names_free(&fc);
		if (list_columns(m->to, t->name, &tc, m->err,
		    sizeof(m->err)) == -1 || list_columns(m->from, t->name,
		    &fc, m->err, sizeof(m->err)) == -1)
			goto out;
		if ((t->cols = calloc(fc.n, sizeof(*t->cols))) == NULL)
			goto oom;
		for (int c = 0; c < fc.n; c++) {
			int	k = has_name(&tc, fc.v[c]);

			if (k == -1) {
				snprintf(m->err, sizeof(m->err), "column %s.%s "
				    "of %s is not in %s's schema; nothing "
				    "copied", t->name, fc.v[c],
				    store_name(m->from), store_name(m->to));
				goto out;
			}
			t->cols[c].name = fc.v[c];
			fc.v[c] = NULL;
			t->cols[c].kind = tc.kinds[k];
			t->cols[c].from_kind = fc.kinds[c];
			t->ncols++;
		}
		if (list_parents(m->to, t->name, &par, m->err,
		    sizeof(m->err)) == -1)
			goto out;
		t->parents = par.v;
		t->nparents = par.n;
		free(par.kinds);
		memset(&par, 0, sizeof(par));
	}
	/* Parents before children: place what has all its parents placed. */
	if ((sorted = calloc(m->nt, sizeof(*sorted))) == NULL)
		goto oom;
	while (ns < m->nt) {
		size_t	before = ns;

		for (size_t i = 0; i < m->nt; i++) {
			struct table	*t = &m->t[i];
			int		 ready = !t->placed;

			for (int p = 0; ready && p < t->nparents; p++)
				for (size_t j = 0; j < m->nt; j++)
					if (!m->t[j].placed && strcmp(m->t[j].name,
					    t->parents[p]) == 0)
						ready = 0;
			if (ready) {
				t->placed = 1;
				sorted[ns++] = *t;
			}
		}
		if (ns == before) {
			snprintf(m->err, sizeof(m->err), "the foreign keys of "
			    "%s's tables form a cycle; cannot order the copy",
			    store_name(m->to));
			goto out;
		}
	}
	free(m->t);
	m->t = sorted;
	sorted = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(m->err, sizeof(m->err), "out of memory");
out:
	free(sorted);
	names_free(&tt);
	names_free(&ft);
	names_free(&tc);
	names_free(&fc);
	names_free(&par);
	return rc;
}

static int
count_rows(struct store *st, const char *table, int64_t *n, char *err,
    size_t errlen)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
	return store_query_ints(st, STORE_ONCE, sql, "counting rows", n, 1,
	    err, errlen, "") == -1 ? -1 : 0;
}

/* Column 0 of the first row: a hash, into a 65-byte buffer. */
static int
hash_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	char	*hash = arg;

	(void)err;
	(void)errlen;
	snprintf(hash, 65, "%s", store_col_text(r, 0));
	return 1;
}

/* The newest trail row's hash ("" without rows). */
static int
trail_newest(struct store *st, char *hash, size_t hashlen, char *err,
    size_t errlen)
{
	if (hashlen < 65)
		return -1;
	hash[0] = '\0';
	return store_query(st, STORE_ONCE, "SELECT hash FROM incident_trail "
	    "ORDER BY id DESC LIMIT 1", "reading the trail", hash_row, hash,
	    err, errlen, "") == -1 ? -1 : 0;
}

/* "INSERT INTO t (cols) VALUES (?1, ...), ..." for rows rows. */
static char *
insert_sql(const struct table *t, int rows)
{
	size_t	 cap = 64 + strlen(t->name) + rows * t->ncols * 10;
	char	*s;
	size_t	 n;
	int	 p = 1;

	for (int c = 0; c < t->ncols; c++)
		cap += strlen(t->cols[c].name) + 4;
	if ((s = malloc(cap)) == NULL)
		return NULL;
	n = snprintf(s, cap, "INSERT INTO \"%s\" (", t->name);
	for (int c = 0; c < t->ncols; c++)
		n += snprintf(s + n, cap - n, "%s\"%s\"", c ? ", " : "",
		    t->cols[c].name);
	n += snprintf(s + n, cap - n, ") VALUES ");
	for (int r = 0; r < rows; r++) {
		n += snprintf(s + n, cap - n, "%s(", r ? ", " : "");
		for (int c = 0; c < t->ncols; c++)
			n += snprintf(s + n, cap - n, "%s?%d", c ? ", " : "",
			    p++);
		n += snprintf(s + n, cap - n, ")");
	}
	return s;
}

/* SQLite FROM reads typeof() of each column beside it. */
static char *
select_sql(const struct table *t, int typed)
{
	size_t	 cap = 64 + strlen(t->name);
	char	*s;
	size_t	 n;

	for (int c = 0; c < t->ncols; c++)
		cap += 2 * strlen(t->cols[c].name) + 20;
	if ((s = malloc(cap)) == NULL)
		return NULL;
	n = snprintf(s, cap, "SELECT ");
	for (int c = 0; c < t->ncols; c++) {
		n += snprintf(s + n, cap - n, "%s\"%s\"", c ? ", " : "",
		    t->cols[c].name);
		if (typed)
			n += snprintf(s + n, cap - n, ", typeof(\"%s\")",
			    t->cols[c].name);
	}
	snprintf(s + n, cap - n, " FROM \"%s\"", t->name);
	return s;
}

static int
buf_add(struct mig *m, const void *p, int n, struct val *v)
{
	v->off = m->buflen;
	v->n = n;
	if (n <= 0)
		return 0;
	if (m->buflen + n > m->bufcap) {
		size_t	 cap = (m->buflen + n) * 2;
		char	*b = realloc(m->buf, cap);

		if (b == NULL)
			return -1;
		m->buf = b;
		m->bufcap = cap;
	}
	memcpy(m->buf + m->buflen, p, n);
	m->buflen += n;
	return 0;
}

/* Column c of FROM's current row into v (a copy the batch owns). */
static int
read_val(struct mig *m, struct db_stmt *s, const struct col *col, int c,
    int typed, struct val *v)
{
	int	fc = typed ? 2 * c : c;
	char	kind;

	if (db_column_null(s, fc)) {
		v->kind = 'n';
		return 0;
	}
	if (typed) {
		const char	*ty = db_column_text(s, fc + 1);

		kind = ty[0] == 'i' ? 'i' : ty[0] == 'r' ? 'r' :
		    ty[0] == 'b' ? 'b' : 't';
	} else
		kind = col->from_kind;
	v->kind = kind;
	switch (kind) {
	case 'i':
		v->i = db_column_int64(s, fc);
		return 0;
	case 'r':
		v->d = db_column_double(s, fc);
		return 0;
	case 'b':
		return buf_add(m, db_column_blob(s, fc), db_column_bytes(s, fc),
		    v);
	default:
		return buf_add(m, db_column_text(s, fc), db_column_bytes(s, fc),
		    v);
	}
}

/* Bind the rows of the batch and run its INSERT. */
static int
flush(struct mig *m, struct table *t, struct db_stmt *ins, int rows,
    int64_t first_row)
{
	struct db	*db = store_db(m->to);
	/* A blob never has a NULL pointer: SQLite would bind NULL. */
	const char	*base = m->buf != NULL ? m->buf : "";
	int		 p = 1, rc;

	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < t->ncols; c++, p++) {
			struct val	*v = &m->vals[r * t->ncols + c];
			char		 to = t->cols[c].kind;

			switch (v->kind) {
			case 'n':
				rc = db_bind_null(ins, p);
				break;
			case 'i':
				rc = db_bind_int64(ins, p, v->i);
				break;
			case 'r':
				rc = db_bind_double(ins, p, v->d);
				break;
			case 'b':
				rc = to == 't' ?
				    db_bind_text(ins, p, base + v->off, v->n) :
				    db_bind_blob(ins, p, base + v->off, v->n);
				break;
			default:
				rc = to == 'b' ?
				    db_bind_blob(ins, p, base + v->off, v->n) :
				    db_bind_text(ins, p, base + v->off, v->n);
				break;
			}
			if (rc != 0) {
				snprintf(m->err, sizeof(m->err), "%s: binding "
				    "%s.%s: out of memory", store_name(m->to),
				    t->name, t->cols[c].name);
				return -1;
			}
		}
	}
	rc = db_step(ins);
	db_reset(ins);
	db_clear_bindings(ins);
	m->buflen = 0;
	if (rc == DB_DONE || rc == DB_ROW)
		return 0;
	snprintf(m->err, sizeof(m->err), "%s: inserting rows %" PRId64 "..%"
	    PRId64 " of table %s: %s%s", store_name(m->to), first_row + 1,
	    first_row + rows, t->name, db_errmsg(db),
	    db_errcode(db) == DB_E_CONSTRAINT ? " (a constraint or trigger "
	    "of the target refuses these rows as FROM holds them; nothing was "
	    "copied)" : "; nothing was copied");
	return -1;
}

/* rows more copied: a progress line at every m->progress rows. */
static void
advance(const struct mig *m, struct table *t, double t0, int rows)
{
	int64_t	before = t->copied / m->progress;
	double	dt;

	t->copied += rows;
	if (t->copied / m->progress == before && t->copied != t->from_rows)
		return;
	if (t->copied < m->progress)
		return;
	dt = mono_s() - t0;
	log_info("migrate-store: %s: %" PRId64 " of %" PRId64 " rows copied "
	    "(%.0f rows/s)", t->name, t->copied, t->from_rows,
	    dt > 0 ? t->copied / dt : 0.0);
}

static int
copy_table(struct mig *m, struct table *t)
{
	struct db	*fdb = store_db(m->from), *tdb = store_db(m->to);
	struct db_stmt	*sel = NULL, *full = NULL, *part = NULL;
	char		*sql = NULL;
	int		 typed = !is_postgres(m->from), rows = 0, batch, step;
	int		 rc = -1;
	double		 t0 = mono_s();

	batch = (is_postgres(m->to) ? BATCH_VALUES_PG : BATCH_VALUES_SQLITE) /
	    (t->ncols > 0 ? t->ncols : 1);
	if (batch > (is_postgres(m->to) ? BATCH_ROWS_PG : BATCH_ROWS_SQLITE))
		batch = is_postgres(m->to) ? BATCH_ROWS_PG : BATCH_ROWS_SQLITE;
	if (batch < 1)
		batch = 1;
	if ((sql = select_sql(t, typed)) == NULL)
		goto oom;
	if (db_prepare(fdb, sql, 0, &sel) != 0) {
		snprintf(m->err, sizeof(m->err), "%s: reading table %s: %s",
		    store_name(m->from), t->name, db_errmsg(fdb));
		goto out;
	}
	free(sql);
	if ((sql = insert_sql(t, batch)) == NULL)
		goto oom;
	if (db_prepare(tdb, sql, 1, &full) != 0) {
		snprintf(m->err, sizeof(m->err), "%s: preparing the insert "
		    "into %s: %s", store_name(m->to), t->name, db_errmsg(tdb));
		goto out;
	}
	while ((step = db_step(sel)) == DB_ROW) {
		for (int c = 0; c < t->ncols; c++)
			if (read_val(m, sel, &t->cols[c], c, typed,
			    &m->vals[rows * t->ncols + c]) == -1)
				goto oom;
		if (++rows < batch)
			continue;
		if (flush(m, t, full, rows, t->copied) == -1)
			goto out;
		advance(m, t, t0, rows);
		rows = 0;
	}
	if (step != DB_DONE) {
		snprintf(m->err, sizeof(m->err), "%s: reading table %s: %s",
		    store_name(m->from), t->name, db_errmsg(fdb));
		goto out;
	}
	if (rows > 0) {
		free(sql);
		if ((sql = insert_sql(t, rows)) == NULL)
			goto oom;
		if (db_prepare(tdb, sql, 0, &part) != 0) {
			snprintf(m->err, sizeof(m->err), "%s: preparing the "
			    "insert into %s: %s", store_name(m->to), t->name,
			    db_errmsg(tdb));
			goto out;
		}
		if (flush(m, t, part, rows, t->copied) == -1)
			goto out;
		advance(m, t, t0, rows);
	}
	rc = 0;
	goto out;
oom:
	snprintf(m->err, sizeof(m->err), "copying table %s: out of memory",
	    t->name);
out:
	db_finalize(sel);
	db_finalize(full);
	db_finalize(part);
	free(sql);
	return rc;
}

/*
 * Identity counters continue after the copied ids.  PostgreSQL: every
 * sequence moves past its table's highest id (store_pg_reset_sequences,
 * after the copy); SQLite takes the highest id + 1 by itself.  What
 * both miss: an SQLite AUTOINCREMENT counter above the highest id (the
 * newest rows were deleted), whose ids must not be handed out again:
 * TO's counter is raised to FROM's here.
 */
static int
keep_counter(struct mig *m, const struct table *t)
{
	char		 sql[256];
	int64_t		 top = 0, from_seq = 0;

	if (is_postgres(m->from))
		return 0;
	if (store_query_ints(m->from, STORE_ONCE, "SELECT count(*) FROM "
	    "sqlite_master WHERE name = 'sqlite_sequence'",
	    "reading AUTOINCREMENT counters",
	    &from_seq, 1, m->err, sizeof(m->err), "") == -1)
		return -1;
	if (from_seq == 0)
		return 0;	/* no AUTOINCREMENT table */
	if (store_query_ints(m->from, STORE_ONCE, "SELECT seq FROM "
	    "sqlite_sequence WHERE name = ?1",
	    "reading AUTOINCREMENT counters", &from_seq, 1,
	    m->err, sizeof(m->err), "s", t->name) == -1)
		return -1;
	if (from_seq == 0)
		return 0;	/* not AUTOINCREMENT */
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM \"%s\"",
	    t->name);
	if (store_query_ints(m->to, STORE_ONCE, sql, "reading the highest id",
	    &top, 1, m->err, sizeof(m->err), "") == -1)
		return -1;
	if (from_seq <= top)
		return 0;
	if (is_postgres(m->to))
		return store_query(m->to, STORE_ONCE, "SELECT setval("
		    "pg_get_serial_sequence(?1, 'id'), ?2)", "setting the id "
		    "sequence", NULL, NULL, m->err, sizeof(m->err), "sI",
		    t->name, from_seq) == -1 ? -1 : 0;
	return store_query(m->to, STORE_ONCE, "INSERT INTO sqlite_sequence "
	    "(name, seq) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM "
	    "sqlite_sequence WHERE name = ?1)", "setting AUTOINCREMENT", NULL,
	    NULL, m->err, sizeof(m->err), "sI", t->name, from_seq) == -1 ||
	    store_query(m->to, STORE_ONCE, "UPDATE sqlite_sequence SET seq = ?2 "
	    "WHERE name = ?1 AND seq < ?2", "setting AUTOINCREMENT", NULL,
	    NULL, m->err, sizeof(m->err), "sI", t->name, from_seq) == -1 ?
	    -1 : 0;
}

/* FROM's file must exist: store_open() would create an empty one. */
static int
check_targets(const char *from, const char *to)
{
	struct stat	 a = { 0 }, b;
	const char	*fp = db_sqlite_path(from), *tp = db_sqlite_path(to);

	if (!db_target_is_postgres(from) && stat(fp, &a) == -1) {
		log_errorx("migrate-store: %s: no such database file (FROM must "
		    "be the existing store)", fp);
		return -1;
	}
	if (db_target_is_postgres(from) || db_target_is_postgres(to)) {
		if (strcmp(from, to) == 0)
			goto same;
		return 0;
	}
	if (stat(tp, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		goto same;
	return 0;
same:
	log_errorx("migrate-store: FROM and TO are the same database (%s)",
	    from);
	return -1;
}

/* The schema version of an existing SQLite file (-1: none, PostgreSQL). */
static int
sqlite_version(const char *target)
{
	char		 err[512];
	struct stat	 sb;
	struct db	*db;
	struct db_stmt	*s = NULL;
	int		 v = -1;

	if (db_target_is_postgres(target) ||
	    stat(db_sqlite_path(target), &sb) == -1)
		return -1;
	if ((db = db_open(target, err, sizeof(err))) == NULL)
		return -1;	/* store_open() says why */
	if (db_prepare(db, "PRAGMA user_version", 0, &s) == 0 &&
	    db_step(s) == DB_ROW)
		v = db_column_int(s, 0);
	db_finalize(s);
	db_close(db);
	return v;
}

/*
 * Say what store_open() is about to do to FROM's schema; refuse a TO
 * that holds an older store (store_open() would migrate it before the
 * emptiness check could refuse it).  0 or -1.
 */
static int
check_versions(const char *from, const char *to)
{
	int	v = sqlite_version(from), latest = store_schema_latest();

	if (db_target_is_postgres(from))
		log_info("migrate-store: opening %s: its schema is brought to "
		    "this build's version %d first", from, latest);
	else if (v == latest)
		log_info("migrate-store: %s: schema version %d, this build's",
		    db_sqlite_path(from), v);
	else if (v >= 0 && v < latest)
		log_info("migrate-store: %s: schema version %d: migrating it in "
		    "place to this build's version %d first (as a collector "
		    "starting on it would)", db_sqlite_path(from), v, latest);
	if ((v = sqlite_version(to)) > 0 && v != latest) {
		log_errorx("migrate-store: %s already holds a store (schema "
		    "version %d); the target must be a new database (nothing "
		    "changed)", db_sqlite_path(to), v);
		return -1;
	}
	return 0;
}

static void
summary(const struct mig *m, FILE *f, int64_t ftrail, int64_t ttrail,
    const char *fhash, const char *thash, int64_t broken)
{
	/* "表" is 3 bytes wide 2 columns: one byte more pads it right. */
	fprintf(f, "%-25s %12s %12s  %s\n", "表 table", "FROM", "TO", "ok");
	for (size_t i = 0; i < m->nt; i++)
		fprintf(f, "%-24s %12" PRId64 " %12" PRId64 "  %s\n",
		    m->t[i].name, m->t[i].from_rows, m->t[i].to_rows,
		    m->t[i].from_rows == m->t[i].to_rows ? "ok" : "MISMATCH");
	fprintf(f, "审计链 audit chain: %" PRId64 " rows FROM, %" PRId64
	    " rows TO, %s; newest hash %s %s\n", ftrail, ttrail,
	    broken ? "BROKEN on TO" : "verifies on TO",
	    thash[0] != '\0' ? thash : "(none)",
	    strcmp(fhash, thash) == 0 ? "= FROM's" : "!= FROM's (MISMATCH)");
}

int
store_migrate(const char *from, const char *to,
    const struct store_migrate_opts *o)
{
	struct mig	 m;
	char		 why[512], fhash[65] = "", thash[65] = "";
	int64_t		 ftrail = 0, ttrail = 0, broken = 0, total = 0;
	int		 rc = 2, reading = 0, writing = 0, bad = 0;
	double		 t0 = mono_s();

	memset(&m, 0, sizeof(m));
	m.progress = o != NULL && o->progress_rows > 0 ? o->progress_rows :
	    PROGRESS_ROWS;
	if (check_targets(from, to) == -1 || check_versions(from, to) == -1)
		return 2;
	if ((m.from = store_open(from, m.err, sizeof(m.err))) == NULL ||
	    (m.to = store_open(to, m.err, sizeof(m.err))) == NULL) {
		log_errorx("migrate-store: %s", m.err);
		goto out;
	}
	/* One snapshot of FROM for the counts, the trail and the copy. */
	if (db_exec(store_db(m.from), is_postgres(m.from) ?
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN") != 0) {
		log_errorx("migrate-store: %s: BEGIN: %s", store_name(m.from),
		    db_errmsg(store_db(m.from)));
		goto out;
	}
	reading = 1;
	if (plan(&m) == -1) {
		log_errorx("migrate-store: %s", m.err);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < m.nt; i++) {
		if (count_rows(m.from, m.t[i].name, &m.t[i].from_rows, m.err,
		    sizeof(m.err)) == -1 || count_rows(m.to, m.t[i].name,
		    &m.t[i].to_rows, m.err, sizeof(m.err)) == -1) {
			log_errorx("migrate-store: %s", m.err);
			goto out;
		}
		if (m.t[i].to_rows > 0) {
			log_errorx("migrate-store: %s is not empty: table %s has "
			    "%" PRId64 " rows; the target must be a new "
			    "database (nothing was copied)", store_name(m.to),
			    m.t[i].name, m.t[i].to_rows);
			goto out;
		}
		total += m.t[i].from_rows;
	}
	rc = 1;
	if (store_incident_verify(m.from, &ftrail, &broken, why,
	    sizeof(why)) == -1) {
		log_errorx("migrate-store: %s", why);
		goto out;
	}
	if (broken != 0) {
		log_errorx("migrate-store: %s: the incident audit trail is "
		    "broken: %s; nothing copied (find out what changed the "
		    "file first: shaobing audit verify shows the same)",
		    store_name(m.from), why);
		goto out;
	}
	if (trail_newest(m.from, fhash, sizeof(fhash), m.err,
	    sizeof(m.err)) == -1) {
		log_errorx("migrate-store: %s", m.err);
		goto out;
	}
	log_info("migrate-store: copying %" PRId64 " rows in %zu tables from "
	    "%s to %s (audit trail of %" PRId64 " rows verified)", total, m.nt,
	    store_name(m.from), store_name(m.to), ftrail);
	if ((m.vals = calloc(BATCH_VALUES_PG + BATCH_ROWS_PG,
	    sizeof(*m.vals))) == NULL) {
		log_errorx("migrate-store: out of memory");
		goto out;
	}
	if (db_begin_write(store_db(m.to)) != 0) {
		log_errorx("migrate-store: %s: BEGIN: %s", store_name(m.to),
		    db_errmsg(store_db(m.to)));
		goto out;
	}
	writing = 1;
	for (size_t i = 0; i < m.nt; i++) {
		if (copy_table(&m, &m.t[i]) == -1) {
			log_errorx("migrate-store: %s", m.err);
			goto out;
		}
	}
	if (is_postgres(m.to) && store_pg_reset_sequences(m.to, m.err,
	    sizeof(m.err)) == -1) {
		log_errorx("migrate-store: %s", m.err);
		goto out;
	}
	for (size_t i = 0; i < m.nt; i++) {
		if (keep_counter(&m, &m.t[i]) == -1) {
			log_errorx("migrate-store: %s", m.err);
			goto out;
		}
	}
	if (db_exec(store_db(m.to), "COMMIT") != 0) {
		log_errorx("migrate-store: %s: COMMIT: %s; nothing was copied",
		    store_name(m.to), db_errmsg(store_db(m.to)));
		goto out;
	}
	writing = 0;
	log_info("migrate-store: %" PRId64 " rows copied in %.1f s (%.0f "
	    "rows/s); verifying", total, mono_s() - t0,
	    total / (mono_s() - t0 > 0 ? mono_s() - t0 : 1));
	/* Verify what TO holds now against FROM's snapshot. */
	for (size_t i = 0; i < m.nt; i++) {
		if (count_rows(m.to, m.t[i].name, &m.t[i].to_rows, m.err,
		    sizeof(m.err)) == -1) {
			log_errorx("migrate-store: %s", m.err);
			goto out;
		}
		if (m.t[i].to_rows != m.t[i].from_rows ||
		    m.t[i].copied != m.t[i].from_rows) {
			log_errorx("migrate-store: table %s: %" PRId64 " rows in "
			    "%s, %" PRId64 " in %s", m.t[i].name,
			    m.t[i].from_rows, store_name(m.from),
			    m.t[i].to_rows, store_name(m.to));
			bad = 1;
		}
	}
	if (store_incident_verify(m.to, &ttrail, &broken, why,
	    sizeof(why)) == -1 || trail_newest(m.to, thash, sizeof(thash),
	    why, sizeof(why)) == -1) {
		log_errorx("migrate-store: %s", why);
		goto out;
	}
	if (broken != 0) {
		log_errorx("migrate-store: %s: the copied audit trail does not "
		    "verify: %s", store_name(m.to), why);
		bad = 1;
	}
	if (ttrail != ftrail || strcmp(fhash, thash) != 0) {
		log_errorx("migrate-store: %s: the copied audit trail (%" PRId64
		    " rows, newest hash %s) differs from %s's (%" PRId64
		    " rows, %s)", store_name(m.to), ttrail, thash,
		    store_name(m.from), ftrail, fhash);
		bad = 1;
	}
	summary(&m, o != NULL && o->summary != NULL ? o->summary : stdout,
	    ftrail, ttrail, fhash, thash, broken);
	if (bad)
		log_errorx("migrate-store: verification failed: the copy in %s "
		    "is not complete; drop it and run again", store_name(m.to));
	else
		log_info("migrate-store: done: %s verified (row counts, audit "
		    "chain); point [store] url at it", store_name(m.to));
	rc = bad ? 1 : 0;
out:
	if (writing)
		db_exec(store_db(m.to), "ROLLBACK");
	if (reading)
		db_exec(store_db(m.from), "ROLLBACK");
	tables_free(&m);
	free(m.vals);
	free(m.buf);
	store_close(m.from);
	store_close(m.to);
	return rc;
}
