/*
 * shaobing-collector: the central daemon.  Options, daemon mode and
 * signals; the work is in http.c, api.c and store.c.
 *
 *   SIGTERM, SIGINT  stop accepting, finish and answer the request in
 *                    flight (a batch is committed before it is answered),
 *                    close the store, exit 0.
 *   SIGHUP           read the configuration again; apply what is safe
 *                    while running (log level, time zone, limits,
 *                    timeouts, gap_factor, TLS certificate/key/CA); a
 *                    changed listen address or store path needs a restart.
 */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "collector/access.h"
#include "collector/api.h"
#include "collector/asset.h"
#include "collector/collector.h"
#include "collector/db.h"
#include "collector/console.h"
#include "collector/http.h"
#include "collector/incident.h"
#include "collector/notify.h"
#include "collector/outbox.h"
#include "collector/retention.h"
#include "collector/schedule.h"
#include "collector/store.h"
#include "collector/store_indicator.h"
#include "collector/store_migrate.h"
#include "common/checkfiles.h"
#include "common/event.h"
#include "common/log.h"
#include "common/manpage.h"
#include "common/pki.h"
#include "common/sdnotify.h"
#include "common/timeutil.h"
#include "common/version.h"

#define DEFAULT_CONFIG	"/etc/shaobing/collector.ini"
/* The packaged unit's User=: --check-config opens files as it. */
#define COLLECTOR_USER	"shaobing"
#define SHUTDOWN_GRACE_MS 10000

struct collector {
	const char		*conf_path;
	int			 verbose;
	struct collector_conf	 conf;
	struct event_base	*base;
	struct http_server	*http;
	struct store		*store;
	struct api		 api;
	struct asset_engine	 assets;
	struct incidents	*incidents;
	struct notifier		*notifier;
	struct event		*ev_notify;	/* notifier results readable */
	struct event		*ev_watch;	/* host-down watch timer */
	struct outbox		*outbox;	/* notifications to send */
	struct event		*ev_outbox;	/* its poll timer */
	struct event		*ev_kick;	/* its run after a COMMIT */
	char			 instance[OUTBOX_OWNER_MAX];
	long long		 cert_raised;	/* notAfter already raised */
	struct retention	*retention;	/* daily event prune */
	struct event		*ev_retention;	/* its timer (one-shot) */
};

/* The first prune waits for the burst of agents reconnecting at start. */
#define RETENTION_START_DELAY_MS	(5LL * 60 * 1000)

static void
usage(FILE *f)
{
	fprintf(f, "usage: shaobing-collector [-f] [-v] [-c FILE] "
	    "[--check-config [--user U]] [--version]\n"
	    "       shaobing-collector --migrate-store FROM_URL TO_URL\n"
	    "  -c FILE         configuration (default %s)\n"
	    "  -f              stay in the foreground, log to stderr\n"
	    "  -v              debug logging\n"
	    "  --check-config  validate the configuration, open every file the\n"
	    "                  collector will open (as root: as user --user,\n"
	    "                  default %s, the unit's User=) and exit\n"
	    "  --migrate-store FROM_URL TO_URL\n"
	    "                  copy the store FROM_URL (its schema brought to\n"
	    "                  this version first) into the new, empty database\n"
	    "                  TO_URL (sqlite:///PATH or postgresql://...),\n"
	    "                  verify row counts and the audit chain, print a\n"
	    "                  summary and exit: 0 done, 1 copy or verification\n"
	    "                  failed, 2 unusable arguments or databases\n"
	    "  --version       print the version\n",
	    DEFAULT_CONFIG, COLLECTOR_USER);
}

