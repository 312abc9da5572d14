/*
 * shaobing-agent as a daemon: configuration, event-driven probes (packet
 * capture) on a libevent loop, periodic probes on the scheduler thread
 * (agent/sched.c), the spool, the uploader thread, signals.
 *
 * Start-up order follows "open, drop, parse": read the configuration and
 * the TLS files, open the spool and let event-driven probes open their
 * capture handles as root, then drop to [agent] user, then start the
 * uploader and the periodic probes.
 *
 * Threads: the loop, the scheduler and the uploader.  The loop and the
 * scheduler both emit into one spool connection, serialised by sp_mu
 * (an append is one short transaction; a second connection would cost a
 * page cache and SQLITE_BUSY waits for nothing).
 *
 * SIGTERM/SIGINT: leave the loop, let a periodic run finish the check in
 * progress and the uploader the batch in flight, exit 0.  SIGHUP: re-read
 * the file; if it is invalid, log why and keep running as before.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/privdrop.h"
#include "agent/sched.h"
#include "agent/spool.h"
#include "agent/upload.h"
#include "common/checkfiles.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/pki.h"
#include "common/timeutil.h"
#include "probes/system.h"

#define DEFAULT_CONF		"/etc/shaobing/agent.ini"
#define DROP_REPORT_MS		60000

struct agentd {
	const char		*conf_path;
	bool			 verbose;
	struct event_base	*base;
	/* [agent] and the event-driven probes; the periodic ones belong to
	 * the scheduler once it started. */
	struct agent_setup	 setup;
	struct sched		*sched;
	pthread_mutex_t		 sp_mu;	/* sp and emit_fail */
	struct spool		*sp;
	struct uploader		*up;
	struct emitter		 em;
	struct event		*sigs[3];
	struct event		*drop_timer;
	uint64_t		 emit_fail;
};

static int
agentd_emit(void *ctx, int64_t ts_ms, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct agentd	*d = ctx;
	char		 err[512];
	uint64_t	 seq = 0;
	int		 rc = -1;

	if (!event_name_ok(type, EVENT_TYPE_MAX) || key == NULL ||
	    strlen(key) >= EVENT_KEY_MAX || (data != NULL &&
	    !json_is_object(data))) {
		log_warnx("probe bug: event '%.48s' has a bad type, key or data; "
		    "not recorded", type);
		goto out;
	}
	pthread_mutex_lock(&d->sp_mu);
	rc = spool_append(d->sp, ts_ms ? ts_ms : time_now_ms(), type, sev, key,
	    data, &seq, err, sizeof(err));
	if (rc == -1 && d->emit_fail++ % 1000 == 0) {
		/* One line per thousand failures: the disk is likely full. */
		log_errorx("cannot record event %s (%llu failures so far): %s; "
		    "check the disk holding the spool", type,
		    (unsigned long long)d->emit_fail, err);
	}
	pthread_mutex_unlock(&d->sp_mu);
	if (rc == 1) {
		log_debug("event %llu %s %s %s", (unsigned long long)seq, type,
		    severity_name(sev), key);
		if (d->up != NULL)
			uploader_kick(d->up);
		rc = 0;
	} else if (rc == 0) {
		/* Lost to the size cap; the spool reports it as spool_dropped. */
		if (d->up != NULL)
			uploader_kick(d->up);
		rc = -1;
	}
out:
	json_decref(data);
	return rc;
}

/* ---- periodic probes ------------------------------------------------ */

/*
 * Hand the periodic probes of s to the scheduler (started when d->sched
 * is NULL, else replaced) and keep only the event-driven ones in s.
 */
static int
periodic_start(struct agentd *d, struct agent_setup *s)
{
	char	err[256];
	size_t	k = 0;

	if (d->sched == NULL) {
		if ((d->sched = sched_start(s->probes, s->nprobes, &d->em, err,
		    sizeof(err))) == NULL) {
			log_errorx("%s", err);
			return -1;
		}
	} else
		sched_replace(d->sched, s->probes, s->nprobes);
	for (size_t i = 0; i < s->nprobes; i++)
		if (sched_count(&s->probes[i], 1) == 0)
			s->probes[k++] = s->probes[i];
	s->nprobes = k;
	return 0;
}

