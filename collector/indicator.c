/*
 * Indicators of a period: see indicator.h and ../shared/DESIGN.md.
 *
 * Uptime is summed from coalesced intervals (never heartbeats): for one
 * machine, inside its monitored window W = [first contact, now) ∩ period:
 *   up       = ∪ uptime intervals
 *   down     = gaps between intervals after which the machine reported a
 *              boot later than the gap's start (it was off or rebooting:
 *              known down)
 *   no data  = the rest of W (a gap without a reboot, the time after the
 *              last heartbeat): the collector holds nothing; never up,
 *              never "down", shown as no data.
 * each intersected with the machine's schedule (schedule_for_agent()).
 *   operation ratio   = Σ up ÷ Σ scheduled          (brief / DESIGN.md)
 *   data completeness = (up + down) ÷ scheduled      per machine and total
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/api.h"
#include "collector/asset.h"
#include "collector/incident.h"
#include "collector/indicator.h"
#include "collector/store_asset.h"
#include "collector/store_indicator.h"
#include "common/event.h"
#include "common/taxonomy.h"
#include "common/timeutil.h"

#define MS_DAY		((int64_t)86400000)
#define MS_MIN		((int64_t)60000)

/* ---- configuration ---------------------------------------------------- */

static const char *const readings[] = { "incident_days", "asset_year", NULL };
static const char *const stats[] = { "p95", "median", "max", NULL };