static void
apply_log(struct collector *co)
{
	log_setlevel(co->verbose ? LOG_LVL_DEBUG :
	    (enum log_level)co->conf.log_level);
	time_set_zone(co->conf.timezone);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct collector *co = arg;

	(void)what;
	log_info("%s: finishing requests in flight, then stopping",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_server_drain(co->http, SHUTDOWN_GRACE_MS);
}

static void
on_notify_result(void *arg, const struct notify_result *r)
{
	struct collector *co = arg;

	incidents_on_notify(co->incidents, r);
	outbox_on_result(co->outbox, r, time_now_ms());
}

/* Send what the outbox holds for this collector: due rows, a batch at a
   time, a few batches per run so the loop serves requests between. */
static void
on_outbox(evutil_socket_t fd, short what, void *arg)
{
	struct collector	*co = arg;
	char			 err[512];
	int			 n = OUTBOX_BATCH;

	(void)fd; (void)what;
	for (int i = 0; i < 8 && n == OUTBOX_BATCH; i++)
		if ((n = outbox_run(co->outbox, time_now_ms(), err,
		    sizeof(err))) == -1)
			log_warnx("notifications: %s; will try again", err);
}

/* A COMMIT queued notifications: send them now rather than at the poll. */
static void
outbox_kick(void *arg)
{
	struct collector *co = arg;

	event_active(co->ev_kick, EV_TIMEOUT, 0);
}

static void
on_notify_fd(evutil_socket_t fd, short what, void *arg)
{
	struct collector *co = arg;

	(void)fd; (void)what;
	notify_dispatch(co->notifier);
}

/*
 * The collector's own server certificate: an incident (once per
 * certificate and run) when it expires within CERT_WARN_MS, in time to
 * issue it again (shaobing ca server-cert) and reload.
 */
#define CERT_WARN_MS	(30LL * 24 * 3600 * 1000)

static void
cert_watch(struct collector *co, int64_t now)
{
	struct pki_cert	*c;
	long long	 na;
	char		 err[512], when[32], key[EVENT_KEY_MAX], what[768];

	if ((c = pki_cert_load(co->conf.cert, err, sizeof(err))) == NULL)
		return;
	if (pki_cert_not_after(c, &na) == 0 && na - now < CERT_WARN_MS &&
	    na != co->cert_raised) {
		if (time_format_local(na, when, sizeof(when)) == -1)
			snprintf(when, sizeof(when), "?");
		snprintf(key, sizeof(key), "collector_cert_expiring:%.200s",
		    co->conf.cert);
		snprintf(what, sizeof(what), "%s %s %s", co->conf.cert,
		    na < now ? "expired" : "expires", when);
		if (incidents_raise(co->incidents, "collector_cert_expiring",
		    key, "collector", what, SEV_HIGH, now, err,
		    sizeof(err)) == -1)
			log_errorx("certificate watch: %s; will try again", err);
		else {
			co->cert_raised = na;
			log_warnx("the collector's certificate %s %s %s: agents "
			    "will refuse it then; issue it again (shaobing ca "
			    "server-cert DIR --name ...) and reload (systemctl "
			    "reload shaobing-collector)", co->conf.cert,
			    na < now ? "expired" : "expires", when);
		}
	}
	pki_cert_free(c);
}

static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct collector	*co = arg;
	char			 err[512];
	int64_t			 now = time_now_ms();

	(void)fd; (void)what;
	if (incidents_tick(co->incidents, now, err, sizeof(err)) == -1)
		log_errorx("host-down watch: %s; will try again", err);
	cert_watch(co, now);
}

static void
retention_arm(struct collector *co, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (evtimer_add(co->ev_retention, &tv) == -1)
		log_errorx("event retention: cannot set its timer; no more "
		    "prunes until a restart");
}

/* One batch at a time; the event loop serves requests in between. */
static void
on_retention(evutil_socket_t fd, short what, void *arg)
{
	struct collector	*co = arg;

	(void)fd; (void)what;
	retention_set_keep(co->retention, co->conf.event_retention_ms);
	retention_arm(co, retention_step(co->retention, time_now_ms()));
}

