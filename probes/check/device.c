/*
 * Agentless equipment: icmp:// and snmp:// targets.  One run gives the
 * availability (ICMP loss under loss_max, or an SNMP answer) and, for
 * SNMP, the device's own view (system group, interfaces, host-resources
 * devices, printer alerts, UPS battery).  The daemon keeps what the last
 * run saw (check_device_state) to tell transitions: device_down /
 * device_up, device_rebooted (sysUpTime went back), if_down / if_up for
 * the interfaces that were up in the first answer (the baseline).
 * Printer alerts and running on battery are findings of every run, so
 * the collector folds their repeats into one incident.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "probes/check/check.h"
#include "probes/check/icmp.h"
#include "probes/inventory/inventory.h"
#include "probes/ports/ports.h"

struct check_device_state {
	bool		 seen;		/* one run done */
	bool		 up;
	bool		 has_ticks;
	uint32_t	 ticks;
	bool		 has_base;	/* interface baseline taken */
	uint32_t	*base;		/* ifIndex up in the baseline */
	bool		*base_up;	/* ... and up at the last run */
	char		(*base_name)[64];
	size_t		 nbase;
};

bool
check_is_device(const struct check_target *t)
{
	return t->has_url && (t->u.scheme == SCHEME_ICMP ||
	    t->u.scheme == SCHEME_SNMP);
}

int
check_device_finish(struct check_target *t, const char *path, int line,
    char *why, size_t whylen)
{
	if (t->kind == KIND_NONE)
		t->kind = KIND_OTHER;
	if (t->u.scheme == SCHEME_SNMP && t->snmp_version == 1) {
		if (t->snmp_user[0] == '\0') {
			snprintf(why, whylen, "%s:%d: [target %s] snmp_version "
			    "3 needs snmp_user", path, line, t->name);
			return -1;
		}
		if (t->snmp_auth != SNMP_AUTH_NONE &&
		    strlen(t->snmp_auth_pass) < 8) {
			snprintf(why, whylen, "%s:%d: [target %s] "
			    "snmp_auth_pass must have 8 characters or more",
			    path, line, t->name);
			return -1;
		}
		if (t->snmp_auth == SNMP_AUTH_NONE)
			t->snmp_priv = SNMP_PRIV_NONE;	/* noAuthNoPriv */
		if (t->snmp_priv != SNMP_PRIV_NONE &&
		    t->snmp_priv_pass[0] == '\0')
			snprintf(t->snmp_priv_pass, sizeof(t->snmp_priv_pass),
			    "%s", t->snmp_auth_pass);
		if (t->u.community[0] != '\0') {
			snprintf(why, whylen, "%s:%d: [target %s] SNMPv3 takes "
			    "no community in the url", path, line, t->name);
			return -1;
		}
	}
	if (t->community[0] == '\0')
		snprintf(t->community, sizeof(t->community), "%s",
		    t->u.community[0] ? t->u.community : "public");
	return 0;
}

static void
down(struct check_result *r, const char *why)
{
	r->up = false;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
}

static void
run_icmp(const struct check_target *t, const struct sockaddr_storage *ss,
    struct check_result *r)
{
	struct icmp_host	h;
	struct icmp_opts	o = { t->ping_count, t->ping_interval_ms,
				    t->timeout_ms, 1, 0 };
	char			why[256];
	double			loss;