#define IC(f)	offsetof(struct indicator_conf, f)
const struct conf_opt indicator_conf_opts[] = {
	{ "event_rate_max", CONF_DOUBLE, IC(event_rate_max), 0, 0, 100, "1",
	  NULL, NULL, "security-event rate target, percent, at most" },
	{ "event_rate_reading", CONF_ENUM, IC(event_rate_reading), 0, 0, 0,
	  "incident_days", readings, NULL,
	  "which reading of the event rate the office reports" },
	{ "operation_min", CONF_DOUBLE, IC(operation_min), 0, 0, 100, "95",
	  NULL, NULL, "equipment normal-operation ratio target, percent" },
	{ "website_days_min", CONF_INT, IC(website_days_min), 0, 0, 366,
	  "365", NULL, NULL, "website running days a year, at least" },
	{ "website_day_share", CONF_DOUBLE, IC(website_day_share), 0, 1, 100,
	  "95", NULL, NULL, "share of a day's checks that must pass" },
	{ "feedback_max", CONF_DURATION, IC(feedback_max_ms), 0, 1000,
	  86400000, "10m", NULL, NULL, "detection to notification, at most" },
	{ "feedback_statistic", CONF_ENUM, IC(feedback_statistic), 0, 0, 0,
	  "p95", stats, NULL, "which statistic is held against feedback_max" },
	{ "points_operation", CONF_INT, IC(points_operation), 0, 0, 100, "20",
	  NULL, NULL, "points of the operation ratio in the self-evaluation" },
	{ "points_website", CONF_INT, IC(points_website), 0, 0, 100, "20",
	  NULL, NULL, "points of the website running days" },
	{ "points_assessment", CONF_INT, IC(points_assessment), 0, 0, 100,
	  "10", NULL, NULL, "points of the yearly security assessment" },
	{ "points_feedback", CONF_INT, IC(points_feedback), 0, 0, 100, "20",
	  NULL, NULL, "points of the feedback time" },
	{ "points_event_rate", CONF_INT, IC(points_event_rate), 0, 0, 100,
	  "20", NULL, NULL, "points of the security-event rate" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

int
indicator_conf_apply(struct conf *c, struct indicator_conf *ic,
    struct conf_err *err)
{
	memset(ic, 0, sizeof(*ic));
	return conf_apply(c, "indicators", indicator_conf_opts, ic, err);
}

void
indicator_conf_defaults(struct indicator_conf *ic)
{
	struct conf_err err;

	memset(ic, 0, sizeof(*ic));
	(void)conf_defaults(indicator_conf_opts, ic, &err);
}

/* ---- periods ---------------------------------------------------------- */

/* Strict "YYYY-MM-DD" → day number.  -1 when not a real date. */
static int
parse_date(const char *s, int64_t *day)
{
	return s == NULL ? -1 : time_parse_date(s, strlen(s), day);
}

/* At most 32 bytes of s, anything but printable ASCII as '?' (messages
   quote what the client sent and must stay valid UTF-8 JSON). */
static void
quote(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < outlen && i < 32; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

int
indicator_period_parse(const char *from, const char *to,
    struct indicator_period *p, char *why, size_t whylen)
{
	int64_t	a, b;
	char	q[40];

	if (parse_date(from, &a) == -1) {
		quote(from, q, sizeof(q));
		snprintf(why, whylen, "from: '%s' is not a date like 2026-01-01",
		    q);
		return -1;
	}
	if (parse_date(to, &b) == -1) {
		quote(to, q, sizeof(q));
		snprintf(why, whylen, "to: '%s' is not a date like 2026-12-31", q);
		return -1;
	}
	if (b < a) {
		snprintf(why, whylen, "to (%s) is before from (%s)", to, from);
		return -1;
	}
	if (b - a + 1 > INDICATOR_MAX_DAYS) {
		snprintf(why, whylen, "the period is longer than %d days; ask "
		    "for less", INDICATOR_MAX_DAYS);
		return -1;
	}
	p->from_day = a;
	p->to_day = b + 1;
	return 0;
}

static void
day_text(int64_t day, char *buf, size_t len)
{
	int		y;
	unsigned	m, d;

	time_civil_from_days(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02u-%02u", y, m, d);
}

/* "2026", "2026-Q4", "2026-11" or "2026-01-05..2026-02-03". */
static void
period_label(const struct indicator_period *p, char *buf, size_t len,
    int *full_year)
{
	int		y1, y2;
	unsigned	m1, d1, m2, d2;
	char		a[16], b[16];

	time_civil_from_days(p->from_day, &y1, &m1, &d1);
	time_civil_from_days(p->to_day, &y2, &m2, &d2);	/* exclusive end */
	*full_year = 0;
	if (d1 == 1 && d2 == 1 && m1 == 1 && m2 == 1 && y2 == y1 + 1) {
		snprintf(buf, len, "%04d", y1);
		*full_year = 1;
	} else if (d1 == 1 && d2 == 1 && (m1 - 1) % 3 == 0 &&
	    ((y2 == y1 && m2 == m1 + 3) || (y2 == y1 + 1 && m1 == 10 &&
	    m2 == 1)))
		snprintf(buf, len, "%04d-Q%u", y1, (m1 - 1) / 3 + 1);
	else if (d1 == 1 && d2 == 1 && ((y2 == y1 && m2 == m1 + 1) ||
	    (y2 == y1 + 1 && m1 == 12 && m2 == 1)))
		snprintf(buf, len, "%04d-%02u", y1, m1);
	else {
		day_text(p->from_day, a, sizeof(a));
		day_text(p->to_day - 1, b, sizeof(b));
		snprintf(buf, len, "%s..%s", a, b);
	}
}

/* ---- small helpers ---------------------------------------------------- */

/* x rounded to 2 decimals, as shown everywhere (CSV, HTML, CLI). */
static double
round2(double x)
{
	return round(x * 100.0) / 100.0;
}

static json_t *
pct_or_null(int64_t num, int64_t den)
{
	if (den <= 0)
		return json_null();
	return json_real(round2((double)num * 100.0 / (double)den));
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile q (0 < q <= 100) of n sorted values. */
static int64_t
nearest_rank(const int64_t *v, size_t n, int q)
{
	size_t r = ((size_t)q * n + 99) / 100;	/* ceil(q/100 × n) */

	if (r < 1)
		r = 1;
	return v[r - 1];
}

/* Set o[key] = v, consuming v; -1 when out of memory. */
static int
set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v);
}

static int
append(json_t *a, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_array_append_new(a, v);
}

/* ---- the computation --------------------------------------------------- */

struct month {
	int64_t	 from_day, to_day;	/* clipped to the period */
	int64_t	 from_ms, to_ms;
	char	 label[16];		/* "2026-01" */
	int64_t	 sched, up, down;	/* all machines */
	int64_t	 web_days, web_data_days;
	json_t	*cats;			/* incidents by category */
};

struct agent_sum {
	int64_t	 sched, up, down;
	int64_t	 asset_days;
	int64_t	 security, sec_days, faults, fps, total;
	int64_t	 last_sec_day;
	int	 monitored;
	int64_t	 mon_start;
	const char *schedule;
};

struct calc {
	struct store			*st;
	const struct schedule_conf	*sc;
	const struct indicator_conf	*ic;
	const struct indicator_period	*p;
	int64_t				 now, from_ms, to_ms, eff_to;
	int64_t				 elapsed_to_day;	/* exclusive */
	int				 detail;
	struct month			*months;
	size_t				 nmonths;
	struct store_ind_agent		*agents;
	size_t				 nagents;
	struct agent_sum		*sums;
	struct store_ind_device		*devs;	/* agentless equipment */
	size_t				 ndevs;
	struct agent_sum		*dsums;
	/* Schedule windows of the period, computed once per schedule. */
	struct schedule_interval	*win[2];	/* office, always */
	size_t				 nwin[2];
	json_t				*doc;
	char				*err;
	size_t				 errlen;
};

static int
months_build(struct calc *c)
{
	int64_t		 d = c->p->from_day;
	size_t		 cap = 0;

	while (d < c->p->to_day) {
		int		 y;
		unsigned	 m, dd;
		int64_t		 next;
		struct month	*mo;

		time_civil_from_days(d, &y, &m, &dd);
		next = m == 12 ? time_days_from_civil(y + 1, 1, 1) :
		    time_days_from_civil(y, m + 1, 1);
		if (c->nmonths == cap) {
			cap = cap ? cap * 2 : 16;
			if ((mo = realloc(c->months, cap * sizeof(*mo))) == NULL)
				return -1;
			c->months = mo;
		}
		mo = &c->months[c->nmonths++];
		memset(mo, 0, sizeof(*mo));
		mo->from_day = d;
		mo->to_day = min64(next, c->p->to_day);
		mo->from_ms = schedule_day_start(mo->from_day);
		mo->to_ms = schedule_day_start(mo->to_day);
		snprintf(mo->label, sizeof(mo->label), "%04d-%02u", y % 10000, m);
		if ((mo->cats = json_object()) == NULL)
			return -1;
		d = mo->to_day;
	}
	return 0;
}

/*
 * The windows of schedule s in [from, to), clipped, in order.  Computing
 * them once per schedule and merging them with each machine's intervals
 * is what keeps a year of 1,000 machines fast: no local-time arithmetic
 * per interval.  The sums equal schedule_scheduled_ms / schedule_up_ms.
 */
static int
windows_build(const struct schedule *s, int64_t from, int64_t to,
    struct schedule_interval **out, size_t *nout)
{
	struct schedule_interval	*v = NULL, *nv;
	size_t				 n = 0, cap = 0;
	int64_t				 t = from, a, b;

	while (schedule_next_window(s, t, to, &a, &b) == 1) {
		if (a < t)
			a = t;
		if (b > to)
			b = to;
		if (b > a) {
			if (n == cap) {
				cap = cap ? cap * 2 : 512;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
					free(v);
					return -1;
				}
				v = nv;
			}
			v[n].start_ms = a;
			v[n].end_ms = b;
			n++;
		}
		t = b;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* First window that ends after t (binary search). */
static size_t
window_first(const struct schedule_interval *w, size_t nw, int64_t t)
{
	size_t lo = 0, hi = nw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].end_ms <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Milliseconds of [a0, a1) covered by both the union of the n intervals
 * iv (sorted by start) and the windows w.  n 0 with iv NULL: the windows
 * alone (scheduled time).
 */
static int64_t
covered(const struct schedule_interval *w, size_t nw,
    const struct schedule_interval *iv, size_t n, int64_t a0, int64_t a1)
{
	int64_t	sum = 0, cs, ce;
	size_t	k = 0, j;
	struct schedule_interval all = { a0, a1 };

	if (iv == NULL) {
		iv = &all;
		n = 1;
	}
	while (k < n) {
		/* Next piece of the union, clipped to [a0, a1). */
		cs = iv[k].start_ms;
		ce = iv[k].end_ms;
		for (k++; k < n && iv[k].start_ms <= ce; k++)
			if (iv[k].end_ms > ce)
				ce = iv[k].end_ms;
		if (cs < a0)
			cs = a0;
		if (ce > a1)
			ce = a1;
		if (ce <= cs)
			continue;
		for (j = window_first(w, nw, cs); j < nw && w[j].start_ms < ce;
		    j++) {
			int64_t x = w[j].start_ms > cs ? w[j].start_ms : cs;
			int64_t y = w[j].end_ms < ce ? w[j].end_ms : ce;

			if (y > x)
				sum += y - x;
		}
	}
	return sum;
}

/*
 * Scheduled, up and down time of one machine or device in [w0, w1), per
 * month: adds to s and the months; rows (detail) gets one object per
 * month.  u and dn are its up and known-down intervals, by start.
 */
static int
months_sum(struct calc *c, const char *name, const char *kind,
    const struct schedule_interval *w, size_t nw,
    const struct schedule_interval *u, size_t nu,
    const struct schedule_interval *dnv, size_t nd, int64_t w0, int64_t w1,
    struct agent_sum *s, json_t *rows)
{
	for (size_t m = 0; m < c->nmonths; m++) {
		struct month	*mo = &c->months[m];
		int64_t		 a0 = max64(w0, mo->from_ms);
		int64_t		 a1 = min64(w1, mo->to_ms);
		int64_t		 sch_ms, up, down, nodata;
		char		 mon[32];

		if (a1 <= a0)
			continue;
		sch_ms = covered(w, nw, NULL, 0, a0, a1);
		up = covered(w, nw, u, nu, a0, a1);
		down = covered(w, nw, dnv, nd, a0, a1);
		if (up + down > sch_ms)		/* overlapping rows */
			down = sch_ms - up;
		nodata = sch_ms - up - down;
		s->sched += sch_ms;
		s->up += up;
		s->down += down;
		mo->sched += sch_ms;
		mo->up += up;
		mo->down += down;
		if (rows == NULL)
			continue;
		snprintf(mon, sizeof(mon), "%s", mo->label);
		if (append(rows, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, "
		    "s:o, s:o, s:s}", "agent", name, "month", mon,
		    "schedule", s->schedule,
		    "scheduled_ms", (json_int_t)sch_ms, "up_ms", (json_int_t)up,
		    "down_ms", (json_int_t)down, "no_data_ms", (json_int_t)nodata,
		    "operation_pct", up + down > 0 ? pct_or_null(up, sch_ms) :
		    json_null(),
		    "completeness_pct", pct_or_null(up + down, sch_ms),
		    "kind", kind ? kind : "agent")) == -1)
			return -1;
	}
	return 0;
}

/*
 * Uptime of one agent per month; fills sums[i] and adds to the months.
 * rows (detail) gets one object per month of the agent.
 */
static int
agent_uptime(struct calc *c, size_t i, struct store_ind_interval **iv,
    size_t *ivcap, struct schedule_interval **u, struct schedule_interval **dn,
    size_t *ucap, json_t *rows)
{
	const struct store_ind_agent	*a = &c->agents[i];
	struct agent_sum		*s = &c->sums[i];
	const struct schedule		*sch = schedule_for_agent(c->sc, a->name);
	size_t				 n = 0, nu = 0, nd = 0;
	int64_t				 w0, w1;
	int				 wi = sch->kind == SCHEDULE_ALWAYS;
	const struct schedule_interval	*w;
	size_t				 nw;

	s->schedule = sch->kind == SCHEDULE_ALWAYS ? "always" : "office";
	if (c->win[wi] == NULL && c->eff_to > c->from_ms &&
	    windows_build(sch, c->from_ms, c->eff_to, &c->win[wi],
	    &c->nwin[wi]) == -1)
		goto nomem;
	w = c->win[wi];
	nw = c->nwin[wi];
	s->mon_start = a->first_up > 0 ? min64(a->first_seen, a->first_up) :
	    a->first_seen;
	w0 = max64(c->from_ms, s->mon_start);
	w1 = c->eff_to;
	if (w1 <= w0)
		return 0;
	s->monitored = 1;
	s->asset_days = schedule_local_day(w1 - 1) - schedule_local_day(w0) + 1;
	if (store_ind_intervals(c->st, a->id, w0, w1, iv, ivcap, &n, c->err,
	    c->errlen) == -1)
		return -1;
	if (n > *ucap) {
		struct schedule_interval *nu_, *nd_;

		if ((nu_ = realloc(*u, n * sizeof(**u))) == NULL)
			goto nomem;
		*u = nu_;
		if ((nd_ = realloc(*dn, n * sizeof(**dn))) == NULL)
			goto nomem;
		*dn = nd_;
		*ucap = n;
	}
	for (size_t k = 0; k < n; k++) {
		(*u)[nu].start_ms = (*iv)[k].start_ms;
		(*u)[nu].end_ms = (*iv)[k].end_ms;
		nu++;
		/* A boot after the previous end: the gap is known down. */
		if (k > 0 && (*iv)[k].boot_ms > 0 &&
		    (*iv)[k].boot_ms > (*iv)[k - 1].end_ms &&
		    (*iv)[k].start_ms > (*iv)[k - 1].end_ms) {
			(*dn)[nd].start_ms = (*iv)[k - 1].end_ms;
			(*dn)[nd].end_ms = (*iv)[k].start_ms;
			nd++;
		}
	}
	if (months_sum(c, a->name, NULL, w, nw, *u, nu, *dn, nd, w0, w1, s,
	    rows) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(c->err, c->errlen, "computing uptime: out of memory");
	return -1;
}

/*
 * Agentless devices: a sample at t of a device checked every I covers
 * [t, min(next sample, t + I x gap_factor)) — up when it answered, known
 * down when it did not; the rest is no data, as for agents.
 */
static int
device_uptime(struct calc *c, size_t i, json_t *rows)
{
	const struct store_ind_device	*d = &c->devs[i];
	struct agent_sum		*s = &c->dsums[i];
	const struct schedule		*sch = schedule_conf_get(c->sc,
					    d->schedule);
	struct schedule_interval	*u = NULL, *dn = NULL;
	size_t				 nu = 0, nd = 0;
	double				 gf = c->ic->gap_factor > 0 ?
					    c->ic->gap_factor : 3.0;
	int64_t				 w0, w1;
	int				 wi, rc = -1;

	if (sch == NULL)
		sch = schedule_conf_get(c->sc, "office");
	wi = sch->kind == SCHEDULE_ALWAYS;
	s->schedule = wi ? "always" : "office";
	if (d->n == 0)
		return 0;
	if (c->win[wi] == NULL && c->eff_to > c->from_ms &&
	    windows_build(sch, c->from_ms, c->eff_to, &c->win[wi],
	    &c->nwin[wi]) == -1)
		goto nomem;
	s->mon_start = d->s[0].ts;
	w0 = max64(c->from_ms, s->mon_start);
	w1 = c->eff_to;
	if (w1 <= w0)
		return 0;
	s->monitored = 1;
	s->asset_days = schedule_local_day(w1 - 1) - schedule_local_day(w0) + 1;
	if ((u = calloc(d->n, sizeof(*u))) == NULL ||
	    (dn = calloc(d->n, sizeof(*dn))) == NULL)
		goto nomem;
	for (size_t k = 0; k < d->n; k++) {
		int64_t a = d->s[k].ts;
		int64_t b = a + (int64_t)((double)d->s[k].target * gf);

		if (k + 1 < d->n && d->s[k + 1].ts < b)
			b = d->s[k + 1].ts;
		if (b <= a)
			continue;
		if (d->s[k].up) {
			u[nu].start_ms = a;
			u[nu++].end_ms = b;
		} else {
			dn[nd].start_ms = a;
			dn[nd++].end_ms = b;
		}
	}
	if (months_sum(c, d->name, d->kind, c->win[wi], c->nwin[wi], u, nu,
	    dn, nd, w0, w1, s, rows) == -1)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "computing device uptime: out of memory");
out:
	free(u);
	free(dn);
	return rc;
}

/* Score of an indicator row; NaN-free: null when there is no actual. */
static json_t *
score(const char *op, double target, double actual, int points)
{
	double r;

	if (strcmp(op, ">=") == 0)
		r = target <= 0 ? 1.0 : actual / target;
	else
		r = actual <= 0 ? 1.0 : target / actual;	/* 0 scores full */
	if (r > 1.0)
		r = 1.0;
	return json_real(round2(r * points));
}

/*
 * One row of the self-evaluation table.  actual < 0 means no data (then
 * actual, met and score are null).  num/den < 0 are null.
 */
static json_t *
ind_row(const char *id, const char *l1, const char *l2, const char *name,
    const char *name_en, const char *op, double target, const char *unit,
    double actual, int64_t num, int64_t den, const char *num_label,
    const char *den_label, int points, const char *method, const char *note)
{
	int	 nodata = actual < 0;
	int	 met = nodata ? 0 : strcmp(op, ">=") == 0 ? actual >= target :
		    actual <= target;
	char	 dev[512];

	if (nodata)
		snprintf(dev, sizeof(dev), "无数据，未评分 no data, not scored%s%s",
		    *note ? ": " : "", note);
	else if (met)
		snprintf(dev, sizeof(dev), "已达成 target met%s%s",
		    *note ? "; " : "", note);
	else
		snprintf(dev, sizeof(dev), "未达成 target not met%s%s",
		    *note ? ": " : "", note);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:o, s:o, "
	    "s:o, s:s, s:s, s:o, s:i, s:o, s:b, s:s, s:s}",
	    "id", id, "level1", l1, "level2", l2, "name", name,
	    "name_en", name_en, "op", op, "target", target, "unit", unit,
	    "actual", nodata ? json_null() : json_real(round2(actual)),
	    "numerator", num < 0 ? json_null() : json_integer(num),
	    "denominator", den < 0 ? json_null() : json_integer(den),
	    "numerator_label", num_label, "denominator_label", den_label,
	    "met", nodata ? json_null() : json_boolean(met),
	    "points", points,
	    "score", nodata ? json_null() : score(op, target, actual, points),
	    "no_data", nodata, "deviation", dev, "method", method);
}

/*
 * The first year whose holidays no calendar lists inside the office-
 * scheduled time of a monitored machine (0: every such day is covered).
 * Without that year's calendar every holiday would count as a work day.
 */
static int
calendar_gap(const struct calc *c)
{
	size_t n = c->nagents + c->ndevs;

	for (size_t i = 0; i < n; i++) {
		const struct agent_sum *s = i < c->nagents ? &c->sums[i] :
		    &c->dsums[i - c->nagents];
		int64_t w0 = max64(c->from_ms, s->mon_start);
		int y;

		if (!s->monitored || s->schedule == NULL ||
		    strcmp(s->schedule, "office") != 0 || c->eff_to <= w0)
			continue;
		y = calendar_first_uncovered(c->sc->office.cal,
		    schedule_local_day(w0), schedule_local_day(c->eff_to - 1) + 1);
		if (y != 0)
			return y;
	}
	return 0;
}

/* Mark row 口径不完整: the figures stay, met and score are withheld. */
static int
mark_incomplete(json_t *row, int year)
{
	char why[256];

	snprintf(why, sizeof(why), "口径不完整：缺少 %d 年节假日日历，未评分 "
	    "incomplete: no holiday calendar for %d, not scored (add "
	    "holidays-%d.txt to [schedule] calendar)", year, year, year);
	if (set(row, "met", json_null()) == -1 ||
	    set(row, "score", json_null()) == -1 ||
	    set(row, "incomplete", json_true()) == -1 ||
	    set(row, "calendar_missing", json_integer(year)) == -1 ||
	    set(row, "deviation", json_string(why)) == -1)
		return -1;
	return 0;
}

static int
uptime_part(struct calc *c, json_t *indicators, json_t *counts)
{
	struct store_ind_interval	*iv = NULL;
	struct schedule_interval	*u = NULL, *dn = NULL;
	size_t				 ivcap = 0, ucap = 0;
	json_t				*rows = NULL, *per = NULL;
	int64_t				 sched = 0, up = 0, down = 0;
	int64_t				 worst_ms = -1;
	size_t				 worst = 0, nmon = 0, ndev = 0;
	char				 method[1024], note[256] = "";
	int				 rc = -1;

	if (c->detail && ((rows = json_array()) == NULL ||
	    (per = json_array()) == NULL))
		goto nomem;
	for (size_t i = 0; i < c->nagents; i++) {
		struct agent_sum *s = &c->sums[i];

		if (agent_uptime(c, i, &iv, &ivcap, &u, &dn, &ucap, rows) == -1)
			goto out;
		if (!s->monitored)
			continue;
		nmon++;
		sched += s->sched;
		up += s->up;
		down += s->down;
		/* Lowest operation ratio, for the deviation note. */
		if (s->sched > 0 && s->up + s->down > 0 && (worst_ms < 0 ||
		    s->up * 10000 / s->sched < worst_ms)) {
			worst_ms = s->up * 10000 / s->sched;
			worst = i;
		}
	}
	for (size_t i = 0; i < c->ndevs; i++) {
		struct agent_sum *s = &c->dsums[i];

		if (device_uptime(c, i, rows) == -1)
			goto out;
		if (!s->monitored)
			continue;
		ndev++;
		sched += s->sched;
		up += s->up;
		down += s->down;
		if (s->sched > 0 && s->up + s->down > 0 && (worst_ms < 0 ||
		    s->up * 10000 / s->sched < worst_ms)) {
			worst_ms = s->up * 10000 / s->sched;
			worst = c->nagents + i;
		}
	}
	if (worst_ms >= 0) {
		const struct agent_sum *ws = worst < c->nagents ?
		    &c->sums[worst] : &c->dsums[worst - c->nagents];

		snprintf(note, sizeof(note), "最低 lowest: %s %.2f%%",
		    worst < c->nagents ? c->agents[worst].name :
		    c->devs[worst - c->nagents].name, round2((double)ws->up *
		    100.0 / (double)ws->sched));
	}
	snprintf(method, sizeof(method),
	    "各受管设备在其计划时间内（台式机：工作日办公时间，按节假日与调休日历；服务器：全天）"
	    "的在线时长之和 ÷ 计划时长之和。在线 = 心跳连续（间隔不超过心跳周期×%s）的区间；"
	    "重启造成的间断计为停机；无数据的时段不计为在线。 "
	    "Up time of every managed machine inside its schedule (desktops: office hours on "
	    "work days per the holiday/make-up calendar; servers: always), summed, divided by "
	    "the scheduled time summed. Up = intervals of heartbeats no further apart than the "
	    "heartbeat interval x gap_factor; a gap ended by a reboot is down; time without "
	    "data is not up. Agentless equipment (ICMP/SNMP) counts the same way: a check "
	    "covers the time to the next one (at most its interval x gap_factor), up when "
	    "the device answered, down when it did not.", "gap_factor");
	if (append(indicators, ind_row("operation", "产出指标", "质量指标",
	    "办公基础设施、设备正常运行比例", "equipment normal-operation ratio",
	    ">=", c->ic->operation_min, "%",
	    sched > 0 && up + down > 0 ? (double)up * 100.0 / (double)sched : -1,
	    up, sched, "在线时长 up time (ms)", "计划时长 scheduled time (ms)",
	    c->ic->points_operation, method, note)) == -1)
		goto nomem;
	{
		int gap = calendar_gap(c);

		if (gap != 0 && (mark_incomplete(json_array_get(indicators,
		    json_array_size(indicators) - 1), gap) == -1 ||
		    set(counts, "calendar_missing", json_integer(gap)) == -1))
			goto nomem;
	}
	if (set(counts, "machines_monitored", json_integer((json_int_t)nmon)) ==
	    -1 || set(counts, "devices_monitored",
	    json_integer((json_int_t)ndev)) == -1 || set(counts, "scheduled_ms", json_integer(sched)) == -1 ||
	    set(counts, "up_ms", json_integer(up)) == -1 ||
	    set(counts, "down_ms", json_integer(down)) == -1 ||
	    set(counts, "no_data_ms", json_integer(sched - up - down)) == -1 ||
	    set(counts, "completeness_pct", pct_or_null(up + down, sched)) == -1)
		goto nomem;
	if (c->detail) {
		if (set(c->doc, "uptime", rows) == -1)
			goto nomem;
		rows = NULL;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "computing uptime: out of memory");
out:
	json_decref(rows);
	json_decref(per);
	free(iv);
	free(u);
	free(dn);
	return rc;
}

static int
website_part(struct calc *c, json_t *indicators, json_t *counts, int full_year)
{
	struct store_ind_sample	*v = NULL;
	char			**tn = NULL;
	size_t			 n = 0, nt = 0, k = 0;
	int64_t			*sn = NULL, *su = NULL;
	int64_t			 running = 0, data_days = 0, days = 0, target;
	json_t			*rows = NULL;
	char			 method[1024], note[160] = "", date[16];
	int			 rc = -1;

	if (store_ind_samples(c->st, c->from_ms, c->eff_to, &v, &n, &tn, &nt,
	    c->err, c->errlen) == -1)
		goto out;
	if ((sn = calloc(nt + 1, sizeof(*sn))) == NULL ||
	    (su = calloc(nt + 1, sizeof(*su))) == NULL)
		goto nomem;
	if (c->detail && (rows = json_array()) == NULL)
		goto nomem;
	for (int64_t d = c->p->from_day; d < c->elapsed_to_day; d++) {
		int64_t	 de = schedule_day_start(d + 1);
		int64_t	 tot = 0, ups = 0;
		int	 sampled = 0, ok = 1;
		size_t	 m;

		days++;
		memset(sn, 0, nt * sizeof(*sn));
		memset(su, 0, nt * sizeof(*su));
		for (; k < n && v[k].ts < de; k++) {
			sn[v[k].target]++;
			su[v[k].target] += v[k].up;
		}
		for (size_t t = 0; t < nt; t++) {
			if (sn[t] == 0)
				continue;
			sampled = 1;
			tot += sn[t];
			ups += su[t];
			/* Every website target sampled that day must pass. */
			if ((double)su[t] * 100.0 < c->ic->website_day_share *
			    (double)sn[t] - 1e-9)
				ok = 0;
		}
		if (sampled) {
			data_days++;
			running += ok;
		}
		for (m = 0; m < c->nmonths; m++)
			if (d >= c->months[m].from_day && d < c->months[m].to_day)
				break;
		if (m < c->nmonths && sampled) {
			c->months[m].web_data_days++;
			c->months[m].web_days += ok;
		}
		if (rows == NULL)
			continue;
		day_text(d, date, sizeof(date));
		if (append(rows, json_pack("{s:s, s:I, s:I, s:o, s:o}", "date",
		    date, "samples", (json_int_t)tot, "up", (json_int_t)ups,
		    "up_pct", pct_or_null(ups, tot),
		    "running", sampled ? json_boolean(ok) : json_null())) == -1)
			goto nomem;
	}
	/* The target is for a year; other periods get their share of it. */
	target = c->ic->website_days_min;
	if (!full_year) {
		int64_t pd = c->p->to_day - c->p->from_day;

		target = (c->ic->website_days_min * pd + 364) / 365;
		if (target > pd)
			target = pd;
	}
	if (data_days > 0 && data_days < days)
		snprintf(note, sizeof(note), "%" PRId64 " 天无监测数据 days "
		    "without data", days - data_days);
	snprintf(method, sizeof(method),
	    "网站可用性检查（端口、TLS、HTTP 状态）当天通过的次数占当天检查次数不低于 %.2f%% "
	    "的天数；当天无检查记录的日期记为无数据。 Days on which the website's checks "
	    "(port, TLS, HTTP status) passed for at least %.2f%% of that day's samples; "
	    "days without samples are no data. Target for a part of a year: "
	    "⌈%d × days ÷ 365⌉.", c->ic->website_day_share,
	    c->ic->website_day_share, c->ic->website_days_min);
	if (append(indicators, ind_row("website_days", "产出指标", "质量指标",
	    "网信网平台运行天数", "website running days", ">=", (double)target,
	    "天 days", data_days > 0 ? (double)running : -1, running, days,
	    "运行天数 running days", "期间天数 days in period",
	    c->ic->points_website, method, note)) == -1)
		goto nomem;
	if (set(counts, "website_days_with_data",
	    json_integer((json_int_t)data_days)) == -1 ||
	    set(counts, "website_samples", json_integer((json_int_t)n)) == -1)
		goto nomem;
	if (c->detail) {
		if (set(c->doc, "website_days", rows) == -1)
			goto nomem;
		rows = NULL;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "computing website days: out of memory");
out:
	json_decref(rows);
	for (size_t i = 0; tn != NULL && i < nt; i++)
		free(tn[i]);
	free(tn);
	free(v);
	free(sn);
	free(su);
	return rc;
}

static size_t
agent_index(const struct calc *c, json_int_t id)
{
	for (size_t i = 0; i < c->nagents; i++)
		if (c->agents[i].id == id)
			return i;
	return c->nagents;
}

/* A nullable integer (a time, an id) of the document, null for none. */
static json_t *
int_or_null(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer((json_int_t)v);
}

/*
 * An incident as the indicator document lists it: the incidents columns
 * (times as integer ms, null when none) plus the agent's name.
 */
static int
incident_doc(void *arg, const struct incident_row *i, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:I, s:o, s:o, s:o, s:o, s:i, s:i, "
	    "s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)i->id, "key", api_json_text(i->key),
	    "type", api_json_text(i->type),
	    "category", api_json_text(i->category),
	    "subcategory", api_json_text(i->subcategory),
	    "level", i->level, "severity", (int)i->severity,
	    "status", api_json_text(i->status),
	    "agent_id", int_or_null(i->agent_id, 0),
	    "agent", api_json_text(i->agent),
	    "asset", api_json_text(i->asset),
	    "title", api_json_text(i->title),
	    "count", (json_int_t)i->count,
	    "first_seen", int_or_null(i->first_seen_ms, STORE_NO_TIME),
	    "last_seen", int_or_null(i->last_seen_ms, STORE_NO_TIME),
	    "received", int_or_null(i->received_ms, STORE_NO_TIME),
	    "notified", int_or_null(i->notified_ms, STORE_NO_TIME),
	    "acknowledged", int_or_null(i->acknowledged_ms, STORE_NO_TIME),
	    "resolved", int_or_null(i->resolved_ms, STORE_NO_TIME),
	    "report_deadline", int_or_null(i->report_deadline_ms,
	    STORE_NO_TIME))) == -1) {
		snprintf(err, errlen, "reading incidents: out of memory");
		return -1;
	}
	return 0;
}

