/*
 * Website rebaseline requests (`shaobing websites rebaseline NAME`):
 * the administrator's request waits here until the agent that checks
 * the website is told, in the answer to its next heartbeat; the agent's
 * [website NAME] probe then takes new baselines of the site's pages.
 */
#ifndef SHAOBING_STORE_WEBSITE_H
#define SHAOBING_STORE_WEBSITE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/store.h"

/* Migration 10: the website_rebaseline table. */
extern const char store_website_migration[];

/*
 * The agent that checks website (the one that sent the latest web_*
 * event about it, data.website) into agent.  0 found, 1 none has, -1 err.
 */
int	store_website_agent(struct store *st, const char *website, char *agent,
	    size_t agentlen, char *err, size_t errlen);

/*
 * Queue a rebaseline of website for the known agent (by name) at now_ms
 * by actor; *id the request's id.  0, 1 unknown agent, -1 with err.
 */
int	store_website_rebaseline(struct store *st, const char *website,
	    const char *agent, const char *actor, int64_t now_ms, int64_t *id,
	    char *err, size_t errlen);

/* A website's name; valid during the call.  0, or -1 with err to stop. */
typedef int (*store_website_name_fn)(void *arg, const char *website,
    char *err, size_t errlen);

/*
 * The websites waiting to be rebaselined by agent, one call of fn each
 * (a website asked twice comes twice), marked delivered at now_ms: they
 * go out once, in this heartbeat's answer.  0 or -1 with err.
 */
int	store_website_take(struct store *st, const char *agent, int64_t now_ms,
	    store_website_name_fn fn, void *arg, char *err, size_t errlen);

/* A website the collector has heard of; texts valid during the call. */
struct website_row {
	const char	*website;
	const char	*agent;		/* that sent the latest event; NULL
					   when that agent row is gone */
	int64_t		 last_event_ms;	/* received, UTC */
	int		 pending;	/* a rebaseline waits for the agent */
};
typedef int (*store_website_fn)(void *arg, const struct website_row *w,
    char *err, size_t errlen);

/* fn for each website, by name.  0 or -1 with err. */
int	store_website_list(struct store *st, store_website_fn fn, void *arg,
	    char *err, size_t errlen);

#endif