	memset(&h, 0, sizeof(h));
	if (t->pinged != NULL) {
		h = *t->pinged;
		goto have;
	}
	if (ss->ss_family != AF_INET) {
		down(r, "icmp:// checks IPv4 addresses only");
		r->ran = false;
		return;
	}
	memcpy(&h.addr, ss, sizeof(h.addr));
	if (icmp_ping(&h, 1, &o, why, sizeof(why)) == -1) {
		down(r, why);
		r->ran = false;
		return;
	}
have:
	loss = h.sent > 0 ? 100.0 * (h.sent - h.received) / h.sent : 100.0;
	json_object_set_new(r->report, "icmp", json_pack("{s:i, s:i, s:f, "
	    "s:f, s:f, s:f}", "sent", h.sent, "received", h.received,
	    "loss_pct", loss,
	    "rtt_min_ms", h.received ? h.min_us / 1000.0 : 0.0,
	    "rtt_avg_ms", h.received ? h.sum_us / 1000.0 / h.received : 0.0,
	    "rtt_max_ms", h.received ? h.max_us / 1000.0 : 0.0));
	r->latency_ms = h.received ? h.sum_us / 1000 / h.received : 0;
	if (loss >= t->loss_max) {
		snprintf(why, sizeof(why), "%d of %d echo requests lost (%.0f%%)%s%s",
		    h.sent - h.received, h.sent, loss, h.why[0] ? ": " : "",
		    h.why);
		down(r, why);
	}
}

static void
snmp_findings(const struct check_target *t, struct check_result *r)
{
	const struct snmp_dev	*d = r->snmp;
	char			 what[CHECK_HOST_MAX + 80];

	for (size_t i = 0; i < d->nalerts; i++) {
		const struct snmp_alert *a = &d->alerts[i];

		/* Binary-change events (5) and "other" (1) are history. */
		if (a->severity != 3 && a->severity != 4)
			continue;
		snprintf(what, sizeof(what), "%s:%d", t->name, a->code);
		findings_add(&r->f, "printer_alert", a->severity == 3 ?
		    SEV_MEDIUM : SEV_LOW, what, json_pack("{s:i, s:i, s:s, "
		    "s:s}", "code", a->code, "group", a->group, "name",
		    snmp_alert_code_name(a->code), "descr", a->descr),
		    "打印机告警 printer %s: %s%s%s", t->name,
		    snmp_alert_code_name(a->code), a->descr[0] ? " — " : "",
		    a->descr);
	}
	if (d->has_ups && (d->ups_on_battery_s > 0 || d->ups_source == 5)) {
		findings_add(&r->f, "ups_on_battery", SEV_HIGH, t->name,
		    json_pack("{s:I, s:I, s:s}", "seconds_on_battery",
		    (json_int_t)d->ups_on_battery_s, "minutes_left",
		    (json_int_t)d->ups_minutes_left, "battery",
		    snmp_ups_battery_name(d->ups_battery)),
		    "UPS 电池供电 UPS %s on battery for %lld s, %lld min left "
		    "(%s); check the mains", t->name,
		    (long long)d->ups_on_battery_s,
		    (long long)d->ups_minutes_left,
		    snmp_ups_battery_name(d->ups_battery));
	}
	/* --check has no baseline: an interface set up but not up is news. */
	if (t->cli)
		for (size_t i = 0; i < d->nifs; i++) {
			const struct snmp_if *f = &d->ifs[i];

			if (f->admin != 1 || f->oper == 1 || f->oper == 5 ||
			    f->oper == 6)
				continue;
			snprintf(what, sizeof(what), "%s:%s", t->name, f->name);
			findings_add(&r->f, "if_down", SEV_MEDIUM, what,
			    json_pack("{s:I, s:s, s:s}", "index",
			    (json_int_t)f->index, "name", f->name, "oper",
			    snmp_ifstatus_name(f->oper)),
			    "接口中断 interface %s of %s is %s (enabled)",
			    f->name, t->name, snmp_ifstatus_name(f->oper));
		}
}

static void
run_snmp(const struct check_target *t, const struct sockaddr_storage *ss,
    struct check_result *r)
{
	struct snmp_opts	 o;
	char			 ip[64];