static int
incident_part(struct calc *c, json_t *indicators, json_t *counts)
{
	json_t		*inc = NULL, *o, *bycat = json_object(), *bylvl = json_object();
	json_t		*er = NULL;
	int64_t		*delay = NULL, *days = NULL;
	size_t		 i, nd = 0, ndays = 0, ninc, nnot = 0;
	int64_t		 security = 0, fps = 0, faults = 0, within = 0;
	int64_t		 secdays = 0, asset_days = 0, first_mon = INT64_MAX;
	int64_t		 den_days = 0, stat = 0;
	char		 method[1400], note[200] = "", key[16];
	double		 rate_d = -1, rate_a = -1, actual;
	int		 rc = -1;

	if (bycat == NULL || bylvl == NULL)
		goto nomem;
	if ((inc = json_array()) == NULL)
		goto nomem;
	if (store_ind_incidents(c->st, c->from_ms, c->to_ms, incident_doc, inc,
	    c->err, c->errlen) == -1)
		goto out;
	ninc = json_array_size(inc);
	if (ninc > 0 && ((delay = malloc(ninc * sizeof(*delay))) == NULL ||
	    (days = malloc(ninc * sizeof(*days))) == NULL))
		goto nomem;
	json_array_foreach(inc, i, o) {
		const char	*cat = json_string_value(json_object_get(o,
				    "category"));
		const char	*status = json_string_value(json_object_get(o,
				    "status"));
		json_int_t	 lvl = json_integer_value(json_object_get(o,
				    "level"));
		json_int_t	 fs = json_integer_value(json_object_get(o,
				    "first_seen"));
		const json_t	*nt = json_object_get(o, "notified");
		size_t		 ai = agent_index(c, json_integer_value(
				    json_object_get(o, "agent_id")));
		int		 fp = tax_status_parse(status) ==
				    TAX_STATUS_FALSE_POSITIVE;
		int		 de = cat && strcmp(cat, "DE") == 0;
		size_t		 m;

		if (cat == NULL)
			cat = "?";
		if (fp) {
			fps++;
			if (ai < c->nagents)
				c->sums[ai].fps++;
			continue;
		}
		if (ai < c->nagents)
			c->sums[ai].total++;
		if (set(bycat, cat, json_integer(json_integer_value(
		    json_object_get(bycat, cat)) + 1)) == -1)
			goto nomem;
		snprintf(key, sizeof(key), "%d", (int)lvl);
		if (set(bylvl, key, json_integer(json_integer_value(
		    json_object_get(bylvl, key)) + 1)) == -1)
			goto nomem;
		for (m = 0; m < c->nmonths; m++)
			if (fs >= c->months[m].from_ms && fs < c->months[m].to_ms)
				break;
		if (m < c->nmonths && set(c->months[m].cats, cat, json_integer(
		    json_integer_value(json_object_get(c->months[m].cats, cat)) +
		    1)) == -1)
			goto nomem;
		/* Detection → first notification. */
		if (json_is_integer(nt)) {
			int64_t d = json_integer_value(nt) - fs;

			delay[nd++] = d < 0 ? 0 : d;
			within += (d < 0 ? 0 : d) <= c->ic->feedback_max_ms;
		} else
			nnot++;
		if (de) {
			faults++;
			if (ai < c->nagents)
				c->sums[ai].faults++;
			continue;
		}
		if (!tax_level_at_least((int)lvl, TAX_LEVEL_IV))
			continue;	/* below 一般: not counted */
		security++;
		days[ndays++] = schedule_local_day(fs);
		if (ai < c->nagents) {
			struct agent_sum *s = &c->sums[ai];

			s->security++;
			if (s->sec_days == 0 || s->last_sec_day !=
			    schedule_local_day(fs))
				s->sec_days++;
			s->last_sec_day = schedule_local_day(fs);
		}
	}
	/* Distinct local days with a security incident. */
	if (ndays > 0)
		qsort(days, ndays, sizeof(*days), cmp_i64);
	for (i = 0; i < ndays; i++)
		if (i == 0 || days[i] != days[i - 1])
			secdays++;
	for (i = 0; i < c->nagents; i++) {
		if (!c->sums[i].monitored)
			continue;
		asset_days += c->sums[i].asset_days;
		first_mon = min64(first_mon, max64(c->from_ms,
		    c->sums[i].mon_start));
	}
	if (first_mon != INT64_MAX)
		den_days = c->elapsed_to_day - schedule_local_day(first_mon);
	if (den_days > 0)
		rate_d = (double)secdays * 100.0 / (double)den_days;
	if (asset_days > 0)
		rate_a = (double)security * 365.0 * 100.0 / (double)asset_days;
	actual = c->ic->event_rate_reading == IND_READING_ASSET_YEAR ? rate_a :
	    rate_d;
	snprintf(note, sizeof(note), "%s", c->ic->event_rate_reading ==
	    IND_READING_ASSET_YEAR ? "按资产年计 per asset-year reading" :
	    "按事件天数计 incident-days reading");
	snprintf(method, sizeof(method),
	    "只计已确认的网络安全事件（非误报、非设备设施故障 DE，一般级及以上）。"
	    "事件天数口径：有此类事件的天数 ÷ 监测天数（%" PRId64 " ÷ %" PRId64 "）；"
	    "资产年口径：事件数 ÷（受监测资产天数 ÷ 365）（%" PRId64 " ÷ (%" PRId64 " ÷ 365)）。"
	    "本单位采用：%s。 Only confirmed security incidents (not false positives, "
	    "not equipment faults DE, level IV or above). Incident-days reading: days "
	    "with such an incident ÷ days monitored; per asset-year reading: incidents "
	    "÷ (monitored asset-days ÷ 365). The office reports the %s reading.",
	    secdays, den_days, security, asset_days,
	    c->ic->event_rate_reading == IND_READING_ASSET_YEAR ? "资产年" :
	    "事件天数", readings[c->ic->event_rate_reading]);
	/* Appended after feedback: the table groups 产出指标 rows first. */
	if ((er = ind_row("event_rate", "效益指标", "社会效益指标",
	    "网络安全事件发生率", "security-event rate", "<=",
	    c->ic->event_rate_max, "%", actual,
	    c->ic->event_rate_reading == IND_READING_ASSET_YEAR ? security :
	    secdays, c->ic->event_rate_reading == IND_READING_ASSET_YEAR ?
	    asset_days : den_days,
	    c->ic->event_rate_reading == IND_READING_ASSET_YEAR ?
	    "安全事件数 security incidents" : "有事件天数 incident days",
	    c->ic->event_rate_reading == IND_READING_ASSET_YEAR ?
	    "资产天数 asset-days" : "监测天数 days monitored",
	    c->ic->points_event_rate, method, note)) == NULL)
		goto nomem;
	/* Feedback time. */
	if (nd > 0) {
		qsort(delay, nd, sizeof(*delay), cmp_i64);
		stat = c->ic->feedback_statistic == IND_STAT_MEDIAN ?
		    nearest_rank(delay, nd, 50) : c->ic->feedback_statistic ==
		    IND_STAT_MAX ? delay[nd - 1] : nearest_rank(delay, nd, 95);
	}
	note[0] = '\0';
	if (nnot > 0)
		snprintf(note, sizeof(note), "%zu 起事件未发出通知 incidents "
		    "never notified", nnot);
	snprintf(method, sizeof(method),
	    "每起事件（误报除外）从代理首次检测（first_seen）到首次成功发出通知的时间；"
	    "取%s（最近秩法），并给出中位数、95%%分位、最大值与 %" PRId64 " 分钟内的比例"
	    "（分子/分母 = 按时通知数/已通知数）。 Per incident (false positives "
	    "excluded): first detection on the agent to the first notification "
	    "sent; the %s (nearest rank) is held against the target; median, 95th "
	    "percentile, maximum and the share within the target are given "
	    "(numerator/denominator = notified in time / notified).",
	    c->ic->feedback_statistic == IND_STAT_MEDIAN ? "中位数" :
	    c->ic->feedback_statistic == IND_STAT_MAX ? "最大值" : "95%分位",
	    c->ic->feedback_max_ms / MS_MIN, stats[c->ic->feedback_statistic]);
	if (append(indicators, ind_row("feedback", "产出指标", "时效指标",
	    "监测到信息后控制反馈时间", "feedback time after detection", "<=",
	    (double)c->ic->feedback_max_ms / (double)MS_MIN, "分钟 min",
	    nd > 0 ? (double)stat / (double)MS_MIN : -1, within,
	    (int64_t)nd, "按时通知 notified in time", "已通知 notified",
	    c->ic->points_feedback, method, note)) == -1)
		goto nomem;
	if (append(indicators, er) == -1) {
		er = NULL;
		goto nomem;
	}
	er = NULL;
	if (set(counts, "feedback", json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}",
	    "notified", (json_int_t)nd, "not_notified", (json_int_t)nnot,
	    "median_ms", nd ? json_integer(nearest_rank(delay, nd, 50)) :
	    json_null(),
	    "p95_ms", nd ? json_integer(nearest_rank(delay, nd, 95)) :
	    json_null(),
	    "max_ms", nd ? json_integer(delay[nd - 1]) : json_null(),
	    "within_target_pct", pct_or_null(within, (int64_t)nd))) == -1 ||
	    set(counts, "event_rate", json_pack("{s:s, s:{s:I, s:I, s:o}, "
	    "s:{s:I, s:I, s:o}}", "reading", readings[c->ic->event_rate_reading],
	    "incident_days", "numerator", (json_int_t)secdays, "denominator",
	    (json_int_t)den_days, "pct", den_days > 0 ? json_real(round2(rate_d))
	    : json_null(),
	    "asset_year", "numerator", (json_int_t)security, "asset_days",
	    (json_int_t)asset_days, "pct", asset_days > 0 ?
	    json_real(round2(rate_a)) : json_null())) == -1 ||
	    set(counts, "incidents", json_integer((json_int_t)ninc)) == -1 ||
	    set(counts, "security_incidents", json_integer(security)) == -1 ||
	    set(counts, "false_positives", json_integer(fps)) == -1 ||
	    set(counts, "equipment_faults", json_integer(faults)) == -1 ||
	    set(counts, "by_category", bycat) == -1)
		goto nomem;
	bycat = NULL;
	if (set(counts, "by_level", bylvl) == -1)
		goto nomem;
	bylvl = NULL;
	if (c->detail) {
		if (set(c->doc, "incidents", inc) == -1)
			goto nomem;
		inc = NULL;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "computing incidents: out of memory");
