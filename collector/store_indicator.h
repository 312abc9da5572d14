/*
 * The store side of the indicators (collector/indicator.c) and of the
 * year-end export: the availability and findings tables filled by an
 * ingest hook, and the read queries the indicators need, each served by
 * an index made for it:
 *
 *   uptime(agent_id, start_ts)       intervals of one agent in a period
 *   availability(website, ts)        website samples of a period
 *   incidents(first_seen)            incidents detected in a period
 *   findings(last_ts)                assessment findings seen in a period
 *   events(type, id)                 TLS reports (type 'tls_report')
 *
 * Times are UTC ms; periods are half-open [from, to).
 */
#ifndef SHAOBING_STORE_INDICATOR_H
#define SHAOBING_STORE_INDICATOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/store.h"

/* Migration SQL appended to store.c's migrations[]. */
extern const char store_indicator_migration[];
/* Devices (kind, schedule, interval of their samples; kind and model in
   the register): migration 9. */
extern const char store_device_migration[];

/*
 * Event hook (store_add_event_hook): 'availability' events become rows of
 * availability; findings (events whose data has string "target" and
 * "code" equal to the event type) are folded into findings by (target,
 * key).  Other events are not touched.  arg is unused.
 */
/* Its prepare hook (store_add_prepare_hook): the data of the samples
   and findings parsed before the transaction. */
void	store_indicator_prepare(void *arg, const struct event_batch *b);
int	store_indicator_hook(void *arg, struct store *st,
	    const struct store_event_ctx *ctx, char *err, size_t errlen);

/*
 * An incident row as migration 2 (collector/store_incident.c) defines it
 * (0 = NULL for the optional times).
 */
struct store_incident_row {
	const char	*key, *type, *category, *subcategory, *status;
	const char	*asset, *title;
	int		 level, severity, count;
	int64_t		 agent_id;		/* 0: NULL */
	int64_t		 first_seen, last_seen, received;
	int64_t		 notified, acknowledged, resolved, report_deadline;
};

/*
 * Insert one incident as it stands (imports, the test data sets and the
 * bench generator; the incidents module writes its own rows).  0 with
 * *id, -1 with err.
 */
int	store_incident_put(struct store *st, const struct store_incident_row *r,
	    int64_t *id, char *err, size_t errlen);

struct store_ind_agent {
	int64_t	 id;
	char	*name;
	int64_t	 first_seen;	/* first contact (collector clock) */
	int64_t	 last_seen;
	int64_t	 first_up;	/* start of its first uptime interval, or 0 */
	int64_t	 events;
};

/* All agents by name.  *v malloc'd (store_ind_agents_free). */
int	store_ind_agents(struct store *st, struct store_ind_agent **v,
	    size_t *n, char *err, size_t errlen);
void	store_ind_agents_free(struct store_ind_agent *v, size_t n);

struct store_ind_interval {
	int64_t	start_ms, end_ms;
	int64_t	boot_ms;	/* boot time reported when it opened; 0 unknown */
};

/*
 * Uptime intervals of agent_id that start before `to` and do not end
 * before `from`, in start order, preceded by the last interval that
 * started before `from` and followed by the first that starts at or
 * after `to` (so the gaps into and out of the period can be judged).
 * *v is grown (realloc) as needed; *n rows.
 */
int	store_ind_intervals(struct store *st, int64_t agent_id, int64_t from,
	    int64_t to, struct store_ind_interval **v, size_t *cap, size_t *n,
	    char *err, size_t errlen);

struct store_ind_sample {
	int64_t	 ts;
	int	 up;
	int	 target;	/* index into the names array */
};

/*
 * Website samples (availability rows with website = 1) in [from, to),
 * by time.  *targets gets the distinct target names (malloc'd strings).
 */
int	store_ind_samples(struct store *st, int64_t from, int64_t to,
	    struct store_ind_sample **v, size_t *n, char ***targets,
	    size_t *ntargets, char *err, size_t errlen);

/*
 * Agentless devices ([target] with a kind): availability samples whose
 * data names a kind.  One row per (agent, target) seen in [from, to),
 * with its samples from `from - lookback` on, by time.
 */
struct store_ind_device {
	int64_t			 agent_id;
	char			*name;		/* the target */
	char			 kind[16];
	char			 schedule[32];
	int64_t			 interval_ms;	/* of the latest sample */
	struct store_ind_sample	*s;		/* .target: its interval, ms */
	size_t			 n;
};

int	store_ind_devices(struct store *st, int64_t from, int64_t to,
	    int64_t lookback, struct store_ind_device **v, size_t *n,
	    char *err, size_t errlen);
void	store_ind_devices_free(struct store_ind_device *v, size_t n);

/* Incidents detected in [from, to): store_ind_incidents() in incident.h. */

/* A finding of the website assessment; texts valid during the call. */
struct store_ind_finding {
	const char	*target, *code, *key;
	enum severity	 severity;
	const char	*message;
	int64_t		 first_ms, last_ms;
	int64_t		 count;
};
typedef int (*store_ind_finding_fn)(void *arg,
    const struct store_ind_finding *f, char *err, size_t errlen);

/* The latest TLS report of a target: data is its event's JSON text. */
struct store_ind_report {
	const char	*target;	/* NULL when the event has none */
	int64_t		 ts_ms;
	const char	*data;
	size_t		 data_len;
};
typedef int (*store_ind_report_fn)(void *arg,
    const struct store_ind_report *r, char *err, size_t errlen);

/*
 * The assessment of the website: finding_fn for the findings seen in
 * [from, to) (by target, severity down, code, key), then report_fn for
 * the latest TLS report per target in [from, to) (by target).  0 or -1.
 */
int	store_ind_assessment(struct store *st, int64_t from, int64_t to,
	    store_ind_finding_fn finding_fn, store_ind_report_fn report_fn,
	    void *arg, char *err, size_t errlen);

#endif
