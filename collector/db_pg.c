/*
 * The PostgreSQL driver of collector/db.h, over libpq.
 *
 * A statement is translated once (?N and ? become $N) and run on its
 * first step: PQexecParams, or for a persistent one PQprepare (once per
 * connection, parameter types from the first run's bindings) and
 * PQexecPrepared.  The whole result comes back at once in text format
 * and db_step() walks its rows, so another statement may run while one
 * is being stepped, as on SQLite.  Values go out as text (numbers
 * printed here), blobs as binary bytea.
 *
 * A connection that broke outside a transaction is reset on the next
 * call; one that broke inside a transaction fails everything but
 * ROLLBACK (which resets it), so a transaction never goes on half
 * on the old connection and half on a new one.
 *
 * db_defer(): inside a transaction the connection goes into libpq's
 * pipeline mode at the first INSERT, UPDATE or DELETE without RETURNING
 * (a "deferrable" statement): it is sent and not waited for.  The next
 * statement that is not deferrable is sent behind it, then a sync, and
 * the results of all of them are read in order (pipe_end()): one round
 * trip for the lot.  db_exec(), db_changes() and finalize end the
 * pipeline first.  The first failure in it is the error of the call that
 * ended it; the server skipped the rest and the transaction can only be
 * rolled back.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "collector/db.h"
#include "collector/db_priv.h"

/* Type OIDs (pg_type.dat; stable across versions). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_TEXT	25
#define OID_FLOAT8	701

/*
 * The transaction advisory lock every writer takes (db_begin_write):
 * "shaobing" in ASCII, so other applications on the same database are
 * unlikely to pick it.
 */
#define SHAOBING_WRITE_LOCK	INT64_C(0x7368616f62696e67)

/* PostgreSQL's limit on parameters of one statement. */
#define PG_MAX_PARAMS	65535

struct pg_db {
	struct db	 base;
	PGconn		*c;
	unsigned	 gen;		/* connection generation, +1 a reset */
	unsigned	 stmt_seq;	/* server-side statement names */
	int64_t		 changes;
	int		 lost_tx;	/* broke inside a transaction */
	int		 defer;		/* db_defer() on */
	int		 piped;		/* in pipeline mode */
	int		 nres;		/* results the pipeline owes */
};

/* Results a pipeline may owe before it is ended anyway. */
#define PIPE_MAX	512

struct pg_param {
	Oid		 type;		/* 0: NULL, the server infers */
	int		 format;	/* 1: binary (blobs) */
	int		 len;
	char		*heap;		/* copied text or blob */
	char		 num[32];	/* printed number */
};

/* A bytea column decoded for the current row. */
struct pg_decoded {
	int		 row;		/* -1: none */
	int		 len;
	char		*buf;		/* NUL-terminated */
};

struct pg_stmt {
	struct db_stmt	 base;
	char		*sql;		/* as written, for db_sql() */
	char		*pgsql;		/* with $N */
	int		 persistent;
	int		 deferrable;	/* INSERT, UPDATE, DELETE, no RETURNING */
	int		 nparams;
	struct pg_param	*p;
	const char	**values;
	int		*lengths;
	int		*formats;
	Oid		*types;		/* as bound for this run */
	Oid		*ptypes;	/* as prepared on the server */
	char		 name[24];
	unsigned	 prepared_gen;	/* 0: not prepared on this connection */
	PGresult	*res;
	int		 executed;
	int		 done;		/* DB_DONE or an error returned */
	int		 failed;
	int		 row;		/* next row */
	int		 nrows;
	int		 ncols;
	struct pg_decoded *dec;		/* ncols of them */
	int		 ndec;
	char		**names;	/* column names, kept till finalize */
	int		 nnames;
};

#define PG(db)	((struct pg_db *)(db))
#define ST(s)	((struct pg_stmt *)(s))

/*
 * libpq's messages end with a newline and may span several lines
 * ("server closed the connection unexpectedly\n\tThis probably ...");
 * logs want one line.
 */
static void
set_msg(struct db *db, enum db_err code, const char *a, const char *b)
{
	char	 buf[sizeof(db->errmsg)];
	size_t	 o = 0;
	int	 space = 0;

	for (int k = 0; k < 2; k++) {
		const char *m = k == 0 ? a : b;

		if (m == NULL || *m == '\0')
			continue;
		if (k == 1 && o > 0 && o + 2 < sizeof(buf)) {
			buf[o++] = ';';
			space = 1;
		}
		for (; *m != '\0' && o + 1 < sizeof(buf); m++) {
			if (isspace((unsigned char)*m)) {
				space = o > 0;
				continue;
			}
			if (space && o + 2 < sizeof(buf))
				buf[o++] = ' ';
			space = 0;
			buf[o++] = *m;
		}
	}
	buf[o] = '\0';
	db_set_error(db, code, buf);
}

