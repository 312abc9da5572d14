/*
 * The incident engine: configuration and the type → category/level
 * table, the lifecycle rules, the store hooks that fold events, website
 * availability, and the hand-over to the notifier.  See incident.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/incident_priv.h"
#include "common/log.h"
#include "common/text.h"
#include "common/timeutil.h"

/* ---- configuration -------------------------------------------------- */

/* Choice index = level (common/taxonomy.h): 0 none, 1 I .. 4 IV. */
static const char *const level_choices[] = { "none", "I", "II", "III", "IV", NULL };
static const char *const operator_choices[] = { "cii", "government", "other", NULL };

#define IC(f)	offsetof(struct incidents_conf, f)

const struct conf_opt incidents_conf_opts[] = {
	{ "window", CONF_DURATION, IC(window_ms), 0, 1000, 30LL * 86400000,
	  "1h", NULL, NULL, "events with the same key this close fold" },
	{ "level_critical", CONF_ENUM, IC(level_by_sev) + sizeof(int) * SEV_CRITICAL,
	  0, 0, 0, "III", level_choices, NULL, "level of critical events" },
	{ "level_high", CONF_ENUM, IC(level_by_sev) + sizeof(int) * SEV_HIGH,
	  0, 0, 0, "IV", level_choices, NULL, "level of high events" },
	{ "level_medium", CONF_ENUM, IC(level_by_sev) + sizeof(int) * SEV_MEDIUM,
	  0, 0, 0, "IV", level_choices, NULL, "level of medium events" },
	{ "level_low", CONF_ENUM, IC(level_by_sev) + sizeof(int) * SEV_LOW,
	  0, 0, 0, "IV", level_choices, NULL, "level of low events" },
	{ "operator_kind", CONF_ENUM, IC(operator_kind), 0, 0, 0, "government",
	  operator_choices, NULL, "cii (1 h), government (2 h), other (4 h)" },
	{ "report_hours", CONF_I64, IC(report_hours), 0, 0, 72, "0", NULL, NULL,
	  "hours to report a level <= III incident; 0 = by operator_kind" },
	{ "host_down_grace", CONF_DURATION, IC(host_down_grace_ms), 0, 0,
	  7LL * 86400000, "0", NULL, NULL,
	  "silence that makes a host down; 0 = interval x [uptime] gap_factor" },
	{ "check_interval", CONF_DURATION, IC(check_interval_ms), 0, 1000,
	  3600000, "10s", NULL, NULL, "how often the host-down watch runs" },
	{ "website_down_after", CONF_INT, IC(website_down_after), 0, 1, 1000,
	  "3", NULL, NULL, "consecutive failed website samples" },
	{ "console_url", CONF_STR, IC(console_url), 256, 0, 0, "", NULL, NULL,
	  "link put in notifications (the incident id is appended)" },
	{ "notify_lease", CONF_DURATION, IC(notify_lease_ms), 0, 1000,
	  86400000, "30s", NULL, NULL,
	  "a collector's hold on a notification it sends; after it, "
	  "another collector sends it" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/* [category TYPE]: every value may be left out to keep the built-in one. */
struct rule_conf {
	char	category[8];
	char	subcategory[16];
	int	level;		/* 0 auto, else the level (choices index) */
	int	min_severity;	/* 0 keep, 1 info .. 5 critical */
	int64_t	window_ms;
	int	auto_resolve;	/* 0 keep, 1 no, 2 yes */
	int	matters;
	char	title[96];
};

static const char *const rule_level_choices[] = { "auto", "I", "II", "III", "IV", NULL };
static const char *const sev_choices[] = { "default", "info", "low", "medium",
	"high", "critical", NULL };
static const char *const tri_choices[] = { "default", "no", "yes", NULL };

static int
validate_category(const void *field, char *why, size_t whylen)
{
	const char *c = field;

	if (*c == '\0' || tax_category_find(c) != NULL)
		return 0;
	text_printf(why, whylen, "'%s' is not a GB/T 20986-2023 category (MP, NA, "
	    "DS, IC, DE, RO, SHE, AB, OT)", c);
	return -1;
}

#define RC(f)	offsetof(struct rule_conf, f)
const struct conf_opt incident_rule_opts[] = {
	{ "category", CONF_STR, RC(category), 8, 0, 0, "", NULL,
	  validate_category, "GB/T 20986-2023 category code" },
	{ "subcategory", CONF_STR, RC(subcategory), 16, 0, 0, "", NULL, NULL,
	  "subcategory code (NASCAN, NADOS, SHEVULN, ...)" },
	{ "level", CONF_ENUM, RC(level), 0, 0, 0, "auto", rule_level_choices,
	  NULL, "fixed level, or auto (from severity)" },
	{ "min_severity", CONF_ENUM, RC(min_severity), 0, 0, 0, "default",
	  sev_choices, NULL, "events below it open nothing" },
	{ "window", CONF_DURATION, RC(window_ms), 0, 0, 30LL * 86400000, "0",
	  NULL, NULL, "fold window of this type; 0 = [incidents] window" },
	{ "auto_resolve", CONF_ENUM, RC(auto_resolve), 0, 0, 0, "default",
	  tri_choices, NULL, "may close by itself (equipment faults, and "
	  "cert_* once the certificate is renewed)" },
	{ "matters", CONF_ENUM, RC(matters), 0, 0, 0, "default", tri_choices,
	  NULL, "only events whose data says \"matters\": true" },
	{ "title", CONF_STR, RC(title), 96, 0, 0, "", NULL, NULL,
	  "title, Chinese with English beside" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/* The types of common/taxonomy.h that open incidents. */
static int
rules_builtin(struct incidents_conf *ic)
{
	size_t n = 0;

	for (size_t i = 0; i < tax_ntypes; i++) {
		const struct tax_type	*t = &tax_types[i];
		struct incident_rule	*r;

		if (!t->opens_incident)
			continue;
		if (n == INCIDENT_RULES_MAX)
			return -1;
		r = &ic->rules[n++];
		snprintf(r->pattern, sizeof(r->pattern), "%s", t->name);
		snprintf(r->category, sizeof(r->category), "%s", t->category);
		snprintf(r->subcategory, sizeof(r->subcategory), "%s",
		    t->subcategory);
		r->min_severity = t->min_severity;
		r->level = t->level;
		r->auto_resolve = t->auto_resolve;
		r->need_matters = t->need_matters;
		tax_type_title(t, r->title, sizeof(r->title));
	}
	ic->nrules = n;
	return 0;
}

static void
conf_post(struct incidents_conf *ic)
{
	ic->level_by_sev[SEV_INFO] = TAX_LEVEL_NONE;
}

int
incidents_conf_defaults(struct incidents_conf *ic)
{
	struct conf_err err;

	memset(ic, 0, sizeof(*ic));
	if (conf_defaults(incidents_conf_opts, ic, &err) == -1 ||
	    rules_builtin(ic) == -1)
		return -1;
	conf_post(ic);
	return 0;
}

struct rule_ctx {
	struct conf		*c;
	struct incidents_conf	*ic;
	struct conf_err		*err;
};

static int
rule_load(void *arg, const char *name, const char *section, int line)
{
	struct rule_ctx		*x = arg;
	struct incident_rule	*r = NULL, *p;
	const struct tax_type	*t;
	struct rule_conf	 rc;
	size_t			 nlen = strlen(name);
	char			 prefix[EVENT_TYPE_MAX];

	/* A type, or a prefix ending in '*' ("cert_*"; "*" alone: all). */
	if (nlen > 0 && nlen < EVENT_TYPE_MAX) {
		memcpy(prefix, name, nlen - 1);
		prefix[nlen - 1] = '\0';
	}
	if (nlen == 0 || nlen >= EVENT_TYPE_MAX || (!event_name_ok(name,
	    EVENT_TYPE_MAX) && !(name[nlen - 1] == '*' && (nlen == 1 ||
	    event_name_ok(prefix, EVENT_TYPE_MAX))))) {
		conf_err_set(x->err, "%s:%d: [%s]: expected an event type (letters, "
		    "digits . _ -), optionally ending in *", conf_path(x->c),
		    line, section);
		return -1;
	}
	if (conf_apply(x->c, section, incident_rule_opts, &rc, x->err) == -1)
		return -1;
	for (size_t i = 0; i < x->ic->nrules; i++)
		if (strcmp(x->ic->rules[i].pattern, name) == 0) {
			if (x->ic->rules[i].line != 0) {
				conf_err_set(x->err, "%s:%d: [%s] given twice (first "
				    "at line %d)", conf_path(x->c), line, section,
				    x->ic->rules[i].line);
				return -1;
			}
			r = &x->ic->rules[i];
		}
	if (r == NULL) {
		if (rc.category[0] == '\0') {
			conf_err_set(x->err, "%s:%d: [%s] is not a built-in type; it "
			    "needs category = (NA, SHE, DE, ...)",
			    conf_path(x->c), line, section);
			return -1;
		}
		if (x->ic->nrules == INCIDENT_RULES_MAX) {
			conf_err_set(x->err, "%s:%d: more than %d [category] sections",
			    conf_path(x->c), line, INCIDENT_RULES_MAX);
			return -1;
		}
		/* Insert first: a user rule wins over a built-in pattern. */
		p = x->ic->rules;
		memmove(p + 1, p, x->ic->nrules * sizeof(*p));
		x->ic->nrules++;
		r = &p[0];
		memset(r, 0, sizeof(*r));
		text_printf(r->pattern, sizeof(r->pattern), "%s", name);
		r->min_severity = SEV_LOW;
		text_printf(r->title, sizeof(r->title), "%s", name);
	}
	r->line = line;
	if (rc.category[0] != '\0')
		text_printf(r->category, sizeof(r->category), "%s", rc.category);
	if (rc.subcategory[0] != '\0')
		text_printf(r->subcategory, sizeof(r->subcategory), "%s",
		    rc.subcategory);
	if (rc.level != 0)
		r->level = rc.level;
	if (rc.min_severity != 0)
		r->min_severity = rc.min_severity - 1;
	if (rc.window_ms != 0)
		r->window_ms = rc.window_ms;
	if (rc.auto_resolve != 0)
		r->auto_resolve = rc.auto_resolve == 2;
	if (rc.matters != 0)
		r->need_matters = rc.matters == 2;
	if (rc.title[0] != '\0')
		text_printf(r->title, sizeof(r->title), "%s", rc.title);
	/*
	 * A security incident never closes by itself, but for the types the
	 * taxonomy lets (cert_*: a later good check of the same endpoint
	 * proves the certificate renewed).
	 */
	if (r->auto_resolve && strcmp(r->category, "DE") != 0 &&
	    !((t = tax_type_find(name)) != NULL && t->auto_resolve &&
	    strcmp(t->category, r->category) == 0)) {
		conf_err_set(x->err, "%s:%d: [%s] auto_resolve = yes is only for "
		    "equipment faults (category DE) and certificate problems "
		    "(cert_*); a security incident is closed by a person",
		    conf_path(x->c), line, section);
		return -1;
	}
	return 0;
}

int
incidents_conf_load(struct conf *c, struct incidents_conf *ic,
    struct conf_err *err)
{
	struct rule_ctx x = { c, ic, err };

	memset(ic, 0, sizeof(*ic));
	if (conf_apply(c, "incidents", incidents_conf_opts, ic, err) == -1)
		goto fail;
	if (rules_builtin(ic) == -1) {
		conf_err_set(err, "%s: too many built-in rules", conf_path(c));
		goto fail;
	}
	conf_post(ic);
	if (conf_foreach(c, "category", rule_load, &x) != 0)
		goto fail;
	return 0;
fail:
	ic->nrules = 0;
	return -1;
}

int64_t
incidents_report_hours(const struct incidents_conf *ic)
{
	static const int64_t by_kind[] = { 1, 2, 4 };

	if (ic->report_hours > 0)
		return ic->report_hours;
	return ic->operator_kind >= 0 && ic->operator_kind <= 2 ?
	    by_kind[ic->operator_kind] : 4;
}

/* The first rule whose pattern covers type (user rules come first). */
static const struct incident_rule *
rule_of(const struct incidents_conf *ic, const char *type)
{
	for (size_t i = 0; i < ic->nrules; i++)
		if (tax_type_matches(ic->rules[i].pattern, type))
			return &ic->rules[i];
	return NULL;
}

int
incident_map_event(const struct incidents_conf *ic, const char *type,
    enum severity sev, const json_t *data, struct incident_map *m)
{
	const struct incident_rule *r = rule_of(ic, type);

	memset(m, 0, sizeof(*m));
	if (r == NULL || (int)sev < r->min_severity)
		return 0;
	if (r->need_matters && !json_is_true(json_object_get(data, "matters")))
		return 0;
	m->level = r->level != 0 ? r->level : ic->level_by_sev[sev];
	if (m->level == TAX_LEVEL_NONE)
		return 0;
	m->rule = r;
	m->window_ms = r->window_ms != 0 ? r->window_ms : ic->window_ms;
	return 1;
}

/* ---- lifecycle rules ------------------------------------------------ */

int
incident_action_parse(const char *s, enum incident_action *a)
{
	static const char *const names[] = { "ack", "resolve",
		"false-positive", "reopen" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*a = (enum incident_action)i;
			return 0;
		}
	return -1;
}

int
incident_transition_check(int from, enum incident_action a, const char *note,
    int *to, char *why, size_t whylen)
{
	bool	active = tax_status_active(from);
	bool	closed = from == TAX_STATUS_RESOLVED ||
		    from == TAX_STATUS_FALSE_POSITIVE;
	bool	has_note = note != NULL && note[strspn(note, " \t\r\n")] != '\0';

	*to = -1;
	if (note != NULL && strlen(note) > INCIDENT_NOTE_MAX) {
		text_printf(why, whylen, "note longer than %d bytes",
		    INCIDENT_NOTE_MAX);
		return -1;
	}
	switch (a) {
	case INCIDENT_ACK:
		if (from != TAX_STATUS_OPEN) {
			text_printf(why, whylen, "only an open incident can be "
			    "acknowledged; this one is %s", tax_status_name(from));
			return -1;
		}
		*to = TAX_STATUS_ACKNOWLEDGED;
		return 0;
	case INCIDENT_RESOLVE:
	case INCIDENT_FALSE_POSITIVE:
		if (!active) {
			text_printf(why, whylen, "the incident is already %s; "
			    "reopen it first", tax_status_name(from));
			return -1;
		}
		if (!has_note) {
			text_printf(why, whylen, "%s needs a note saying why "
			    "(--note TEXT)", a == INCIDENT_RESOLVE ? "resolve" :
			    "false-positive");
			return -1;
		}
		*to = a == INCIDENT_RESOLVE ? TAX_STATUS_RESOLVED :
		    TAX_STATUS_FALSE_POSITIVE;
		return 0;
	case INCIDENT_REOPEN:
		if (!closed) {
			text_printf(why, whylen, "only a resolved or false-positive "
			    "incident can be reopened; this one is %s",
			    tax_status_name(from));
			return -1;
		}
		if (!has_note) {
			text_printf(why, whylen, "reopen needs a note saying why "
			    "(--note TEXT)");
			return -1;
		}
		*to = TAX_STATUS_OPEN;
		return 0;
	}
	text_printf(why, whylen, "unknown action");
	return -1;
}

/* ---- the engine ----------------------------------------------------- */

struct site {
	int64_t	agent_id;
	char	target[64];
	int	fails;
};

struct incidents {
	struct store		*st;
	struct incidents_opts	 o;
	bool			 queued;	/* outbox rows since the last
						   kick */
	/* the sites' fail counts at BEGIN [0] and at each savepoint [1..]:
	   a rolled-back sample must not count (nsnap SIZE_MAX: none) */
	int			*snap[STORE_TXN_LEVELS + 1];
	size_t			 nsnap[STORE_TXN_LEVELS + 1];
	struct site		*sites;
	size_t			 nsites;
	struct incidents_stats	 stats;
};

/* store_incident_change() flags for a resolution by the collector: the
   recovery message goes into the outbox when there is a channel. */
static int
auto_flags(const struct incidents *in)
{
	return INCIDENT_CHANGE_AUTO |
	    (in->o.notifier != NULL ? INCIDENT_CHANGE_NOTIFY : 0);
}

/* Incident id resolved by itself (host up, website or device back),
   its recovery message queued by store_incident_change(): counted. */
static int
auto_resolved(struct incidents *in, int64_t id)
{
	(void)id;
	in->stats.auto_resolved++;
	if (in->o.notifier != NULL) {
		in->stats.notify_queued++;
		in->queued = true;
	}
	return 0;
}

/* What committed queued notifications: the outbox sends them now. */
static void
outbox_kick(struct incidents *in)
{
	if (in->queued && in->o.outbox_kick != NULL)
		in->o.outbox_kick(in->o.kick_arg);
	in->queued = false;
}

static void
snap_take(struct incidents *in, int lvl)
{
	int *p = NULL;

	if (in->nsites > 0 && (p = realloc(in->snap[lvl], in->nsites *
	    sizeof(*p))) == NULL) {
		log_warnx("incidents: out of memory saving website fail counts; "
		    "a rolled-back sample may count");
		in->nsnap[lvl] = SIZE_MAX;
		return;
	}
	if (p != NULL)
		in->snap[lvl] = p;
	for (size_t i = 0; i < in->nsites; i++)
		in->snap[lvl][i] = in->sites[i].fails;
	in->nsnap[lvl] = in->nsites;
}

/* Sites first seen since the snapshot go (their counts rolled back). */
static void
snap_restore(struct incidents *in, int lvl)
{
	if (in->nsnap[lvl] == SIZE_MAX || in->nsnap[lvl] > in->nsites)
		return;
	in->nsites = in->nsnap[lvl];
	for (size_t i = 0; i < in->nsites; i++)
		in->sites[i].fails = in->snap[lvl][i];
}

/*
 * The transaction's course: what committed is sent from the outbox (a
 * rolled-back event or batch took its outbox rows with it), and the
 * website fail counts come back to what they were.
 */
static void
on_commit(void *arg, struct store *st, enum store_txn what, int level)
{
	struct incidents *in = arg;

	(void)st;
	switch (what) {
	case STORE_TXN_BEGIN:
		snap_take(in, 0);
		return;
	case STORE_TXN_MARK:
		if (level >= 0 && level < STORE_TXN_LEVELS)
			snap_take(in, level + 1);
		return;
	case STORE_TXN_UNDO:
		if (level >= 0 && level < STORE_TXN_LEVELS)
			snap_restore(in, level + 1);
		return;
	case STORE_TXN_COMMIT:
		outbox_kick(in);
		break;
	case STORE_TXN_ROLLBACK:
		snap_restore(in, 0);
		in->queued = false;
		break;
	}
}

/* "端口扫描 port scan: 10.0.0.9->10.0.0.1" from the rule and key. */
static void
make_title(char *buf, size_t len, const struct incident_rule *r,
    const char *key)
{
	const char *what = strchr(key, ':');

	if (what != NULL && what[1] != '\0')
		text_printf(buf, len, "%s: %s", r->title, what + 1);
	else
		text_printf(buf, len, "%s", r->title);
}

static int
fold(struct incidents *in, struct incident_obs *o,
    const struct incident_map *m, char *err, size_t errlen)
{
	struct incident_fold_out r;

	o->category = m->rule->category;
	o->subcategory = m->rule->subcategory;
	o->level = m->level;
	o->window_ms = m->window_ms;
	o->report_hours = incidents_report_hours(in->o.conf);
	o->notify = in->o.notifier != NULL;
	if (store_incident_fold(in->st, o, &r, err, errlen) == -1)
		return -1;
	if (r.opened)
		in->stats.opened++;
	else
		in->stats.folded++;
	if (r.escalated)
		in->stats.escalated++;
	if ((r.opened || r.escalated) && o->notify) {
		in->stats.notify_queued++;
		in->queued = true;
	}
	return 0;
}

static struct site *
site_get(struct incidents *in, int64_t agent_id, const char *target)
{
	struct site *p;

	for (size_t i = 0; i < in->nsites; i++)
		if (in->sites[i].agent_id == agent_id &&
		    strcmp(in->sites[i].target, target) == 0)
			return &in->sites[i];
	if ((p = realloc(in->sites, (in->nsites + 1) * sizeof(*p))) == NULL)
		return NULL;
	in->sites = p;
	p = &in->sites[in->nsites++];
	memset(p, 0, sizeof(*p));
	p->agent_id = agent_id;
	text_printf(p->target, sizeof(p->target), "%s", target);
	return p;
}

/*
 * An availability sample of a website (data.website true): count
 * consecutive failures per (agent, target); website_down_after of them
 * open 'website down', a success resolves it.  The counters live in
 * memory: after a restart the count starts again.
 */
static int
website_sample(struct incidents *in, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	const json_t		*d = event_data(ctx->ev);
	const char		*target = json_string_value(json_object_get(d,
				    "target"));
	json_t			*up = json_object_get(d, "up");
	struct site		*s;
	struct incident_map	 m;
	char			 key[EVENT_KEY_MAX], title[256], note[128];
	int64_t			 id;
	int			 r;

	if (!json_is_true(json_object_get(d, "website")) || target == NULL ||
	    !json_is_boolean(up) || strlen(target) >= sizeof(s->target))
		return 0;
	if ((s = site_get(in, ctx->agent_id, target)) == NULL) {
		text_printf(err, errlen, "out of memory");
		return -1;
	}
	text_printf(key, sizeof(key), "website_down:%s", target);
	if (json_is_true(up)) {
		s->fails = 0;
		r = store_incident_find_open(in->st, 0, key, &id, NULL, err,
		    errlen);
		if (r == -1)
			return -1;
		if (r == 1)
			return 0;
		text_printf(note, sizeof(note), "website answered again (seen by "
		    "%s)", ctx->agent);
		if (store_incident_change(in->st, id, INCIDENT_RESOLVE,
		    auto_flags(in), INCIDENT_SYSTEM_ACTOR, INCIDENT_SYSTEM_SOURCE, note,
		    ctx->received_ms, err, errlen) == -1)
			return -1;
		if (auto_resolved(in, id) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		log_info("incident %" PRId64 " resolved: website %s is up "
		    "again", id, target);
		return 0;
	}
	if (++s->fails < in->o.conf->website_down_after)
		return 0;
	if (!incident_map_event(in->o.conf, "website_down", SEV_HIGH, d, &m))
		return 0;
	r = store_incident_find_open(in->st, 0, key, &id, NULL, err, errlen);
	if (r != 1)
		return r == -1 ? -1 : 0;
	text_printf(title, sizeof(title), "%s: %s", m.rule->title, target);
	{
		struct incident_obs o = {
			.agent_id = 0, .asset = target, .key = key,
			.type = "website_down", .title = title,
			.severity = (int)ctx->ev->severity, .ts = ctx->ev->ts_ms,
			.received = ctx->received_ms, .event_id = ctx->event_id,
		};

		if (fold(in, &o, &m, err, errlen) == -1)
			return -1;
	}
	log_warnx("website %s failed %d checks in a row (seen by %s); "
	    "incident opened — check the web server", target, s->fails,
	    ctx->agent);
	return 0;
}

/*
 * Agentless devices.  device_down outside the device's schedule (data
 * "schedule": office or always) is not a fault: ignored, like a host
 * off at night.  device_up and if_up resolve the open device_down /
 * if_down incident of the same device (and interface).  Returns 1 when
 * the event was handled here.
 */
static int
device_event(struct incidents *in, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	const char		*type = ctx->ev->type, *rest;
	const struct schedule	*s = NULL;
	char			 key[EVENT_KEY_MAX], note[160];
	int64_t			 id;
	int			 r;

	if (strcmp(type, "device_down") == 0) {
		const char *sc = json_string_value(json_object_get(
		    event_data(ctx->ev), "schedule"));

		if (in->o.schedule != NULL)
			s = schedule_conf_get(in->o.schedule, sc ? sc : "office");
		if (s == NULL || schedule_is_scheduled(s, ctx->ev->ts_ms))
			return 0;	/* fold it as usual */
		in->stats.ignored++;
		return 1;
	}
	if (strcmp(type, "device_up") != 0 && strcmp(type, "if_up") != 0)
		return 0;
	/* "device_up:NAME" → "device_down:NAME", "if_up:N:IF" → "if_down:N:IF" */
	if ((rest = strchr(ctx->ev->key, ':')) == NULL)
		return 1;
	snprintf(key, sizeof(key), "%s%s", type[0] == 'd' ? "device_down" :
	    "if_down", rest);
	r = store_incident_find_open(in->st, ctx->agent_id, key, &id, NULL, err,
	    errlen);
	if (r != 0)
		return r == -1 ? -1 : 1;
	snprintf(note, sizeof(note), "%s answered again (seen by %s)",
	    rest + 1, ctx->agent);
	if (store_incident_change(in->st, id, INCIDENT_RESOLVE,
	    auto_flags(in), INCIDENT_SYSTEM_ACTOR, INCIDENT_SYSTEM_SOURCE, note,
	    ctx->received_ms, err, errlen) == -1)
		return -1;
	if (auto_resolved(in, id) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_info("incident %" PRId64 " resolved: %s", id, note);
	return 1;
}

/*
 * Certificate renewed: a tls_report ("tls_report:HOST:PORT") whose
 * data.codes lists the findings of the same run resolves the open
 * cert_* incidents of that agent and endpoint ("cert_expiring:HOST:PORT")
 * whose code the run no longer found, when their rule lets them close by
 * themselves; the channels get a recovery message.  A report without
 * codes (an older agent) resolves nothing.
 */
#define CERT_OPEN_MAX	16

static int
cert_renewed(struct incidents *in, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	const json_t		*codes = json_object_get(event_data(ctx->ev),
				    "codes");
	const char		*subject = strchr(ctx->ev->key, ':');
	struct incident_ref	 open[CERT_OPEN_MAX];
	size_t			 n, j;
	char			 note[EVENT_KEY_MAX + 128];
	const json_t		*c;

	if (!json_is_array(codes) || subject == NULL || subject[1] == '\0')
		return 0;
	subject++;
	if (store_incident_find_open_types(in->st, ctx->agent_id, "cert_",
	    subject, open, CERT_OPEN_MAX, &n, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct incident_rule *r = rule_of(in->o.conf, open[i].type);

		if (r == NULL || !r->auto_resolve)
			continue;
		json_array_foreach(codes, j, c)
			if (json_is_string(c) && strcmp(json_string_value(c),
			    open[i].type) == 0)
				break;
		if (j < json_array_size(codes))
			continue;	/* still there */
		text_printf(note, sizeof(note), "certificate renewed: %s no "
		    "longer finds %s (seen by %s)", subject, open[i].type,
		    ctx->agent);
		if (store_incident_change(in->st, open[i].id, INCIDENT_RESOLVE,
		    auto_flags(in), INCIDENT_SYSTEM_ACTOR, INCIDENT_SYSTEM_SOURCE, note,
		    ctx->received_ms, err, errlen) == -1)
			return -1;
		if (auto_resolved(in, open[i].id) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		log_info("incident %" PRId64 " resolved: %s", open[i].id, note);
	}
	return 0;
}

static int
on_event(void *arg, struct store *st, const struct store_event_ctx *ctx,
    char *err, size_t errlen)
{
	struct incidents		*in = arg;
	const struct incident_rule	*rule;
	struct incident_map		 m;
	char				 title[256];

	(void)st;
	if (strcmp(ctx->ev->type, "availability") == 0)
		return website_sample(in, ctx, err, errlen);
	if (strcmp(ctx->ev->type, "tls_report") == 0 &&
	    cert_renewed(in, ctx, err, errlen) == -1)
		return -1;
	if (strncmp(ctx->ev->type, "device_", 7) == 0 ||
	    strcmp(ctx->ev->type, "if_up") == 0) {
		int r = device_event(in, ctx, err, errlen);

		if (r != 0)
			return r == -1 ? -1 : 0;
	}
	/* Only a rule that asks whether the event matters reads its data. */
	rule = rule_of(in->o.conf, ctx->ev->type);
	if (!incident_map_event(in->o.conf, ctx->ev->type, ctx->ev->severity,
	    rule != NULL && rule->need_matters ? event_data(ctx->ev) : NULL,
	    &m)) {
		in->stats.ignored++;
		return 0;
	}
	make_title(title, sizeof(title), m.rule, ctx->ev->key);
	{
		struct incident_obs o = {
			.agent_id = ctx->agent_id, .asset = ctx->agent,
			.key = ctx->ev->key, .type = ctx->ev->type,
			.title = title, .severity = (int)ctx->ev->severity,
			.ts = ctx->ev->ts_ms, .received = ctx->received_ms,
			.event_id = ctx->event_id,
		};

		return fold(in, &o, &m, err, errlen);
	}
}

/*
 * A batch's events about to fold (store_batch_hook): their incidents
 * read ahead in one query, so each fold asks the database nothing.
 * Events whose rule needs their data, and the types handled apart
 * (samples, devices), are left to ask for themselves.
 */
static int
on_batch(void *arg, struct store *st, int64_t agent_id,
    const struct event_batch *b, const size_t *idx, size_t n, char *err,
    size_t errlen)
{
	struct incidents	*in = arg;
	const char		**keys;
	size_t			 nk = 0;
	int			 rc;

	if ((keys = malloc(n * sizeof(*keys))) == NULL)
		return 0;	/* each fold asks, as without */
	for (size_t i = 0; i < n; i++) {
		const struct event		*ev = &b->events[idx[i]];
		const struct incident_rule	*rule = rule_of(in->o.conf,
						    ev->type);
		struct incident_map		 m;

		if (rule == NULL || rule->need_matters ||
		    strcmp(ev->type, "availability") == 0 ||
		    strncmp(ev->type, "device_", 7) == 0 ||
		    !incident_map_event(in->o.conf, ev->type, ev->severity,
		    NULL, &m))
			continue;
		keys[nk++] = ev->key;
	}
	rc = store_incident_prefetch(st, agent_id, keys, nk, err, errlen);
	free(keys);
	return rc;
}

struct incidents *
incidents_new(struct store *st, const struct incidents_opts *o, char *err,
    size_t errlen)
{
	struct incidents *in;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		text_printf(err, errlen, "out of memory");
		return NULL;
	}
	in->st = st;
	in->o = *o;
	if (store_add_event_hook(st, on_event, in) == -1 ||
	    store_add_batch_hook(st, on_batch, in) == -1 ||
	    store_add_commit_hook(st, on_commit, in) == -1) {
		text_printf(err, errlen, "the store's hook table is full");
		free(in);
		return NULL;
	}
	return in;
}

void
incidents_free(struct incidents *in)
{
	if (in == NULL)
		return;
	free(in->sites);
	for (int i = 0; i <= STORE_TXN_LEVELS; i++)
		free(in->snap[i]);
	free(in);
}

void
incidents_set_conf(struct incidents *in, const struct incidents_opts *o)
{
	in->o = *o;
}

void
incidents_stats(const struct incidents *in, struct incidents_stats *s)
{
	*s = in->stats;
}

int
incidents_act(struct incidents *in, int64_t id, enum incident_action a,
    const char *actor, const char *source, const char *note, int64_t now,
    json_t **out, char *why, size_t whylen)
{
	int r;

	*out = NULL;
	r = store_incident_change(in->st, id, a, 0, actor, source, note, now,
	    why, whylen);
	if (r != 0)
		return r;
	log_info("incident %" PRId64 " %s by %s from %s%s%s", id,
	    a == INCIDENT_ACK ? "acknowledged" : a == INCIDENT_RESOLVE ?
	    "resolved" : a == INCIDENT_FALSE_POSITIVE ?
	    "marked false positive" : "reopened", actor, source,
	    note && *note ? ": " : "", note ? note : "");
	if (incident_get_json(in->st, id, out, why, whylen) != 0)
		return -1;
	return 0;
}

struct notifier *
incidents_notifier(const struct incidents *in)
{
	return in->o.notifier;
}

void
incidents_on_notify(void *arg, const struct notify_result *r)
{
	struct incidents	*in = arg;
	char			 err[256];

	if (r->ok)
		in->stats.notify_ok++;
	else {
		in->stats.notify_failed++;
		log_warnx("notification via %s about %zu incident(s) failed "
		    "after %d attempt(s): %s; check [notify %s]", r->channel,
		    r->n_incidents, r->attempts, r->error, r->channel);
	}
	if (store_incident_record_send(in->st, r, err, sizeof(err)) == -1)
		log_errorx("incidents: cannot record a notification: %s", err);
}

/* ---- host down ------------------------------------------------------ */

struct tick_ctx {
	struct incidents	*in;
	int64_t			 now;
	int64_t			*open_ids;	/* agents to open host_down for */
	char			(*names)[EVENT_AGENT_MAX];
	int64_t			*resolve_ids;
	size_t			 nopen, nresolve, cap;
	int64_t			*agent_ids;
	int64_t			*last_seen;
};

static int
tick_row(void *arg, const struct incident_watch_row *w)
{
	struct tick_ctx		*t = arg;
	const struct schedule	*s = NULL;
	struct schedule		 always;
	int64_t			 grace;

	if (t->nopen == t->cap || t->nresolve == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		void *a = realloc(t->open_ids, cap * sizeof(*t->open_ids));
		void *b = a ? realloc(t->resolve_ids, cap * sizeof(int64_t)) : NULL;
		void *c = b ? realloc(t->names, cap * sizeof(*t->names)) : NULL;
		void *d = c ? realloc(t->last_seen, cap * sizeof(int64_t)) : NULL;

		if (a)
			t->open_ids = a;
		if (b)
			t->resolve_ids = b;
		if (c)
			t->names = c;
		if (d == NULL)
			return -1;
		t->last_seen = d;
		t->cap = cap;
	}
	if (w->open_id > 0) {
		/* Anything since the incident was opened means it is back. */
		if (w->last_seen > w->open_first_seen) {
			t->resolve_ids[t->nresolve] = w->open_id;
			t->nresolve++;
		}
		return 0;
	}
	if (t->in->o.schedule != NULL)
		s = schedule_for_agent(t->in->o.schedule, w->name);
	if (s == NULL) {
		schedule_init_always(&always);
		s = &always;
	}
	grace = t->in->o.conf->host_down_grace_ms > 0 ?
	    t->in->o.conf->host_down_grace_ms :
	    (int64_t)((double)w->interval_ms * t->in->o.gap_factor);
	/* Down only at a scheduled instant, after more scheduled silence
	   than the grace: outside its schedule a machine is neither. */
	if (!schedule_is_scheduled(s, t->now) ||
	    schedule_scheduled_ms(s, w->last_seen, t->now) <= grace)
		return 0;
	t->open_ids[t->nopen] = w->agent_id;
	text_printf(t->names[t->nopen], sizeof(t->names[0]), "%s", w->name);
	t->last_seen[t->nopen] = w->last_seen;
	t->nopen++;
	return 0;
}

int
incidents_raise(struct incidents *in, const char *type, const char *key,
    const char *asset, const char *what, int severity, int64_t now,
    char *err, size_t errlen)
{
	struct incident_map	m;
	char			title[256];
	int			rc;

	if (!incident_map_event(in->o.conf, type, severity, NULL, &m))
		return 0;
	snprintf(title, sizeof(title), "%s: %s", m.rule->title, what);
	{
		struct incident_obs o = {
			.asset = asset, .key = key, .type = type, .title = title,
			.severity = severity, .ts = now, .received = now,
		};

		rc = fold(in, &o, &m, err, errlen) == -1 ? -1 : 1;
	}
	outbox_kick(in);
	return rc;
}

int
incidents_tick(struct incidents *in, int64_t now, char *err, size_t errlen)
{
	struct tick_ctx		t = { .in = in, .now = now };
	struct incident_map	m;
	char			key[EVENT_KEY_MAX], title[256], when[32];
	int			changed = 0, rc = -1, r;

	if (store_incident_watch(in->st, tick_row, &t, err, errlen) != 0) {
		if (err[0] == '\0')
			text_printf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t.nresolve; i++) {
		r = store_incident_change(in->st, t.resolve_ids[i],
		    INCIDENT_RESOLVE, auto_flags(in), INCIDENT_SYSTEM_ACTOR,
		    INCIDENT_SYSTEM_SOURCE, "heartbeats returned", now, err,
		    errlen);
		if (r == -1)
			goto out;
		if (r == 0) {
			changed++;
			if (auto_resolved(in, t.resolve_ids[i]) == -1) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			log_info("incident %" PRId64 " resolved: the host is "
			    "back (heartbeats returned)", t.resolve_ids[i]);
		}
	}
	if (!incident_map_event(in->o.conf, "host_down", SEV_HIGH, NULL, &m)) {
		rc = changed;
		goto out;
	}
	for (size_t i = 0; i < t.nopen; i++) {
		struct incident_obs o = {
			.agent_id = t.open_ids[i], .asset = t.names[i],
			.key = key, .type = "host_down", .title = title,
			.severity = SEV_HIGH, .ts = now, .received = now,
		};

		text_printf(key, sizeof(key), "host_down:%s", t.names[i]);
		text_printf(title, sizeof(title), "%s: %s", m.rule->title,
		    t.names[i]);
		if (fold(in, &o, &m, err, errlen) == -1)
			goto out;
		changed++;
		if (time_format_local(t.last_seen[i], when, sizeof(when)) == -1)
			text_printf(when, sizeof(when), "?");
		log_warnx("host %s is down: no heartbeat since %s during its "
		    "scheduled hours; incident opened — check the machine",
		    t.names[i], when);
	}
	rc = changed;
out:
	outbox_kick(in);
	free(t.open_ids);
	free(t.resolve_ids);
	free(t.names);
	free(t.last_seen);
	free(t.agent_ids);
	return rc;
}
