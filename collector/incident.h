/*
 * Incidents: what an administrator works through.
 *
 * The engine is a store event hook: inside the transaction that stores a
 * batch, each new event whose type has a rule (defaults below, or a
 * [category TYPE] section) is folded into the newest incident with the
 * same (agent, key) when it falls within the rule's window of that
 * incident and the incident is not resolved; otherwise it opens a new
 * incident.  Category and level follow GB/T 20986-2023: the rule names the
 * category (NA, SHE, DE, ...) and subcategory (NASCAN, ...), the level
 * comes from the event severity through [incidents] level_* (critical →
 * 较大 III, high and below → 一般 IV by default) unless the rule fixes it.
 * Events below the rule's min_severity (info by default for every rule
 * but spool_dropped) and types without a rule (system, inventory,
 * inventory_unchanged, availability, tls_report, ...) open nothing.
 *
 * Lifecycle: open → acknowledged → resolved, or false_positive from open
 * or acknowledged; resolved and false_positive may be reopened.  resolve,
 * false-positive and reopen need a note.  Every change appends one row to
 * incident_trail: who (actor), when, from where (source), from/to status,
 * note, and a SHA-256 chain over all rows (hash = SHA-256(prev_hash "\n"
 * canonical row), canonical row = the compact JSON array [id,
 * incident_id, ts, actor, source, action, from, to, note]).  The table
 * also refuses UPDATE and DELETE by trigger.
 *
 * Only rules with auto_resolve (host_down, website_down) close by
 * themselves, when the host heartbeats again or the site answers again;
 * a security incident never does.
 *
 * Host down: incidents_tick() (a timer in the collector loop) opens
 * 'equipment fault: host down' for an agent that sends heartbeats when,
 * at a scheduled instant, it has been silent for more scheduled time than
 * its grace (heartbeat interval × [uptime] gap_factor, or [incidents]
 * host_down_grace).  Outside its schedule an agent that is off is neither
 * up nor down.
 *
 * New incidents and level escalations go to the notifier after the batch
 * commits (never for a rolled-back batch); each send is recorded in
 * notifications, and incidents.notified takes the first success.
 */
#ifndef SHAOBING_INCIDENT_H
#define SHAOBING_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/notify.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "common/conf.h"
#include "common/event.h"
#include "common/taxonomy.h"

#define INCIDENT_RULES_MAX	128
#define INCIDENT_ACTOR_MAX	64
#define INCIDENT_SOURCE_MAX	128
#define INCIDENT_NOTE_MAX	2000	/* bytes */

struct incident_rule {
	char	 pattern[EVENT_TYPE_MAX];	/* type, or "cert_*" prefix */
	char	 category[8];
	char	 subcategory[16];
	int	 min_severity;		/* enum severity: below opens nothing */
	int	 level;			/* TAX_LEVEL_NONE: from severity */
	int64_t	 window_ms;		/* 0: [incidents] window */
	bool	 auto_resolve;		/* closes when the thing is back */
	bool	 need_matters;		/* inventory changes: data.matters */
	char	 title[96];		/* "端口扫描 port scan" */
	int	 line;			/* of its [category] section; 0 built in */
};

enum incident_operator {
	INCIDENT_OP_CII = 0,		/* 关键信息基础设施运营者: 1 h */
	INCIDENT_OP_GOVERNMENT,		/* 党政机关 (default): 2 h */
	INCIDENT_OP_OTHER,		/* other network operators: 4 h */
};

struct incidents_conf {
	int64_t			 window_ms;	/* default fold window */
	int			 level_by_sev[5]; /* enum severity → enum tax_level */
	int			 operator_kind;	/* enum incident_operator */
	int64_t			 report_hours;	/* 0: by operator_kind */
	int64_t			 host_down_grace_ms; /* 0: interval × gap */
	int64_t			 check_interval_ms;
	int			 website_down_after;
	char			 console_url[256];
	int64_t			 notify_lease_ms; /* outbox claim (outbox.h) */
	/* A fixed table so the whole configuration copies by value. */
	struct incident_rule	 rules[INCIDENT_RULES_MAX];
	size_t			 nrules;
};

/*
 * [incidents] and every [category TYPE] section (a section overrides the
 * built-in rule for TYPE, or adds one).  -1 with err "FILE:LINE: ...".
 */
int	incidents_conf_load(struct conf *c, struct incidents_conf *ic,
	    struct conf_err *err);
/* The built-in rules and defaults only. */
int	incidents_conf_defaults(struct incidents_conf *ic);
/* Hours allowed to report a level <= III incident upward. */
int64_t	incidents_report_hours(const struct incidents_conf *ic);

