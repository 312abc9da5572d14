/*
 * shaobing-agent --emit TYPE: commit one event to the configured spool,
 * for an administrator testing the pipeline ("send a test event") and for
 * tests and benchmarks that need events without restarting the agent.
 *
 * The event goes through the same checks the collector applies
 * (event_from_json), so a bad --data can never wedge the uploader with a
 * batch the collector refuses.  The running daemon's uploader finds it
 * at its next heartbeat (or sooner, with the next event of its own); the
 * spool is safe for several connections, and the seq comes from the
 * counter in the file, so it never collides with the daemon's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/spool.h"
#include "common/event.h"
#include "common/text.h"
#include "common/timeutil.h"

#define DEFAULT_CONF	"/etc/shaobing/agent.ini"
#define EMIT_DATA_MAX	(1 << 20)

static void
emit_usage(FILE *f)
{
	fprintf(f,
	    "usage: shaobing-agent --emit TYPE [--severity S] [--key KEY] "
	    "[--data JSON] [-c FILE]\n"
	    "  Commit one event to the spool of [agent] spool; the running "
	    "agent uploads it\n"
	    "  within [agent] heartbeat_interval.  S: info (default), low, "
	    "medium, high,\n"
	    "  critical.  KEY: default TYPE:AGENT.  JSON: an object "
	    "(default: a note\n"
	    "  saying it is a test event).  Prints the event's seq.\n"
	    "  exit 0: committed, 1: dropped by the spool's size cap, 2: "
	    "error\n");
}

/*
 * The files SQLite makes next to the spool belong to the spool's owner,
 * not to root running --emit (the daemon, as [agent] user, must open
 * them).
 */
static void
keep_owner(const char *spool)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	struct stat	sb;
	char		path[AGENT_PATH_MAX + 16];

	if (geteuid() != 0 || stat(spool, &sb) == -1)
		return;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", spool, sfx[i]);
		if (chown(path, sb.st_uid, sb.st_gid) == -1)
			continue;	/* gone or never made: fine */
	}
}

/*
 * The spool of [agent] spool, which only the daemon creates (its folder,
 * owner and mode).  NULL having said why on stderr.
 */
static struct spool *
configured_spool(const struct agent_setup *s, const char *conf)
{
	struct stat	 sb;
	struct spool	*sp;
	char		 err[512];

	if (stat(s->ac.spool, &sb) == -1) {
		fprintf(stderr, "shaobing-agent: no spool at %s ([agent] spool "
		    "in %s); start the agent once to create it\n", s->ac.spool,
		    conf);
		return NULL;
	}
	if ((sp = spool_open(s->ac.spool, s->ac.spool_max, err,
	    sizeof(err))) == NULL)
		fprintf(stderr, "shaobing-agent: %s\n", err);
	return sp;
}

int
agent_emit_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "emit", required_argument, NULL, 'e' },
		{ "severity", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "data", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_setup	 s;
	struct conf_err		 cerr;
	struct event		 ev, chk;
	struct spool		*sp = NULL;
	const char		*conf = DEFAULT_CONF, *type = NULL;
	const char		*sevs = "info", *key = NULL, *datas = NULL;
	enum severity		 sev;
	json_t			*data = NULL, *o = NULL;
	char			 keybuf[EVENT_KEY_MAX], err[512];
	uint64_t		 seq = 0;
	int			 ch, rc = 2, r;

	memset(&s, 0, sizeof(s));
	memset(&ev, 0, sizeof(ev));
	memset(&chk, 0, sizeof(chk));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			type = optarg;
			break;
		case 's':
			sevs = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'd':
			datas = optarg;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'h':
			emit_usage(stdout);
			return 0;
		default:
			emit_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shaobing-agent: --emit: unexpected argument "
		    "'%s'\n", argv[optind]);
		emit_usage(stderr);
		return 2;
	}
	if (type == NULL || !event_name_ok(type, EVENT_TYPE_MAX)) {
		fprintf(stderr, "shaobing-agent: --emit: the type must be 1-%d "
		    "characters of A-Z a-z 0-9 . _ -\n", EVENT_TYPE_MAX - 1);
		return 2;
	}
	if (severity_parse(sevs, &sev) == -1) {
		fprintf(stderr, "shaobing-agent: --severity '%s': expected one "
		    "of info, low, medium, high, critical\n", sevs);
		return 2;
	}
	if (datas != NULL) {
		data = json_parse_bounded(datas, strlen(datas),
		    EVENT_DATA_MAX_DEPTH, err, sizeof(err));
		if (data == NULL || !json_is_object(data) ||
		    strlen(datas) > EMIT_DATA_MAX) {
			fprintf(stderr, "shaobing-agent: --data: %s\n",
			    data == NULL ? err : "expected a JSON object of at "
			    "most 1 MB");
			goto out;
		}
	} else
		data = json_pack("{s:s}", "message",
		    "test event from shaobing-agent --emit; 测试事件");
	if (agent_setup_load(conf, &s, &cerr) == -1) {
		fprintf(stderr, "%s\n", cerr.msg);
		goto out;
	}
	if (key == NULL) {
		snprintf(keybuf, sizeof(keybuf), "%s:%s", type, s.ac.name);
		key = keybuf;
	}
	/* The collector's own checks, on the event as it will be sent. */
	if (event_set(&ev, s.ac.name, 1, time_now_ms(), type, sev, key,
	    json_incref(data)) == -1) {
		fprintf(stderr, "shaobing-agent: --key: at most %d characters\n",
		    EVENT_KEY_MAX - 1);
		goto out;
	}
	if ((o = event_to_json(&ev)) == NULL ||
	    event_from_json(o, "event", &chk, err, sizeof(err)) == -1) {
		fprintf(stderr, "shaobing-agent: --emit: %s\n",
		    o == NULL ? "out of memory" : err);
		goto out;
	}
	if ((sp = configured_spool(&s, conf)) == NULL)
		goto out;
	r = spool_append(sp, ev.ts_ms, type, sev, key, data, &seq, err,
	    sizeof(err));
	if (r == -1) {
		fprintf(stderr, "shaobing-agent: %s\n", err);
		goto out;
	}
	if (r == 0) {
		fprintf(stderr, "shaobing-agent: the spool %s is full of events "
		    "of higher severity; this one was dropped (and counted)\n",
		    s.ac.spool);
		rc = 1;
		goto out;
	}
	printf("event %llu %s %s %s committed to %s; the running agent sends "
	    "it within %lld s\n", (unsigned long long)seq, type,
	    severity_name(sev), key, s.ac.spool,
	    (long long)(s.ac.heartbeat_ms / 1000));
	rc = 0;