	net_ntop(ss, ip, sizeof(ip));
	memset(&o, 0, sizeof(o));
	o.host = ip;
	o.port = t->u.ports[0];
	o.version = t->snmp_version == 1 ? 3 : 2;
	o.community = t->community;
	o.user = t->snmp_user;
	o.auth = t->snmp_auth;
	o.auth_pass = t->snmp_auth_pass;
	o.priv = t->snmp_priv;
	o.priv_pass = t->snmp_priv_pass;
	o.timeout_ms = t->timeout_ms;
	o.retries = 1;
	if ((r->snmp = calloc(1, sizeof(*r->snmp))) == NULL) {
		down(r, "out of memory");
		return;
	}
	if (snmp_query(&o, r->snmp) == -1) {
		down(r, r->snmp->why);
		free(r->snmp);
		r->snmp = NULL;
		return;
	}
	r->latency_ms = r->snmp->rtt_ms;
	json_object_set_new(r->report, "snmp", snmp_dev_json(r->snmp));
	snmp_findings(t, r);
}

void
check_device_run(const struct check_target *t,
    const struct sockaddr_storage *ss, struct check_result *r)
{
	json_object_set_new(r->report, "kind", json_string(check_kind_name(
	    t->kind)));
	if (t->u.scheme == SCHEME_ICMP)
		run_icmp(t, ss, r);
	else
		run_snmp(t, ss, r);
}

/*
 * The device's MAC from the kernel's neighbour table (/proc/net/arp,
 * parsed by the inventory's bounded parser) once it answered on the LAN:
 * the collector names the vendor from its OUI.  "" when not known.
 */
static void
arp_mac(const char *ip, char *mac, size_t len)
{
	enum { ARP_MAX = 65536 };
	char	*buf = malloc(ARP_MAX);	/* per call: threads run checks */
	FILE	*fp;
	size_t	 n, i;
	json_t	*v = NULL, *e, *errors = json_array();

	mac[0] = '\0';
	if (buf == NULL || errors == NULL ||
	    (fp = fopen("/proc/net/arp", "r")) == NULL)
		goto out;
	n = fread(buf, 1, ARP_MAX, fp);
	fclose(fp);
	if ((v = inv_parse_arp(buf, n, "/proc/net/arp", errors)) == NULL)
		goto out;
	json_array_foreach(v, i, e) {
		const char *a = json_string_value(json_object_get(e, "ip"));
		const char *m = json_string_value(json_object_get(e, "mac"));

		if (a != NULL && m != NULL && strcmp(a, ip) == 0) {
			snprintf(mac, len, "%s", m);
			break;
		}
	}
out:
	json_decref(v);
	json_decref(errors);
	free(buf);
}

json_t *
check_availability_data(const struct check_target *t,
    const struct check_result *r)
{
	json_t *d = json_pack("{s:s, s:s, s:b, s:I, s:s, s:b}", "target",
	    t->name, "host", t->host, "up", r->up, "latency_ms",
	    (json_int_t)r->latency_ms, "reason", r->up ? "" : r->reason,
	    "website", t->website);

	if (d == NULL || !check_is_device(t))
		return d;
	/* What the register and the indicator need about a device. */
	json_object_update_new(d, json_pack("{s:s, s:s, s:I, s:s}", "kind",
	    check_kind_name(t->kind), "schedule", t->schedule, "interval_ms",
	    (json_int_t)t->interval_ms, "via", t->u.scheme == SCHEME_ICMP ?
	    "icmp" : "snmp"));
	if (r->up) {
		const char	*ip = json_string_value(json_object_get(r->report,
				    "address"));
		char		 mac[32];

		arp_mac(ip ? ip : "", mac, sizeof(mac));
		if (mac[0] != '\0')
			json_object_set_new(d, "mac", json_string(mac));
	}
	if (r->snmp != NULL) {
		const char	*v = snmp_vendor(r->snmp->sysobjectid);
		char		 model[128];

		snmp_model(r->snmp->sysdescr, model, sizeof(model));
		json_object_update_new(d, json_pack("{s:s, s:s, s:s, s:s?}",
		    "sysname", r->snmp->sysname, "sysobjectid",
		    r->snmp->sysobjectid, "model", model, "vendor", v));
	}
	return d;
}