/* ---- signals -------------------------------------------------------- */

static void
apply_log_settings(struct agentd *d)
{
	log_setlevel(d->verbose ? LOG_LVL_DEBUG :
	    (enum log_level)d->setup.ac.log_level);
	time_set_zone(d->setup.ac.timezone);
}

static bool
is_event_driven(const struct agent_probe *p)
{
	return p->ops->start != NULL;
}

static void
reload(struct agentd *d)
{
	struct agent_setup	 nw, merged;
	struct agent_conf	*old = &d->setup.ac, *ac;
	struct upload_creds	 cr;
	struct conf_err		 err;
	char			 why[512];
	bool			 have_cr = true;

	if (agent_setup_load(d->conf_path, &nw, &err) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err.msg);
		return;
	}
	ac = &nw.ac;
	if (upload_creds_load(&cr, ac, why, sizeof(why)) == -1) {
		if (strcmp(ac->ca, old->ca) != 0 ||
		    strcmp(ac->cert, old->cert) != 0 ||
		    strcmp(ac->key, old->key) != 0) {
			log_warnx("reload: %s; keeping the running "
			    "configuration", why);
			agent_setup_free(&nw);
			return;
		}
		/* Same files, unreadable since we dropped root: keep ours. */
		log_debug("reload: %s; keeping the certificates in memory", why);
		have_cr = false;
	}
	if (strcmp(ac->spool, old->spool) != 0 || strcmp(ac->user, old->user))
		log_warnx("reload: [agent] spool and user take effect at the "
		    "next restart");
	/*
	 * Capture probes were started as root; they stay as they are.
	 * Periodic probes are replaced by the new ones (the scheduler frees
	 * the old ones once their run in progress ends).
	 */
	memset(&merged, 0, sizeof(merged));
	merged.ac = nw.ac;
	memcpy(merged.ac.spool, old->spool, sizeof(merged.ac.spool));
	memcpy(merged.ac.user, old->user, sizeof(merged.ac.user));
	merged.nprobes = d->setup.nprobes;
	memcpy(merged.probes, d->setup.probes, sizeof(merged.probes));
	for (size_t i = 0; i < nw.nprobes; i++) {
		struct agent_probe *p = &nw.probes[i];

		if (is_event_driven(p)) {
			log_info("reload: probe %s captures packets; its changes "
			    "take effect at the next restart", p->ops->name);
			if (p->ops->free != NULL)
				p->ops->free(p->state);
			p->state = NULL;
		}
	}
	(void)periodic_start(d, &nw);	/* replacing cannot fail */
	d->setup = merged;
	apply_log_settings(d);
	pthread_mutex_lock(&d->sp_mu);
	spool_set_max(d->sp, d->setup.ac.spool_max);
	pthread_mutex_unlock(&d->sp_mu);
	uploader_reconfigure(d->up, &d->setup.ac, have_cr ? &cr : NULL);
	upload_creds_free(&cr);
	log_info("configuration reloaded from %s", d->conf_path);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agentd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->conf_path);
		reload(d);
		return;
	}
	log_info("%s: stopping after the upload in flight",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(d->base);
}

static void
drop_tick(evutil_socket_t fd, short what, void *arg)
{
	struct agentd	*d = arg;
	char		 err[512];
	int		 rc;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&d->sp_mu);
	rc = spool_flush_drops(d->sp, err, sizeof(err));
	pthread_mutex_unlock(&d->sp_mu);
	if (rc == 1) {
		log_warnx("the spool is full (spool_max %lld bytes): older, "
		    "lower-severity events were dropped and reported; is the "
		    "collector reachable?", (long long)d->setup.ac.spool_max);
		uploader_kick(d->up);
	} else if (rc == -1) {
		log_warnx("%s", err);
	}
}

/* ---- start-up ------------------------------------------------------- */

/*
 * Make the spool's folder and files usable by the user we drop to: the
 * folder when we create it, the files always (they are ours).
 */