/* SQLSTATE to db_err (Appendix A of the PostgreSQL manual). */
static enum db_err
pg_class(const char *state)
{
	static const struct {
		const char	*state;
		enum db_err	 err;
	} codes[] = {
		{ "40001", DB_E_BUSY },		/* serialization_failure */
		{ "40P01", DB_E_BUSY },		/* deadlock_detected */
		{ "55P03", DB_E_BUSY },		/* lock_not_available */
		{ "57014", DB_E_BUSY },		/* query_canceled (timeouts) */
		{ "53100", DB_E_FULL },		/* disk_full */
		{ "53200", DB_E_NOMEM },	/* out_of_memory */
		{ "25006", DB_E_READONLY },	/* read_only_sql_transaction */
		{ "58030", DB_E_IO },		/* io_error */
		{ "57P01", DB_E_CONNECTION },	/* admin_shutdown */
		{ "57P02", DB_E_CONNECTION },	/* crash_shutdown */
		{ "57P03", DB_E_CONNECTION },	/* cannot_connect_now */
	};

	if (state == NULL || strlen(state) != 5)
		return DB_E_OTHER;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(state, codes[i].state) == 0)
			return codes[i].err;
	if (strncmp(state, "23", 2) == 0)
		return DB_E_CONSTRAINT;
	if (strncmp(state, "08", 2) == 0)
		return DB_E_CONNECTION;
	return DB_E_OTHER;
}

/*
 * Remember why res (NULL: no result at all) failed.  tx_before: the
 * transaction status before the call, to know whether a broken
 * connection took a transaction with it.
 */
static void
take_error(struct pg_db *d, const PGresult *res,
    PGTransactionStatusType tx_before)
{
	enum db_err	 code = DB_E_OTHER;
	const char	*prim = NULL, *detail = NULL;

	if (res != NULL) {
		code = pg_class(PQresultErrorField(res, PG_DIAG_SQLSTATE));
		prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		if (prim == NULL)
			prim = PQresultErrorMessage(res);
	}
	if (prim == NULL || *prim == '\0') {
		prim = PQerrorMessage(d->c);
		detail = NULL;
	}
	if (PQstatus(d->c) != CONNECTION_OK) {
		code = DB_E_CONNECTION;
		if (tx_before != PQTRANS_IDLE && tx_before != PQTRANS_UNKNOWN)
			d->lost_tx = 1;
	}
	set_msg(&d->base, code, prim, detail);
}

static void
notice_quiet(void *arg, const char *msg)
{
	/* Notices ("there is no transaction in progress") are not errors. */
	(void)arg;
	(void)msg;
}

/* Session settings, after connecting and after each reset. */
static int
session_setup(struct pg_db *d)
{
	PGresult	*r;
	int		 ok;

	PQsetNoticeProcessor(d->c, notice_quiet, NULL);
	/*
	 * lock_timeout: a writer waits for the store's write lock (and any
	 * row lock) at most as long as SQLite's busy timeout, then fails
	 * with 55P03 (DB_E_BUSY, the store's STORE_RETRY: 503 and
	 * Retry-After to the agent) instead of hanging behind a stuck one.
	 */
	r = PQexec(d->c, "SET TIME ZONE 'UTC'; SET bytea_output = 'hex'; "
	    "SET lock_timeout = '5s'");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		take_error(d, r, PQTRANS_IDLE);
	PQclear(r);
	return ok ? 0 : -1;
}

/*
 * Before a call that talks to the server: a connection that broke
 * outside a transaction is reset once (statements are prepared again
 * lazily: the generation changes).  -1 with the error set when the
 * connection is not usable.
 */
static int
ready(struct pg_db *d)
{
	if (d->lost_tx) {
		db_set_error(&d->base, DB_E_CONNECTION, "the connection to "
		    "PostgreSQL broke inside a transaction: roll it back");
		return -1;
	}
	if (PQstatus(d->c) == CONNECTION_OK)
		return 0;
	PQreset(d->c);
	if (PQstatus(d->c) != CONNECTION_OK) {
		take_error(d, NULL, PQTRANS_IDLE);
		return -1;
	}
	d->gen++;
	return session_setup(d);
}

static void
pg_close(struct db *db)
{
	PQfinish(PG(db)->c);
	free(db->name);
	free(db);
}