void
check_device_state_free(struct check_device_state *s)
{
	if (s == NULL)
		return;
	free(s->base);
	free(s->base_up);
	free(s->base_name);
	free(s);
}

static void
take_baseline(struct check_device_state *s, const struct snmp_dev *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nifs; i++)
		n += d->ifs[i].oper == 1;
	s->has_base = true;
	if (n == 0)
		return;
	s->base = calloc(n, sizeof(*s->base));
	s->base_up = calloc(n, sizeof(*s->base_up));
	s->base_name = calloc(n, sizeof(*s->base_name));
	if (s->base == NULL || s->base_up == NULL || s->base_name == NULL) {
		log_warnx("out of memory for an interface baseline; "
		    "interface changes will not be reported");
		return;
	}
	for (size_t i = 0; i < d->nifs; i++)
		if (d->ifs[i].oper == 1) {
			s->base[s->nbase] = d->ifs[i].index;
			s->base_up[s->nbase] = true;
			snprintf(s->base_name[s->nbase], sizeof(s->base_name[0]),
			    "%s", d->ifs[i].name);
			s->nbase++;
		}
}

static void
interfaces(struct check_target *t, const struct snmp_dev *d,
    struct emitter *em)
{
	struct check_device_state	*s = t->dev;
	char				 key[EVENT_KEY_MAX];

	for (size_t k = 0; k < s->nbase; k++) {
		const struct snmp_if	*f = NULL;
		bool			 up;

		for (size_t i = 0; i < d->nifs; i++)
			if (d->ifs[i].index == s->base[k])
				f = &d->ifs[i];
		up = f != NULL && f->oper == 1;
		if (up == s->base_up[k])
			continue;
		s->base_up[k] = up;
		snprintf(key, sizeof(key), "%s:%s:%s", up ? "if_up" : "if_down",
		    t->name, s->base_name[k]);
		if (!up)
			log_warnx("device %s: interface %s went %s; check its "
			    "cable and the device at the other end", t->name,
			    s->base_name[k], f ? snmp_ifstatus_name(f->oper) :
			    "missing");
		emit_event(em, 0, up ? "if_up" : "if_down", up ? SEV_INFO :
		    SEV_MEDIUM, key, json_pack("{s:s, s:s, s:I, s:s, s:s}",
		    "target", t->name, "host", t->host, "index",
		    (json_int_t)s->base[k], "interface", s->base_name[k],
		    "oper", f ? snmp_ifstatus_name(f->oper) : "missing"));
	}
}

void
check_device_emit(struct check_target *t, const struct check_result *r,
    struct emitter *em)
{
	struct check_device_state	*s;
	char				 key[EVENT_KEY_MAX];
	const struct snmp_dev		*d = r->snmp;

