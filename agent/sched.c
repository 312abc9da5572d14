/*
 * The periodic probes' thread.  Contract and reasons in sched.h.
 *
 * The loop thread and the scheduler share only what is under mu: the
 * stop flag and the pending replacement set.  The running set (cur) is
 * the thread's alone; the states it holds are used only by it.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/sched.h"
#include "common/log.h"
#include "common/timeutil.h"

struct sched_ent {
	struct agent_probe	p;
	int64_t			due;	/* monotonic ms */
};

struct sched_set {
	struct sched_ent	v[AGENT_PROBES_MAX];
	size_t			n;
};

struct sched {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	bool			 stop;		/* under mu */
	bool			 has_pending;	/* under mu */
	struct sched_set	 pending;	/* under mu */
	struct sched_set	 cur;		/* thread only */
	struct emitter		 em;
};

static bool
periodic(const struct agent_probe *p)
{
	return p->ops->run != NULL && p->ops->interval_ms != NULL &&
	    p->state != NULL;
}

size_t
sched_count(const struct agent_probe *probes, size_t n)
{
	size_t	k = 0;

	for (size_t i = 0; i < n; i++)
		if (periodic(&probes[i]))
			k++;
	return k;
}

static void
set_fill(struct sched_set *set, const struct agent_probe *probes, size_t n)
{
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < n && set->n < AGENT_PROBES_MAX; i++)
		if (periodic(&probes[i]))
			set->v[set->n++].p = probes[i];
}

static void
set_free(struct sched_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].p.ops->free != NULL)
			set->v[i].p.ops->free(set->v[i].p.state);
	set->n = 0;
}

static int64_t
interval_of(const struct sched_ent *e)
{
	int64_t	ms = e->p.ops->interval_ms(e->p.state);

	return ms < 1 ? 1 : ms;
}

static void
wait_until(struct sched *s, int64_t deadline)
{
	struct timespec	ts;

	if (deadline == INT64_MAX) {
		pthread_cond_wait(&s->cv, &s->mu);
		return;
	}
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

static void *
sched_thread(void *arg)
{
	struct sched		*s = arg;
	struct sched_set	 old;
	struct sched_ent	*e;
	int64_t			 now, start;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		if (s->has_pending) {
			/* Swap in the new set; free the old one unlocked. */
			old = s->cur;
			s->cur = s->pending;
			s->has_pending = false;
			probe_set_stopping(false);
			now = time_mono_ms();
			for (size_t i = 0; i < s->cur.n; i++)
				s->cur.v[i].due = now;
			pthread_mutex_unlock(&s->mu);
			set_free(&old);
			pthread_mutex_lock(&s->mu);
			continue;
		}
		/* The earliest due; ties go to the first in registry order. */
		e = NULL;
		for (size_t i = 0; i < s->cur.n; i++)
			if (e == NULL || s->cur.v[i].due < e->due)
				e = &s->cur.v[i];
		now = time_mono_ms();
		if (e == NULL || e->due > now) {
			wait_until(s, e == NULL ? INT64_MAX : e->due);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		start = now;
		log_debug("probe %s: run", e->p.ops->name);
		e->p.ops->run(e->p.state, &s->em);
		/* A run (the inventory: a few MB of JSON) leaves freed memory
		 * in this thread's arena; give it back while we sleep. */
		malloc_trim(0);
		now = time_mono_ms();
		/* A run longer than the interval starts the next one at once,
		 * not a burst of catch-up runs. */
		e->due = start + interval_of(e);
		if (e->due < now)
			e->due = now;
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sched *
sched_start(const struct agent_probe *probes, size_t n,
    const struct emitter *em, char *err, size_t errlen)
{
	struct sched		*s;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "scheduler: out of memory");
		return NULL;
	}
	s->em = *em;
	set_fill(&s->pending, probes, n);
	s->has_pending = true;
	probe_set_stopping(false);
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	/* Deadlines on the monotonic clock: a clock step must not stall us. */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals stay with the event loop's handlers in the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&s->thread, NULL, sched_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0) {
		snprintf(err, errlen, "scheduler: cannot start thread: %s",
		    strerror(errno));
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

void
sched_replace(struct sched *s, const struct agent_probe *probes, size_t n)
{
	struct sched_set	unused;

	pthread_mutex_lock(&s->mu);
	/* A replacement the thread has not taken yet never ran: drop it. */
	unused = s->pending;
	if (!s->has_pending)
		unused.n = 0;
	set_fill(&s->pending, probes, n);
	s->has_pending = true;
	probe_set_stopping(true);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	set_free(&unused);
}

void
sched_stop(struct sched *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	probe_set_stopping(true);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (s->has_pending)
		set_free(&s->pending);
	set_free(&s->cur);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
