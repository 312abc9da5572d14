/*
 * Targets, one run of all their checks, and the probe that runs them on
 * the agent's schedule.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "probes/check/check.h"
#include "probes/check/icmp.h"
#include "probes/ports/ports.h"
#include "probes/tls/tls.h"

static int
validate_url(const void *field, char *why, size_t whylen)
{
	struct check_url	*u;
	const char		*s = field;
	int			 rc;

	if (*s == '\0')
		return 0;
	if ((u = malloc(sizeof(*u))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = check_url_parse(s, strlen(s), u, why, whylen);
	free(u);
	return rc;
}

static int
validate_ports(const void *field, char *why, size_t whylen)
{
	uint16_t	*ports = calloc(CHECK_PORTS_MAX, sizeof(*ports));
	size_t		 n = 0;
	const char	*s = field;
	int		 rc;

	if (ports == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = check_ports_parse(s, strlen(s), ports, &n, why, whylen);
	free(ports);
	return rc;
}

static const char *const kinds[] = { "none", "pc", "printer", "switch",
	"router", "ups", "camera", "other", NULL };
static const char *const snmp_versions[] = { "2c", "3", NULL };
static const char *const snmp_auths[] = { "none", "SHA", "SHA-256", NULL };
static const char *const snmp_privs[] = { "none", "AES", NULL };

const char *
check_kind_name(int kind)
{
	return kind >= 0 && kind <= KIND_OTHER ? kinds[kind] : "?";
}

static int
validate_schedule(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	if (strcmp(s, "office") == 0 || strcmp(s, "always") == 0)
		return 0;
	snprintf(why, whylen, "expected office or always (the collector's "
	    "[schedule] defines those two)");
	return -1;
}

#define OFF(f) offsetof(struct check_target, f)
const struct conf_opt check_target_opts[] = {
	{ "url", CONF_STR, OFF(url), sizeof(((struct check_target *)0)->url),
	  0, 0, "", NULL, validate_url,
	  "tls:// https:// smtp:// imap:// pop3:// tcp:// dns:// URL to assess" },
	{ "host", CONF_STR, OFF(host), CHECK_HOST_MAX, 0, 0, "", NULL, NULL,
	  "host for the port checks when there is no url (default: url's host)" },
	{ "open", CONF_STR, OFF(open), 512, 0, 0, "", NULL, validate_ports,
	  "ports that must answer (availability), e.g. 80,443" },
	{ "closed", CONF_STR, OFF(closed), 512, 0, 0, CHECK_RISKY_PORTS, NULL,
	  validate_ports, "ports that must not answer (exposure); empty: none" },
	{ "servername", CONF_STR, OFF(servername), CHECK_HOST_MAX, 0, 0, "",
	  NULL, NULL, "TLS SNI and the name to verify (default: the url host)" },
	{ "ca", CONF_STR, OFF(ca), 512, 0, 0, "", NULL, NULL,
	  "CA bundle to trust instead of the system store" },
	{ "dns", CONF_STR, OFF(dns_name), 256, 0, 0, "", NULL, NULL,
	  "name to resolve over UDP port 53 at the host (DNS server check)" },
	{ "interval", CONF_DURATION, OFF(interval_ms), 0, 10000, 86400000, "5m",
	  NULL, NULL, "how often to check" },
	{ "timeout", CONF_DURATION, OFF(timeout_ms), 0, 100, 120000, "5s",
	  NULL, NULL, "per connection" },
	{ "banner", CONF_DURATION, OFF(banner_ms), 0, 0, 10000, "0",
	  NULL, NULL, "wait this long for a banner on open ports; 0: none" },
	{ "concurrency", CONF_INT, OFF(concurrency), 0, 1, 1024, "64", NULL,
	  NULL, "port checks at once" },
	{ "warn_days", CONF_INT, OFF(warn_days), 0, 1, 3650, "30", NULL, NULL,
	  "cert_expiring (medium) below this many days" },
	{ "critical_days", CONF_INT, OFF(crit_days), 0, 0, 3650, "7", NULL, NULL,
	  "cert_expiring (high) below this many days" },
	{ "http_port", CONF_INT, OFF(http_port), 0, 0, 65535, "80", NULL, NULL,
	  "https targets: port where http:// must redirect; 0: skip" },
	{ "website", CONF_BOOL, OFF(website), 0, 0, 0, "no", NULL, NULL,
	  "counts as 'the website' for the running-days indicator" },
	{ "kind", CONF_ENUM, OFF(kind), 0, 0, 0, "none", kinds, NULL,
	  "equipment kind: pc printer switch router ups camera other (icmp:// "
	  "and snmp:// targets default to other)" },
	{ "schedule", CONF_STR, OFF(schedule), 32, 0, 0, "office", NULL,
	  validate_schedule, "when the device must be up: office or always" },
	{ "community", CONF_STR, OFF(community), 64, 0, 0, "", NULL, NULL,
	  "SNMP v2c community (default: the url's, else public)" },
	{ "snmp_version", CONF_ENUM, OFF(snmp_version), 0, 0, 0, "2c",
	  snmp_versions, NULL, "2c or 3" },
	{ "snmp_user", CONF_STR, OFF(snmp_user), 64, 0, 0, "", NULL, NULL,
	  "SNMPv3 user name" },
	{ "snmp_auth", CONF_ENUM, OFF(snmp_auth), 0, 0, 0, "SHA", snmp_auths,
	  NULL, "SNMPv3 authentication: none, SHA or SHA-256" },
	{ "snmp_auth_pass", CONF_STR, OFF(snmp_auth_pass), 128, 0, 0, "", NULL,
	  NULL, "SNMPv3 authentication passphrase (8 characters or more)" },
	{ "snmp_priv", CONF_ENUM, OFF(snmp_priv), 0, 0, 0, "AES", snmp_privs,
	  NULL, "SNMPv3 privacy: none or AES (AES-128)" },
	{ "snmp_priv_pass", CONF_STR, OFF(snmp_priv_pass), 128, 0, 0, "", NULL,
	  NULL, "SNMPv3 privacy passphrase (default: the auth passphrase)" },
	{ "ping_count", CONF_INT, OFF(ping_count), 0, 1, 64, "3", NULL, NULL,
	  "icmp://: echo requests per check" },
	{ "ping_interval", CONF_DURATION, OFF(ping_interval_ms), 0, 10, 10000,
	  "1s", NULL, NULL, "icmp://: time between echo requests" },
	{ "loss_max", CONF_DOUBLE, OFF(loss_max), 0, 1, 100, "50", NULL, NULL,
	  "icmp://: up while the loss is below this percent" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef OFF

int
check_target_finish(struct check_target *t, const char *path, int line,
    char *why, size_t whylen)
{
	char w[256];

	t->has_url = t->url[0] != '\0';
	if (t->has_url && check_url_parse(t->url, strlen(t->url), &t->u, w,
	    sizeof(w)) == -1) {
		snprintf(why, whylen, "%s:%d: [target %s] url: %s", path, line,
		    t->name, w);
		return -1;
	}
	if (t->host[0] == '\0' && t->has_url)
		snprintf(t->host, sizeof(t->host), "%s", t->u.host);
	if (t->host[0] == '\0') {
		snprintf(why, whylen, "%s:%d: [target %s] needs url or host",
		    path, line, t->name);
		return -1;
	}
	if (t->has_url && (t->u.scheme == SCHEME_ICMP ||
	    t->u.scheme == SCHEME_SNMP))
		return check_device_finish(t, path, line, why, whylen);
	if (t->kind != KIND_NONE) {
		snprintf(why, whylen, "%s:%d: [target %s] kind needs an icmp:// "
		    "or snmp:// url", path, line, t->name);
		return -1;
	}
	t->nopen = t->nclosed = 0;
	if (check_ports_parse(t->open, strlen(t->open), t->open_ports,
	    &t->nopen, w, sizeof(w)) == -1 ||
	    check_ports_parse(t->closed, strlen(t->closed), t->closed_ports,
	    &t->nclosed, w, sizeof(w)) == -1) {
		snprintf(why, whylen, "%s:%d: [target %s] %s", path, line,
		    t->name, w);
		return -1;
	}
	/* A tcp:// url's ports must answer too. */
	if (t->has_url && t->u.scheme == SCHEME_TCP)
		for (size_t i = 0; i < t->u.nports && t->nopen < CHECK_PORTS_MAX; i++)
			t->open_ports[t->nopen++] = t->u.ports[i];
	/* A port both required and forbidden is a mistake; say so. */
	for (size_t i = 0; i < t->nopen; i++)
		for (size_t j = 0; j < t->nclosed; j++)
			if (t->open_ports[i] == t->closed_ports[j]) {
				snprintf(why, whylen, "%s:%d: [target %s] port %u "
				    "is in both open and closed", path, line,
				    t->name, t->open_ports[i]);
				return -1;
			}
	if (!t->has_url && t->nopen == 0 && t->nclosed == 0 &&
	    t->dns_name[0] == '\0') {
		snprintf(why, whylen, "%s:%d: [target %s] has nothing to check "
		    "(set url, open, closed or dns)", path, line, t->name);
		return -1;
	}
	if (t->crit_days > t->warn_days) {
		snprintf(why, whylen, "%s:%d: [target %s] critical_days (%d) "
		    "above warn_days (%d)", path, line, t->name, t->crit_days,
		    t->warn_days);
		return -1;
	}
	return 0;
}

