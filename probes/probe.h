/*
 * The probe interface: every sensor of the agent sits behind it.
 *
 * A probe reads its own configuration sections, then either runs at an
 * interval (run) or watches file descriptors on the agent's event loop
 * (start), and reports what it sees through an emitter.  The agent
 * owns the emitter: emit() assigns the next seq, stamps agent and ts and
 * commits the event to the spool before it returns.
 */
#ifndef SHAOBING_PROBE_H
#define SHAOBING_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/event.h"

struct event_base;

struct emitter {
	/*
	 * Record one event.  data is an object and is taken over (stolen)
	 * whatever the outcome; ts_ms 0 means now.  0 when committed to the
	 * spool, -1 when it could not be (already logged).
	 */
	int	(*emit)(void *ctx, int64_t ts_ms, const char *type,
		    enum severity sev, const char *key, json_t *data);
	void	*ctx;
};

static inline int
emit_event(struct emitter *em, int64_t ts_ms, const char *type,
    enum severity sev, const char *key, json_t *data)
{
	return em->emit(em->ctx, ts_ms, type, sev, key, data);
}

struct probe_ops {
	const char	*name;
	/*
	 * Read configuration.  *state gets the probe's state; a probe that is
	 * not configured returns 0 with *state NULL and is skipped.  -1 with
	 * err ("FILE:LINE: ...") on a bad value.
	 */
	int		(*configure)(struct conf *c, void **state, struct conf_err *err);
	/* Periodic probes: interval and one run.  NULL when not periodic. */
	int64_t		(*interval_ms)(void *state);
	void		(*run)(void *state, struct emitter *em);
	/*
	 * Event-driven probes (packet capture): add events to base.  Called
	 * as root, before privileges are dropped.  NULL when not needed.
	 */
	int		(*start)(void *state, struct event_base *base,
			    struct emitter *em);
	/* Stop watching; free accepts NULL. */
	void		(*free)(void *state);
};

/*
 * Set by the agent's scheduler when it stops or reloads (probes/registry.c;
 * thread-safe).  A periodic run with several checks to make (probes/check)
 * returns at the next check boundary when it is true; one check in
 * progress is allowed to finish.
 */
bool	probe_stopping(void);
void	probe_set_stopping(bool stop);

/* The agent's probes, NULL-terminated (probes/registry.c). */
extern const struct probe_ops *const probe_registry[];

#endif
