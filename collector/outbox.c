/*
 * The notification outbox's sender: claim due rows with a lease, hand
 * them to the notifier, mark them when it reports.  See outbox.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/incident_priv.h"
#include "collector/outbox.h"
#include "common/log.h"
#include "common/text.h"

/* A claimed row in the notifier: how many channels still owe a result. */
struct held {
	int64_t	id;
	int64_t	incident_id;
	int	remaining;
	bool	ok;
	char	error[256];
};

struct outbox {
	struct outbox_opts	 o;
	char			 owner[OUTBOX_OWNER_MAX];
	struct held		*h;
	size_t			 nh, caph;
	int64_t			 renewed;	/* collector ms of the last lease */
};

void
outbox_instance_id(char *buf, size_t len, int64_t now)
{
	char host[64];

	if (gethostname(host, sizeof(host)) != 0)
		text_printf(host, sizeof(host), "collector");
	host[sizeof(host) - 1] = '\0';
	text_printf(buf, len, "%s:%ld:%" PRId64, host, (long)getpid(), now);
}

struct outbox *
outbox_new(const struct outbox_opts *o)
{
	struct outbox *ob = calloc(1, sizeof(*ob));

	if (ob == NULL)
		return NULL;
	ob->o = *o;
	text_printf(ob->owner, sizeof(ob->owner), "%s", o->owner);
	ob->o.owner = ob->owner;
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	free(ob->h);
	free(ob);
}

size_t
outbox_held(const struct outbox *ob)
{
	return ob->nh;
}

static int64_t
lease_ms(const struct outbox *ob)
{
	return ob->o.conf->notify_lease_ms;
}

static void
mark(struct outbox *ob, int64_t id, bool ok, const char *error, int64_t now)
{
	char	err[256];
	int	r;

	r = store_outbox_done(ob->o.st, id, ob->owner, ok, error, now, err,
	    sizeof(err));
	if (r == -1)
		log_errorx("notification %" PRId64 ": cannot mark it %s: %s; "
		    "it is sent again after its lease", id, ok ? "sent" :
		    "failed", err);
	else if (r == 0)
		log_warnx("notification %" PRId64 " was %s, but this collector's "
		    "claim had expired and another collector took it over: it "
		    "may be sent twice (same idempotency key); raise "
		    "[incidents] notify_lease if sends take that long", id,
		    ok ? "sent" : "failed");
}

static int
hold(struct outbox *ob, const struct outbox_claim *c, int channels)
{
	struct held *h;

	if (ob->nh == ob->caph) {
		size_t	 cap = ob->caph ? ob->caph * 2 : OUTBOX_BATCH;
		void	*p = realloc(ob->h, cap * sizeof(*ob->h));

		if (p == NULL)
			return -1;
		ob->h = p;
		ob->caph = cap;
	}
	h = &ob->h[ob->nh++];
	memset(h, 0, sizeof(*h));
	h->id = c->id;
	h->incident_id = c->incident_id;
	h->remaining = channels;
	h->ok = true;
	return 0;
}

static void
give_back(struct outbox *ob, int64_t id, const char *why)
{
	char err[256];

	if (store_outbox_release(ob->o.st, id, ob->owner, err,
	    sizeof(err)) == -1)
		log_errorx("notification %" PRId64 ": cannot give it back (%s): "
		    "%s; it is sent after its lease", id, why, err);
}

/* Hand one claimed row to the notifier. */
static void
submit(struct outbox *ob, const struct outbox_claim *c, int64_t now)
{
	struct notify_msg	m;
	char			err[256];
	int			k;

	if (c->taken_from[0] != '\0')
		log_warnx("notification %" PRId64 " of incident %" PRId64 ": "
		    "collector %s claimed it but its lease expired (stopped "
		    "or hung); %s takes it over and sends it (claim %" PRId64
		    ")", c->id, c->incident_id, c->taken_from, ob->owner,
		    c->claims);
	if (store_incident_msg(ob->o.st, c->incident_id, &m, err,
	    sizeof(err)) == -1) {
		log_warnx("notification %" PRId64 ": cannot build it: %s", c->id,
		    err);
		mark(ob, c->id, false, err, now);
		return;
	}
	m.recovery = c->recovery;
	m.outbox_id = c->id;
	if (ob->o.conf->console_url[0] != '\0')
		text_printf(m.link, sizeof(m.link), "%s%" PRId64,
		    ob->o.conf->console_url, m.incident_id);
	if ((k = notify_submit(ob->o.notifier, &m)) == -1 ||
	    (k > 0 && hold(ob, c, k) == -1)) {
		/* Channels that took it before the failure may send it; the
		   row is sent again later (the idempotency key is the same). */
		log_warnx("notification %" PRId64 ": out of memory queueing it; "
		    "it is tried again", c->id);
		give_back(ob, c->id, "out of memory");
		return;
	}
	if (k == 0)
		mark(ob, c->id, true, "no channel takes it (min_level, "
		    "categories, recovery)", now);
}

int
outbox_run(struct outbox *ob, int64_t now, char *err, size_t errlen)
{
	struct outbox_claim	c[OUTBOX_BATCH];
	int			n;

	if (ob->o.notifier == NULL)
		return 0;
	if (ob->nh > 0 && now - ob->renewed >= lease_ms(ob) / 3) {
		if (store_outbox_renew(ob->o.st, ob->owner, now, lease_ms(ob),
		    err, errlen) == -1)
			return -1;
		ob->renewed = now;
	}
	if ((n = store_outbox_claim(ob->o.st, ob->owner, now, lease_ms(ob), c,
	    OUTBOX_BATCH, err, errlen)) <= 0)
		return n;
	if (ob->nh == 0)
		ob->renewed = now;
	for (int i = 0; i < n; i++)
		submit(ob, &c[i], now);
	return n;
}

void
outbox_on_result(struct outbox *ob, const struct notify_result *r,
    int64_t now)
{
	for (size_t i = 0; i < r->n_incidents; i++) {
		int64_t	 id = r->outbox_ids[i];
		size_t	 k;

		if (id <= 0)
			continue;
		for (k = 0; k < ob->nh && ob->h[k].id != id; k++)
			;
		if (k == ob->nh)
			continue;
		if (r->aborted) {
			/* Shutting down: another collector (or this one
			   started again) sends it at once. */
			give_back(ob, id, "shutting down");
			ob->h[k] = ob->h[--ob->nh];
			continue;
		}
		if (!r->ok) {
			ob->h[k].ok = false;
			text_printf(ob->h[k].error, sizeof(ob->h[k].error),
			    "%s: %s", r->channel, r->error);
		}
		if (--ob->h[k].remaining > 0)
			continue;
		mark(ob, id, ob->h[k].ok, ob->h[k].error, now);
		ob->h[k] = ob->h[--ob->nh];
	}
}