/* Rows changed, for INSERT, UPDATE, DELETE and MERGE only (as SQLite). */
static void
note_changes(struct pg_db *d, PGresult *r)
{
	const char	*cmd = PQcmdStatus(r);

	if (strncmp(cmd, "INSERT ", 7) == 0 ||
	    strncmp(cmd, "UPDATE ", 7) == 0 ||
	    strncmp(cmd, "DELETE ", 7) == 0 || strncmp(cmd, "MERGE ", 6) == 0)
		d->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

/*
 * End the pipeline, if one is open: a sync, then every result it owes,
 * in order.  *last (when last is not NULL) gets the last statement's
 * result: the caller's own, sent just before.  The first failure is the
 * error (the server skipped the statements after it).  0, or -1 with the
 * error set and *last NULL; the statements are then prepared again on
 * first use (one prepared inside the pipeline may not exist).
 */
static int
pipe_end(struct pg_db *d, PGresult **last)
{
	PGresult	*r;
	int		 failed = 0, nulls = 0;

	if (last != NULL)
		*last = NULL;
	if (!d->piped)
		return 0;
	if (PQpipelineSync(d->c) != 1) {
		take_error(d, NULL, PQTRANS_INTRANS);
		failed = 1;
		goto out;
	}
	for (;;) {
		if ((r = PQgetResult(d->c)) == NULL) {
			/* One NULL ends each statement's results. */
			if (PQstatus(d->c) != CONNECTION_OK ||
			    ++nulls > d->nres + 1) {
				if (!failed)
					take_error(d, NULL, PQTRANS_INTRANS);
				failed = 1;
				break;
			}
			continue;
		}
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(r);
			goto out;
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_EMPTY_QUERY:
			note_changes(d, r);
			break;
		case PGRES_PIPELINE_ABORTED:
			break;
		default:
			if (!failed)
				take_error(d, r, PQTRANS_INTRANS);
			failed = 1;
			break;
		}
		if (last != NULL) {
			PQclear(*last);
			*last = r;
		} else
			PQclear(r);
	}
out:
	if (PQexitPipelineMode(d->c) != 1 && !failed) {
		take_error(d, NULL, PQTRANS_INTRANS);
		failed = 1;
	}
	/* The server may say why before the connection is seen to go. */
	if (failed && PQstatus(d->c) != CONNECTION_OK) {
		d->base.err = DB_E_CONNECTION;
		d->lost_tx = 1;
	}
	d->piped = 0;
	d->nres = 0;
	if (failed) {
		d->gen++;
		if (last != NULL) {
			PQclear(*last);
			*last = NULL;
		}
		return -1;
	}
	return 0;
}

/* A letter, digit or _: part of a name, a keyword or a $tag$. */
static int
ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does sql start with keyword (case-insensitive, a whole word)? */
static int
starts_with(const char *sql, const char *kw)
{
	size_t	 n = strlen(kw);

	while (isspace((unsigned char)*sql))
		sql++;
	return strncasecmp(sql, kw, n) == 0 && !ident_char(sql[n]);
}

/* ROLLBACK [WORK | TRANSACTION], not ROLLBACK TO a savepoint. */
static int
is_rollback(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	if (!starts_with(sql, "ROLLBACK"))
		return 0;
	sql += 8;
	while (isspace((unsigned char)*sql))
		sql++;
	if (starts_with(sql, "WORK") || starts_with(sql, "TRANSACTION"))
		sql += strcspn(sql, " \t\r\n;");
	while (isspace((unsigned char)*sql))
		sql++;
	return *sql == '\0' || *sql == ';';
}

static int
pg_exec(struct db *db, const char *sql)
{
	struct pg_db		*d = PG(db);
	PGTransactionStatusType	 tx;
	PGresult		*r;
	int			 rc = 0;

	/* A pipeline's failure fails what comes next, but ROLLBACK. */
	if (pipe_end(d, NULL) == -1 && !is_rollback(sql))
		return -1;
	if (d->lost_tx && is_rollback(sql)) {
		/* The server rolled it back when the connection went. */
		d->lost_tx = 0;
		return ready(d);
	}
	if (ready(d) == -1)
		return -1;
	tx = PQtransactionStatus(d->c);
	r = PQexec(d->c, sql);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		note_changes(d, r);
		/*
		 * COMMIT of a transaction that had failed rolls back and
		 * says so only in its tag; SQLite would have committed what
		 * succeeded, so the caller must hear it did not happen.
		 */
		if ((starts_with(sql, "COMMIT") || starts_with(sql, "END")) &&
		    strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
			db_set_error(db, DB_E_OTHER, "COMMIT rolled back: a "
			    "statement of the transaction had failed");
			rc = -1;
		}
		break;
	default:
		take_error(d, r, tx);
		rc = -1;
		break;
	}
	PQclear(r);
	return rc;
}

static int	pg_in_transaction(struct db *);

static int
pg_begin_write(struct db *db)
{
	char	 sql[96];

	if (pg_in_transaction(db)) {
		/* As SQLite: BEGIN on PostgreSQL would only warn. */
		db_set_error(db, DB_E_OTHER, "cannot start a transaction "
		    "within a transaction");
		return -1;
	}
	if (pg_exec(db, "BEGIN") == -1)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%" PRId64 ")",
	    SHAOBING_WRITE_LOCK);
	if (pg_exec(db, sql) == -1) {
		/* Keep why the lock failed, not what ROLLBACK said. */
		enum db_err	 code = db->err;
		char		 msg[sizeof(db->errmsg)];

		memcpy(msg, db->errmsg, sizeof(msg));
		pg_exec(db, "ROLLBACK");
		db_set_error(db, code, msg);
		return -1;
	}
	return 0;
}

static int
pg_in_transaction(struct db *db)
{
	struct pg_db	*d = PG(db);

	if (d->lost_tx || d->piped)
		return 1;
	if (PQstatus(d->c) != CONNECTION_OK)
		return 0;
	return PQtransactionStatus(d->c) != PQTRANS_IDLE;
}