/* What an event becomes (pure; tests call it directly). */
struct incident_map {
	const struct incident_rule	*rule;
	int				 level;		/* enum tax_level */
	int64_t				 window_ms;
};
/* 1 when the event opens or folds into an incident (m filled), else 0. */
int	incident_map_event(const struct incidents_conf *ic, const char *type,
	    enum severity sev, const json_t *data, struct incident_map *m);

/* Lifecycle actions. */
enum incident_action {
	INCIDENT_ACK = 0,
	INCIDENT_RESOLVE,
	INCIDENT_FALSE_POSITIVE,
	INCIDENT_REOPEN,
};
/* "ack", "resolve", "false-positive", "reopen" → action; -1 otherwise. */
int	incident_action_parse(const char *s, enum incident_action *a);
/*
 * May status `from` (enum tax_status) take action a with this note?  0
 * with *to, or -1 with why (e.g. "resolve needs a note (--note TEXT)").
 * Names and labels of levels, statuses and categories: common/taxonomy.h.
 */
int	incident_transition_check(int from, enum incident_action a,
	    const char *note, int *to, char *why, size_t whylen);

/* ---- the engine ----------------------------------------------------- */

struct incidents;

struct incidents_opts {
	const struct incidents_conf	*conf;		/* kept, not copied */
	const struct schedule_conf	*schedule;	/* may be NULL: always */
	double				 gap_factor;	/* [uptime] */
	struct notifier			*notifier;	/* may be NULL */
	/* With a notifier: called after a COMMIT that queued notifications
	   in the outbox (outbox.h), to send them now.  May be NULL. */
	void				(*outbox_kick)(void *arg);
	void				*kick_arg;
};

/* Attach to st (event and commit hooks).  NULL with err. */
struct incidents *incidents_new(struct store *st,
		    const struct incidents_opts *o, char *err, size_t errlen);
void		 incidents_free(struct incidents *in);
/* Swap configuration (SIGHUP); pointers are kept, not copied. */
void		 incidents_set_conf(struct incidents *in,
		    const struct incidents_opts *o);
/*
 * Host-down watch at collector time now: open or auto-resolve host_down
 * incidents.  Returns how many incidents changed, -1 with err.
 */
int		 incidents_tick(struct incidents *in, int64_t now, char *err,
		    size_t errlen);
/* The notifier the engine sends through; NULL when no channel. */
struct notifier	*incidents_notifier(const struct incidents *in);
/*
 * An incident the collector itself observes (no agent), e.g. its own
 * certificate expiring: folded by key like any other.  1 raised, 0 the
 * type opens no incident ([category TYPE] off), -1 with err.
 */
int		 incidents_raise(struct incidents *in, const char *type,
		    const char *key, const char *asset, const char *what,
		    int severity, int64_t now, char *err, size_t errlen);
/* The notifier's result callback (struct notify_opts.on_result). */
void		 incidents_on_notify(void *arg, const struct notify_result *r);
/* Counters for logs and benches. */
struct incidents_stats {
	uint64_t	opened, folded, escalated, ignored, auto_resolved;
	uint64_t	notify_queued, notify_ok, notify_failed;
};
void		 incidents_stats(const struct incidents *in,
		    struct incidents_stats *s);

/*
 * Apply a lifecycle action as actor from source at now.  0 with *out the
 * incident's JSON (new reference); 1 unknown id; 2 refused (why says
 * why: wrong status, missing note); -1 store error with why.
 */
int	incidents_act(struct incidents *in, int64_t id, enum incident_action a,
	    const char *actor, const char *source, const char *note,
	    int64_t now, json_t **out, char *why, size_t whylen);

/* ---- admin API (incident_api.c) -------------------------------------- */

struct api;
struct api_request;
struct api_response;
/*
 * The incident and audit routes (documented in incident_api.c), rows
 * of access.c's admin table: list, show (:id), act (:id/ack, resolve,
 * false-positive, reopen), verify (audit/verify).
 */
