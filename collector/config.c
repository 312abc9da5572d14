/*
 * The collector's options, one table row each (after Redis' config.c).
 * Every option is documented in conf/collector.ini, which a unit test
 * parses.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/db.h"
#include "collector/retention.h"
#include "common/log.h"
#include "common/manpage.h"
#include "common/pki.h"

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

int
collector_split_addr(const char *s, char *host, size_t hostlen, uint16_t *port,
    char *why, size_t whylen)
{
	const char	*colon, *h = s;
	size_t		 hl;
	int64_t		 p;
	unsigned char	 tmp[16];

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':') {
			snprintf(why, whylen, "'%s': expected [IPV6]:PORT", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s))) {
			snprintf(why, whylen, "'%s': expected HOST:PORT "
			    "(e.g. 0.0.0.0:8443 or [::1]:8443)", s);
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen) {
		snprintf(why, whylen, "'%s': missing or too long address", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, tmp) != 1 &&
	    inet_pton(AF_INET6, host, tmp) != 1) {
		snprintf(why, whylen, "'%s' is not a numeric IPv4 or IPv6 "
		    "address", host);
		return -1;
	}
	if (parse_i64(colon + 1, 1, 65535, &p, why, whylen) == -1)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int
validate_listen(const void *field, char *why, size_t whylen)
{
	char		host[COLLECTOR_ADDR_MAX];
	uint16_t	port;

	return collector_split_addr(field, host, sizeof(host), &port, why,
	    whylen);
}

/*
 * The plain-HTTP admin listener is optional (off by default; the CLI uses
 * the Unix socket).  Every request on it needs an API token, but the
 * token would cross the network in clear text: loopback only.  Remote
 * administration goes over HTTPS on the agent port.
 */
static int
validate_admin_listen(const void *field, char *why, size_t whylen)
{
	char		host[COLLECTOR_ADDR_MAX];
	uint16_t	port;
	const char	*s = field;

	if (s[0] == '\0')
		return 0;
	if (collector_split_addr(field, host, sizeof(host), &port, why,
	    whylen) == -1)
		return -1;
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "::1") != 0) {
		snprintf(why, whylen, "'%s' is not a loopback address; API "
		    "tokens must not cross the network in clear text: bind it "
		    "to 127.0.0.1 or ::1, or use HTTPS on [server] listen", host);
		return -1;
	}
	return 0;
}

static int
validate_socket(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	if (s[0] != '\0' && (s[0] != '/' || strlen(s) >= 100)) {
		snprintf(why, whylen, "'%s' must be an absolute path of at most "
		    "99 bytes (or empty: no socket)", s);
		return -1;
	}
	return 0;
}

static int
validate_public_url(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	if (s[0] != '\0' && (strncmp(s, "https://", 8) != 0 || s[8] == '\0' ||
	    strpbrk(s, " \t\"'\\") != NULL)) {
		snprintf(why, whylen, "'%s' is not an https:// URL (e.g. "
		    "https://collector.office.example:8443; empty: derived "
		    "from the certificate)", s);
		return -1;
	}
	return 0;
}