static int64_t
pg_changes(struct db *db)
{
	/* The last statement's count comes with the pipeline's results. */
	(void)pipe_end(PG(db), NULL);
	return PG(db)->changes;
}

static void
pg_defer(struct db *db, int on)
{
	PG(db)->defer = on;
}

/*
 * ?N and ? to $N (a bare ? is one more than the largest number so far,
 * as in SQLite), outside '...' strings (E'...' with backslash escapes),
 * "..." identifiers, $tag$...$tag$ strings, -- and nested block
 * comments.  *nparams: the largest number.  NULL with msg on a bad
 * number.
 */
static char *
translate(const char *sql, int *nparams, char *msg, size_t msglen)
{
	size_t	 len = strlen(sql), o = 0;
	char	*out;
	int	 max = 0;

	*nparams = 0;
	/* A bare ? (1 byte) grows the most: to $65535 (6 bytes). */
	if (len > (SIZE_MAX - 2) / 6 || (out = malloc(len * 6 + 2)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len; ) {
		char	 c = sql[i];

		if (c == '\'' || c == '"') {
			int esc = c == '\'' && i > 0 &&
			    (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
			    (i < 2 || !ident_char(sql[i - 2]));

			out[o++] = sql[i++];
			while (i < len) {
				if (esc && sql[i] == '\\' && i + 1 < len) {
					out[o++] = sql[i++];
					out[o++] = sql[i++];
					continue;
				}
				if (sql[i] == c) {
					out[o++] = sql[i++];
					/* A doubled quote stays inside. */
					if (i < len && sql[i] == c) {
						out[o++] = sql[i++];
						continue;
					}
					break;
				}
				out[o++] = sql[i++];
			}
			continue;
		}
		if (c == '-' && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				out[o++] = sql[i++];
			continue;
		}
		if (c == '/' && sql[i + 1] == '*') {
			int depth = 0;

			while (i < len) {
				if (sql[i] == '/' && sql[i + 1] == '*') {
					depth++;
					out[o++] = sql[i++];
				} else if (sql[i] == '*' && sql[i + 1] == '/') {
					out[o++] = sql[i++];
					if (--depth == 0) {
						out[o++] = sql[i++];
						break;
					}
				}
				out[o++] = sql[i++];
			}
			continue;
		}
		if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
			/* $tag$ ... $tag$ (tag: letters, digits, _; not $1). */
			size_t	 t = i + 1;

			while (t < len && ident_char(sql[t]))
				t++;
			if (t < len && sql[t] == '$' &&
			    !isdigit((unsigned char)sql[i + 1])) {
				size_t		 tl = t + 1 - i;
				const char	*end = NULL;

				for (size_t k = t + 1; k + tl <= len; k++)
					if (memcmp(sql + k, sql + i, tl) == 0) {
						end = sql + k + tl;
						break;
					}
				if (end == NULL)
					end = sql + len;
				while (sql + i < end)
					out[o++] = sql[i++];
				continue;
			}
		}
		if (c == '?') {
			long	 n;

			i++;
			if (isdigit((unsigned char)sql[i])) {
				char	*e;

				errno = 0;
				n = strtol(sql + i, &e, 10);
				if (errno != 0 || n < 1 || n > PG_MAX_PARAMS) {
					snprintf(msg, msglen, "parameter ?%.*s "
					    "out of range (1..%d)",
					    (int)(e - (sql + i)), sql + i,
					    PG_MAX_PARAMS);
					free(out);
					return NULL;
				}
				i = (size_t)(e - sql);
			} else {
				n = max + 1;
				if (n > PG_MAX_PARAMS) {
					snprintf(msg, msglen, "more than %d "
					    "parameters", PG_MAX_PARAMS);
					free(out);
					return NULL;
				}
			}
			if (n > max)
				max = (int)n;
			o += (size_t)snprintf(out + o, 8, "$%ld", n);
			continue;
		}
		out[o++] = sql[i++];
	}
	out[o] = '\0';
	*nparams = max;
	return out;
}

static void
clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->executed = s->done = s->failed = 0;
	s->row = s->nrows = 0;
	for (int i = 0; i < s->ndec; i++) {
		free(s->dec[i].buf);
		s->dec[i].buf = NULL;
		s->dec[i].row = -1;
	}
}

static void
param_clear(struct pg_param *p)
{
	free(p->heap);
	memset(p, 0, sizeof(*p));
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt	*s = ST(st);
	struct pg_db	*d;

	if (s == NULL)
		return;
	d = PG(st->db);
	clear_result(s);
	/*
	 * Drop it on the server; not in a failed transaction (it would
	 * fail too), nor on another connection than it was made on, nor
	 * inside a pipeline (it stays until the connection closes).
	 */
	if (s->prepared_gen == d->gen && s->prepared_gen != 0 && !d->piped &&
	    PQstatus(d->c) == CONNECTION_OK &&
	    PQtransactionStatus(d->c) != PQTRANS_INERROR) {
		char	 sql[48];

		snprintf(sql, sizeof(sql), "DEALLOCATE \"%s\"", s->name);
		PQclear(PQexec(d->c, sql));
	}
	for (int i = 0; i < s->nparams; i++)
		param_clear(&s->p[i]);
	free(s->p);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->types);
	free(s->ptypes);
	free(s->dec);
	for (int i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->sql);
	free(s->pgsql);
	free(s);
}