out:
	json_decref(er);
	json_decref(inc);
	json_decref(bycat);
	json_decref(bylvl);
	free(delay);
	free(days);
	return rc;
}

struct assessment_doc {
	json_t	*findings, *reports;
};

static int
finding_doc(void *arg, const struct store_ind_finding *f, char *err,
    size_t errlen)
{
	struct assessment_doc *d = arg;

	if (api_append_new(d->findings, json_pack("{s:o, s:o, s:o, s:s, s:o, "
	    "s:I, s:I, s:I}", "target", api_json_text(f->target), "code",
	    api_json_text(f->code), "key", api_json_text(f->key), "severity",
	    severity_name(f->severity), "message", api_json_text(f->message),
	    "first_seen", (json_int_t)f->first_ms, "last_seen",
	    (json_int_t)f->last_ms, "count", (json_int_t)f->count)) == -1) {
		snprintf(err, errlen, "reading the assessment: out of memory");
		return -1;
	}
	return 0;
}

static int
report_doc(void *arg, const struct store_ind_report *r, char *err,
    size_t errlen)
{
	struct assessment_doc	*d = arg;
	json_error_t		 jerr;
	json_t			*data = json_loadb(r->data, r->data_len, 0,
				    &jerr);
	json_t			*rep = json_object_get(data, "report");
	int			 rc;

	rc = api_append_new(d->reports, json_pack("{s:o, s:I, s:O}", "target",
	    api_json_text(r->target), "ts", (json_int_t)r->ts_ms, "report",
	    rep ? rep : json_null()));
	json_decref(data);
	if (rc == -1) {
		snprintf(err, errlen, "reading the assessment: out of memory");
		return -1;
	}
	return 0;
}

