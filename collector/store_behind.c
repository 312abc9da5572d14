/*
 * Write-behind for the ingest fast path (store_priv.h): what the event
 * hooks write during a group's transaction and nothing in it reads back
 * is held here and written by store_behind_flush(), just before COMMIT,
 * by the module that owns the table:
 *
 *   availability samples, incident-event links
 *	in multi-row INSERTs (store_availability_write,
 *	store_incident_links_write);
 *   a target's sighting (the assets upsert of store_asset_target_seen)
 *	one upsert per target, carrying what the row-at-a-time upserts
 *	would have left: the last host, the up of the latest sample, the
 *	last kind, vendor and model given, the first sample's time for a
 *	new row and the latest for last_seen;
 *   a finding (the findings upsert of the indicator hook)
 *	one upsert per (target, key): the count of samples, the earliest
 *	and latest times, the last severity and message.
 *
 * The incidents folded are written behind by store_incident.c's cache,
 * which this flush also empties (store_incache_flush).
 *
 * Why: a site's mix updates the same few rows once per event (four
 * targets, 400 times each in a group of ten batches), and PostgreSQL
 * keeps every version of a row a transaction updated, so each upsert
 * walked a longer chain of them than the last; and each statement is a
 * parse, a plan and a trip through the executor, where a multi-row
 * INSERT pays those once per 250 rows.
 *
 * The buffers are bounded: past BEHIND_MAX rows or keys they are
 * written at once (still inside the transaction).  A failure of a flush
 * fails the transaction; store.c rolls it back and stores the group
 * again on the careful path, where this is off and every write is made
 * where it happens.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/store_priv.h"
#include "common/text.h"

#define BEHIND_MAX	4096		/* rows or keys held at most */
#define NONE		SIZE_MAX	/* an arena offset for NULL */

struct behind_avail {
	struct store_avail_row r;	/* its texts NULL: */
	size_t	 target, kind, schedule;	/* in the arena, NONE: NULL */
};

struct behind_target {
	size_t	 name, host, kind, vendor, model;
	int	 up;
	int64_t	 first, last;
};

struct behind_finding {
	size_t	 target, key, code, message;
	int	 severity;
	int64_t	 first, last, count;
};

/* An open-addressing index over the entries of one kind (by their key). */
struct behind_index {
	size_t	*slot;		/* entry + 1; 0: empty */
	size_t	 cap;		/* a power of two */
};

struct store_behind {
	int		 on;
	char		*ar;		/* strings, at offsets */
	size_t		 arlen, arcap;
	struct behind_avail *av;
	size_t		 nav, capav;
	struct store_link *ln;
	size_t		 nln, capln;
	struct store_avail_row *out;	/* flush_rows(): av with texts */
	size_t		 capout;
	struct behind_target *tg;
	size_t		 ntg, captg;
	struct behind_index tgi;
	struct behind_finding *fd;
	size_t		 nfd, capfd;
	struct behind_index fdi;
};

static struct store_behind *
behind(struct store *st)
{
	struct store_behind *b = *store_behind_slot(st);

	return b != NULL && b->on ? b : NULL;
}

static void
clear(struct store_behind *b)
{
	b->arlen = b->nav = b->nln = b->ntg = b->nfd = 0;
	if (b->tgi.slot != NULL)
		memset(b->tgi.slot, 0, b->tgi.cap * sizeof(*b->tgi.slot));
	if (b->fdi.slot != NULL)
		memset(b->fdi.slot, 0, b->fdi.cap * sizeof(*b->fdi.slot));
}

void
store_behind_on(struct store *st)
{
	struct store_behind **b = store_behind_slot(st);

	/* Out of memory: nothing is held, every write is made at once. */
	if (*b == NULL && (*b = calloc(1, sizeof(**b))) == NULL)
		return;
	clear(*b);
	(*b)->on = 1;
}