int
check_target_load(struct conf *c, const char *name, const char *section,
    int line, struct check_target *t, struct conf_err *err)
{
	memset(t, 0, sizeof(*t));
	if (strlen(name) >= sizeof(t->name) || !event_name_ok(name, sizeof(t->name))) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d: [target %s]: the "
		    "name must be 1..63 of A-Z a-z 0-9 . _ -", conf_path(c),
		    line, name);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (conf_apply(c, section, check_target_opts, t, err) == -1)
		return -1;
	return check_target_finish(t, conf_path(c), line, err->msg,
	    sizeof(err->msg));
}

/* ---- one run --------------------------------------------------------- */

static void
set_down(struct check_result *r, const char *fmt, const char *arg)
{
	if (!r->up)
		return;		/* keep the first reason */
	r->up = false;
	snprintf(r->reason, sizeof(r->reason), fmt, arg);
}

static void
run_ports(const struct check_target *t, const struct sockaddr_storage *ss,
    socklen_t sl, struct check_result *r, int64_t *max_connect)
{
	size_t		 n = t->nopen + t->nclosed;
	struct port_job	*jobs;
	json_t		*jp = json_array();
	char		 what[CHECK_HOST_MAX + 8], buf[64];

	json_object_set_new(r->report, "ports", jp);
	if (n == 0)
		return;
	if ((jobs = calloc(n, sizeof(*jobs))) == NULL) {
		set_down(r, "%s", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		jobs[i].addr = *ss;
		jobs[i].addrlen = sl;
		jobs[i].port = i < t->nopen ? t->open_ports[i] :
		    t->closed_ports[i - t->nopen];
		jobs[i].timeout_ms = t->timeout_ms;
		jobs[i].banner_ms = i < t->nopen ? t->banner_ms : 0;
	}
	ports_run(jobs, n, (size_t)t->concurrency);
	for (size_t i = 0; i < n; i++) {
		struct port_job	*j = &jobs[i];
		int		 must_open = i < t->nopen;
		json_t		*o = json_pack("{s:i, s:s, s:s}", "port", j->port,
				    "expect", must_open ? "open" : "closed",
				    "state", port_state_name(j->state));

		snprintf(what, sizeof(what), "%s:%u", t->host, j->port);
		if (j->state == PORT_OPEN) {
			json_object_set_new(o, "connect_ms",
			    json_integer(j->connect_ms));
			if (j->banner[0] != '\0')
				json_object_set_new(o, "banner",
				    text_json(j->banner));
			if (j->connect_ms > *max_connect)
				*max_connect = j->connect_ms;
		}
		json_array_append_new(jp, o);
		if (must_open && j->state != PORT_OPEN) {
			findings_add(&r->f, "port_down", SEV_HIGH, what,
			    json_pack("{s:i, s:s}", "port", j->port, "state",
			    port_state_name(j->state)),
			    "端口不可用 port %u on %s is %s; it must answer",
			    j->port, t->host, port_state_name(j->state));
			snprintf(buf, sizeof(buf), "port %u %s", j->port,
			    port_state_name(j->state));
			set_down(r, "%s", buf);
		} else if (!must_open && j->state == PORT_OPEN)
			findings_add(&r->f, "port_exposed", SEV_HIGH, what,
			    json_pack("{s:i, s:o}", "port", j->port, "banner",
			    text_json(j->banner)),
			    "端口暴露 port %u on %s is open but must be closed%s%s",
			    j->port, t->host, j->banner[0] ? ": " : "", j->banner);
	}
	free(jobs);
}

void
check_run(const struct check_target *t, struct check_result *r)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 why[256], ip[64];
	int64_t			 max_connect = 0;
	int			 tls_ran = 0;

	memset(r, 0, sizeof(*r));
	r->report = json_object();
	r->up = true;
	json_object_set_new(r->report, "target", text_json(t->name));
	json_object_set_new(r->report, "host", text_json(t->host));
	if (t->has_url)
		json_object_set_new(r->report, "url", text_json(t->url));
	if (net_resolve(t->host, 1, &ss, &sl, why, sizeof(why)) == -1) {
		snprintf(r->reason, sizeof(r->reason), "%s", why);
		r->up = false;
		goto out;
	}
	r->ran = true;
	net_ntop(&ss, ip, sizeof(ip));
	json_object_set_new(r->report, "address", text_json(ip));
	if (check_is_device(t)) {
		check_device_run(t, &ss, r);
		goto out;
	}
	run_ports(t, &ss, sl, r, &max_connect);
	r->latency_ms = max_connect;

	if (t->has_url && check_scheme_tls(t->u.scheme)) {
		struct tls_opts	 o;
		json_t		*tr = NULL;
		int		 pst = 0;

		memset(&o, 0, sizeof(o));
		o.host = t->u.host;
		o.port = t->u.ports[0];
		o.servername = t->servername[0] ? t->servername : NULL;
		o.ca_file = t->ca[0] ? t->ca : NULL;
		o.scheme = t->u.scheme;
		o.path = t->u.path;
		o.http_port = (uint16_t)t->http_port;
		o.timeout_ms = t->timeout_ms;
		o.warn_days = t->warn_days;
		o.crit_days = t->crit_days;
		if (tls_assess(&o, &tr, &r->f, &pst, why, sizeof(why)) == 0) {
			tls_ran = 1;
			r->latency_ms = json_integer_value(json_object_get(tr,
			    "handshake_ms"));
			if (findings_has(&r->f, "http_error"))
				set_down(r, "%s", "the web page does not load");
		} else {
			char what[CHECK_HOST_MAX + 8];

			snprintf(what, sizeof(what), "%s:%u", o.servername ?
			    o.servername : o.host, o.port);
			/* TCP itself failed: that is the port being down. */
			if (pst != PORT_OPEN && pst != -2)
				findings_add(&r->f, "port_down", SEV_HIGH, what,
				    json_pack("{s:i, s:s}", "port", o.port,
				    "state", pst > 0 ? port_state_name(pst) : "error"),
				    "端口不可用 %s: %s", what, why);
			else if (pst == PORT_OPEN)
				findings_add(&r->f, "tls_failed", SEV_HIGH, what,
				    json_pack("{s:o}", "error", text_json(why)),
				    "TLS 握手失败 %s: %s", what, why);
			set_down(r, "%s", why);
			if (pst != PORT_OPEN && pst != -2)
				r->ran = t->nopen + t->nclosed > 0;
		}
		json_object_set_new(r->report, "tls", tr);
	}

	if (t->dns_name[0] != '\0' || (t->has_url && t->u.scheme == SCHEME_DNS)) {
		struct dns_result	 d;
		struct sockaddr_storage	 ds = ss;
		const char		*qname = t->dns_name[0] ? t->dns_name :
					    t->u.path;
		uint16_t		 port = t->has_url &&
					    t->u.scheme == SCHEME_DNS ?
					    t->u.ports[0] : 53;
		char			 what[CHECK_HOST_MAX + 16];

		if (ds.ss_family == AF_INET)
			((struct sockaddr_in *)(void *)&ds)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)(void *)&ds)->sin6_port = htons(port);
		dns_check((struct sockaddr *)&ds, sl, qname, t->timeout_ms, &d);
		snprintf(what, sizeof(what), "%s:%u/udp", t->host, port);
		json_object_set_new(r->report, "dns", d.answered ?
		    json_pack("{s:s, s:b, s:i, s:i, s:I}", "name", qname,
		    "answered", 1, "rcode", d.rcode, "answers", d.ancount,
		    "rtt_ms", (json_int_t)d.rtt_ms) :
		    json_pack("{s:s, s:b, s:o}", "name", qname, "answered", 0,
		    "error", text_json(d.why)));
		/* SERVFAIL (2) and REFUSED (5) mean the service is not doing its job. */
		if (!d.answered || d.rcode == 2 || d.rcode == 5) {
			char reason[200];

			snprintf(reason, sizeof(reason), "%s", d.answered ?
			    (d.rcode == 2 ? "SERVFAIL" : "REFUSED") : d.why);
			findings_add(&r->f, "port_down", SEV_HIGH, what,
			    json_pack("{s:i, s:s, s:o}", "port", port, "proto",
			    "udp", "reason", text_json(reason)),
			    "DNS 服务不可用 DNS at %s does not answer '%s': %s",
			    what, qname, reason);
			set_down(r, "DNS: %s", reason);
		} else if (d.rtt_ms > r->latency_ms && !tls_ran)
			r->latency_ms = d.rtt_ms;
	}