static int
assessment_part(struct calc *c, json_t *indicators, json_t *counts)
{
	json_t	*f = NULL, *r = NULL, *o;
	size_t	 i, ntargets = 0;
	char	 method[800], note[120] = "";
	json_t	*seen = json_object();
	int	 rc = -1;

	if (seen == NULL)
		goto nomem;
	if ((f = json_array()) == NULL || (r = json_array()) == NULL)
		goto nomem;
	{
		struct assessment_doc d = { f, r };

		if (store_ind_assessment(c->st, c->from_ms, c->to_ms,
		    finding_doc, report_doc, &d, c->err, c->errlen) == -1)
			goto out;
	}
	json_array_foreach(f, i, o)
		json_object_set(seen, json_string_value(json_object_get(o,
		    "target")), json_true());
	json_array_foreach(r, i, o)
		json_object_set(seen, json_string_value(json_object_get(o,
		    "target")), json_true());
	ntargets = json_object_size(seen);
	snprintf(note, sizeof(note), "%zu 项发现 findings", json_array_size(f));
	snprintf(method, sizeof(method),
	    "期间内对政务网站及关键信息基础设施完成的 TLS 与端口检查（每个目标的最新 TLS "
	    "报告与发现项）；至少完成一次即达成。 TLS and port checks of the website "
	    "and key infrastructure in the period (latest TLS report and findings of "
	    "each target); done when at least one target was assessed.");
	/* Done or not: never 'no data' — no check is itself the finding. */
	if (append(indicators, ind_row("assessment", "产出指标", "质量指标",
	    "对政务网站及关键信息基础设施进行安全评估",
	    "security assessment of the website", ">=", 1, "次 (目标数 targets)",
	    (double)ntargets, (int64_t)ntargets, -1, "已评估目标 targets assessed",
	    "", c->ic->points_assessment, method, note)) == -1)
		goto nomem;
	if (set(counts, "assessed_targets", json_integer((json_int_t)ntargets))
	    == -1)
		goto nomem;
	if (c->detail) {
		if (set(c->doc, "assessment", json_pack("{s:O, s:O}", "findings",
		    f, "tls_reports", r)) == -1)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "computing the assessment: out of memory");
out:
	json_decref(seen);
	json_decref(f);
	json_decref(r);
	return rc;
}

