/*
 * The notification outbox: a notification is sent once, whichever
 * collector on a shared database opened the incident, and is not lost
 * when that collector dies (issue 19).
 *
 * Writing.  The transaction that opens or escalates an incident, or
 * resolves one by itself, also writes a notify_outbox row (pending):
 * the incident and whether it is a recovery.  A rolled-back event or
 * batch takes its row with it.  A pending row already waiting for the
 * same incident and kind takes the new one in (the message is built when
 * it is sent, from the incident as it is then).
 *
 * Sending.  Every collector runs a sender (struct outbox).  It claims
 * due rows in one short write transaction: state 'claimed', claimed_by
 * its instance id, lease_until = now + lease, for rows pending or whose
 * lease expired (their collector died or hangs); hands them to the
 * notifier (channels, retries, storm digest as before), renews the lease
 * of what it still holds every third of a lease, and marks each row
 * sent (every channel that took it succeeded) or failed, with the
 * result, when the notifier reports; only the claim holder can mark it.
 * The sends themselves are recorded in notifications as before.
 *
 * Guarantee: at least once; exactly once unless a collector dies between
 * a send and marking its row (or hangs past the lease while sending):
 * then the row is sent again by the collector that takes it over, so
 * one duplicate.  Webhook bodies carry "idempotency_key"
 * ("shaobing-outbox-ID", and each incident its outbox_id) for receivers
 * to drop it.
 */
#ifndef SHAOBING_OUTBOX_H
#define SHAOBING_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/notify.h"

struct store;
struct incidents_conf;

#define OUTBOX_OWNER_MAX	128	/* a collector instance id */
#define OUTBOX_BATCH		64	/* rows claimed at once */

/* ---- store layer (store_incident.c) --------------------------------- */

/* Migration 14: the notify_outbox table, in SQLite's and PostgreSQL's
   dialects (the pair for store.c's {sqlite, pg} migrations). */
extern const char store_outbox_migration[];
extern const char store_outbox_migration_pg[];

/*
 * Queue incident_id's notification (recovery: resolved by itself) in the
 * caller's transaction.  0 or -1 with err.
 */
int	store_outbox_add(struct store *st, int64_t incident_id, bool recovery,
	    int64_t now, char *err, size_t errlen);

struct outbox_claim {
	int64_t	id;
	int64_t	incident_id;
	bool	recovery;
	int64_t	claims;		/* this one included */
	char	taken_from[OUTBOX_OWNER_MAX]; /* "" unless its last holder's
					   lease expired */
};
/*
 * Claim up to max due rows for owner until now + lease_ms, in one write
 * transaction.  The number claimed (into c), -1 with err.
 */
int	store_outbox_claim(struct store *st, const char *owner, int64_t now,
	    int64_t lease_ms, struct outbox_claim *c, size_t max, char *err,
	    size_t errlen);
/*
 * Row id sent (ok) or failed (error), by its claim holder owner: 1
 * marked, 0 owner no longer holds it (another collector took it over
 * after the lease), -1 with err.
 */
int	store_outbox_done(struct store *st, int64_t id, const char *owner,
	    bool ok, const char *error, int64_t now, char *err, size_t errlen);
/* Extend owner's leases to now + lease_ms: rows renewed, -1 with err. */
int	store_outbox_renew(struct store *st, const char *owner, int64_t now,
	    int64_t lease_ms, char *err, size_t errlen);
/* Give row id back (pending, no lease) if owner holds it: 1, 0, -1. */
int	store_outbox_release(struct store *st, int64_t id, const char *owner,
	    char *err, size_t errlen);

struct outbox_row {
	int64_t		 id;
	bool		 recovery;
	const char	*state;		/* pending, claimed, sent, failed */
	int64_t		 created_ms;
	const char	*claimed_by;	/* NULL when never claimed */
	int64_t		 lease_until_ms; /* STORE_NO_TIME: none */
	int64_t		 claims;
	int64_t		 done_ms;	/* STORE_NO_TIME: not yet */
	const char	*error;
};
/* fn for incident id's outbox rows in id order.  0 or -1 with err. */
int	store_incident_outbox(struct store *st, int64_t id,
	    int (*fn)(void *arg, const struct outbox_row *r, char *err,
	    size_t errlen), void *arg, char *err, size_t errlen);

/* ---- the sender ----------------------------------------------------- */

struct outbox_opts {
	struct store			*st;
	struct notifier			*notifier;
	/* console_url, notify_lease; kept, not copied */
	const struct incidents_conf	*conf;
	/* This collector instance, unique among all that share the
	   database (outbox_instance_id()); copied. */
	const char			*owner;
};

struct outbox;

/* "HOST:PID:START_MS" into buf. */
void		 outbox_instance_id(char *buf, size_t len, int64_t now);
struct outbox	*outbox_new(const struct outbox_opts *o);
void		 outbox_free(struct outbox *ob);
/*
 * At collector time now: renew the leases held when due, then claim due
 * rows and submit them.  Rows claimed, -1 with err (logged by the
 * caller; the next run tries again).
 */
int		 outbox_run(struct outbox *ob, int64_t now, char *err,
		    size_t errlen);
/*
 * A notifier result (after incidents_on_notify recorded it): rows whose
 * every channel reported are marked sent or failed; a send cut short by
 * notify_free() gives its row back for another collector.
 */
void		 outbox_on_result(struct outbox *ob,
		    const struct notify_result *r, int64_t now);
/* Rows claimed and not yet marked. */
size_t		 outbox_held(const struct outbox *ob);

#endif