out:
	json_object_set_new(r->report, "availability", json_pack(
	    "{s:b, s:I, s:o, s:b}", "up", r->up, "latency_ms",
	    (json_int_t)r->latency_ms, "reason", text_json(r->up ? "" : r->reason),
	    "website", t->website));
	if (check_is_device(t))
		json_object_update_new(json_object_get(r->report,
		    "availability"), json_pack("{s:s, s:s}", "kind",
		    check_kind_name(t->kind), "schedule", t->schedule));
	json_object_set_new(r->report, "findings", findings_to_json(&r->f));
}

void
check_result_free(struct check_result *r)
{
	if (r == NULL)
		return;
	json_decref(r->report);
	r->report = NULL;
	findings_free(&r->f);
	snmp_dev_free(r->snmp);
	free(r->snmp);
	r->snmp = NULL;
}

void
check_emit(const struct check_target *t, const struct check_result *r,
    struct emitter *em)
{
	char	 key[EVENT_KEY_MAX];
	json_t	*tls;

	for (size_t i = 0; i < r->f.n; i++) {
		const struct finding	*x = &r->f.v[i];
		json_t			*d = json_pack("{s:s, s:s, s:o}", "target",
					    t->name, "code", x->code, "message",
					    text_json(x->msg));

		if (d == NULL)
			continue;
		if (x->detail != NULL)
			json_object_set(d, "detail", x->detail);
		emit_event(em, 0, x->code, x->sev, x->key, d);
	}
	snprintf(key, sizeof(key), "availability:%s", t->name);
	emit_event(em, 0, "availability", r->up ? SEV_INFO : SEV_HIGH, key,
	    check_availability_data(t, r));
	/*
	 * The full TLS report, for the yearly security assessment, and the
	 * codes this run found at the endpoint: a cert_* code no longer
	 * there resolves its incident (certificate renewed).
	 */
	if ((tls = json_object_get(r->report, "tls")) != NULL &&
	    json_object_get(tls, "protocol") != NULL) {
		const char	*ep = json_string_value(json_object_get(tls,
				    "target"));
		json_t		*codes = json_array();
		size_t		 el = ep != NULL ? strlen(ep) : 0;

		for (size_t i = 0; codes != NULL && ep != NULL && i < r->f.n;
		    i++) {
			const struct finding *x = &r->f.v[i];
			size_t cl = strlen(x->code), kl = strlen(x->key);

			if (kl == cl + 1 + el && strncmp(x->key, x->code,
			    cl) == 0 && x->key[cl] == ':' &&
			    strcmp(x->key + cl + 1, ep) == 0)
				json_array_append_new(codes,
				    json_string(x->code));
		}
		snprintf(key, sizeof(key), "tls_report:%s", ep);
		emit_event(em, 0, "tls_report", SEV_INFO, key,
		    json_pack("{s:s, s:O, s:o*}", "target", t->name, "report",
		    tls, "codes", codes));
	}
}