/*
 * The asset register (collector/store_asset.h: managed machines by
 * machine-id, unmanaged devices, targets, with the fields people keep)
 * as it stands now, limited to assets first seen before the period's
 * end; managed ones carry their agent's schedule.
 */
static int
register_rows(struct calc *c, json_t *reg)
{
	json_t	*all = NULL, *o;
	size_t	 i;
	int64_t	 first;

	/* Status as of the period's end (or now), not as of today. */
	if (asset_list_json(c->st, NULL, c->eff_to, 3.0, ASSET_ABSENT_MS, &all,
	    c->err, c->errlen) == -1)
		return -1;
	json_array_foreach(all, i, o) {
		const char *agent = json_string_value(json_object_get(o, "agent"));

		if (time_parse_utc(json_string_value(json_object_get(o,
		    "first_seen")) ? json_string_value(json_object_get(o,
		    "first_seen")) : "", &first) == 0 && first >= c->to_ms)
			continue;
		if (json_object_set_new(o, "schedule", json_string(agent == NULL ?
		    "" : schedule_for_agent(c->sc, agent)->kind ==
		    SCHEDULE_ALWAYS ? "always" : "office")) == -1 ||
		    json_array_append(reg, o) == -1) {
			json_decref(all);
			snprintf(c->err, c->errlen, "listing assets: out of memory");
			return -1;
		}
	}
	json_decref(all);
	return 0;
}

