/*
 * [agent] options as table rows (see conf/agent.ini for the prose), and
 * the whole-file check: [agent], every probe, then unknown keys.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/servers.h"
#include "common/log.h"
#include "common/manpage.h"
#include "probes/check/check.h"
#include "probes/fim/fim.h"
#include "probes/inventory/probe_inventory.h"
#include "probes/packet/detector.h"
#include "probes/packet/engine.h"
#include "probes/system.h"
#include "probes/web/web.h"

static const char *const log_levels[] = { "error", "warn", "info", "debug",
	NULL };

static int
v_name(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	if (s[0] != '\0' && !event_name_ok(s, EVENT_AGENT_MAX)) {
		snprintf(why, whylen, "'%s' must be 1-63 characters of A-Z a-z "
		    "0-9 . _ - (it must equal the certificate's CN)", s);
		return -1;
	}
	return 0;
}

static int
v_servers(const void *field, char *why, size_t whylen)
{
	return servers_check(field, why, whylen);
}

static int
v_path(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	if (s[0] != '/') {
		snprintf(why, whylen, "'%s' must be an absolute path", s);
		return -1;
	}
	return 0;
}

static int
v_user(const void *field, char *why, size_t whylen)
{
	const char *s = field;

	for (size_t i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
			snprintf(why, whylen, "'%s' is not a user name", s);
			return -1;
		}
	}
	return 0;
}

#define AOFF(f)	offsetof(struct agent_conf, f)
#define ASZ(f)	sizeof(((struct agent_conf *)0)->f)
#define DAY_MS	(86400LL * 1000)

const struct conf_opt agent_conf_opts[] = {
	{ "name", CONF_STR, AOFF(name), ASZ(name), 0, 0, "", NULL, v_name,
	    "agent name, the certificate's CN (default: host name)" },
	{ "server", CONF_STR, AOFF(server), ASZ(server), 0, 0,
	    "https://127.0.0.1:8443", NULL, v_servers,
	    "collector URL, or several: the first, the next on failure" },
	{ "server_retry_primary", CONF_DURATION, AOFF(retry_primary_ms), 0,
	    1000, DAY_MS, "5m", NULL, NULL,
	    "how often the first collector is tried again while on another" },
	{ "ca", CONF_STR, AOFF(ca), ASZ(ca), 0, 0, "/etc/shaobing/ca.crt",
	    NULL, v_path, "the collector's CA (pinned: the only CA trusted)" },
	{ "cert", CONF_STR, AOFF(cert), ASZ(cert), 0, 0,
	    "/etc/shaobing/agent.crt", NULL, v_path, "client certificate" },
	{ "key", CONF_STR, AOFF(key), ASZ(key), 0, 0,
	    "/etc/shaobing/agent.key", NULL, v_path, "client key" },
	{ "spool", CONF_STR, AOFF(spool), ASZ(spool), 0, 0,
	    "/var/lib/shaobing/spool.db", NULL, v_path, "spool file" },
	{ "spool_max", CONF_SIZE, AOFF(spool_max), 0, 64 << 10,
	    (int64_t)64 << 30, "64M", NULL, NULL, "spool size cap" },
	{ "batch_max", CONF_INT, AOFF(batch_max), 0, 1, 5000, "1000", NULL,
	    NULL, "events per upload" },
	{ "heartbeat_interval", CONF_DURATION, AOFF(heartbeat_ms), 0, 1000,
	    DAY_MS, "60s", NULL, NULL, "heartbeat period" },
	{ "upload_interval", CONF_DURATION, AOFF(upload_ms), 0, 0, 3600000,
	    "2s", NULL, NULL, "how soon spooled events leave" },
	{ "retry_max", CONF_DURATION, AOFF(retry_max_ms), 0, 1000, DAY_MS,
	    "5m", NULL, NULL, "cap of the exponential backoff" },
	{ "user", CONF_STR, AOFF(user), ASZ(user), 0, 0, "shaobing", NULL,
	    v_user, "drop to this user after opening capture handles" },
	{ "log_level", CONF_ENUM, AOFF(log_level), 0, 0, 0, "info",
	    log_levels, NULL, "error, warn, info or debug" },
	{ "timezone", CONF_STR, AOFF(timezone), ASZ(timezone), 0, 0,
	    "Asia/Shanghai", NULL, NULL, "time zone of local times in logs" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

void
agent_setup_free(struct agent_setup *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nprobes; i++) {
		if (s->probes[i].ops->free != NULL)
			s->probes[i].ops->free(s->probes[i].state);
		s->probes[i].state = NULL;
	}
	s->nprobes = 0;
}

int
agent_setup_from_conf(struct conf *c, struct agent_setup *out,
    struct conf_err *err)
{
	memset(out, 0, sizeof(*out));
	if (conf_apply(c, "agent", agent_conf_opts, &out->ac, err) == -1)
		return -1;
	{
		int line = conf_key_line(c, "agent", "user");

		out->ac.user_set = line > 0;
		snprintf(out->ac.user_where, sizeof(out->ac.user_where),
		    "%s:%d", conf_path(c), line > 0 ? line :
		    conf_section_line(c, "agent"));
	}
	if (out->ac.name[0] == '\0') {
		char host[256];

		/* The host name is the default name, if it is a valid one. */
		memset(host, 0, sizeof(host));
		if (gethostname(host, sizeof(host) - 1) == -1 ||
		    !event_name_ok(host, sizeof(out->ac.name))) {
			snprintf(err->msg, sizeof(err->msg), "%s:%d: [agent] name "
			    "is not set and the host name cannot serve as one; "
			    "set name = the certificate's CN", conf_path(c),
			    conf_section_line(c, "agent"));
			return -1;
		}
		memcpy(out->ac.name, host, strlen(host) + 1);
	}
	for (size_t i = 0; probe_registry[i] != NULL; i++) {
		void *state = NULL;

		if (out->nprobes == AGENT_PROBES_MAX) {
			snprintf(err->msg, sizeof(err->msg), "more than %d probes "
			    "registered", AGENT_PROBES_MAX);
			goto fail;
		}
		if (probe_registry[i]->configure(c, &state, err) == -1)
			goto fail;
		if (state == NULL)
			continue;
		out->probes[out->nprobes].ops = probe_registry[i];
		out->probes[out->nprobes].state = state;
		out->nprobes++;
	}
	if (conf_check_unused(c, err) == -1)
		goto fail;
	return 0;