	if (t->dev == NULL && (t->dev = calloc(1, sizeof(*t->dev))) == NULL)
		return;
	s = t->dev;
	if (!r->up && (!s->seen || s->up)) {
		snprintf(key, sizeof(key), "device_down:%s", t->name);
		log_warnx("device %s (%s, %s) is down: %s; check its power and "
		    "cable", t->name, check_kind_name(t->kind), t->host,
		    r->reason);
		emit_event(em, 0, "device_down", SEV_HIGH, key,
		    json_pack("{s:s, s:s, s:s, s:s, s:s}", "target", t->name,
		    "host", t->host, "kind", check_kind_name(t->kind),
		    "schedule", t->schedule, "reason", r->reason));
	} else if (r->up && s->seen && !s->up) {
		snprintf(key, sizeof(key), "device_up:%s", t->name);
		log_info("device %s (%s) answers again", t->name, t->host);
		emit_event(em, 0, "device_up", SEV_INFO, key,
		    json_pack("{s:s, s:s, s:s, s:s}", "target", t->name,
		    "host", t->host, "kind", check_kind_name(t->kind),
		    "schedule", t->schedule));
	}
	s->seen = true;
	s->up = r->up;
	if (d == NULL)
		return;
	if (d->has_uptime) {
		if (s->has_ticks && d->uptime_ticks < s->ticks) {
			snprintf(key, sizeof(key), "device_rebooted:%s",
			    t->name);
			log_warnx("device %s restarted (sysUpTime %u → %u "
			    "ticks); check why", t->name, s->ticks,
			    d->uptime_ticks);
			emit_event(em, 0, "device_rebooted", SEV_MEDIUM, key,
			    json_pack("{s:s, s:s, s:I, s:I}", "target",
			    t->name, "host", t->host, "uptime_before",
			    (json_int_t)s->ticks, "uptime_now",
			    (json_int_t)d->uptime_ticks));
		}
		s->ticks = d->uptime_ticks;
		s->has_ticks = true;
	}
	if (!s->has_base)
		take_baseline(s, d);
	else
		interfaces(t, d, em);
}

/* ---- many at once ------------------------------------------------------ */

struct pool {
	struct check_target	**t;
	struct check_result	 *r;
	size_t			  n;
	atomic_size_t		  next;
};

static void *
pool_worker(void *arg)
{
	struct pool	*p = arg;
	size_t		 i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		check_run(p->t[i], &p->r[i]);
	return NULL;
}

void
check_run_devices(struct check_target **t, size_t n, struct check_result *r,
    size_t concurrency)
{
	struct icmp_host	*h = calloc(n, sizeof(*h));
	size_t			*who = calloc(n, sizeof(*who));
	size_t			 nh = 0, nthr;
	pthread_t		*thr;
	struct pool		 p = { t, r, n, 0 };
	char			 why[256];

	/* ICMP first: all echoes from one socket, at the slowest target's
	   pace (one set of options per batch: the first target's). */
	for (size_t i = 0; h != NULL && who != NULL && i < n; i++) {
		struct sockaddr_storage	ss;
		socklen_t		sl;

		if (t[i]->u.scheme != SCHEME_ICMP ||
		    net_resolve(t[i]->host, 1, &ss, &sl, why, sizeof(why)) ==
		    -1 || ss.ss_family != AF_INET)
			continue;	/* check_run says why */
		memcpy(&h[nh].addr, &ss, sizeof(h[nh].addr));
		who[nh++] = i;
	}
	if (nh > 0) {
		struct icmp_opts o = { 1, 10000, 0, concurrency * 8, 0 };

		for (size_t k = 0; k < nh; k++) {
			const struct check_target *x = t[who[k]];

			if (x->ping_count > o.count)
				o.count = x->ping_count;
			if (x->ping_interval_ms < o.interval_ms)
				o.interval_ms = x->ping_interval_ms;
			if (x->timeout_ms > o.timeout_ms)
				o.timeout_ms = x->timeout_ms;
		}
		if (icmp_ping(h, nh, &o, why, sizeof(why)) == 0)
			for (size_t k = 0; k < nh; k++)
				t[who[k]]->pinged = &h[k];
	}
	/* Then everything (SNMP queries; ICMP results are ready) in threads. */
	nthr = concurrency < n ? concurrency : n;
	if (nthr == 0)
		nthr = 1;
	if ((thr = calloc(nthr, sizeof(*thr))) != NULL) {
		size_t started = 0;

		for (; started < nthr; started++)
			if (pthread_create(&thr[started], NULL, pool_worker,
			    &p) != 0)
				break;
		if (started == 0)
			pool_worker(&p);
		for (size_t k = 0; k < started; k++)
			pthread_join(thr[k], NULL);
		free(thr);
	} else
		pool_worker(&p);
	for (size_t i = 0; i < n; i++)
		t[i]->pinged = NULL;
	free(h);
	free(who);
}