static int
assets_part(struct calc *c, json_t *counts)
{
	json_t	*added = json_array(), *reg = NULL, *per = NULL;
	int	 rc = -1;

	if (added == NULL || (c->detail && ((reg = json_array()) == NULL ||
	    (per = json_array()) == NULL)))
		goto nomem;
	for (size_t i = 0; i < c->nagents; i++) {
		const struct store_ind_agent	*a = &c->agents[i];
		const struct agent_sum		*s = &c->sums[i];
		int64_t				 ms = a->first_up > 0 ?
						    min64(a->first_seen,
						    a->first_up) : a->first_seen;

		if (ms >= c->from_ms && ms < c->to_ms &&
		    append(added, json_string(a->name)) == -1)
			goto nomem;
		if (!c->detail)
			continue;
		if (!s->monitored)
			continue;
		if (append(per, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, "
		    "s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "agent", a->name,
		    "schedule", s->schedule,
		    "scheduled_ms", (json_int_t)s->sched,
		    "up_ms", (json_int_t)s->up, "down_ms", (json_int_t)s->down,
		    "no_data_ms", (json_int_t)(s->sched - s->up - s->down),
		    "operation_pct", s->up + s->down > 0 ?
		    pct_or_null(s->up, s->sched) : json_null(),
		    "completeness_pct", pct_or_null(s->up + s->down, s->sched),
		    "asset_days", (json_int_t)s->asset_days,
		    "incidents", (json_int_t)s->total,
		    "security_incidents", (json_int_t)s->security,
		    "incident_days", (json_int_t)s->sec_days,
		    "equipment_faults", (json_int_t)s->faults,
		    "false_positives", (json_int_t)s->fps)) == -1)
			goto nomem;
	}
	for (size_t i = 0; c->detail && i < c->ndevs; i++) {
		const struct agent_sum *s = &c->dsums[i];

		if (!s->monitored)
			continue;
		if (append(per, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, "
		    "s:o, s:o, s:I}", "device", c->devs[i].name, "kind",
		    c->devs[i].kind, "schedule", s->schedule,
		    "scheduled_ms", (json_int_t)s->sched,
		    "up_ms", (json_int_t)s->up, "down_ms", (json_int_t)s->down,
		    "no_data_ms", (json_int_t)(s->sched - s->up - s->down),
		    "operation_pct", s->up + s->down > 0 ?
		    pct_or_null(s->up, s->sched) : json_null(),
		    "completeness_pct", pct_or_null(s->up + s->down, s->sched),
		    "asset_days", (json_int_t)s->asset_days)) == -1)
			goto nomem;
	}
	if (set(counts, "assets", json_integer((json_int_t)c->nagents)) == -1 ||
	    set(counts, "assets_added_count",
	    json_integer((json_int_t)json_array_size(added))) == -1 ||
	    set(counts, "assets_added", added) == -1)
		goto nomem;
	added = NULL;
	if (c->detail) {
		if (register_rows(c, reg) == -1)
			goto out;
		if (set(c->doc, "assets", reg) == -1)
			goto nomem;
		reg = NULL;
		if (set(c->doc, "per_asset", per) == -1)
			goto nomem;
		per = NULL;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(c->err, c->errlen, "listing assets: out of memory");
out:
	json_decref(added);
	json_decref(reg);
	json_decref(per);
	return rc;
}