static int
pg_prepare(struct db *db, const char *sql, int persistent,
    struct db_stmt **out)
{
	struct pg_stmt	*s;
	char		 msg[128];
	size_t		 n;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->base.db = db;
	s->persistent = persistent;
	if ((s->sql = strdup(sql)) == NULL)
		goto nomem;
	/* Only what returns no rows may go unwaited for. */
	s->deferrable = (starts_with(sql, "INSERT") ||
	    starts_with(sql, "UPDATE") || starts_with(sql, "DELETE")) &&
	    strcasestr(sql, "RETURNING") == NULL;
	if ((s->pgsql = translate(sql, &s->nparams, msg, sizeof(msg))) ==
	    NULL) {
		db_set_error(db, strcmp(msg, "out of memory") == 0 ?
		    DB_E_NOMEM : DB_E_OTHER, msg);
		pg_finalize(&s->base);
		return -1;
	}
	n = s->nparams > 0 ? (size_t)s->nparams : 1;
	if ((s->p = calloc(n, sizeof(*s->p))) == NULL ||
	    (s->values = calloc(n, sizeof(*s->values))) == NULL ||
	    (s->lengths = calloc(n, sizeof(*s->lengths))) == NULL ||
	    (s->formats = calloc(n, sizeof(*s->formats))) == NULL ||
	    (s->types = calloc(n, sizeof(*s->types))) == NULL ||
	    (s->ptypes = calloc(n, sizeof(*s->ptypes))) == NULL)
		goto nomem;
	*out = &s->base;
	return 0;
nomem:
	pg_finalize(s ? &s->base : NULL);
	db_set_error(db, DB_E_NOMEM, "out of memory");
	return -1;
}

static void
pg_reset(struct db_stmt *st)
{
	clear_result(ST(st));
}

static void
pg_clear_bindings(struct db_stmt *st)
{
	struct pg_stmt	*s = ST(st);

	for (int i = 0; i < s->nparams; i++)
		param_clear(&s->p[i]);
}

static int
pg_stmt_busy(struct db_stmt *st)
{
	struct pg_stmt	*s = ST(st);

	/* As sqlite3_stmt_busy(): stepped, not run to its end, not reset. */
	return s->executed && !s->done;
}

static const char *
pg_sql(struct db_stmt *st)
{
	return ST(st)->sql;
}

/* Parameter i (from 1), cleared, or NULL with the error set. */
static struct pg_param *
param(struct db_stmt *st, int i)
{
	struct pg_stmt	*s = ST(st);
	char		 msg[96];

	if (i < 1 || i > s->nparams) {
		snprintf(msg, sizeof(msg), "bind: parameter %d out of range "
		    "(1..%d)", i, s->nparams);
		db_set_error(st->db, DB_E_OTHER, msg);
		return NULL;
	}
	param_clear(&s->p[i - 1]);
	return &s->p[i - 1];
}

/* v in decimal into buf (room for 21 bytes): its length. */
static int
i64_text(char *buf, int64_t v)
{
	char		 t[24];
	int		 n = 0, len = 0;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		t[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = t[--n];
	buf[len] = '\0';
	return len;
}

static int
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param	*p;

	if ((p = param(st, i)) == NULL)
		return -1;
	p->type = OID_INT8;
	/* Per parameter of every row: no printf. */
	p->len = i64_text(p->num, v);
	return 0;
}

static int
pg_bind_double(struct db_stmt *st, int i, double v)
{
	struct pg_param	*p;

	if ((p = param(st, i)) == NULL)
		return -1;
	p->type = OID_FLOAT8;
	if (isnan(v))
		p->len = snprintf(p->num, sizeof(p->num), "NaN");
	else if (isinf(v))
		p->len = snprintf(p->num, sizeof(p->num), "%sInfinity",
		    v < 0 ? "-" : "");
	else
		p->len = snprintf(p->num, sizeof(p->num), "%.17g", v);
	return 0;
}

static int
bind_bytes(struct db_stmt *st, int i, const void *v, size_t n, Oid type,
    int format)
{
	struct pg_param	*p;

	if ((p = param(st, i)) == NULL)
		return -1;
	if (n > INT32_MAX - 1 || (p->heap = malloc(n + 1)) == NULL) {
		db_set_error(st->db, DB_E_NOMEM, "out of memory");
		return -1;
	}
	if (n > 0)
		memcpy(p->heap, v, n);
	p->heap[n] = '\0';
	p->len = (int)n;
	p->type = type;
	p->format = format;
	return 0;
}