static int
retention_start(struct collector *co)
{
	if ((co->retention = retention_new(co->store,
	    co->conf.event_retention_ms, time_now_ms() +
	    RETENTION_START_DELAY_MS, RETENTION_BATCH)) == NULL ||
	    (co->ev_retention = evtimer_new(co->base, on_retention, co)) ==
	    NULL) {
		log_errorx("event retention: out of memory");
		return -1;
	}
	retention_arm(co, RETENTION_START_DELAY_MS);
	return 0;
}

static void
incidents_opts_of(struct collector *co, struct incidents_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->conf = &co->conf.incidents;
	o->schedule = &co->conf.sched;
	o->gap_factor = co->conf.gap_factor;
	o->notifier = co->notifier;
	if (co->ev_kick != NULL) {
		o->outbox_kick = outbox_kick;
		o->kick_arg = co;
	}
}

/* The incident engine, its notifier and the host-down timer. */
static int
incidents_start(struct collector *co)
{
	struct notify_opts	no;
	struct incidents_opts	io;
	struct timeval		tv;
	char			err[512];

	if (co->conf.notify.n > 0) {
		memset(&no, 0, sizeof(no));
		no.on_result = on_notify_result;
		no.arg = co;
		if ((co->notifier = notify_new(&co->conf.notify, &no, err,
		    sizeof(err))) == NULL) {
			log_errorx("notifications: %s", err);
			return -1;
		}
		co->ev_notify = event_new(co->base,
		    notify_result_fd(co->notifier), EV_READ | EV_PERSIST,
		    on_notify_fd, co);
		if (co->ev_notify == NULL ||
		    event_add(co->ev_notify, NULL) == -1) {
			log_errorx("notifications: cannot watch the sender");
			return -1;
		}
		/* The outbox: polled every second (what another collector
		   queued, or left when its lease expired) and run at once
		   after a COMMIT that queued something. */
		outbox_instance_id(co->instance, sizeof(co->instance),
		    time_now_ms());
		{
			struct outbox_opts	oo = {
				.st = co->store, .notifier = co->notifier,
				.conf = &co->conf.incidents,
				.owner = co->instance,
			};
			struct timeval		sec = { 1, 0 };

			if ((co->outbox = outbox_new(&oo)) == NULL ||
			    (co->ev_kick = event_new(co->base, -1, 0, on_outbox,
			    co)) == NULL ||
			    (co->ev_outbox = event_new(co->base, -1,
			    EV_PERSIST, on_outbox, co)) == NULL ||
			    event_add(co->ev_outbox, &sec) == -1) {
				log_errorx("notifications: cannot start the "
				    "outbox sender: out of memory");
				return -1;
			}
		}
		log_info("notifications: this collector sends as %s",
		    co->instance);
	} else
		log_info("no [notify NAME] section: incidents are logged and "
		    "listed but nobody is told; add a channel to be notified");
	incidents_opts_of(co, &io);
	if ((co->incidents = incidents_new(co->store, &io, err,
	    sizeof(err))) == NULL) {
		log_errorx("incidents: %s", err);
		return -1;
	}
	co->api.incidents = co->incidents;
	tv.tv_sec = co->conf.incidents.check_interval_ms / 1000;
	tv.tv_usec = (co->conf.incidents.check_interval_ms % 1000) * 1000;
	if ((co->ev_watch = event_new(co->base, -1, EV_PERSIST, on_watch,
	    co)) == NULL || event_add(co->ev_watch, &tv) == -1) {
		log_errorx("incidents: cannot start the host-down timer");
		return -1;
	}
	return 0;
}

