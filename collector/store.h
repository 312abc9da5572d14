/*
 * The collector's store: SQLite in WAL mode, synchronous=FULL, schema by
 * numbered migrations (PRAGMA user_version).  The store layer
 * (collector/store*.c) is the only code of the collector that includes
 * sqlite3.h, so a PostgreSQL store later replaces those files behind
 * this interface and the module headers (store_*.h, the store sections
 * of incident.h and console.h).
 *
 * Reads hand over typed rows (structs of stored values) through a
 * callback, never the API's JSON: the API layer decides member names,
 * shapes and derived values (an agent's status, a token's state).  See
 * "Reading" below and store_priv.h for the one query helper.
 *
 * One struct store is used by one thread (the event loop).  Times are
 * UTC milliseconds.  Every function that changes data does it in one
 * transaction and returns only after COMMIT (or after ROLLBACK, on error,
 * having changed nothing).
 */
#ifndef SHAOBING_STORE_H
#define SHAOBING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/db.h"
#include "common/event.h"

struct store;

/* A time the store holds as NULL (never revoked, not yet seen, ...). */
#define STORE_NO_TIME	INT64_MIN

/* Open (creating) PATH and bring the schema up to date.  NULL with err. */
struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *st);
/* The database for messages: its path, or its URL without a password. */
const char	*store_name(const struct store *st);
/* Schema version after store_open() (the number of migrations applied). */
int		 store_schema_version(struct store *st);
/* Highest migration this build knows. */
int		 store_schema_latest(void);

/*
 * How a write failed.  -1: for good (a constraint, a broken row; sending
 * the same again fails the same way).  STORE_RETRY: the database cannot
 * write now (busy past the busy timeout, disk full, read-only, I/O
 * error, cannot open its files, out of memory); nothing was changed and
 * the same request may succeed later.  err then starts with the cause
 * ("disk full: ...").
 */
#define STORE_RETRY	(-2)

/* Would a database error go away by itself (STORE_RETRY)? */
int	store_error_retryable(enum db_err e);
/*
 * After a store call (a read too) returned -1: the cause ("database
 * connection lost", "database busy", ...) when the database said it was
 * temporary, so the API answers 503 with Retry-After; NULL when not.
 */
const char	*store_retry_cause(struct store *st);

/*
 * 0 when writing works, 1 when the last write failed with STORE_RETRY
 * and none succeeded since; why then says the cause ("disk full: ...").
 */
int	store_health(struct store *st, char *why, size_t whylen);

/* An event of a batch the store could not take (store_insert_batch). */
struct store_rejected {
	size_t		index;		/* in the batch */
	uint64_t	seq;
	int		again;		/* rejected when first sent: resent */
	char		error[256];
};

struct store_batch_result {
	uint64_t	stored_through;	/* highest seq of the batch (or the
					   agent's last_seq when empty) */
	size_t		inserted;	/* new rows; a resend inserts 0 */
	int		new_agent;	/* the agent was first seen now */
	/* Events of the batch not stored (all with seq <= stored_through);
	   owned by the store, valid until its next insert call. */
	const struct store_rejected *rejected;
	size_t		nrejected;
};

/*
 * Store a decoded batch exactly once: (agent, seq) already present is
 * skipped.  The agent row is created on first contact.
 *
 * Each event, with everything its event hooks write, is stored inside a
 * savepoint of the batch's transaction.  When that fails for good (a
 * constraint, a hook's error, data that cannot be serialised) the event
 * is rolled back alone, recorded in rejected_events with why, listed in
 * res->rejected, and the rest of the batch is stored; it still counts
 * as handled (the agent's last_seq moves past it).  A resend of such an
 * event (seq <= the agent's last_seq, found in rejected_events) is
 * listed again with again = 1 and nothing else happens.
 *
 * 0 after COMMIT; -1 with err, or STORE_RETRY with err when the database
 * cannot write now: then the whole batch rolled back (nothing stored).
 */
int	store_insert_batch(struct store *st, const struct event_batch *b,
	    int64_t now_ms, struct store_batch_result *res, char *err,
	    size_t errlen);

/*
 * Group commit: the batches that arrived together, stored in one
 * transaction with one COMMIT (one fsync), each inside a savepoint of its
 * own and its events as in store_insert_batch().  Per batch: rc 0 and
 * res (res.rejected valid until the next insert call); rc -1 with err
 * when that batch failed for good (it alone rolled back: nothing of it
 * stored).  When the transaction itself failed (STORE_RETRY: disk full,
 * ...; or -1) nothing was stored, every rc says so and that is returned;
 * else 0 after COMMIT.  store_insert_batch() is this with one batch.
 */