void	incident_api_list(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
void	incident_api_show(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
void	incident_api_act(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
void	incident_api_verify(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
/* GET channels: the [notify NAME] channels (no secrets) with their last
   sends; POST channels/:name/test: a test message through one. */
void	incident_api_channels(struct api *api, const struct api_request *rq,
	    struct api_response *rs);
void	incident_api_channel_test(struct api *api,
	    const struct api_request *rq, struct api_response *rs);
/* GET taxonomy: the tables of common/taxonomy.h for the console. */
void	incident_api_taxonomy(struct api *api, const struct api_request *rq,
	    struct api_response *rs);

struct incident_query;
/*
 * The admin API's incident: {"id", "key", ..., "timings", "events",
 * "trail", "notifications"} as a new object (incident_api.c).  0, 1
 * unknown, -1 with err.
 */
int	incident_get_json(struct store *st, int64_t id, json_t **out,
	    char *err, size_t errlen);
/* The admin API's incidents page: a new array; *next as
   store_incident_list(). */
int	incident_list_json(struct store *st, const struct incident_query *q,
	    json_t **out, int64_t *next, char *err, size_t errlen);

/* ---- store layer (store_incident.c) --------------------------------- */

extern const char store_incidents_migration[];	/* migration 2: the tables */
extern const char store_incident_schema[];	/* migration 7: engine indexes */

struct incident_query {
	const char	*status;	/* NULL any */
	const char	*category;	/* prefix; NULL any */
	int		 level;		/* 0 any; else level <= this */
	int64_t		 since_ms;	/* INT64_MIN any; first_seen >= */
	int64_t		 after_id;
	int		 limit;
	/* Added for the console; zero means "no filter". */
	int64_t		 until_ms;	/* 0 any; first_seen < */
	const char	*asset;		/* NULL any; the asset or agent name */
	const char	*text;		/* NULL any; in title, asset or key */
	int64_t		 before_id;	/* 0 no bound; else id < before_id */
	int		 desc;		/* newest first; next is a before_id */
};

/*
 * Reading (typed rows; texts valid during the callback only, times UTC
 * ms with STORE_NO_TIME for none; see store.h).  The API's JSON is built
 * by incident_api.c.
 */
struct incident_row {
	int64_t		 id;
	const char	*key, *type;
	const char	*category;	/* NULL: none */
	const char	*subcategory;
	int		 level;		/* enum tax_level as stored */
	enum severity	 severity;
	const char	*status;
	const char	*agent;		/* NULL: not an agent's */
	const char	*asset;
	const char	*title;
	int64_t		 count;		/* events folded in */
	int64_t		 first_seen_ms, last_seen_ms;
	int64_t		 received_ms;	/* stored */
	int64_t		 notified_ms, acknowledged_ms, resolved_ms;
	int64_t		 report_deadline_ms;
	int64_t		 agent_id;	/* 0: not an agent's */
};
typedef int (*store_incident_fn)(void *arg, const struct incident_row *i,
    char *err, size_t errlen);

/* A row of the hash-chained trail. */
struct trail_row {
	int64_t		 id;
	int64_t		 ts_ms;
	const char	*actor, *source, *action;
	const char	*from, *to;	/* statuses; NULL when none */
	const char	*note, *hash;
};
typedef int (*store_trail_fn)(void *arg, const struct trail_row *t,
    char *err, size_t errlen);

/* A notification sent (or tried). */
struct notification_row {
	int64_t		 id;
	int64_t		 incident_id;	/* 0: a test message */
	const char	*channel;
	int64_t		 ts_ms;
	int		 ok;
	int		 attempt;
	int		 digest;	/* part of a storm digest */
	const char	*error;		/* NULL when ok */
};
typedef int (*store_notification_fn)(void *arg,
    const struct notification_row *n, char *err, size_t errlen);

/* fn for the last limit sends through channel, newest first.  0 or -1. */
int	store_notify_recent(struct store *st, const char *channel, int limit,
	    store_notification_fn fn, void *arg, char *err, size_t errlen);
/*
 * fn for the incidents matching q in id order (newest first with
 * q->desc), at most q->limit; *next_after_id as store_query_events().
 */
int	store_incident_list(struct store *st, const struct incident_query *q,
	    store_incident_fn fn, void *arg, int64_t *next_after_id, char *err,
	    size_t errlen);
/*
 * For the indicators: fn for the incidents detected (first_seen) in
 * [from, to), by first_seen then id; none before the incidents table
 * exists.  0 or -1 with err.
 */
int	store_ind_incidents(struct store *st, int64_t from, int64_t to,
	    store_incident_fn fn, void *arg, char *err, size_t errlen);
/* fn for incident id: 0, 1 unknown, -1 error. */
int	store_incident_get(struct store *st, int64_t id, store_incident_fn fn,
	    void *arg, char *err, size_t errlen);
/* Its newest 100 events, oldest first (agent and type NULL). */
int	store_incident_events(struct store *st, int64_t id, store_event_fn fn,
	    void *arg, char *err, size_t errlen);
/* Its trail, oldest first. */
int	store_incident_trail(struct store *st, int64_t id, store_trail_fn fn,
	    void *arg, char *err, size_t errlen);
/* Its notifications, oldest first. */
int	store_incident_notifications(struct store *st, int64_t id,
	    store_notification_fn fn, void *arg, char *err, size_t errlen);
/*
 * Walk the trail and recompute the chain.  0 with *rows; *broken_id = 0
 * when intact, else the first row whose hash does not match (why says
 * how).  -1 on a store error.
 */
int	store_incident_verify(struct store *st, int64_t *rows,
	    int64_t *broken_id, char *why, size_t whylen);

/* [incidents] and [category TYPE] option tables (for the man page). */
extern const struct conf_opt incidents_conf_opts[];
extern const struct conf_opt incident_rule_opts[];

#endif
