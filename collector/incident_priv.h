/*
 * Between the incident engine (incident.c, hostwatch) and its store layer
 * (store_incident.c).  Not for other modules: they use incident.h.
 */
#ifndef SHAOBING_INCIDENT_PRIV_H
#define SHAOBING_INCIDENT_PRIV_H

#include <stdint.h>

#include "collector/incident.h"
#include "collector/notify.h"
#include "collector/store.h"

#define INCIDENT_SYSTEM_ACTOR	"shaobing"
#define INCIDENT_SYSTEM_SOURCE	"collector"

/* One observation to fold (an event, or the collector's own finding). */
struct incident_obs {
	int64_t		 agent_id;	/* 0: none (NULL) */
	const char	*asset;
	const char	*key;
	const char	*type;
	const char	*category;
	const char	*subcategory;
	const char	*title;
	int		 level;		/* 1..4 */
	int		 severity;	/* enum severity */
	int64_t		 ts;		/* detection (agent clock) */
	int64_t		 received;	/* collector clock */
	int64_t		 window_ms;
	int64_t		 report_hours;
	int64_t		 event_id;	/* 0: none */
	int		 notify;	/* opened or escalated: queue its
					   notification (outbox) */
};

struct incident_fold_out {
	int64_t	id;
	int	opened;		/* a new incident */
	int	escalated;	/* its level went up */
	int	level;
	int	silent;		/* folded into a false positive */
	int64_t	count;
	int64_t	first_seen;
};

/*
 * Fold o into the newest incident with its (agent, key) or open one.
 * Runs inside the caller's transaction when there is one, else in its own.
 */
int	store_incident_fold(struct store *st, const struct incident_obs *o,
	    struct incident_fold_out *r, char *err, size_t errlen);

/*
 * Read ahead, on the ingest fast path (the incident cache on): the
 * newest incident of each of keys[0 .. n - 1] of agent_id (> 0), in one
 * query per STORE_MULTI_ROWS keys, into the cache, so their folds ask the
 * database nothing.  A key the cache knows already, or whose slot holds
 * another key, is left for its fold to ask.  0, or -1 with err.
 */
int	store_incident_prefetch(struct store *st, int64_t agent_id,
	    const char *const *keys, size_t n, char *err, size_t errlen);

/* Newest open/acknowledged incident of (agent_id or 0, key): 0 found, 1 none. */
int	store_incident_find_open(struct store *st, int64_t agent_id,
	    const char *key, int64_t *id, int64_t *first_seen, char *err,
	    size_t errlen);

/* An open incident found by store_incident_find_open_types(). */
struct incident_ref {
	int64_t	id;
	char	type[EVENT_TYPE_MAX];
};

/*
 * The open/acknowledged incidents of (agent_id or 0) whose type starts
 * with prefix and whose key is "TYPE:subject" ("cert_expired:web:443"),
 * oldest first, at most max into out, *n of them.  -1 on a store error.
 */
int	store_incident_find_open_types(struct store *st, int64_t agent_id,
	    const char *prefix, const char *subject, struct incident_ref *out,
	    size_t max, size_t *n, char *err, size_t errlen);

/*
 * Lifecycle change (own transaction unless inside one).  0 done, 1
 * unknown id, 2 refused (why), -1 store error (why).  flags
 * INCIDENT_CHANGE_AUTO: action "auto_resolved" by the collector, allowed
 * from open/acknowledged; with INCIDENT_CHANGE_NOTIFY too, its recovery
 * notification goes into the outbox in the same transaction.
 */
#define INCIDENT_CHANGE_AUTO	1
#define INCIDENT_CHANGE_NOTIFY	2
int	store_incident_change(struct store *st, int64_t id,
	    enum incident_action a, int flags, const char *actor,
	    const char *source, const char *note, int64_t now, char *why,
	    size_t whylen);

/* Record a finished send (own transaction). */
int	store_incident_record_send(struct store *st,
	    const struct notify_result *r, char *err, size_t errlen);

/* Agents that heartbeat, for the host-down watch. */
struct incident_watch_row {
	int64_t		 agent_id;
	const char	*name;
	int64_t		 last_seen;	/* collector clock */
	int64_t		 interval_ms;
	int64_t		 open_id;	/* open host_down incident, 0 none */
	int64_t		 open_first_seen;
};
int	store_incident_watch(struct store *st,
	    int (*cb)(void *arg, const struct incident_watch_row *r),
	    void *arg, char *err, size_t errlen);

/* Fill a notify_msg for incident id (title, level, category, ...). */
int	store_incident_msg(struct store *st, int64_t id, struct notify_msg *m,
	    char *err, size_t errlen);

#endif