struct store_batch_in {
	const struct event_batch	*b;
	int64_t				 now_ms;	/* received */
	struct store_batch_result	 res;		/* out */
	int				 rc;		/* out */
	char				 err[512];	/* out */
};
int	store_insert_batches(struct store *st, struct store_batch_in *in,
	    size_t n);

struct store_heartbeat {
	const char	*agent;
	int64_t		 ts_ms;		/* agent's clock */
	int64_t		 interval_ms;	/* its heartbeat interval */
	int64_t		 boot_ms;	/* its boot time */
};

/*
 * Record a heartbeat and coalesce uptime: the agent's latest interval is
 * extended to ts when ts - end <= interval * gap_factor and the machine
 * has not booted since end; otherwise a new interval [ts, ts] starts.  A
 * heartbeat older than the latest interval's start changes no interval.
 * 0 after COMMIT, -1 or STORE_RETRY with err.
 */
int	store_heartbeat(struct store *st, const struct store_heartbeat *hb,
	    double gap_factor, int64_t now_ms, int *new_agent, char *err,
	    size_t errlen);

/*
 * Ingest hooks: how incidents, inventory, availability and later modules
 * see each event exactly once.
 *
 * An event hook runs inside the batch's transaction for every event that
 * was newly inserted (never for a resent duplicate), so whatever it
 * writes with store_db() commits or rolls back together with the event.
 * It returns 0, or -1 with err to reject the event: the event and all
 * its hooks wrote roll back to its savepoint (store_insert_batch).
 *
 * A commit hook hears how the transaction goes: STORE_TXN_COMMIT after
 * COMMIT (send the notifications queued by the event hooks),
 * STORE_TXN_ROLLBACK after ROLLBACK (drop them); STORE_TXN_MARK when a
 * savepoint of nesting level (0 a batch, 1 an event) starts (remember
 * how much is queued), STORE_TXN_UNDO when it was rolled back (drop what
 * was queued since the MARK of that level); STORE_TXN_BEGIN when the
 * transaction began.  A group that failed is stored once more, so event
 * hooks may run twice on an event: in-memory state they keep must come
 * back at ROLLBACK / UNDO.  Hooks run in the order added.
 */
enum store_txn {
	STORE_TXN_ROLLBACK = 0,
	STORE_TXN_COMMIT = 1,
	STORE_TXN_MARK,
	STORE_TXN_UNDO,
	STORE_TXN_BEGIN,	/* a transaction began: what a ROLLBACK
				   must restore is as it is now */
};
#define STORE_TXN_LEVELS	2
struct store_event_ctx {
	int64_t			 event_id;	/* events.id */
	int64_t			 agent_id;
	const char		*agent;
	const struct event	*ev;
	int64_t			 received_ms;	/* collector clock */
	int64_t			 seq;		/* as stored: < 0 when derived */
	int			 derived;	/* made by the collector
						   (store_insert_derived) */
};
typedef int (*store_event_hook)(void *arg, struct store *st,
    const struct store_event_ctx *ctx, char *err, size_t errlen);
typedef void (*store_commit_hook)(void *arg, struct store *st,
    enum store_txn what, int level);

/*
 * Derived events: what the collector concludes from agent events (an
 * inventory change, ...) is stored as an event of the same agent so the
 * admin API, retention and the incidents engine treat it like any other.
 *
 * store_insert_derived() may only be called from an event hook, inside
 * the batch transaction: it inserts ev (agent, ts, type, severity, key,
 * data as set by the caller; ev->seq is ignored) into events with a
 * NEGATIVE seq taken from the agent's own counter (agents.derived_seq:
 * -1, -2, ...).  Agent seqs are >= 1, so the two spaces never collide
 * and UNIQUE(agent, seq) still holds; the agent's last_seq and event
 * count are not touched.  Then it runs every event hook on the new row
 * with ctx->derived = 1 and ctx->seq < 0.  A derived event may not
 * derive another: called while hooks run on a derived event it fails.
 * 0, or -1 with err (the caller's hook returns -1: the event it came
 * from is rejected, store_insert_batch).
 * The admin events query shows such rows with "derived": true.
 */
int	store_insert_derived(struct store *st, int64_t agent_id,
	    const char *agent, struct event *ev, int64_t now_ms, char *err,
	    size_t errlen);

/*
 * A batch hook runs on the ingest fast path once per batch, after the
 * batch's new events are stored and before the event hooks run on them,
 * with the indexes in b->events of those events (n of them, in batch
 * order): a hook may read ahead what it will need for them, in one query
 * instead of one per event.  It changes nothing; -1 with err fails the
 * group, which is then stored on the careful path (no batch hooks).
 */