int
collector_public_url(const struct collector_conf *cc, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct pki_cert	*crt;
	char		 names[1024], host[COLLECTOR_ADDR_MAX], *sp;
	uint16_t	 port;
	int		 n;

	if (cc->public_url[0] != '\0') {
		n = snprintf(out, outlen, "%s", cc->public_url);
		return n < 0 || (size_t)n >= outlen ? -1 : 0;
	}
	if (collector_split_addr(cc->listen, host, sizeof(host), &port, err,
	    errlen) == -1 || (crt = pki_cert_load(cc->cert, err, errlen)) == NULL)
		return -1;
	n = pki_cert_names(crt, names, sizeof(names));
	pki_cert_free(crt);
	if (n == -1) {
		snprintf(err, errlen, "%s names no host; set [server] "
		    "public_url", cc->cert);
		return -1;
	}
	if ((sp = strchr(names, ' ')) != NULL)
		*sp = '\0';
	n = snprintf(out, outlen, "https://%s:%u", names, (unsigned)port);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

#define SRV(f)	offsetof(struct collector_conf, f)

static const struct conf_opt server_opts[] = {
	{ "listen", CONF_STR, SRV(listen), sizeof(((struct collector_conf *)0)->listen),
	  0, 0, "0.0.0.0:8443", NULL, validate_listen,
	  "address:port of the agent endpoint (HTTPS)" },
	{ "cert", CONF_STR, SRV(cert), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/server.crt", NULL, NULL, "server certificate (PEM)" },
	{ "key", CONF_STR, SRV(key), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/server.key", NULL, NULL, "server private key (PEM)" },
	{ "ca", CONF_STR, SRV(ca), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/ca.crt", NULL, NULL,
	  "CA that signs agent certificates (PEM)" },
	{ "public_url", CONF_STR, SRV(public_url), COLLECTOR_PATH_MAX, 0, 0,
	  "", NULL, validate_public_url,
	  "https://HOST:PORT agents use (token create prints it); "
	  "empty: the certificate's first name and the listen port" },
	{ "max_body", CONF_SIZE, SRV(max_body), 0, 1024, 1024LL * 1024 * 1024,
	  "16M", NULL, NULL, "largest request body, after decompression too" },
	{ "max_batch", CONF_INT, SRV(max_batch), 0, 1, 100000, "5000", NULL,
	  NULL, "most events in one batch" },
	{ "max_connections", CONF_INT, SRV(max_connections), 0, 1, 100000,
	  "1024", NULL, NULL, "concurrent connections on the agent port" },
	{ "agent_connections", CONF_INT, SRV(agent_connections), 0, 0, 99999,
	  "128", NULL, NULL, "of max_connections, kept for agents with a "
	  "verified client certificate" },
	{ "unverified_per_address", CONF_INT, SRV(unverified_per_address), 0,
	  1, 100000, "32", NULL, NULL, "connections without a verified agent "
	  "certificate one client address may hold" },
	{ "timeout", CONF_DURATION, SRV(timeout_ms), 0, 1000, 3600000, "30s",
	  NULL, NULL, "idle (read/write) timeout of a connection" },
	{ "request_timeout", CONF_DURATION, SRV(request_timeout_ms), 0, 500,
	  3600000, "60s", NULL, NULL,
	  "from accept (or the last answer) to a whole request read" },
	{ "handshake_timeout", CONF_DURATION, SRV(handshake_timeout_ms), 0,
	  100, 3600000, "5s", NULL, NULL, "the same (TLS handshake and request) "
	  "without a verified agent certificate; at most request_timeout" },
	{ "rate", CONF_DOUBLE, SRV(rate), 0, 1, 1000000, "50", NULL, NULL,
	  "requests per second per client address" },
	{ "burst", CONF_DOUBLE, SRV(burst), 0, 1, 1000000, "200", NULL, NULL,
	  "requests a client may send at once above rate" },
	{ "timezone", CONF_STR, SRV(timezone), 64, 0, 0, "Asia/Shanghai", NULL,
	  NULL, "time zone of the times in logs" },
	{ "console_vendor", CONF_STR, SRV(console_vendor), COLLECTOR_PATH_MAX,
	  0, 0, "/usr/share/shaobing/console", NULL, NULL,
	  "folder of the console's chart library (Apache ECharts)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/*
 * The floor is the law's, not a taste: the Cybersecurity Law (Art. 21 of
 * the 2017 text, Art. 23 as amended in 2025) keeps network logs at least
 * six months.
 */
static int
validate_retention(const void *field, char *why, size_t whylen)
{
	int64_t ms = *(const int64_t *)field;

	if (ms >= RETENTION_FLOOR_MS)
		return 0;
	snprintf(why, whylen, "%lld days is below the floor of 180 days: the "
	    "Cybersecurity Law (网络安全法, Art. 21 of 2017, Art. 23 as amended "
	    "in 2025) requires network logs be kept at least six months; use "
	    "180d or more (default " RETENTION_DEFAULT ")",
	    (long long)(ms / RETENTION_DAY_MS));
	return -1;
}

/*
 * [store] url: sqlite:///ABSOLUTE/PATH or postgresql://USER@HOST:PORT/DB
 * (libpq's URI; sslmode= and friends for TLS).  The password never goes
 * here: the INI is readable by more than the collector; libpq reads it
 * from passfile= (in the URI), PGPASSFILE or ~shaobing/.pgpass.
 */
static int
validate_store_url(const void *field, char *why, size_t whylen)
{
	const char	*s = field, *auth, *end, *colon;

	if (s[0] == '\0')
		return 0;
	if (strncmp(s, "sqlite://", 9) == 0) {
		if (s[9] != '/') {
			snprintf(why, whylen, "'%s': a sqlite URL names an "
			    "absolute path, three slashes: sqlite:///var/lib/"
			    "shaobing/collector.db", s);
			return -1;
		}
		return 0;
	}
	if (!db_target_is_postgres(s)) {
		snprintf(why, whylen, "'%s' is neither sqlite:///PATH nor "
		    "postgresql://USER@HOST:PORT/DB", s);
		return -1;
	}
	auth = strstr(s, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	colon = memchr(auth, ':', (size_t)(end - auth));
	if (colon != NULL && memchr(colon, '@', (size_t)(end - colon)) != NULL) {
		snprintf(why, whylen, "the URL carries a password; this file "
		    "is readable by more than the collector: remove it and put "
		    "it in a password file (passfile=PATH in the URL, mode "
		    "0600, owned by the collector's user; or PGPASSFILE)");
		return -1;
	}
	return 0;
}

static const struct conf_opt store_opts[] = {
	{ "url", CONF_STR, SRV(store_url), COLLECTOR_PATH_MAX, 0, 0, "", NULL,
	  validate_store_url, "sqlite:///PATH or postgresql://USER@HOST:PORT/"
	  "DB (password in a passfile, never here); overrides path" },
	{ "path", CONF_STR, SRV(store_path), COLLECTOR_PATH_MAX, 0, 0,
	  "/var/lib/shaobing/collector.db", NULL, NULL,
	  "SQLite database (same as url = sqlite://PATH)" },
	{ "event_retention", CONF_DURATION, SRV(event_retention_ms), 0, 1,
	  100 * 366 * RETENTION_DAY_MS, RETENTION_DEFAULT, NULL,
	  validate_retention,
	  "raw events older than this are pruned daily (at least 180d)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt admin_opts[] = {
	{ "listen", CONF_STR, SRV(admin_listen), COLLECTOR_ADDR_MAX, 0, 0,
	  "", NULL, validate_admin_listen,
	  "plain-HTTP admin API on loopback, API token required (off)" },
	{ "socket", CONF_STR, SRV(admin_socket), COLLECTOR_PATH_MAX, 0, 0,
	  "/run/shaobing/admin.sock", NULL, validate_socket,
	  "Unix socket of the admin API (mode 0660)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt enroll_opts[] = {
	{ "ca_key", CONF_STR, SRV(enroll_ca_key), COLLECTOR_PATH_MAX, 0, 0,
	  "/etc/shaobing/ca.key", NULL, NULL,
	  "CA key that signs enrolled agents' certificates" },
	{ "cert_days", CONF_INT, SRV(enroll_cert_days), 0, 2, 825, "90", NULL,
	  NULL, "lifetime of an agent certificate (renewed at 2/3)" },
	{ "attempts", CONF_DOUBLE, SRV(enroll_attempts), 0, 1, 100000, "10",
	  NULL, NULL, "enrollment/renewal requests per minute per address" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt uptime_opts[] = {
	{ "gap_factor", CONF_DOUBLE, SRV(gap_factor), 0, 1, 1000, "3", NULL,
	  NULL, "a heartbeat gap above interval x gap_factor counts as down" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt log_opts[] = {
	{ "level", CONF_ENUM, SRV(log_level), 0, 0, 0, "info", log_levels,
	  NULL, "error, warn, info or debug" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct conf_opt assets_opts[] = {
	{ "oui", CONF_STR, SRV(asset_oui), COLLECTOR_PATH_MAX, 0, 0,
	  "/usr/share/ieee-data/oui.txt", NULL, NULL,
	  "IEEE OUI table for device vendors (Debian ieee-data; empty: none)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/*
 * The [server] options that bound each other, named at the line that
 * sets the first one (or the section).
 */
static int
check_server_limits(const struct conf *c, struct collector_conf *cc,
    struct conf_err *err)
{
	const char	*key = NULL;
	char		 why[200];
	int		 line;

	/*
	 * agent_connections came later than max_connections: a file that
	 * sets only a small max_connections (it worked before) keeps an
	 * eighth of it for agents instead of failing after an upgrade.
	 */
	if (conf_key_line(c, "server", "agent_connections") == 0 &&
	    cc->agent_connections >= cc->max_connections)
		cc->agent_connections = cc->max_connections / 8;
	if (cc->agent_connections >= cc->max_connections) {
		key = "agent_connections";
		snprintf(why, sizeof(why), "%d must be below max_connections "
		    "(%d): the rest are the slots of clients without an agent "
		    "certificate (enrollment, console, health)",
		    cc->agent_connections, cc->max_connections);
	} else if (cc->handshake_timeout_ms > cc->request_timeout_ms) {
		key = "handshake_timeout";
		snprintf(why, sizeof(why), "%lld ms is longer than "
		    "request_timeout (%lld ms); make it at most that (a few "
		    "seconds is usual)", (long long)cc->handshake_timeout_ms,
		    (long long)cc->request_timeout_ms);
	}
	if (key == NULL)
		return 0;
	if ((line = conf_key_line(c, "server", key)) == 0 &&
	    (line = conf_key_line(c, "server", strcmp(key, "agent_connections")
	    == 0 ? "max_connections" : "request_timeout")) == 0)
		line = conf_section_line(c, "server");
	conf_err_set(err, "%s:%d: [server] %s: %s", conf_path(c), line, key,
	    why);
	return -1;
}

void
collector_conf_man(FILE *out)
{
	const struct man_conf s[] = {
		{ "server", server_opts },
		{ "store", store_opts },
		{ "admin", admin_opts },
		{ "enroll", enroll_opts },
		{ "uptime", uptime_opts },
		{ "log", log_opts },
		{ "schedule", schedule_conf_opts },
		{ "indicators", indicator_conf_opts },
		{ "assets", assets_opts },
		{ "incidents", incidents_conf_opts },
		{ "category TYPE", incident_rule_opts },
		{ "notify NAME", notify_channel_opts },
	};

	man_conf(out, "/etc/shaobing/collector.ini", s, sizeof(s) / sizeof(s[0]));
}

int
collector_conf_load(const char *path, struct collector_conf *cc,
    struct conf_err *err)
{
	struct conf	*c;
	int		 rc = -1;

	memset(cc, 0, sizeof(*cc));
	c = path ? conf_load(path, err) : conf_new_empty("(defaults)");
	if (c == NULL)
		goto out;
	if (conf_apply(c, "server", server_opts, cc, err) == -1 ||
	    check_server_limits(c, cc, err) == -1 ||
	    conf_apply(c, "store", store_opts, cc, err) == -1 ||
	    conf_apply(c, "admin", admin_opts, cc, err) == -1 ||
	    conf_apply(c, "enroll", enroll_opts, cc, err) == -1 ||
	    conf_apply(c, "uptime", uptime_opts, cc, err) == -1 ||
	    conf_apply(c, "log", log_opts, cc, err) == -1 ||
	    schedule_conf_load(c, &cc->sched, err) == -1 ||
	    indicator_conf_apply(c, &cc->ind, err) == -1 ||
	    conf_apply(c, "assets", assets_opts, cc, err) == -1 ||
	    notify_conf_load(c, &cc->notify, err) == -1 ||
	    incidents_conf_load(c, &cc->incidents, err) == -1 ||
	    conf_check_unused(c, err) == -1)
		goto out;
	cc->ind.gap_factor = cc->gap_factor;	/* devices use it too */
	if (cc->store_url[0] == '\0')
		memcpy(cc->store_url, cc->store_path, sizeof(cc->store_url));
	else if (strncmp(cc->store_url, "sqlite://", 9) == 0)
		snprintf(cc->store_path, sizeof(cc->store_path), "%s",
		    cc->store_url + 9);
	else
		cc->store_path[0] = '\0';	/* PostgreSQL: no file */
	rc = 0;
out:
	if (rc == -1)
		collector_conf_free(cc);
	conf_free(c);
	return rc;
}

void
collector_conf_free(struct collector_conf *cc)
{
	if (cc == NULL)
		return;
	schedule_conf_free(&cc->sched);
	notify_conf_free(&cc->notify);
}