static void
incidents_stop(struct collector *co)
{
	if (co->ev_watch != NULL)
		event_free(co->ev_watch);
	if (co->ev_notify != NULL)
		event_free(co->ev_notify);
	if (co->ev_outbox != NULL)
		event_free(co->ev_outbox);
	if (co->ev_kick != NULL)
		event_free(co->ev_kick);
	/* Unfinished sends are reported (and recorded) as failed; their
	   outbox rows go back for the next collector. */
	notify_free(co->notifier);
	co->notifier = NULL;
	outbox_free(co->outbox);
	co->outbox = NULL;
	incidents_free(co->incidents);
	co->incidents = NULL;
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct collector	*co = arg;
	struct collector_conf	 n, old;
	struct incidents_opts	 io;
	struct conf_err		 err;
	char			 msg[512];

	(void)sig; (void)what;
	if (collector_conf_load(co->conf_path, &n, &err) == -1) {
		log_warnx("SIGHUP: %s; keeping the running configuration", err.msg);
		return;
	}
	if (strcmp(n.listen, co->conf.listen) != 0 ||
	    strcmp(n.admin_listen, co->conf.admin_listen) != 0 ||
	    strcmp(n.admin_socket, co->conf.admin_socket) != 0 ||
	    strcmp(n.store_url, co->conf.store_url) != 0) {
		log_warnx("SIGHUP: listen addresses and [store] url/path "
		    "change only on restart; keeping the old ones until then");
		memcpy(n.listen, co->conf.listen, sizeof(n.listen));
		memcpy(n.admin_listen, co->conf.admin_listen,
		    sizeof(n.admin_listen));
		memcpy(n.admin_socket, co->conf.admin_socket,
		    sizeof(n.admin_socket));
		memcpy(n.store_path, co->conf.store_path, sizeof(n.store_path));
		memcpy(n.store_url, co->conf.store_url, sizeof(n.store_url));
	}
	if (access_reload(co->api.access, &n, msg, sizeof(msg)) == -1) {
		log_warnx("SIGHUP: %s; keeping the running configuration", msg);
		collector_conf_free(&n);
		return;
	}
	if (http_server_reload(co->http, &n, msg, sizeof(msg)) == -1) {
		log_warnx("SIGHUP: %s; keeping the running configuration", msg);
		collector_conf_free(&n);
		return;
	}
	if (n.notify.n != co->conf.notify.n ||
	    (n.notify.n > 0 && memcmp(n.notify.ch, co->conf.notify.ch,
	    n.notify.n * sizeof(*n.notify.ch)) != 0))
		log_warnx("SIGHUP: [notify] channels change only on restart");
	/* co->conf is swapped in place (modules keep pointers into it);
	   what the old one owned goes after the swap. */
	old = co->conf;
	co->conf = n;
	/* [incidents], [category] and [schedule] apply at once. */
	incidents_opts_of(co, &io);
	incidents_set_conf(co->incidents, &io);
	collector_conf_free(&old);
	apply_log(co);
	log_info("SIGHUP: configuration %s reloaded", co->conf_path);
}

/* What check_files() opens (paths copied: the calendar list expands). */
struct check_list {
	struct checkfile	*f;
	size_t			 n, cap;
};

static int
check_add(struct check_list *l, const char *what, const char *path,
    enum checkfile_need need)
{
	struct checkfile	*f;
	char			*p;