typedef int (*store_batch_hook)(void *arg, struct store *st,
    int64_t agent_id, const struct event_batch *b, const size_t *idx,
    size_t n, char *err, size_t errlen);

/*
 * A prepare hook runs once per batch of a group before its transaction
 * begins, so outside the writers' lock (on PostgreSQL another collector
 * may hold it meanwhile): work an event hook will need that touches no
 * database, such as parsing the data of the events it reads
 * (event_data() keeps what it parsed).  Speed only: an event hook must
 * not count on it.
 */
typedef void (*store_prepare_hook)(void *arg, const struct event_batch *b);

/* -1 when the (small, fixed) hook table is full. */
int	store_add_prepare_hook(struct store *st, store_prepare_hook fn,
	    void *arg);
int	store_add_event_hook(struct store *st, store_event_hook fn, void *arg);
int	store_add_batch_hook(struct store *st, store_batch_hook fn, void *arg);
int	store_add_commit_hook(struct store *st, store_commit_hook fn, void *arg);

/* Agent id by name: 0 found, 1 unknown, -1 error. */
int	store_agent_id(struct store *st, const char *name, int64_t *id,
	    char *err, size_t errlen);

/*
 * Reading: the list functions call fn once per row with a typed row (a
 * struct of values as stored: times in UTC ms, STORE_NO_TIME for none)
 * whose texts are valid during that call only.  fn returns 0 for the
 * next row or -1 with err, which stops the list and is returned.
 * Turning rows into the API's JSON is the API layer's work (api.c,
 * access.c, incident_api.c, ...), so another backend only produces rows.
 */

/* An agent as listed. */
struct agent_row {
	int64_t		 id;
	const char	*name;
	int64_t		 first_seen_ms;
	int64_t		 last_seen_ms;		/* collector clock */
	int64_t		 last_seq;
	int64_t		 events;
	int64_t		 heartbeat_interval_ms;
	int64_t		 revoked_ms;		/* STORE_NO_TIME: not revoked */
	int		 degraded;		/* an open or acknowledged
						   spool_corrupt incident */
};
typedef int (*store_agent_fn)(void *arg, const struct agent_row *a,
    char *err, size_t errlen);

/* fn for every agent, by name.  0 or -1 with err. */
int	store_list_agents(struct store *st, store_agent_fn fn, void *arg,
	    char *err, size_t errlen);

struct store_event_query {
	int64_t		 agent_id;	/* 0 = any */
	const char	*type;		/* NULL = any */
	int64_t		 since_ms;	/* INT64_MIN = any */
	int64_t		 after_id;	/* 0 = from the start */
	int		 limit;		/* 1..10000 */
	/* Added for the console; zero means "no filter". */
	int64_t		 until_ms;	/* 0 = any; else ts < until_ms */
	const char	*text;		/* NULL = any; in key, type or data */
	int64_t		 before_id;	/* 0 = no bound; else id < before_id */
	int		 desc;		/* newest first */
};

/* A stored event; data is the JSON object text as the agent sent it. */
struct event_row {
	int64_t		 id;
	const char	*agent;
	int64_t		 seq;		/* < 0: derived (store_insert_derived) */
	int64_t		 ts_ms;		/* agent clock */
	int64_t		 received_ms;	/* collector clock */
	const char	*type;
	enum severity	 severity;
	const char	*key;
	const char	*data;
	size_t		 data_len;
};
typedef int (*store_event_fn)(void *arg, const struct event_row *e,
    char *err, size_t errlen);

/*
 * fn for the events matching q in id order (newest first with q->desc),
 * at most q->limit.  *next_after_id the id to continue from (as
 * after_id, or as before_id with q->desc), or 0 when this was the last
 * page.  0 or -1 with err.
 */
int	store_query_events(struct store *st, const struct store_event_query *q,
	    store_event_fn fn, void *arg, int64_t *next_after_id, char *err,
	    size_t errlen);

/* An uptime interval. */
struct uptime_row {
	const char	*agent;
	int64_t		 start_ms;
	int64_t		 end_ms;
};
typedef int (*store_uptime_fn)(void *arg, const struct uptime_row *u,
    char *err, size_t errlen);

/* fn for the intervals of one agent (agent_id > 0, by start) or of all
   (by agent name, then start).  0 or -1 with err. */
int	store_list_uptime(struct store *st, int64_t agent_id,
	    store_uptime_fn fn, void *arg, char *err, size_t errlen);

#endif
