/*
 * The daily event prune: a small state machine driven by
 * retention_step() from a timer in collector/main.c, so tests can run it
 * against a clock of their own (see retention.h).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "collector/retention.h"
#include "collector/store_retention.h"
#include "common/log.h"
#include "common/timeutil.h"

#define RETENTION_RETRY_MS	(3600LL * 1000)	/* after a store error */
#define RETENTION_IDLE_MS	(3600LL * 1000)	/* look at the clock again */

struct retention {
	struct store	*st;
	int64_t		 keep_ms;
	int		 batch;
	int64_t		 due_ms;	/* next prune starts at or after */
	/* the prune in progress (running != 0) */
	int		 running;
	int64_t		 cutoff_ms, cursor, deleted, kept, started_ms;
	int		 batches;
};

struct retention *
retention_new(struct store *st, int64_t keep_ms, int64_t now_ms, int batch)
{
	struct retention *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->st = st;
	r->keep_ms = keep_ms;
	r->batch = batch > 0 ? batch : RETENTION_BATCH;
	r->due_ms = now_ms;
	return r;
}

void
retention_free(struct retention *r)
{
	free(r);
}

void
retention_set_keep(struct retention *r, int64_t keep_ms)
{
	r->keep_ms = keep_ms;
}

int64_t
retention_step(struct retention *r, int64_t now_ms)
{
	char	err[512], cut[32];
	int	more;

	if (!r->running) {
		if (now_ms < r->due_ms)
			return r->due_ms - now_ms < RETENTION_IDLE_MS ?
			    r->due_ms - now_ms : RETENTION_IDLE_MS;
		/* The cutoff is fixed for the whole prune. */
		r->running = 1;
		r->cutoff_ms = now_ms - r->keep_ms;
		r->cursor = 0;
		r->deleted = r->kept = 0;
		r->batches = 0;
		r->started_ms = now_ms;
	}
	more = store_prune_events(r->st, r->cutoff_ms, r->batch, &r->cursor,
	    &r->deleted, &r->kept, err, sizeof(err));
	if (more == -1) {
		log_errorx("event retention: %s; %" PRId64 " events deleted so "
		    "far; trying again in an hour", err, r->deleted);
		r->running = 0;
		r->due_ms = now_ms + RETENTION_RETRY_MS;
		return RETENTION_RETRY_MS;
	}
	r->batches++;
	if (more)
		return 0;
	r->running = 0;
	r->due_ms = r->started_ms + RETENTION_DAY_MS;
	time_format_local(r->cutoff_ms, cut, sizeof(cut));
	log_info("event retention: deleted %" PRId64 " events received "
	    "before %s (older than %" PRId64 " days) in %d transactions; kept "
	    "%" PRId64 " of them that incidents refer to; incidents, trails, "
	    "audit and indicator history are never pruned", r->deleted, cut,
	    r->keep_ms / RETENTION_DAY_MS, r->batches, r->kept);
	return r->due_ms > now_ms ? (r->due_ms - now_ms < RETENTION_IDLE_MS ?
	    r->due_ms - now_ms : RETENTION_IDLE_MS) : 0;
}