void
store_behind_off(struct store *st)
{
	struct store_behind *b = *store_behind_slot(st);

	if (b != NULL) {
		clear(b);
		b->on = 0;
	}
}

void
store_behind_free(struct store_behind *b)
{
	if (b == NULL)
		return;
	free(b->ar);
	free(b->av);
	free(b->out);
	free(b->ln);
	free(b->tg);
	free(b->tgi.slot);
	free(b->fd);
	free(b->fdi.slot);
	free(b);
}

/* Room for one more element of size in *p (*cap of them); -1 when out. */
static int
room(void **p, size_t *cap, size_t n, size_t size)
{
	void	*q;
	size_t	 ncap = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return 0;
	if ((q = realloc(*p, ncap * size)) == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/* s copied into the arena: its offset, NONE for NULL, or -1 (out). */
static int
keep(struct store_behind *b, const char *s, size_t *off)
{
	size_t	 len;

	*off = NONE;
	if (s == NULL)
		return 0;
	len = strlen(s) + 1;
	if (b->arlen + len > b->arcap) {
		size_t	 ncap = b->arcap ? b->arcap : 4096;
		char	*q;

		while (ncap < b->arlen + len)
			ncap *= 2;
		if ((q = realloc(b->ar, ncap)) == NULL)
			return -1;
		b->ar = q;
		b->arcap = ncap;
	}
	memcpy(b->ar + b->arlen, s, len);
	*off = b->arlen;
	b->arlen += len;
	return 0;
}

static const char *
str(const struct store_behind *b, size_t off)
{
	return off == NONE ? NULL : b->ar + off;
}

/* keep(), unless *off already holds s. */
static int
keep_new(struct store_behind *b, const char *s, size_t *off)
{
	if (s != NULL && *off != NONE && strcmp(b->ar + *off, s) == 0)
		return 0;
	return keep(b, s, off);
}

static uint64_t
hash2(const char *a, const char *c)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *a != '\0'; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (; c != NULL && *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return h;
}

/*
 * The entry of key (a, c) in index x (eq tells an entry's key apart):
 * its number, or n when missing, *slot then where to put entry n.  x
 * grows to keep it at most half full; -1 when out of memory.
 */
static int
lookup(struct behind_index *x, size_t n, const char *a, const char *c,
    int (*eq)(const struct store_behind *, size_t, const char *,
    const char *), const struct store_behind *b, size_t (*key_hash)(
    const struct store_behind *, size_t), size_t *found, size_t **slot)
{
	size_t	 m;

	if ((n + 1) * 2 > x->cap) {
		size_t	 ncap = x->cap ? x->cap * 2 : 256;
		size_t	*ns = calloc(ncap, sizeof(*ns));

		if (ns == NULL)
			return -1;
		for (size_t i = 0; i < n; i++) {
			size_t j = key_hash(b, i) & (ncap - 1);

			while (ns[j] != 0)
				j = (j + 1) & (ncap - 1);
			ns[j] = i + 1;
		}
		free(x->slot);
		x->slot = ns;
		x->cap = ncap;
	}
	m = (size_t)hash2(a, c) & (x->cap - 1);
	for (;;) {
		if (x->slot[m] == 0) {
			*found = n;
			*slot = &x->slot[m];
			return 0;
		}
		if (eq(b, x->slot[m] - 1, a, c)) {
			*found = x->slot[m] - 1;
			*slot = &x->slot[m];
			return 0;
		}
		m = (m + 1) & (x->cap - 1);
	}
}

static int
target_eq(const struct store_behind *b, size_t i, const char *a,
    const char *c)
{
	(void)c;
	return strcmp(str(b, b->tg[i].name), a) == 0;
}

static size_t
target_hash(const struct store_behind *b, size_t i)
{
	return (size_t)hash2(str(b, b->tg[i].name), NULL);
}

static int
finding_eq(const struct store_behind *b, size_t i, const char *a,
    const char *c)
{
	return strcmp(str(b, b->fd[i].target), a) == 0 &&
	    strcmp(str(b, b->fd[i].key), c) == 0;
}

static size_t
finding_hash(const struct store_behind *b, size_t i)
{
	return (size_t)hash2(str(b, b->fd[i].target), str(b, b->fd[i].key));
}

static int
nomem(struct store *st, char *err, size_t errlen)
{
	/* The careful path, which holds nothing, stores the group then. */
	snprintf(err, errlen, "%s: out of memory holding hook writes",
	    store_name(st));
	return -1;
}

/* Write the rows and keys held, and forget them. */
static int
flush_rows(struct store *st, struct store_behind *b, char *err,
    size_t errlen)
{
	if (b->nav > b->capout) {
		struct store_avail_row *q = realloc(b->out, b->nav *
		    sizeof(*q));

		if (q == NULL)
			return nomem(st, err, errlen);
		b->out = q;
		b->capout = b->nav;
	}
	for (size_t i = 0; i < b->nav; i++) {
		b->out[i] = b->av[i].r;
		b->out[i].target = str(b, b->av[i].target);
		b->out[i].kind = str(b, b->av[i].kind);
		b->out[i].schedule = str(b, b->av[i].schedule);
	}
	if (b->nav > 0 && store_availability_write(st, b->out, b->nav, err,
	    errlen) == -1)
		return -1;
	if (b->nln > 0 && store_incident_links_write(st, b->ln, b->nln, err,
	    errlen) == -1)
		return -1;
	for (size_t i = 0; i < b->ntg; i++) {
		const struct behind_target *t = &b->tg[i];
		struct store_target_row r = {
			.name = str(b, t->name), .host = str(b, t->host),
			.up = t->up, .first = t->first, .last = t->last,
			.kind = str(b, t->kind), .vendor = str(b, t->vendor),
			.model = str(b, t->model),
		};

		if (store_asset_target_write(st, &r, err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < b->nfd; i++) {
		const struct behind_finding *f = &b->fd[i];
		struct store_finding_row r = {
			.target = str(b, f->target), .key = str(b, f->key),
			.code = str(b, f->code), .severity = f->severity,
			.message = str(b, f->message), .first = f->first,
			.last = f->last, .count = f->count,
		};

		if (store_finding_write(st, &r, err, errlen) == -1)
			return -1;
	}
	clear(b);
	return 0;
}

int
store_behind_flush(struct store *st, char *err, size_t errlen)
{
	struct store_behind *b = behind(st);

	if (store_incache_flush(st, err, errlen) == -1)
		return -1;
	return b == NULL ? 0 : flush_rows(st, b, err, errlen);
}

/*
 * Room to hold one more: what is held is written first when a buffer is
 * full (the transaction goes on).  0, or -1 with err.
 */
static int
full(struct store *st, struct store_behind *b, char *err, size_t errlen)
{
	if (b->nav < BEHIND_MAX && b->nln < BEHIND_MAX &&
	    b->ntg < BEHIND_MAX && b->nfd < BEHIND_MAX &&
	    b->arlen < (size_t)BEHIND_MAX * 256)
		return 0;
	return flush_rows(st, b, err, errlen);
}

int
store_behind_avail(struct store *st, const struct store_avail_row *r,
    char *err, size_t errlen)
{
	struct store_behind	*b = behind(st);
	struct behind_avail	*a;

	if (b == NULL)
		return 0;
	if (full(st, b, err, errlen) == -1)
		return -1;
	if (room((void **)&b->av, &b->capav, b->nav, sizeof(*b->av)))
		return nomem(st, err, errlen);
	a = &b->av[b->nav];
	a->r = *r;
	a->r.target = a->r.kind = a->r.schedule = NULL;
	if (keep(b, r->target, &a->target) == -1 ||
	    keep(b, r->kind, &a->kind) == -1 ||
	    keep(b, r->schedule, &a->schedule) == -1)
		return nomem(st, err, errlen);
	b->nav++;
	return 1;
}

int
store_behind_link(struct store *st, int64_t incident_id, int64_t event_id,
    char *err, size_t errlen)
{
	struct store_behind *b = behind(st);

	if (b == NULL)
		return 0;
	if (full(st, b, err, errlen) == -1)
		return -1;
	if (room((void **)&b->ln, &b->capln, b->nln, sizeof(*b->ln)))
		return nomem(st, err, errlen);
	b->ln[b->nln].incident_id = incident_id;
	b->ln[b->nln++].event_id = event_id;
	return 1;
}

int
store_behind_target(struct store *st, const struct store_target_row *r,
    char *err, size_t errlen)
{
	struct store_behind	*b = behind(st);
	struct behind_target	*t;
	size_t			 i, *slot;

	if (b == NULL)
		return 0;
	if (full(st, b, err, errlen) == -1)
		return -1;
	if (lookup(&b->tgi, b->ntg, r->name, NULL, target_eq, b, target_hash,
	    &i, &slot) == -1)
		return nomem(st, err, errlen);
	if (i == b->ntg) {
		if (room((void **)&b->tg, &b->captg, b->ntg, sizeof(*b->tg)))
			return nomem(st, err, errlen);
		t = &b->tg[i];
		memset(t, 0, sizeof(*t));
		t->host = t->kind = t->vendor = t->model = NONE;
		if (keep(b, r->name, &t->name) == -1)
			return nomem(st, err, errlen);
		/* A new row's first_seen: the first sample's. */
		t->first = r->first;
		t->last = r->last;
		t->up = r->up;
		b->ntg++;
		*slot = i + 1;
	} else {
		t = &b->tg[i];
		/* up: the latest sample's (of equal times, the last). */
		if (r->last >= t->last) {
			t->last = r->last;
			t->up = r->up;
		}
	}
	/* The last host; the last kind, vendor and model given. */
	if (keep_new(b, r->host, &t->host) == -1 ||
	    (r->kind != NULL && keep_new(b, r->kind, &t->kind) == -1) ||
	    (r->vendor != NULL && keep_new(b, r->vendor, &t->vendor) == -1) ||
	    (r->model != NULL && keep_new(b, r->model, &t->model) == -1))
		return nomem(st, err, errlen);
	return 1;
}

int
store_behind_finding(struct store *st, const struct store_finding_row *r,
    char *err, size_t errlen)
{
	struct store_behind	*b = behind(st);
	struct behind_finding	*f;
	size_t			 i, *slot;

	if (b == NULL)
		return 0;
	if (full(st, b, err, errlen) == -1)
		return -1;
	if (lookup(&b->fdi, b->nfd, r->target, r->key, finding_eq, b,
	    finding_hash, &i, &slot) == -1)
		return nomem(st, err, errlen);
	if (i == b->nfd) {
		if (room((void **)&b->fd, &b->capfd, b->nfd, sizeof(*b->fd)))
			return nomem(st, err, errlen);
		f = &b->fd[i];
		memset(f, 0, sizeof(*f));
		f->code = f->message = NONE;
		if (keep(b, r->target, &f->target) == -1 ||
		    keep(b, r->key, &f->key) == -1)
			return nomem(st, err, errlen);
		f->first = r->first;
		f->last = r->last;
		b->nfd++;
		*slot = i + 1;
	} else
		f = &b->fd[i];
	/* The last severity, code and message; times either way. */
	if (keep_new(b, r->code, &f->code) == -1 ||
	    keep_new(b, r->message, &f->message) == -1)
		return nomem(st, err, errlen);
	f->severity = r->severity;
	f->count += r->count;
	if (r->first < f->first)
		f->first = r->first;
	if (r->last > f->last)
		f->last = r->last;
	return 1;
}
