/*
 * The scheduler of the periodic probes (system, inventory, checks).
 *
 * They run in a thread of their own, one after the other, so that a
 * check waiting on a TLS handshake or a connect timeout never holds up
 * the event loop, where packet capture runs (and signals are handled).
 * Each probe runs once at start, then every interval_ms() after the
 * start of its previous run (after its end when that is later).
 *
 * The emitter is called from the scheduler thread: its emit must be
 * thread-safe (the daemon serialises spool appends with a mutex).
 */
#ifndef SHAOBING_AGENT_SCHED_H
#define SHAOBING_AGENT_SCHED_H

#include <stddef.h>

#include "agent/config.h"
#include "probes/probe.h"

struct sched;

/*
 * Start the thread with the periodic probes among probes[0..n) (those
 * with run and interval_ms; the others are left alone).  Their states
 * are taken over: the scheduler frees them.  em is copied.  NULL with
 * err when the thread cannot start (nothing taken over then).
 */
struct sched	*sched_start(const struct agent_probe *probes, size_t n,
		    const struct emitter *em, char *err, size_t errlen);
/*
 * Replace the periodic probes (SIGHUP) without waiting: a run in
 * progress finishes its current check, the old states are freed by the
 * thread, and the new probes run at once.  Same taking over as
 * sched_start.
 */
void		 sched_replace(struct sched *s, const struct agent_probe *probes,
		    size_t n);
/*
 * Stop: a run in progress finishes its current check, then the thread
 * ends and every state is freed.  Accepts NULL.
 */
void		 sched_stop(struct sched *s);
/* Number of periodic probes among probes[0..n). */
size_t		 sched_count(const struct agent_probe *probes, size_t n);

#endif
