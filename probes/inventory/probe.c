/*
 * The inventory probe: collect at start and every [inventory] interval
 * (6 h); send the full snapshot only when its hash differs from the last
 * one that reached the spool, otherwise a small inventory_unchanged event.
 *
 * Events (key "inventory:MACHINE_ID", so a renamed host stays one asset):
 *   inventory            severity info, data = the whole snapshot
 *                        (probes/inventory/collect.c, SNAPSHOT FORMAT)
 *   inventory_unchanged  severity info, data = {"hash","collected_at",
 *                        "volatile":{...}} — the volatile part (usage,
 *                        boot time, ARP neighbours) still travels, so
 *                        unmanaged-device discovery does not wait for a
 *                        change.
 * State file ([inventory] state): one line "HASH SENT_MS\n", written
 * atomically (temporary file + rename) after emit() committed the event.
 * A missing or unreadable state file means "send the full snapshot".
 * [inventory] resend forces a full snapshot when the last one is older,
 * so a collector that lost its copy gets a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "probes/inventory/inventory.h"
#include "probes/inventory/probe_inventory.h"
#include "probes/probe.h"

struct inv_conf {
	bool		enabled;
	int64_t		interval_ms;
	int64_t		resend_ms;
	int		max_packages;
	char		root[1024];
	char		state[1024];
};

const struct conf_opt inventory_conf_opts[] = {
	{ "enabled", CONF_BOOL, offsetof(struct inv_conf, enabled), 0, 0, 0,
	  "yes", NULL, NULL, "collect the inventory at all" },
	{ "interval", CONF_DURATION, offsetof(struct inv_conf, interval_ms), 0,
	  60000, 30LL * 86400000, "6h", NULL, NULL, "how often to collect" },
	{ "resend", CONF_DURATION, offsetof(struct inv_conf, resend_ms), 0,
	  0, 365LL * 86400000, "7d", NULL, NULL,
	  "send the full snapshot again after this long even if unchanged (0: never)" },
	{ "max_packages", CONF_INT, offsetof(struct inv_conf, max_packages), 0,
	  1, 1000000, "100000", NULL, NULL, "packages listed at most" },
	{ "root", CONF_STR, offsetof(struct inv_conf, root),
	  sizeof(((struct inv_conf *)0)->root), 0, 0, "/", NULL, NULL,
	  "read files below this directory (tests)" },
	{ "state", CONF_STR, offsetof(struct inv_conf, state),
	  sizeof(((struct inv_conf *)0)->state), 0, 0,
	  "", NULL, NULL,
	  "last sent snapshot hash (empty: inventory.state next to [agent] spool)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

int
inventory_state_read(const char *path, char hash[INV_HASH_HEX], int64_t *sent_ms)
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct rbuf b;
	struct inv_str line, h, t;
	uint64_t ms;

	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -1;
	rbuf_init(&b, buf, (size_t)n);
	if (!inv_line_next(&b, &line) || !inv_field_next(&line, &h) ||
	    !inv_field_next(&line, &t) || h.len != INV_HASH_HEX - 1 ||
	    inv_str_u64(t, &ms) == -1 || ms > (uint64_t)INT64_MAX)
		return -1;
	for (size_t i = 0; i < h.len; i++)
		if (!((h.p[i] >= '0' && h.p[i] <= '9') || (h.p[i] >= 'a' && h.p[i] <= 'f')))
			return -1;
	inv_str_copy(h, hash, INV_HASH_HEX);
	*sent_ms = (int64_t)ms;
	return 0;
}

int
inventory_state_write(const char *path, const char *hash, int64_t sent_ms)
{
	char tmp[1100];
	FILE *f;
	int rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	if (fprintf(f, "%s %lld\n", hash, (long long)sent_ms) > 0 &&
	    fflush(f) == 0 && fsync(fileno(f)) == 0)
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/*
 * Default state path: "inventory.state" in the directory of [agent]
 * spool (default /var/lib/shaobing/spool.db), so tests and packagers
 * that move the spool move this file with it.  Only that key is read.
 */
struct spool_only {
	char	spool[1024];
};