/* ---- the probe -------------------------------------------------------- */

struct check_state {
	struct check_target	**t;
	size_t			  n;
};

struct load_ctx {
	struct conf		*c;
	struct check_state	*st;
	struct conf_err		*err;
};

static int
load_one(void *arg, const char *name, const char *section, int line)
{
	struct load_ctx		 *l = arg;
	struct check_target	 *t, **nt;

	if ((t = malloc(sizeof(*t))) == NULL) {
		snprintf(l->err->msg, sizeof(l->err->msg), "out of memory");
		return -1;
	}
	if (check_target_load(l->c, name, section, line, t, l->err) == -1) {
		free(t);
		return -1;
	}
	for (size_t i = 0; i < l->st->n; i++)
		if (strcmp(l->st->t[i]->name, name) == 0) {
			snprintf(l->err->msg, sizeof(l->err->msg), "%s:%d: "
			    "[target %s] defined twice", conf_path(l->c), line,
			    name);
			free(t);
			return -1;
		}
	if ((nt = reallocarray(l->st->t, l->st->n + 1, sizeof(*nt))) == NULL) {
		free(t);
		snprintf(l->err->msg, sizeof(l->err->msg), "out of memory");
		return -1;
	}
	l->st->t = nt;
	l->st->t[l->st->n++] = t;
	return 0;
}

