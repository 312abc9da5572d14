/*
 * The collector's daily event prune ([store] event_retention).
 *
 * DESIGN: raw events and audit trails are kept at least 180 days (the
 * Cybersecurity Law's log-retention floor), incidents and indicator
 * history for years.  So only raw events are pruned, once a day, in
 * batches of a few hundred rows, each its own short transaction, with the
 * event loop free between them so ingest is never held up for long.
 */
#ifndef SHAOBING_RETENTION_H
#define SHAOBING_RETENTION_H

#include <stdint.h>

#include "collector/store.h"

#define RETENTION_DAY_MS	((int64_t)86400000)
#define RETENTION_FLOOR_MS	(180 * RETENTION_DAY_MS)	/* the law's floor */
#define RETENTION_DEFAULT	"400d"
#define RETENTION_BATCH		500

struct retention;

/*
 * keep_ms: events received longer ago than this go (>= RETENTION_FLOOR_MS).
 * now_ms: the first prune is due then (a collector prunes shortly after
 * start, then every day).  batch: rows looked at per transaction.
 * NULL when out of memory.
 */
struct retention *retention_new(struct store *st, int64_t keep_ms,
	    int64_t now_ms, int batch);
void	retention_free(struct retention *r);
/* A new keep_ms (SIGHUP), from the next prune on. */
void	retention_set_keep(struct retention *r, int64_t keep_ms);

/*
 * Do the next piece of work at now_ms: nothing when no prune is due, else
 * one batch; a finished prune logs one line (events deleted, events kept
 * because an incident refers to them, the cutoff) and makes the next one
 * due a day later.  A store error is logged and the prune is retried an
 * hour later.  Returns the milliseconds after which to call again: 0 in
 * the middle of a prune (let the event loop run, then go on).
 */
int64_t	retention_step(struct retention *r, int64_t now_ms);

#endif
