/*
 * The agent's durable spool: every event is committed here before it may
 * be uploaded, and leaves only when the collector acknowledged it.
 *
 * One SQLite file in WAL mode with synchronous=FULL.  Each event gets the
 * next seq from a counter kept in the same file, so a seq is never reused,
 * not after deletes, not after a restart.  The spool is bounded by
 * max_bytes (an accounting of stored bytes, see spool.c); when an event
 * does not fit, the oldest events of the lowest severity go first — the
 * new event competes too, so a full spool of critical events drops a new
 * info event rather than an old critical one — and the drop is reported
 * by a `spool_dropped` event of the spool's own.
 *
 * A struct spool is one SQLite connection and is used by one thread at a
 * time; the daemon opens one for the event loop (append) and one for the
 * uploader thread (read, ack).  Both may work on the file concurrently.
 */
#ifndef SHAOBING_SPOOL_H
#define SHAOBING_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/event.h"

struct spool;

struct spool_stats {
	uint64_t	events;		/* stored, not yet acknowledged */
	int64_t		bytes;		/* accounted size of those */
	uint64_t	next_seq;	/* the seq the next event gets */
	uint64_t	dropped_pending; /* dropped, not yet reported */
};

/* Accounted size of one stored row beyond its strings (index, row header). */
#define SPOOL_ROW_OVERHEAD	64

/*
 * Open (create) the spool at path.  max_bytes bounds the events held.
 * NULL with err on failure (cannot open, not a spool, schema too new).
 */
struct spool	*spool_open(const char *path, int64_t max_bytes, char *err,
		    size_t errlen);
void		 spool_close(struct spool *sp);
void		 spool_set_max(struct spool *sp, int64_t max_bytes);
/*
 * How often a drop is reported: drops are counted in the file and a
 * spool_dropped event is written at the first drop after at least
 * interval_ms since the last report (0: at every drop), or by
 * spool_flush_drops().  Default 60 s.
 */
void		 spool_set_drop_report_interval(struct spool *sp, int64_t ms);

/*
 * Commit one event (data is only read, not taken).  Returns 1 and *seq
 * when committed; 0 when the event itself lost to the size policy
 * (counted as dropped); -1 with err on failure (nothing changed).
 */
int	spool_append(struct spool *sp, int64_t ts_ms, const char *type,
	    enum severity sev, const char *key, const json_t *data,
	    uint64_t *seq, char *err, size_t errlen);

/*
 * Write the pending drop report now if there is one.  1 written, 0 none
 * pending, -1 error.
 */
int	spool_flush_drops(struct spool *sp, char *err, size_t errlen);

/*
 * The oldest events in seq order, at most max_events and (past the first
 * event) at most max_bytes of accounted size, as a batch naming agent.
 * An empty batch (n == 0) when the spool is empty.  0 or -1 with err.
 */
int	spool_read_batch(struct spool *sp, const char *agent, size_t max_events,
	    size_t max_bytes, struct event_batch *b, char *err, size_t errlen);

/* Delete every event with seq <= through.  Returns the number deleted, -1. */
int64_t	spool_ack(struct spool *sp, uint64_t through, char *err, size_t errlen);

/*
 * Continuity after a fresh spool (reinstall, re-enrollment): the
 * collector already holds this agent's events up to floor, so events
 * numbered from 1 again would be taken for resends and dropped.  When
 * the spool was never acknowledged (fresh) and its lowest waiting seq is
 * <= floor, or when next_seq <= floor, renumber the waiting events
 * (keeping their order) and the counter so the lowest becomes floor + 1.
 * Returns how far they moved (0: nothing to do), -1 with err.
 */
int64_t	spool_raise_seq(struct spool *sp, uint64_t floor, char *err,
	    size_t errlen);

/*
 * The collector answered event seq as rejected (it can never store it):
 * move it from the events to the dead letters (table rejected) with why,
 * so it is never sent again, and write a spool_rejected event (high;
 * data: seq, type, error) to tell the collector, unless the event was
 * itself a spool_rejected report (no report loop).  One transaction.
 * 1 moved and reported, 2 moved (a report, not reported), 0 not in the
 * spool (moved before: the collector told it again for a resend), -1.
 */
int	spool_reject(struct spool *sp, uint64_t seq, const char *why,
	    char *err, size_t errlen);

/* The dead letters as a new array of {seq, ts (UTC ms), severity, type,
   key, data, error, rejected_at (UTC ms)}, oldest first.  0 or -1. */
int	spool_rejected(struct spool *sp, json_t **out, char *err,
	    size_t errlen);

int	spool_stats(struct spool *sp, struct spool_stats *st, char *err,
	    size_t errlen);

/*
 * A damaged spool.  spool_open() and every operation above that meets
 * SQLITE_CORRUPT or SQLITE_NOTADB (or a stored row that cannot be sent)
 * recover it and go on: the damaged file, its -wal and -shm move aside
 * to PATH.corrupt-YYYYMMDDTHHMMSSZ (kept), every readable row is copied
 * into a fresh spool (row by row, past damaged pages), whose seqs
 * continue above the highest seq the old file issued, held or had
 * acknowledged, and a high-severity spool_corrupt event (data: moved_to,
 * salvaged, lost, lost_exact, error, resumed_at) is written into it.
 * Events issued after a recovery are held back from spool_read_batch()
 * until spool_raise_seq() saw the collector's last seq and moved them
 * above it: the collector may hold seqs the damaged file forgot.  A file
 * that is not SQLite at all (no magic, not whole pages) is not touched:
 * spool_open() fails on it as before.
 *
 * spool_check(): PRAGMA quick_check at start; 0 sound, 1 recovered, -1.
 * spool_seq_pending(): 1 while events wait for the collector's last seq.
 */
int	spool_check(struct spool *sp, char *err, size_t errlen);
int	spool_seq_pending(struct spool *sp);

#endif
