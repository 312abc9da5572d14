/*
 * Findings of the active checks: what an administrator should act on.
 *
 * Each finding has a stable code (the JSON "code" and the event type:
 * cert_expired, tls10_accepted, port_exposed, ...), a severity, a fold
 * key naming what it is about ("cert_expired:www.example.cn:443", so a
 * certificate that stays expired is one incident, not one per run), and
 * one line of text in plain words, Chinese with English beside.
 */
#ifndef SHAOBING_CHECK_FINDING_H
#define SHAOBING_CHECK_FINDING_H

#include <stddef.h>

#include <jansson.h>

#include "common/event.h"

struct finding {
	char		 code[32];
	enum severity	 sev;
	char		 key[EVENT_KEY_MAX];
	char		 msg[384];
	json_t		*detail;	/* object or NULL; owned */
};

struct findings {
	struct finding	*v;
	size_t		 n, cap;
};

/*
 * Append a finding.  key is "CODE:WHAT" (what = "host:port[:extra]").
 * detail is taken over (may be NULL).  -1 on allocation failure.
 */
int	findings_add(struct findings *f, const char *code, enum severity sev,
	    const char *what, json_t *detail, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Has a finding with this code been recorded? */
int	findings_has(const struct findings *f, const char *code);
void	findings_free(struct findings *f);
/* [{"code":..,"severity":..,"key":..,"message":..,"detail":{..}}, ...] */
json_t	*findings_to_json(const struct findings *f);

#endif