out:
	spool_close(sp);
	if (sp != NULL)
		keep_owner(s.ac.spool);
	json_decref(o);
	json_decref(data);
	event_clear(&ev);
	event_clear(&chk);
	agent_setup_free(&s);
	return rc;
}

static void
rejected_usage(FILE *f)
{
	fprintf(f,
	    "usage: shaobing-agent --rejected [--json] [-c FILE]\n"
	    "  List the dead letters of [agent] spool: events the collector "
	    "answered as\n"
	    "  rejected (it could not store them), with its reason; they are "
	    "not sent\n"
	    "  again.  Times local.  exit 0, 2: error\n");
}

int
agent_rejected_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rejected", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_setup	 s;
	struct conf_err		 cerr;
	struct spool		*sp = NULL;
	const char		*conf = DEFAULT_CONF;
	json_t			*arr = NULL, *v;
	char			 err[512], ts[40];
	size_t			 i;
	int			 ch, rc = 2, json = 0;

	memset(&s, 0, sizeof(s));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'h':
			rejected_usage(stdout);
			return 0;
		default:
			rejected_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shaobing-agent: --rejected: unexpected argument "
		    "'%s'\n", argv[optind]);
		rejected_usage(stderr);
		return 2;
	}
	if (agent_setup_load(conf, &s, &cerr) == -1) {
		fprintf(stderr, "%s\n", cerr.msg);
		goto out;
	}
	if ((sp = configured_spool(&s, conf)) == NULL)
		goto out;
	if (spool_rejected(sp, &arr, err, sizeof(err)) == -1) {
		fprintf(stderr, "shaobing-agent: %s\n", err);
		goto out;
	}
	if (json) {
		char *text = json_dumps(arr, JSON_INDENT(2));

		if (text == NULL) {
			fprintf(stderr, "shaobing-agent: out of memory\n");
			goto out;
		}
		printf("%s\n", text);
		free(text);
		rc = 0;
		goto out;
	}
	if (json_array_size(arr) == 0)
		printf("no rejected events in %s\n", s.ac.spool);
	json_array_foreach(arr, i, v) {
		time_format_local(json_integer_value(json_object_get(v,
		    "rejected_at")), ts, sizeof(ts));
		/* Text from outside: one sanitiser before the terminal. */
		printf("seq %lld  %s  %s  key %s  rejected %s: %s\n",
		    (long long)json_integer_value(json_object_get(v, "seq")),
		    text_term(json_string_value(json_object_get(v, "type"))),
		    json_string_value(json_object_get(v, "severity")),
		    text_term(json_string_value(json_object_get(v, "key"))), ts,
		    text_term(json_string_value(json_object_get(v, "error"))));
	}
	rc = 0;
out:
	spool_close(sp);
	if (sp != NULL)
		keep_owner(s.ac.spool);
	json_decref(arr);
	agent_setup_free(&s);
	return rc;
}
