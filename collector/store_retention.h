/*
 * Event retention in the store: the raw events older than the configured
 * retention go, in small transactions; what an incident refers to stays,
 * and so do incidents, their trail, notifications, the admin audit,
 * uptime and indicator history (they are kept for years).
 */
#ifndef SHAOBING_STORE_RETENTION_H
#define SHAOBING_STORE_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "collector/store.h"

/* Migration 8: incident_events by event, for the "referenced?" test. */
extern const char store_retention_migration[];

/*
 * One transaction: look at up to limit events after *cursor (by id, the
 * order they were stored in, so the collector clock's order), delete those
 * received before cutoff_ms that no incident refers to (incident_events),
 * count the others in *kept.  Stops at the first event received at or after
 * cutoff_ms: everything stored later is younger.  *cursor moves past what
 * was looked at; *deleted and *kept are added to.  1 when there may be
 * more to prune (call again with the same cursor), 0 when done, -1 with
 * err (the transaction rolled back, nothing deleted).
 *
 * Exactly-once after pruning: an agent deletes what was acknowledged, so
 * a resend of an event stored before the cutoff (at least 180 days ago)
 * does not happen in practice; were it to, it would be stored again.
 */
int	store_prune_events(struct store *st, int64_t cutoff_ms, int limit,
	    int64_t *cursor, int64_t *deleted, int64_t *kept, char *err,
	    size_t errlen);

#endif