static int
monthly_part(struct calc *c)
{
	json_t *arr = json_array();

	if (arr == NULL)
		goto nomem;
	for (size_t m = 0; m < c->nmonths; m++) {
		struct month *mo = &c->months[m];

		if (append(arr, json_pack("{s:s, s:I, s:I, s:I, s:o, s:I, s:I, "
		    "s:O}", "month", mo->label, "scheduled_ms",
		    (json_int_t)mo->sched, "up_ms", (json_int_t)mo->up,
		    "down_ms", (json_int_t)mo->down,
		    "operation_pct", mo->up + mo->down > 0 ?
		    pct_or_null(mo->up, mo->sched) : json_null(),
		    "website_days", (json_int_t)mo->web_days,
		    "website_days_with_data", (json_int_t)mo->web_data_days,
		    "incidents_by_category", mo->cats)) == -1)
			goto nomem;
	}
	if (set(c->doc, "monthly", arr) == -1) {
		arr = NULL;
		goto nomem;
	}
	return 0;
nomem:
	json_decref(arr);
	snprintf(c->err, c->errlen, "monthly figures: out of memory");
	return -1;
}

int
indicator_compute(struct store *st, const struct schedule_conf *sc,
    const struct indicator_conf *ic, const struct indicator_period *p,
    int64_t now_ms, int detail, json_t **out, char *err, size_t errlen)
{
	struct calc	 c;
	json_t		*indicators = NULL, *counts = NULL;
	char		 label[48], a[16], b[16], gen[32];
	int		 full_year, rc = -1;

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.sc = sc;
	c.ic = ic;
	c.p = p;
	c.now = now_ms;
	c.detail = detail;
	c.err = err;
	c.errlen = errlen;
	c.from_ms = schedule_day_start(p->from_day);
	c.to_ms = schedule_day_start(p->to_day);
	c.eff_to = min64(c.to_ms, now_ms);
	/* Days that have begun by now count (today included). */
	c.elapsed_to_day = c.eff_to > c.from_ms ?
	    min64(p->to_day, schedule_local_day(c.eff_to - 1) + 1) : p->from_day;
	*out = NULL;
	period_label(p, label, sizeof(label), &full_year);
	/* A year (or any period) still in progress says so. */
	if (now_ms > c.from_ms && now_ms < c.to_ms) {
		size_t l = strlen(label);

		snprintf(label + l, sizeof(label) - l, " 年初至今 year to date");
		if (!full_year)
			snprintf(label + l, sizeof(label) - l,
			    " 至今 to date");
	}
	day_text(p->from_day, a, sizeof(a));
	day_text(p->to_day - 1, b, sizeof(b));
	if (time_format_utc(now_ms, gen, sizeof(gen)) == -1)
		gen[0] = '\0';
	if ((c.doc = json_pack("{s:{s:s, s:s, s:s, s:I, s:I, s:b}, s:s}",
	    "period", "label", label, "from", a, "to", b,
	    "days", (json_int_t)(p->to_day - p->from_day),
	    "elapsed_days", (json_int_t)(c.elapsed_to_day - p->from_day),
	    "full_year", full_year, "generated", gen)) == NULL ||
	    (indicators = json_array()) == NULL ||
	    (counts = json_object()) == NULL)
		goto nomem;
	if (months_build(&c) == -1)
		goto nomem;
	if (store_ind_agents(st, &c.agents, &c.nagents, err, errlen) == -1)
		goto out;
	if (c.nagents > 0 && (c.sums = calloc(c.nagents, sizeof(*c.sums))) ==
	    NULL)
		goto nomem;
	if (store_ind_devices(st, c.from_ms, c.eff_to, MS_DAY, &c.devs,
	    &c.ndevs, err, errlen) == -1)
		goto out;
	if (c.ndevs > 0 && (c.dsums = calloc(c.ndevs, sizeof(*c.dsums))) ==
	    NULL)
		goto nomem;
	if (uptime_part(&c, indicators, counts) == -1 ||
	    website_part(&c, indicators, counts, full_year) == -1 ||
	    assessment_part(&c, indicators, counts) == -1 ||
	    incident_part(&c, indicators, counts) == -1 ||
	    assets_part(&c, counts) == -1 ||
	    (detail && monthly_part(&c) == -1))
		goto out;
	if (set(c.doc, "indicators", indicators) == -1) {
		indicators = NULL;
		goto nomem;
	}
	indicators = NULL;
	if (set(c.doc, "counts", counts) == -1) {
		counts = NULL;
		goto nomem;
	}
	counts = NULL;
	*out = c.doc;
	c.doc = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "computing indicators: out of memory");
out:
	json_decref(indicators);
	json_decref(counts);
	json_decref(c.doc);
	for (size_t m = 0; m < c.nmonths; m++)
		json_decref(c.months[m].cats);
	free(c.months);
	free(c.win[0]);
	free(c.win[1]);
	store_ind_agents_free(c.agents, c.nagents);
	free(c.sums);
	store_ind_devices_free(c.devs, c.ndevs);
	free(c.dsums);
	return rc;
}