	if (l->n == l->cap) {
		if ((f = realloc(l->f, (l->cap + 16) * sizeof(*f))) == NULL)
			return -1;
		l->f = f;
		l->cap += 16;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	l->f[l->n++] = (struct checkfile){ what, p, need };
	return 0;
}

static int
check_add_calendar(void *arg, const char *path)
{
	return check_add(arg, "[schedule] calendar", path, CHECK_READ);
}

/*
 * --check-config: open every file the collector will open, as user
 * (NULL: as whoever runs this; not installed from the package).
 */
static int
check_files(struct collector *co, const char *user)
{
	const struct collector_conf	*cc = &co->conf;
	struct check_list		 l = { NULL, 0, 0 };
	struct conf_err			 cerr;
	int				 rc = 2;

	if (check_add(&l, "[server] cert", cc->cert, CHECK_READ) == -1 ||
	    check_add(&l, "[server] key", cc->key, CHECK_READ) == -1 ||
	    check_add(&l, "[server] ca", cc->ca, CHECK_READ) == -1 ||
	    check_add(&l, "[enroll] ca_key", cc->enroll_ca_key,
	    CHECK_READ) == -1 ||
	    (cc->store_path[0] != '\0' && check_add(&l, "[store] path",
	    cc->store_path, CHECK_DIR_WRITE) == -1) ||
	    check_add(&l, "[assets] oui", cc->asset_oui,
	    CHECK_READ_OPTIONAL) == -1 ||
	    check_add(&l, "[admin] socket", cc->admin_socket,
	    CHECK_SOCKET) == -1) {
		fprintf(stderr, "shaobing-collector: out of memory\n");
		goto out;
	}
	cerr.msg[0] = '\0';
	if (calendar_list_each(cc->sched.calendar_path, check_add_calendar,
	    &l, &cerr) != 0) {
		fprintf(stderr, "shaobing-collector: [schedule] calendar: %s\n",
		    cerr.msg[0] ? cerr.msg : "out of memory");
		goto out;
	}
	rc = checkfiles_run("shaobing-collector", user, l.f, l.n);
	if (rc == 0 && db_target_is_postgres(cc->store_url)) {
		char		 why[512];
		struct db	*db = db_open(cc->store_url, why, sizeof(why));

		if (db == NULL) {
			fprintf(stderr, "shaobing-collector: [store] url: %s\n",
			    why);
			rc = 2;
		}
		db_close(db);
	}
	if (rc == 0)
		printf("configuration OK (files opened as user %s)\n",
		    geteuid() == 0 && user != NULL ? user : "running this");
out:
	for (size_t i = 0; i < l.n; i++)
		free((char *)l.f[i].path);
	free(l.f);
	return rc;
}

int
main(int argc, char **argv)
{
	struct collector	 co;
	struct conf_err		 cerr;
	struct event		*ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
	char			 err[512];
	const char		*check_user = COLLECTOR_USER;
	const char		*mig_from = NULL, *mig_to = NULL;
	int			 foreground = 0, check = 0, rc = 1;
	int			 user_given = 0, fatal = 0;

	memset(&co, 0, sizeof(co));
	co.conf_path = DEFAULT_CONFIG;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			foreground = 1;
		else if (strcmp(argv[i], "-v") == 0)
			co.verbose = 1;
		else if (strcmp(argv[i], "--check-config") == 0)
			check = 1;
		else if (strcmp(argv[i], "--migrate-store") == 0 &&
		    i + 2 < argc) {
			mig_from = argv[++i];
			mig_to = argv[++i];
		}
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			check_user = argv[++i];
			user_given = 1;
		}
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			co.conf_path = argv[++i];
		else if (strcmp(argv[i], "--man") == 0) {
			/* The man page's generated part (packaging/man/render.sh). */
			man_usage(stdout, "OPTIONS", usage);
			collector_conf_man(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("shaobing-collector %s\n", shaobing_version);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "shaobing-collector: unknown option "
			    "'%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	log_init("shaobing-collector", 0, co.verbose ? LOG_LVL_DEBUG :
	    LOG_LVL_INFO);
	/* One-shot, on the two databases named: no configuration needed. */
	if (mig_from != NULL)
		return store_migrate(mig_from, mig_to, NULL);
	if (collector_conf_load(co.conf_path, &co.conf, &cerr) == -1) {
		fprintf(stderr, "%s\n", cerr.msg);
		return 2;
	}
	if (check) {
		/* Not installed from the package (no user shaobing): the
		   files are checked as whoever runs this. */
		rc = check_files(&co, user_given ? check_user :
		    getpwnam(check_user) != NULL ? check_user : NULL);
		collector_conf_free(&co.conf);
		return rc;
	}
	apply_log(&co);
	signal(SIGPIPE, SIG_IGN);
	if ((co.store = store_open(co.conf.store_url, err, sizeof(err))) == NULL) {
		log_errorx("%s; check [store] url or path (the file's "
		    "directory permissions; PostgreSQL: the server, the role, "
		    "its password file) — shaobing-collector --check-config "
		    "names the problem; not restarting", err);
		rc = 2;
		goto out;
	}
	co.assets.conf = &co.conf;
	co.assets.oui_path = co.conf.asset_oui;
	if (store_add_prepare_hook(co.store, store_indicator_prepare,
	    NULL) == -1 ||
	    store_add_event_hook(co.store, store_indicator_hook, NULL) == -1 ||
	    store_add_event_hook(co.store, asset_hook, &co.assets) == -1) {
		log_errorx("store: too many ingest hooks");
		goto out;
	}
	co.api.store = co.store;
	co.api.conf = &co.conf;
	co.api.now = time_now_ms;
	if ((co.api.access = access_new(&co.conf, err, sizeof(err))) == NULL) {
		log_errorx("%s; fix [server] ca (shaobing-collector "
		    "--check-config names the problem); not restarting", err);
		rc = 2;
		goto out;
	}
	if ((co.api.console = console_new()) == NULL) {
		log_errorx("web console: cannot set up (out of memory)");
		goto out;
	}
	/*
	 * Three priorities: everything at the default (1); the group
	 * commit (http.c) at 2, so it runs once the ready requests are read.
	 */
	if ((co.base = event_base_new()) == NULL ||
	    event_base_priority_init(co.base, 3) == -1) {
		log_errorx("cannot create the event loop");
		goto out;
	}
	if ((co.http = http_server_new(co.base, &co.api, &co.conf, &fatal,
	    err, sizeof(err))) == NULL) {
		if (fatal) {
			log_errorx("%s; fix it (shaobing-collector "
			    "--check-config names the problem); not restarting",
			    err);
			rc = 2;
		} else
			log_errorx("%s", err);
		goto out;
	}
	if (!foreground) {
		/* Sockets and store are open: errors so far went to the
		   terminal; from here on to syslog. */
		if (daemon(0, 0) == -1) {
			log_error("daemon");
			goto out;
		}
		log_init("shaobing-collector", 1, log_getlevel());
		if (event_reinit(co.base) == -1) {
			log_errorx("event_reinit failed after fork");
			goto out;
		}
	}
	/* After daemon(): the notifier's thread must live in this process. */
	if (incidents_start(&co) == -1 || retention_start(&co) == -1)
		goto out;
	ev_term = evsignal_new(co.base, SIGTERM, on_stop, &co);
	ev_int = evsignal_new(co.base, SIGINT, on_stop, &co);
	ev_hup = evsignal_new(co.base, SIGHUP, on_hup, &co);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 || evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1) {
		log_errorx("cannot install signal handlers");
		goto out;
	}
	log_info("started: agents on https://%s (web console at /console/), "
	    "admin API on unix:%s%s%s "
	    "and https://%s (API token), store %s (schema %d)", co.conf.listen,
	    co.conf.admin_socket[0] ? co.conf.admin_socket : "(off)",
	    co.conf.admin_listen[0] ? ", http://" : "", co.conf.admin_listen,
	    co.conf.listen, store_name(co.store), store_schema_version(co.store));
	sdnotify_ready();
	if (event_base_dispatch(co.base) == -1) {
		log_errorx("event loop failed");
		goto out;
	}
	log_info("stopped: %llu batches and %llu new events stored, %llu "
	    "requests refused since start",
	    (unsigned long long)co.api.batches,
	    (unsigned long long)co.api.events_new,
	    (unsigned long long)co.api.rejected);
	rc = 0;
out:
	if (ev_term != NULL)
		event_free(ev_term);
	if (ev_int != NULL)
		event_free(ev_int);
	if (ev_hup != NULL)
		event_free(ev_hup);
	http_server_free(co.http);
	console_free(co.api.console);
	incidents_stop(&co);
	if (co.ev_retention != NULL)
		event_free(co.ev_retention);
	retention_free(co.retention);
	access_free(co.api.access);
	store_close(co.store);
	asset_engine_free(&co.assets);
	collector_conf_free(&co.conf);
	if (co.base != NULL)
		event_base_free(co.base);
	return rc;
}