static void
check_free(void *state)
{
	struct check_state *st = state;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		check_device_state_free(st->t[i]->dev);
		free(st->t[i]);
	}
	free(st->t);
	free(st);
}

static int
check_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct check_state	*st = calloc(1, sizeof(*st));
	struct load_ctx		 l = { c, st, err };

	*state = NULL;
	if (st == NULL) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	if (conf_foreach(c, "target", load_one, &l) != 0) {
		check_free(st);
		return -1;
	}
	if (st->n == 0) {
		check_free(st);
		return 0;	/* no targets: the probe is off */
	}
	/* As root at start: the raw ICMP socket when ping sockets are off. */
	for (size_t i = 0; i < st->n; i++)
		if (st->t[i]->has_url && st->t[i]->u.scheme == SCHEME_ICMP) {
			char why[256];

			if (icmp_prepare(why, sizeof(why)) == -1)
				log_warnx("icmp checks will fail: %s; run the "
				    "agent as root or widen "
				    "net.ipv4.ping_group_range", why);
			break;
		}
	*state = st;
	return 0;
}

/* The scheduler ticks at the shortest interval; each target keeps its own. */
static int64_t
check_interval(void *state)
{
	struct check_state	*st = state;
	int64_t			 min = INT64_MAX;

	for (size_t i = 0; i < st->n; i++)
		if (st->t[i]->interval_ms < min)
			min = st->t[i]->interval_ms;
	return min;
}