static int
pg_bind_text(struct db_stmt *st, int i, const char *v, int n)
{
	size_t	 len;

	if (v == NULL)
		return db_bind_null(st, i);
	/* Text goes as a C string: it ends at the first NUL anyway. */
	len = n < 0 ? strlen(v) : strnlen(v, (size_t)n);
	return bind_bytes(st, i, v, len, OID_TEXT, 0);
}

static int
pg_bind_blob(struct db_stmt *st, int i, const void *v, int n)
{
	if (v == NULL)	/* as sqlite3_bind_blob() */
		return db_bind_null(st, i);
	return bind_bytes(st, i, v, n > 0 ? (size_t)n : 0, OID_BYTEA, 1);
}

static int
pg_bind_null(struct db_stmt *st, int i)
{
	return param(st, i) == NULL ? -1 : 0;
}

/*
 * Prepare s on the server when it was not on this connection, or when
 * a parameter is now bound with another type than prepared with (a
 * parameter prepared as NULL keeps the type the server inferred).
 */
static int
prepare_needed(struct pg_db *d, struct pg_stmt *s)
{
	int	 again = s->prepared_gen != d->gen;

	for (int i = 0; i < s->nparams && !again; i++)
		if (s->types[i] != 0 && s->types[i] != s->ptypes[i])
			again = 1;
	if (!again)
		return 0;
	for (int i = 0; i < s->nparams; i++)
		if (s->types[i] != 0 || s->prepared_gen != d->gen)
			s->ptypes[i] = s->types[i];
	/* A new name: the old one may still exist on the server. */
	snprintf(s->name, sizeof(s->name), "sb%u", ++d->stmt_seq);
	s->prepared_gen = 0;
	return 1;
}

/*
 * Send s into the pipeline (opened here when needed), prepared first
 * when it must be.  0, or -1 with the error set and the pipeline ended.
 */
static int
pipe_send(struct pg_db *d, struct pg_stmt *s)
{
	int	 ok;

	if (!d->piped) {
		if (PQenterPipelineMode(d->c) != 1) {
			take_error(d, NULL, PQTRANS_INTRANS);
			return -1;
		}
		d->piped = 1;
		d->nres = 0;
	}
	if (s->persistent && prepare_needed(d, s)) {
		if (PQsendPrepare(d->c, s->name, s->pgsql, s->nparams,
		    s->ptypes) != 1)
			goto fail;
		/* Unless the pipeline fails (pipe_end() then says so). */
		s->prepared_gen = d->gen;
		d->nres++;
	}
	ok = s->persistent ? PQsendQueryPrepared(d->c, s->name, s->nparams,
	    s->values, s->lengths, s->formats, 0) :
	    PQsendQueryParams(d->c, s->pgsql, s->nparams, s->types, s->values,
	    s->lengths, s->formats, 0);
	if (ok != 1)
		goto fail;
	d->nres++;
	return 0;
fail:
	{
		enum db_err	 code;
		char		 msg[sizeof(d->base.errmsg)];

		take_error(d, NULL, PQTRANS_INTRANS);
		code = d->base.err;
		memcpy(msg, d->base.errmsg, sizeof(msg));
		(void)pipe_end(d, NULL);
		db_set_error(&d->base, code, msg);
	}
	return -1;
}

static int
execute(struct pg_stmt *s)
{
	struct pg_db		*d = PG(s->base.db);
	PGTransactionStatusType	 tx;
	PGresult		*r;

	s->executed = 1;
	if (ready(d) == -1)
		goto fail;
	tx = PQtransactionStatus(d->c);
	for (int i = 0; i < s->nparams; i++) {
		struct pg_param *p = &s->p[i];

		s->types[i] = p->type;
		s->formats[i] = p->format;
		s->lengths[i] = p->len;
		s->values[i] = p->type == 0 ? NULL : p->heap ? p->heap : p->num;
	}
	if (d->piped || (d->defer && s->deferrable &&
	    tx == PQTRANS_INTRANS)) {
		if (pipe_send(d, s) == -1)
			goto fail;
		if (d->defer && s->deferrable && d->nres < PIPE_MAX) {
			/* Its outcome comes when the pipeline ends. */
			s->nrows = s->ncols = 0;
			return 0;
		}
		if (pipe_end(d, &r) == -1)
			goto fail;
	} else if (s->persistent) {
		if (prepare_needed(d, s)) {
			r = PQprepare(d->c, s->name, s->pgsql, s->nparams,
			    s->ptypes);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				take_error(d, r, tx);
				PQclear(r);
				goto fail;
			}
			PQclear(r);
			s->prepared_gen = d->gen;
		}
		r = PQexecPrepared(d->c, s->name, s->nparams, s->values,
		    s->lengths, s->formats, 0);
	} else
		r = PQexecParams(d->c, s->pgsql, s->nparams, s->types,
		    s->values, s->lengths, s->formats, 0);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		break;
	default:
		take_error(d, r, tx);
		PQclear(r);
		goto fail;
	}
	note_changes(d, r);
	s->res = r;
	s->nrows = PQntuples(r);
	if (PQnfields(r) > s->ndec) {
		struct pg_decoded *dec = realloc(s->dec,
		    (size_t)PQnfields(r) * sizeof(*dec));

		if (dec == NULL) {
			db_set_error(&d->base, DB_E_NOMEM, "out of memory");
			goto fail;
		}
		for (int i = s->ndec; i < PQnfields(r); i++) {
			dec[i].row = -1;
			dec[i].buf = NULL;
			dec[i].len = 0;
		}
		s->dec = dec;
		s->ndec = PQnfields(r);
	}
	s->ncols = PQnfields(r);
	return 0;