fail:
	agent_setup_free(out);
	return -1;
}

int
agent_setup_load(const char *path, struct agent_setup *out,
    struct conf_err *err)
{
	struct conf	*c;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((c = conf_load(path, err)) == NULL)
		return -1;
	rc = agent_setup_from_conf(c, out, err);
	conf_free(c);
	return rc;
}

void
agent_conf_man(FILE *out)
{
	struct man_conf	s[8 + 32];
	size_t		n = 0;

	s[n++] = (struct man_conf){ "agent", agent_conf_opts };
	s[n++] = (struct man_conf){ "system", system_conf_opts };
	s[n++] = (struct man_conf){ "inventory", inventory_conf_opts };
	s[n++] = (struct man_conf){ "packet", pkt_engine_opts };
	/* Each detector's own [packet] keys, in registry order. */
	for (const struct detector_ops *const *d = detector_registry;
	    *d != NULL && n < sizeof(s) / sizeof(s[0]) - 3; d++)
		if ((*d)->options != NULL)
			s[n++] = (struct man_conf){ "packet", (*d)->options };
	s[n++] = (struct man_conf){ "target NAME", check_target_opts };
	s[n++] = (struct man_conf){ "website NAME", website_opts };
	s[n++] = (struct man_conf){ "fim NAME", fim_opts_table };
	man_conf(out, "/etc/shaobing/agent.ini", s, n);
}