static void
tick_report(struct check_target *t, struct check_result *r,
    struct emitter *em)
{
	if (!r->up)
		log_warnx("check %s: %s is down: %s; see its findings",
		    t->name, t->host, r->reason);
	check_emit(t, r, em);
	if (check_is_device(t))
		check_device_emit(t, r, em);
	check_result_free(r);
}

static void
check_tick(void *state, struct emitter *em)
{
	struct check_state	 *st = state;
	int64_t			  now = time_mono_ms();
	struct check_target	**dev = calloc(st->n, sizeof(*dev));
	struct check_result	 *dr = calloc(st->n, sizeof(*dr));
	size_t			  ndev = 0;

	for (size_t i = 0; i < st->n && !probe_stopping(); i++) {
		struct check_target	*t = st->t[i];
		struct check_result	 r;

		/* 1 s of slack so a tick a little early does not skip a run. */
		if (t->next_due != 0 && now + 1000 < t->next_due)
			continue;
		t->next_due = now + t->interval_ms;
		/* Devices are checked together below, many at once. */
		if (check_is_device(t) && dev != NULL && dr != NULL) {
			dev[ndev++] = t;
			continue;
		}
		check_run(t, &r);
		tick_report(t, &r, em);
	}
	if (ndev > 0 && !probe_stopping()) {
		check_run_devices(dev, ndev, dr, CHECK_DEVICE_CONCURRENCY);
		for (size_t i = 0; i < ndev; i++)
			tick_report(dev[i], &dr[i], em);
	}
	free(dev);
	free(dr);
}

const struct probe_ops check_probe = {
	.name = "check",
	.configure = check_configure,
	.interval_ms = check_interval,
	.run = check_tick,
	.start = NULL,
	.free = check_free,
};