fail:
	s->failed = 1;
	return -1;
}

static int
pg_step(struct db_stmt *st)
{
	struct pg_stmt	*s = ST(st);

	if (!s->executed && execute(s) == -1) {
		s->done = 1;
		return DB_ERROR;
	}
	if (s->failed) {
		/* Stepped again without a reset: the same failure. */
		s->done = 1;
		return DB_ERROR;
	}
	if (s->row < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	s->done = 1;
	return DB_DONE;
}

static int
pg_column_count(struct db_stmt *st)
{
	return ST(st)->ncols;
}

/*
 * As sqlite3_column_name(): valid while the statement lives, so copied
 * out of the result (freed at the next reset); NULL before the first
 * step or when out of memory.
 */
static const char *
pg_column_name(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = ST(st);
	const char	*n;

	if (s->res == NULL || col < 0 || col >= s->ncols)
		return col >= 0 && col < s->nnames ? s->names[col] : NULL;
	n = PQfname(s->res, col);
	if (col >= s->nnames) {
		char **names = realloc(s->names, (size_t)s->ncols *
		    sizeof(*names));

		if (names == NULL)
			return NULL;
		for (int i = s->nnames; i < s->ncols; i++)
			names[i] = NULL;
		s->names = names;
		s->nnames = s->ncols;
	}
	if (s->names[col] == NULL || strcmp(s->names[col], n) != 0) {
		char	*copy = strdup(n);

		if (copy == NULL)
			return NULL;
		/* Only a changed name (never for the same SQL) is freed. */
		free(s->names[col]);
		s->names[col] = copy;
	}
	return s->names[col];
}

/* The current row, or -1 when there is none or col is out of range. */
static int
cur(struct pg_stmt *s, int col)
{
	if (s->res == NULL || s->row < 1 || s->row > s->nrows || col < 0 ||
	    col >= s->ncols)
		return -1;
	return s->row - 1;
}

static int
pg_column_null(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = ST(st);
	int		 r = cur(s, col);

	return r < 0 || PQgetisnull(s->res, r, col);
}

/* Column col of the current row as text, NULL for NULL. */
static const char *
raw(struct pg_stmt *s, int col)
{
	int	 r = cur(s, col);

	if (r < 0 || PQgetisnull(s->res, r, col))
		return NULL;
	return PQgetvalue(s->res, r, col);
}

static int64_t
pg_column_int64(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = ST(st);
	const char	*v = raw(s, col);
	char		*e;
	long long	 n;

	if (v == NULL)
		return 0;
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	errno = 0;
	n = strtoll(v, &e, 10);
	if (*e == '.' || *e == 'e' || *e == 'E' || *e == 'N' || *e == 'I' ||
	    (*e == '-' && e[1] == 'I')) {
		/* A float or numeric: truncated and clamped as SQLite does. */
		double d = strtod(v, NULL);

		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	}
	return n;
}

static double
pg_column_double(struct db_stmt *st, int col)
{
	struct pg_stmt	*s = ST(st);
	const char	*v = raw(s, col);

	if (v == NULL)
		return 0;
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	return strtod(v, NULL);
}

/* A bytea column of the current row, decoded once per row. */
static struct pg_decoded *
decoded(struct pg_stmt *s, int col)
{
	struct pg_decoded	*dec;
	unsigned char		*b;
	size_t			 n;
	const char		*v = raw(s, col);

	if (v == NULL || PQftype(s->res, col) != OID_BYTEA)
		return NULL;
	dec = &s->dec[col];
	if (dec->row == s->row)
		return dec;
	free(dec->buf);
	dec->buf = NULL;
	dec->row = -1;
	if ((b = PQunescapeBytea((const unsigned char *)v, &n)) == NULL)
		goto nomem;
	if (n > INT32_MAX - 1 || (dec->buf = malloc(n + 1)) == NULL) {
		PQfreemem(b);
		goto nomem;
	}
	memcpy(dec->buf, b, n);
	dec->buf[n] = '\0';
	PQfreemem(b);
	dec->len = (int)n;
	dec->row = s->row;
	return dec;
nomem:
	db_set_error(s->base.db, DB_E_NOMEM, "out of memory");
	return NULL;
}

static const char *
pg_column_text(struct db_stmt *st, int col)
{
	struct pg_stmt		*s = ST(st);
	const char		*v = raw(s, col);
	struct pg_decoded	*dec;

	if (v == NULL)
		return NULL;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
		/* As SQLite prints a comparison. */
		return v[0] == 't' ? "1" : "0";
	case OID_BYTEA:
		return (dec = decoded(s, col)) == NULL ? NULL : dec->buf;
	default:
		return v;
	}
}