static const struct conf_opt spool_only_table[] = {
	{ "spool", CONF_STR, offsetof(struct spool_only, spool),
	  sizeof(((struct spool_only *)0)->spool), 0, 0,
	  "/var/lib/shaobing/spool.db", NULL, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static int
state_next_to_spool(struct conf *c, struct inv_conf *ic, struct conf_err *err)
{
	struct spool_only so;
	const char *slash;
	int n;

	if (conf_apply(c, "agent", spool_only_table, &so, err) == -1)
		return -1;
	slash = strrchr(so.spool, '/');
	if (slash == NULL)
		n = snprintf(ic->state, sizeof(ic->state), "inventory.state");
	else
		n = snprintf(ic->state, sizeof(ic->state), "%.*s/inventory.state",
		    (int)(slash - so.spool), so.spool);
	if (n < 0 || (size_t)n >= sizeof(ic->state)) {
		snprintf(err->msg, sizeof(err->msg), "%s: [agent] spool path too long "
		    "for [inventory] state; set [inventory] state", conf_path(c));
		return -1;
	}
	return 0;
}

static int
inv_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct inv_conf *ic = calloc(1, sizeof(*ic));

	*state = NULL;
	if (ic == NULL) {
		snprintf(err->msg, sizeof(err->msg), "inventory: out of memory");
		return -1;
	}
	if (conf_apply(c, "inventory", inventory_conf_opts, ic, err) == -1) {
		free(ic);
		return -1;
	}
	if (!ic->enabled) {
		free(ic);
		return 0;
	}
	if (ic->state[0] == '\0' && state_next_to_spool(c, ic, err) == -1) {
		free(ic);
		return -1;
	}
	*state = ic;
	return 0;
}

static int64_t
inv_interval(void *state)
{
	return ((struct inv_conf *)state)->interval_ms;
}

int
inventory_run_once(const char *root, size_t max_packages, const char *state_path,
    int64_t resend_ms, struct emitter *em)
{
	struct inv_opts o = { root, max_packages };
	json_t *snap = inventory_collect(&o), *data;
	char last[INV_HASH_HEX] = "", key[EVENT_KEY_MAX];
	const char *hash, *mid;
	int64_t sent_ms = 0, now = time_now_ms();
	int full, rc;

	if (snap == NULL) {
		log_warnx("inventory: out of memory while collecting; will retry at "
		    "the next interval");
		return -1;
	}
	hash = json_string_value(json_object_get(snap, "hash"));
	mid = json_string_value(json_object_get(json_object_get(snap, "host"), "machine_id"));
	if (mid == NULL)
		mid = json_string_value(json_object_get(json_object_get(snap, "host"), "hostname"));
	snprintf(key, sizeof(key), "inventory:%.200s", mid ? mid : "unknown");
	full = hash == NULL ||
	    inventory_state_read(state_path, last, &sent_ms) == -1 ||
	    strcmp(last, hash) != 0 ||
	    (resend_ms > 0 && now - sent_ms >= resend_ms);
	if (json_array_size(json_object_get(snap, "errors")) > 0)
		log_debug("inventory: %zu sources not collected (see the errors "
		    "array of the snapshot)",
		    json_array_size(json_object_get(snap, "errors")));
	if (full) {
		char h[INV_HASH_HEX];

		snprintf(h, sizeof(h), "%s", hash ? hash : "");
		rc = emit_event(em, 0, "inventory", SEV_INFO, key, snap);
		snap = NULL;
		if (rc == 0 && h[0] != '\0' &&
		    inventory_state_write(state_path, h, now) == -1)
			log_warn("inventory: cannot write %s; the full snapshot will "
			    "be sent again next time; check the directory", state_path);
		return rc == 0 ? 1 : -1;
	}
	data = json_object();
	json_object_set(data, "hash", json_object_get(snap, "hash"));
	json_object_set(data, "collected_at", json_object_get(snap, "collected_at"));
	json_object_set(data, "volatile", json_object_get(snap, "volatile"));
	json_decref(snap);
	rc = emit_event(em, 0, "inventory_unchanged", SEV_INFO, key, data);
	return rc == 0 ? 0 : -1;
}

static void
inv_run(void *state, struct emitter *em)
{
	struct inv_conf *ic = state;

	(void)inventory_run_once(ic->root, (size_t)ic->max_packages, ic->state,
	    ic->resend_ms, em);
}

static void
inv_free(void *state)
{
	free(state);
}

const struct probe_ops probe_inventory = {
	.name = "inventory",
	.configure = inv_configure,
	.interval_ms = inv_interval,
	.run = inv_run,
	.start = NULL,
	.free = inv_free,
};