static void
spool_prepare(const struct agent_conf *ac, bool before)
{
	char	 tmp[AGENT_PATH_MAX], dir[AGENT_PATH_MAX];
	char	 path[AGENT_PATH_MAX + 8];
	uid_t	 uid;
	gid_t	 gid;
	bool	 drop = geteuid() == 0 &&
	    privdrop_lookup(ac->user, &uid, &gid) == 0;
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };

	snprintf(tmp, sizeof(tmp), "%s", ac->spool);
	/* dirname() writes into tmp and may return it: copy out. */
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if (before) {
		if (mkdir(dir, 0750) == 0) {
			if (drop && chown(dir, uid, gid) == -1)
				log_warn("chown %s", dir);
		} else if (errno != EEXIST) {
			log_warn("cannot create the spool folder %s", dir);
		}
		return;
	}
	if (!drop)
		return;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", ac->spool, sfx[i]);
		if (chown(path, uid, gid) == -1 && errno != ENOENT)
			log_warn("chown %s to user %s", path, ac->user);
	}
}

static int
parse_args(int argc, char **argv, void (*usage)(FILE *), struct agentd *d,
    bool *foreground, bool *check)
{
	static const struct option longopts[] = {
		{ "check-config", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	d->conf_path = DEFAULT_CONF;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:fnvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->conf_path = optarg;
			break;
		case 'f':
			*foreground = true;
			break;
		case 'n':
			*check = true;
			break;
		case 'v':
			d->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "shaobing-agent: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The paths of other sections --check-config opens too. */
struct check_more {
	char	interfaces[512];
	char	blocklist[AGENT_PATH_MAX];
	char	inv_state[AGENT_PATH_MAX];
};

/* The CA bundle a [target NAME] names (its "ca" key). */
struct check_target_ca {
	char	what[96];	/* "[target web] ca" */
	char	path[512];
};

struct check_targets {
	struct conf		*c;
	struct check_target_ca	*t;
	size_t			 n;
	struct conf_err		*err;
};

static int
check_target_cb(void *arg, const char *name, const char *section, int line)
{
	static const struct conf_opt opts[] = {
		{ "ca", CONF_STR, offsetof(struct check_target_ca, path),
		  sizeof(((struct check_target_ca *)0)->path), 0, 0, "", NULL,
		  NULL, "" },
		{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
	};
	struct check_targets	*ct = arg;
	struct check_target_ca	*t;

	(void)name; (void)line;
	if ((t = realloc(ct->t, (ct->n + 1) * sizeof(*t))) == NULL) {
		conf_err_set(ct->err, "out of memory");
		return -1;
	}
	ct->t = t;
	t = &ct->t[ct->n];
	memset(t, 0, sizeof(*t));
	if (conf_apply(ct->c, section, opts, t, ct->err) == -1)
		return -1;
	snprintf(t->what, sizeof(t->what), "[%.80s] ca", section);
	ct->n++;
	return 0;
}

/*
 * --check-config: the configuration parsed; now open every file the
 * agent will open, as [agent] user (the unit's User=), and look up the
 * capture interfaces.  Exit status 0 or 2.
 */
static int
check_files(const char *conf_path, const struct agent_conf *ac)
{
	static const struct conf_opt pkt[] = {
		{ "interfaces", CONF_STR, offsetof(struct check_more, interfaces),
		  sizeof(((struct check_more *)0)->interfaces), 0, 0, "", NULL,
		  NULL, "" },
		{ "blocklist", CONF_STR, offsetof(struct check_more, blocklist),
		  AGENT_PATH_MAX, 0, 0, "", NULL, NULL, "" },
		{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
	};
	static const struct conf_opt inv[] = {
		{ "state", CONF_STR, offsetof(struct check_more, inv_state),
		  AGENT_PATH_MAX, 0, 0, "", NULL, NULL, "" },
		{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
	};
	struct check_more	 m;
	struct check_targets	 ct;
	struct conf_err		 cerr;
	struct conf		*c;
	struct checkfile	*files;
	size_t			 nf = 0;
	int			 rc;

	memset(&m, 0, sizeof(m));
	memset(&ct, 0, sizeof(ct));
	ct.err = &cerr;
	if ((c = conf_load(conf_path, &cerr)) == NULL ||
	    conf_apply(c, "packet", pkt, &m, &cerr) == -1 ||
	    conf_apply(c, "inventory", inv, &m, &cerr) == -1 ||
	    (ct.c = c, conf_foreach(c, "target", check_target_cb, &ct)) != 0) {
		fprintf(stderr, "%s\n", cerr.msg);
		conf_free(c);
		free(ct.t);
		return 2;
	}
	conf_free(c);
	if ((files = calloc(7 + ct.n, sizeof(*files))) == NULL) {
		fprintf(stderr, "shaobing-agent: out of memory\n");
		free(ct.t);
		return 2;
	}
	files[nf++] = (struct checkfile){ "[agent] ca", ac->ca, CHECK_READ };
	files[nf++] = (struct checkfile){ "[agent] cert", ac->cert, CHECK_READ };
	files[nf++] = (struct checkfile){ "[agent] key", ac->key, CHECK_READ };
	files[nf++] = (struct checkfile){ "[agent] spool", ac->spool,
	    CHECK_DIR_WRITE };
	files[nf++] = (struct checkfile){ "[inventory] state", m.inv_state,
	    CHECK_DIR_WRITE };
	files[nf++] = (struct checkfile){ "[packet] blocklist", m.blocklist,
	    CHECK_READ };
	files[nf++] = (struct checkfile){ "[packet] interfaces", m.interfaces,
	    CHECK_IFACE };
	for (size_t i = 0; i < ct.n; i++)
		files[nf++] = (struct checkfile){ ct.t[i].what, ct.t[i].path,
		    CHECK_READ };
	rc = checkfiles_run("shaobing-agent", ac->user, files, nf);
	free(files);
	free(ct.t);
	if (rc == 0)
		printf("configuration OK (files opened as user %s)\n",
		    geteuid() == 0 ? ac->user : "running this");
	return rc;
}

static bool
any_event_driven(const struct agent_setup *s)
{
	for (size_t i = 0; i < s->nprobes; i++)
		if (is_event_driven(&s->probes[i]))
			return true;
	return false;
}

int
agent_main(int argc, char **argv, void (*usage)(FILE *))
{
	struct agentd		 d;
	struct conf_err		 cerr;
	struct upload_creds	 cr;
	struct spool_stats	 st;
	struct timeval		 tv = { DROP_REPORT_MS / 1000, 0 };
	static const int	 signums[3] = { SIGTERM, SIGINT, SIGHUP };
	char			 err[512];
	bool			 foreground = false, check = false;
	int64_t			 boot_ms = 0;
	int			 rc = 1;

	memset(&d, 0, sizeof(d));
	memset(&cr, 0, sizeof(cr));
	pthread_mutex_init(&d.sp_mu, NULL);
	if (parse_args(argc, argv, usage, &d, &foreground, &check) == -1)
		return 2;
	log_init("shaobing-agent", 0, d.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (agent_setup_load(d.conf_path, &d.setup, &cerr) == -1) {
		fprintf(stderr, "%s\n", cerr.msg);
		return 2;
	}
	if (check) {
		rc = check_files(d.conf_path, &d.setup.ac);
		agent_setup_free(&d.setup);
		return rc;
	}
	/*
	 * Fail closed, before any capture handle opens: a user (or its
	 * group) that does not exist would leave the agent capturing as
	 * root (tcpdump -Z refuses too).
	 */
	if ((geteuid() == 0 || d.setup.ac.user_set) &&
	    privdrop_check(d.setup.ac.user, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: [agent] user: %s; refusing to start\n",
		    d.setup.ac.user_where, err);
		rc = 2;
		goto out;
	}
	apply_log_settings(&d);
	if (upload_creds_load(&cr, &d.setup.ac, err, sizeof(err)) == -1 ||
	    pki_identity_check(d.setup.ac.ca, d.setup.ac.cert, d.setup.ac.key,
	    err, sizeof(err)) == -1) {
		log_errorx("%s; set [agent] ca, cert and key (shaobing-agent "
		    "enroll writes them; shaobing-agent --check-config names "
		    "the problem); not restarting", err);
		rc = 2;
		goto out;
	}
	if (!foreground) {
		if (daemon(0, 0) == -1) {
			log_error("cannot become a daemon");
			goto out;
		}
		log_init("shaobing-agent", 1, log_getlevel());
	}
	if (system_boot_time_ms(&boot_ms) == -1)
		log_warnx("cannot read the boot time from /proc/stat; heartbeats "
		    "carry the epoch instead");
	/*
	 * One malloc arena for the three threads instead of one each: an
	 * idle agent allocates little, and every arena keeps its own freed
	 * pages (0.7 MB of RSS measured with bench/agent_idle.sh).
	 */
	mallopt(M_ARENA_MAX, 1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_errorx("cannot initialise libcurl");
		goto out;
	}
	spool_prepare(&d.setup.ac, true);
	if ((d.sp = spool_open(d.setup.ac.spool, d.setup.ac.spool_max, err,
	    sizeof(err))) == NULL) {
		log_errorx("%s; check [agent] spool and its folder's permissions "
		    "(shaobing-agent --check-config names the problem); not "
		    "restarting", err);
		rc = 2;
		goto out;
	}
	/* A damaged spool is moved aside and salvaged (logged there). */
	if (spool_check(d.sp, err, sizeof(err)) == -1)
		log_warnx("%s; going on, a damaged page met later is recovered "
		    "then", err);
	spool_set_drop_report_interval(d.sp, DROP_REPORT_MS);
	d.em.emit = agentd_emit;
	d.em.ctx = &d;
	signal(SIGPIPE, SIG_IGN);
	if ((d.base = event_base_new()) == NULL) {
		log_errorx("cannot create the event loop");
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		if ((d.sigs[i] = evsignal_new(d.base, signums[i], on_signal,
		    &d)) == NULL || event_add(d.sigs[i], NULL) == -1) {
			log_errorx("cannot watch signal %d", signums[i]);
			goto out;
		}
	}
	/* Capture probes open their handles now, as root. */
	for (size_t i = 0; i < d.setup.nprobes; i++) {
		struct agent_probe *p = &d.setup.probes[i];

		if (is_event_driven(p) && p->ops->start(p->state, d.base,
		    &d.em) == -1) {
			log_errorx("probe %s could not start (see above)",
			    p->ops->name);
			goto out;
		}
	}
	spool_prepare(&d.setup.ac, false);
	if (privdrop(d.setup.ac.user, any_event_driven(&d.setup), err,
	    sizeof(err)) == -1) {
		log_errorx("%s: [agent] user: cannot drop root: %s; refusing "
		    "to run", d.setup.ac.user_where, err);
		rc = 2;
		goto out;
	}
	if ((d.up = uploader_start(&d.setup.ac, &cr, boot_ms, err,
	    sizeof(err))) == NULL) {
		log_errorx("%s", err);
		goto out;
	}
	if ((d.drop_timer = event_new(d.base, -1, EV_PERSIST, drop_tick,
	    &d)) == NULL || event_add(d.drop_timer, &tv) == -1) {
		log_errorx("cannot schedule the spool drop report");
		goto out;
	}
	if (spool_stats(d.sp, &st, err, sizeof(err)) == -1)
		memset(&st, 0, sizeof(st));
	log_info("started: agent %s, collector %s, %zu probes, spool %s "
	    "(%llu events waiting, next seq %llu)", d.setup.ac.name,
	    d.setup.ac.server, d.setup.nprobes, d.setup.ac.spool,
	    (unsigned long long)st.events, (unsigned long long)st.next_seq);
	if (periodic_start(&d, &d.setup) == -1)
		goto out;
	if (event_base_dispatch(d.base) == -1) {
		log_errorx("the event loop failed");
		goto out;
	}
	rc = 0;
out:
	/* The scheduler first: its probes emit and kick the uploader. */
	sched_stop(d.sched);
	uploader_stop(d.up);
	agent_setup_free(&d.setup);
	if (d.drop_timer != NULL)
		event_free(d.drop_timer);
	for (size_t i = 0; i < 3; i++)
		if (d.sigs[i] != NULL)
			event_free(d.sigs[i]);
	if (d.base != NULL)
		event_base_free(d.base);
	spool_close(d.sp);
	upload_creds_free(&cr);
	curl_global_cleanup();
	pthread_mutex_destroy(&d.sp_mu);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