static const void *
pg_column_blob(struct db_stmt *st, int col)
{
	return pg_column_text(st, col);
}

static int
pg_column_bytes(struct db_stmt *st, int col)
{
	struct pg_stmt		*s = ST(st);
	const char		*v = raw(s, col);
	struct pg_decoded	*dec;

	if (v == NULL)
		return 0;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
		return 1;
	case OID_BYTEA:
		return (dec = decoded(s, col)) == NULL ? 0 : dec->len;
	default:
		return PQgetlength(s->res, cur(s, col), col);
	}
}

static const struct db_ops pg_ops = {
	.close = pg_close,
	.exec = pg_exec,
	.begin_write = pg_begin_write,
	.in_transaction = pg_in_transaction,
	.changes = pg_changes,
	.defer = pg_defer,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.clear_bindings = pg_clear_bindings,
	.stmt_busy = pg_stmt_busy,
	.sql = pg_sql,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.column_null = pg_column_null,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
};

/*
 * uri without a password: neither "user:PASSWORD@" nor a password=
 * query parameter.  Allocated; NULL when out of memory.
 */
static char *
uri_without_password(const char *uri)
{
	const char	*a, *e, *at = NULL, *colon = NULL, *q;
	char		*out;
	size_t		 o = 0;

	if ((out = malloc(strlen(uri) + 1)) == NULL)
		return NULL;
	a = strstr(uri, "://");
	a = a ? a + 3 : uri;
	e = a + strcspn(a, "/?#");
	for (const char *p = a; p < e; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		colon = memchr(a, ':', (size_t)(at - a));
	q = strchr(e, '?');
	for (const char *p = uri; *p != '\0'; ) {
		if (colon != NULL && p == colon) {
			p = at;
			continue;
		}
		if (q != NULL && p > q && (p[-1] == '?' || p[-1] == '&') &&
		    strncasecmp(p, "password=", 9) == 0) {
			p += strcspn(p, "&#");
			if (*p == '&')
				p++;
			continue;
		}
		out[o++] = *p++;
	}
	/* A dropped last parameter leaves "?" or "&" at the end. */
	while (o > 0 && (out[o - 1] == '&' || out[o - 1] == '?'))
		o--;
	out[o] = '\0';
	return out;
}

struct db *
db_pg_open(const char *uri, char *err, size_t errlen)
{
	struct pg_db		*d = NULL;
	PQconninfoOption	*opts;
	char			*perr = NULL, *name;
	int			 haspw = 0;
	/*
	 * The URI (dbname, expanded) may name its application and its
	 * connect timeout; the encoding is always UTF-8.  Without a
	 * timeout a reset would wait for TCP's (minutes) when the server's
	 * machine is gone.
	 */
	const char *const	 kw[] = { "fallback_application_name",
				    "connect_timeout", "dbname",
				    "client_encoding", NULL };
	const char		*val[] = { "shaobing-collector", "10", uri,
				    "UTF8", NULL };

	if ((name = uri_without_password(uri)) == NULL) {
		snprintf(err, errlen, "PostgreSQL: out of memory");
		return NULL;
	}
	if ((opts = PQconninfoParse(uri, &perr)) == NULL) {
		snprintf(err, errlen, "%s: not a valid PostgreSQL URI: %s",
		    name, perr ? perr : "out of memory");
		goto fail;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
			haspw = 1;
	PQconninfoFree(opts);
	if (haspw) {
		snprintf(err, errlen, "%s: a password in the URI is refused "
		    "(the configuration file is world-readable): put it in a "
		    "password file instead (passfile= in the URI, PGPASSFILE "
		    "or ~/.pgpass, mode 0600)", name);
		goto fail;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	d->base.ops = &pg_ops;
	d->base.kind = DB_POSTGRES;
	d->base.name = name;
	name = NULL;
	d->gen = 1;
	d->c = PQconnectdbParams(kw, val, 1);
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		char	 m[sizeof(d->base.errmsg)];

		if (d->c == NULL)
			db_set_error(&d->base, DB_E_NOMEM, "out of memory");
		else
			take_error(d, NULL, PQTRANS_IDLE);
		snprintf(m, sizeof(m), "%s", d->base.errmsg);
		snprintf(err, errlen, "%s: cannot connect to PostgreSQL: %s",
		    d->base.name, m);
		goto fail;
	}
	if (session_setup(d) == -1) {
		snprintf(err, errlen, "%s: cannot set up the session: %s",
		    d->base.name, d->base.errmsg);
		goto fail;
	}
	return &d->base;
fail:
	PQfreemem(perr);
	free(name);
	if (d != NULL)
		pg_close(&d->base);
	return NULL;
}
