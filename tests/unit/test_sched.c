/*
 * The periodic probes' scheduler (agent/sched.c): a probe that blocks
 * holds up neither the caller (the event loop) nor a reload or a stop
 * request, which it sees through probe_stopping(); states are freed by
 * the scheduler once their run ended.  No timing: a blocking probe waits
 * on a condition the test releases.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/sched.h"

struct fake {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 block;		/* run() waits until released */
	bool		 released;
	int		 runs;		/* runs started */
	int		 ended;		/* runs ended */
	bool		 saw_stop;	/* probe_stopping() at the end of a run */
	bool		 freed;
	int		 emitted;
};

static struct fake	slow, fast, fresh;

static int64_t
fake_interval(void *state)
{
	(void)state;
	return 3600 * 1000;
}

static void
fake_run(void *state, struct emitter *em)
{
	struct fake	*f = state;

	pthread_mutex_lock(&f->mu);
	f->runs++;
	pthread_cond_broadcast(&f->cv);
	while (f->block && !f->released)
		pthread_cond_wait(&f->cv, &f->mu);
	f->saw_stop = probe_stopping();
	f->ended++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	emit_event(em, 0, "test", SEV_INFO, "test:x", json_object());
}

static void
fake_free(void *state)
{
	struct fake	*f = state;

	pthread_mutex_lock(&f->mu);
	f->freed = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static const struct probe_ops fake_ops = {
	.name = "fake",
	.interval_ms = fake_interval,
	.run = fake_run,
	.free = fake_free,
};

static const struct probe_ops capture_ops = {
	.name = "capture",		/* event-driven: not the scheduler's */
	.start = NULL,
	.free = fake_free,
};

static int
count_emit(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct fake	*f = ctx;

	(void)ts; (void)type; (void)sev; (void)key;
	json_decref(data);
	pthread_mutex_lock(&f->mu);
	f->emitted++;
	pthread_cond_broadcast(&f->cv);	/* wait_for() may be waiting on it */
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static void
fake_init(struct fake *f, bool block)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->block = block;
}

/* Wait until *field of f reaches n (no clock: the test is released by it). */
static void
wait_for(struct fake *f, const int *field, int n)
{
	pthread_mutex_lock(&f->mu);
	while (*field < n)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void
wait_freed(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	while (!f->freed)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

static void
release(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->released = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void
test_blocking_probe_blocks_nobody(void **state)
{
	struct fake		 sink;
	struct emitter		 em = { count_emit, &sink };
	struct agent_probe	 p[2] = { { &fake_ops, &slow }, { &fake_ops, &fast } };
	struct agent_probe	 q[1] = { { &fake_ops, &fresh } };
	struct sched		*s;
	char			 err[256];

	(void)state;
	fake_init(&sink, false);
	fake_init(&slow, true);
	fake_init(&fast, false);
	fake_init(&fresh, false);
	assert_int_equal(sched_count(p, 2), 2);
	/* sched_start returns while the first probe is still in its run. */
	s = sched_start(p, 2, &em, err, sizeof(err));
	assert_non_null(s);
	wait_for(&slow, &slow.runs, 1);
	assert_int_equal(slow.ended, 0);
	assert_false(probe_stopping());
	/* A reload does not wait for it either; the run learns it should end. */
	sched_replace(s, q, 1);
	assert_true(probe_stopping());
	assert_false(slow.freed);
	release(&slow);
	/* The old states are freed by the thread after the run (the second
	 * old probe never ran), then the new probe runs at once with the
	 * flag cleared. */
	wait_freed(&slow);
	wait_freed(&fast);
	assert_int_equal(slow.ended, 1);
	assert_true(slow.saw_stop);
	assert_int_equal(fast.runs, 0);
	wait_for(&fresh, &fresh.ended, 1);
	assert_false(fresh.saw_stop);
	assert_false(fresh.freed);
	wait_for(&sink, &sink.emitted, 2);
	sched_stop(s);
	assert_true(fresh.freed);
	assert_int_equal(fresh.runs, 1);		/* interval 1 h: once */
}

static void *
stop_thread(void *arg)
{
	sched_stop(arg);
	return NULL;
}

static void
test_stop_lets_the_run_finish(void **state)
{
	struct fake		 sink;
	struct emitter		 em = { count_emit, &sink };
	struct agent_probe	 p[2] = { { &capture_ops, &fast }, { &fake_ops, &slow } };
	struct sched		*s;
	char			 err[256];
	pthread_t		 stopper;

	(void)state;
	fake_init(&sink, false);
	fake_init(&slow, true);
	fake_init(&fast, false);
	assert_int_equal(sched_count(p, 2), 1);	/* the capture probe is not */
	s = sched_start(p, 2, &em, err, sizeof(err));
	assert_non_null(s);
	wait_for(&slow, &slow.runs, 1);
	/* sched_stop from another thread: it waits for the run. */
	assert_int_equal(pthread_create(&stopper, NULL, stop_thread, s), 0);
	/* The run sees the request... */
	while (!probe_stopping())
		sched_yield();
	release(&slow);
	pthread_join(stopper, NULL);
	/* ...finishes, and its state is freed; the capture probe's is not. */
	assert_int_equal(slow.ended, 1);
	assert_true(slow.saw_stop);
	assert_true(slow.freed);
	assert_false(fast.freed);
	sched_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_probe_blocks_nobody),
		cmocka_unit_test(test_stop_lets_the_run_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
