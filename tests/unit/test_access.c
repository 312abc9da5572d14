/*
 * Enrollment and access tables (collector/store_access.c), the rate
 * limiter, and the agent spool's seq continuity (spool_raise_seq).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/spool.h"
#include "collector/access.h"
#include "collector/ratelimit.h"
#include "collector/store_access.h"
#include "collector/store.h"
#include "common/log.h"
#include "tests/unit/backends.h"

#define T0	1795786640000LL
#define HOUR	3600000LL
#define MID1	"0123456789abcdef0123456789abcdef"
#define MID2	"fedcba9876543210fedcba9876543210"

static char dir[64];

static int
setup(void **state)
{
	static char	 path[96];
	char		 err[256];
	struct store	*st;

	log_init("test_access", 0, LOG_LVL_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/test_access.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.db", dir);
	st = store_open(test_backend_target(path), err, sizeof(err));
	assert_non_null(st);
	*state = st;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	store_close(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int sign_calls;
static int sign_fail;

static int
sign_stub(void *arg, const char *name, char *err, size_t errlen)
{
	(void)arg;
	(void)name;
	sign_calls++;
	if (sign_fail) {
		snprintf(err, errlen, "bad CSR");
		return -1;
	}
	return 0;
}

static enum store_enroll_status
enroll(struct store *st, const char *hash, const char *mid, const char *name,
    int64_t now, struct store_enroll_res *res)
{
	struct store_enroll_req	req = { hash, mid, name, now, 300000 };
	char			err[256];

	assert_int_equal(store_enroll(st, &req, sign_stub, NULL, res, err,
	    sizeof(err)), 0);
	return res->status;
}

static void
test_tokens(void **state)
{
	struct store		*st = *state;
	struct store_enroll_res	 res;
	int64_t			 id;
	char			 err[256];

	assert_int_equal(store_enroll_token_add(st, "h1", T0, T0 + HOUR, 2,
	    "root", NULL, &id, err, sizeof(err)), 0);
	assert_int_equal(enroll(st, "nope", MID1, "pc-1", T0, &res),
	    ENROLL_TOKEN_UNKNOWN);
	assert_int_equal(enroll(st, "h1", MID1, "pc-1", T0 + HOUR, &res),
	    ENROLL_TOKEN_EXPIRED);
	/* A failed signature rolls back: the use is not spent. */
	sign_fail = 1;
	assert_int_equal(enroll(st, "h1", MID1, "pc-1", T0, &res),
	    ENROLL_SIGN_FAILED);
	sign_fail = 0;
	assert_int_equal(enroll(st, "h1", MID1, "pc-1", T0, &res), ENROLL_OK);
	assert_string_equal(res.name, "pc-1");
	assert_false(res.known);
	/* Same machine again (its machine-id is no secret): refused without
	   a token that replaces the agent, and the use is not spent. */
	assert_int_equal(enroll(st, "h1", MID1, "pc-renamed", T0, &res),
	    ENROLL_NAME_TAKEN);
	assert_string_equal(res.name, "pc-1");
	assert_int_equal(enroll(st, "h1", MID2, "pc-2", T0, &res), ENROLL_OK);
	assert_int_equal(enroll(st, "h1", "aaaabbbbccccddddaaaabbbbccccdddd",
	    "pc-3", T0, &res), ENROLL_TOKEN_USED);
}

static void
test_names_and_revocation(void **state)
{
	struct store		*st = *state;
	struct store_enroll_res	 res;
	int64_t			 id, revoked;
	uint64_t		 last;
	char			 err[256], name[64];
	int			 already;

	assert_int_equal(store_enroll_token_add(st, "h", T0, T0 + HOUR, 10,
	    "root", NULL, &id, err, sizeof(err)), 0);
	assert_int_equal(enroll(st, "h", MID1, "pc-1", T0, &res), ENROLL_OK);
	/* Another machine cannot take the name. */
	assert_int_equal(enroll(st, "h", MID2, "pc-1", T0, &res),
	    ENROLL_NAME_TAKEN);
	assert_int_equal(store_agent_access(st, "pc-1", &revoked, &last, err,
	    sizeof(err)), 0);
	assert_int_equal(revoked, 0);
	assert_int_equal(store_agent_access(st, "ghost", &revoked, &last, err,
	    sizeof(err)), 1);
	assert_int_equal(store_agent_revoke(st, "pc-1", T0 + 5, name,
	    sizeof(name), &already, err, sizeof(err)), 0);
	assert_string_equal(name, "pc-1");
	assert_false(already);
	assert_int_equal(store_agent_revoke(st, "1", T0 + 6, name, sizeof(name),
	    &already, err, sizeof(err)), 0);
	assert_true(already);
	assert_int_equal(store_agent_revoke(st, "nobody", T0, name,
	    sizeof(name), &already, err, sizeof(err)), 1);
	assert_int_equal(store_agent_access(st, "pc-1", &revoked, &last, err,
	    sizeof(err)), 0);
	assert_int_equal(revoked, T0 + 5);
	/* The revoked machine cannot enroll again. */
	assert_int_equal(enroll(st, "h", MID1, "pc-1", T0, &res),
	    ENROLL_REVOKED);
}

/*
 * Only a token made to replace agent NAME hands NAME to a new key: by
 * machine-id (known machine, another machine's id) or by name; the old
 * key's certificates stop at cert_after, a revocation is lifted.
 */
static void
test_replace(void **state)
{
	struct store		*st = *state;
	struct store_enroll_res	 res;
	struct store_enroll_req	 req = { "r1", MID2, "whatever", T0 + HOUR, 300000 };
	int64_t			 id, after, revoked;
	uint64_t		 last;
	char			 err[256], name[64];
	int			 already;

	assert_int_equal(store_enroll_token_add(st, "h", T0, T0 + 9 * HOUR, 10,
	    "root", NULL, &id, err, sizeof(err)), 0);
	assert_int_equal(enroll(st, "h", MID1, "web-7", T0, &res), ENROLL_OK);
	assert_int_equal(store_agent_cert_after(st, "web-7", &after, err,
	    sizeof(err)), 0);
	assert_int_equal(after, 0);
	/* A plain token: neither the name nor the known machine-id take it,
	   from this machine or any other. */
	assert_int_equal(enroll(st, "h", MID2, "web-7", T0, &res),
	    ENROLL_NAME_TAKEN);
	assert_int_equal(enroll(st, "h", MID1, "web-8", T0, &res),
	    ENROLL_NAME_TAKEN);
	/* A token replacing another agent does not give this one. */
	assert_int_equal(store_enroll_token_add(st, "other", T0, T0 + 9 * HOUR,
	    1, "root", "db-1", &id, err, sizeof(err)), 0);
	assert_int_equal(enroll(st, "other", MID1, "web-7", T0, &res),
	    ENROLL_NAME_TAKEN);
	/* Revoked (a stolen machine), then replaced on another machine. */
	assert_int_equal(store_agent_revoke(st, "web-7", T0 + 1, name,
	    sizeof(name), &already, err, sizeof(err)), 0);
	assert_int_equal(store_enroll_token_add(st, "r1", T0, T0 + 9 * HOUR, 1,
	    "root", "web-7", &id, err, sizeof(err)), 0);
	assert_int_equal(store_enroll(st, &req, sign_stub, NULL, &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.status, ENROLL_OK);
	assert_string_equal(res.name, "web-7");	/* not "whatever" */
	assert_true(res.replaced);
	assert_int_equal(store_agent_cert_after(st, "web-7", &after, err,
	    sizeof(err)), 0);
	assert_int_equal(after, (T0 + HOUR - 300000) / 1000 * 1000);
	assert_int_equal(store_agent_access(st, "web-7", &revoked, &last, err,
	    sizeof(err)), 0);
	assert_int_equal(revoked, 0);
	/* One use; the old machine is no longer web-7's. */
	assert_int_equal(store_enroll(st, &req, sign_stub, NULL, &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.status, ENROLL_TOKEN_USED);
	assert_int_equal(enroll(st, "h", MID1, "web-9", T0, &res), ENROLL_OK);
	assert_string_equal(res.name, "web-9");
}

/* The audit rows store_audit_list() hands over, as typed rows. */
struct audit_seen {
	int	 n;
	int64_t	 first_id;
	int64_t	 last_ts;
	int	 last_status;
	char	 last_path[64];
};

static int
audit_seen(void *arg, int64_t id, const struct store_audit *a, char *err,
    size_t errlen)
{
	struct audit_seen *s = arg;

	(void)err;
	(void)errlen;
	if (s->n++ == 0)
		s->first_id = id;
	s->last_ts = a->ts_ms;
	s->last_status = a->status;
	snprintf(s->last_path, sizeof(s->last_path), "%s", a->path);
	return 0;
}

static void
test_apitokens_and_audit(void **state)
{
	struct store		*st = *state;
	struct store_audit	 a = { T0, "root (uid 0)", "socket", "pid 1",
		"GET", "/api/v1/admin/agents", 200 };
	json_t			*arr;
	int64_t			 id, got;
	char			 err[256], scope[16];

	assert_int_equal(store_apitoken_add(st, "k", "read", "ci", T0, 0, "root",
	    &id, err, sizeof(err)), 0);
	assert_int_equal(store_apitoken_check(st, "k", T0, scope, sizeof(scope),
	    &got, err, sizeof(err)), 0);
	assert_string_equal(scope, "read");
	assert_int_equal(got, id);
	assert_int_equal(store_apitoken_check(st, "x", T0, scope, sizeof(scope),
	    &got, err, sizeof(err)), 1);
	/* The scope is checked by the schema too. */
	assert_int_equal(store_apitoken_add(st, "k2", "root", "", T0, 0, "root",
	    &id, err, sizeof(err)), -1);
	{
		int64_t	k3, k4;
		int	already;

		/* Expiry: good until the last millisecond before it. */
		assert_int_equal(store_apitoken_add(st, "k3", "admin", "ops",
		    T0, T0 + 2 * HOUR, "root", &k3, err, sizeof(err)), 0);
		assert_int_equal(store_apitoken_check(st, "k3", T0 + 2 * HOUR - 1,
		    scope, sizeof(scope), &got, err, sizeof(err)), 0);
		assert_int_equal(store_apitoken_check(st, "k3", T0 + 2 * HOUR,
		    scope, sizeof(scope), &got, err, sizeof(err)), 1);
		/* Revocation: at once, twice harmless, unknown ids 1. */
		assert_int_equal(store_apitoken_add(st, "k4", "read", "", T0,
		    T0 + 900 * HOUR, "root", &k4, err, sizeof(err)), 0);
		assert_int_equal(store_apitoken_revoke(st, k4, T0 + 3, &already,
		    err, sizeof(err)), 0);
		assert_false(already);
		assert_int_equal(store_apitoken_check(st, "k4", T0 + 4, scope,
		    sizeof(scope), &got, err, sizeof(err)), 1);
		assert_int_equal(store_apitoken_revoke(st, k4, T0 + 5, &already,
		    err, sizeof(err)), 0);
		assert_true(already);
		assert_int_equal(store_apitoken_revoke(st, 999, T0, &already,
		    err, sizeof(err)), 1);
		/* The list: states, times, never the hash. */
		assert_int_equal(access_apitokens_json(st, T0 + 2 * HOUR, &arr,
		    err, sizeof(err)), 0);
		assert_int_equal(json_array_size(arr), 3);
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, 0), "state")), "active");
		assert_true(json_is_null(json_object_get(json_array_get(arr, 0),
		    "expires")));
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, 0), "last_used")),
		    "2026-11-27T13:37:20.000Z");
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, 1), "state")), "expired");
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, 1), "label")), "ops");
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(arr, 2), "state")), "revoked");
		assert_null(json_object_get(json_array_get(arr, 2), "hash"));
		json_decref(arr);
	}
	assert_int_equal(store_audit_add(st, &a, err, sizeof(err)), 0);
	a.status = 401;
	assert_int_equal(store_audit_add(st, &a, err, sizeof(err)), 0);
	{
		struct audit_seen seen = { 0 };

		assert_int_equal(store_audit_list(st, 0, 10, audit_seen, &seen,
		    err, sizeof(err)), 0);
		assert_int_equal(seen.n, 2);
		assert_int_equal(seen.last_status, 401);
		assert_int_equal(seen.last_ts, T0);
		assert_string_equal(seen.last_path, "/api/v1/admin/agents");
		seen.n = 0;
		assert_int_equal(store_audit_list(st, seen.first_id, 10,
		    audit_seen, &seen, err, sizeof(err)), 0);
		assert_int_equal(seen.n, 1);
	}
}

static void
test_ratelimit(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1, 3, 16);
	int			 n = 0;

	(void)state;
	assert_non_null(rl);
	for (int i = 0; i < 10; i++)
		n += ratelimit_take(rl, "10.0.0.1", T0);
	assert_int_equal(n, 3);
	/* Another address has its own bucket. */
	assert_int_equal(ratelimit_take(rl, "10.0.0.2", T0), 1);
	/* One token a second comes back. */
	assert_int_equal(ratelimit_take(rl, "10.0.0.1", T0 + 1000), 1);
	assert_int_equal(ratelimit_take(rl, "10.0.0.1", T0 + 1000), 0);
	/* A flood of addresses reuses slots; it never grows or fails. */
	for (int i = 0; i < 1000; i++) {
		char key[32];

		snprintf(key, sizeof(key), "192.0.2.%d", i);
		assert_int_equal(ratelimit_take(rl, key, T0 + 2000), 1);
	}
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_spool_raise_seq(void **state)
{
	struct spool		*sp;
	struct spool_stats	 ss;
	struct event_batch	 b;
	char			 path[128], err[256];
	uint64_t		 seq;
	json_t			*d = json_object();

	(void)state;
	snprintf(path, sizeof(path), "%s/spool.db", dir);
	sp = spool_open(path, 1 << 20, err, sizeof(err));
	assert_non_null(sp);
	for (int i = 0; i < 3; i++)
		assert_int_equal(spool_append(sp, T0, "t", SEV_INFO, "k", d, &seq,
		    err, sizeof(err)), 1);
	/* The collector is behind: nothing to do. */
	assert_int_equal(spool_raise_seq(sp, 0, err, sizeof(err)), 0);
	/* Fresh, and its next seq is already past the collector's 2: its
	   waiting 1..3 would still be taken for resends.  1..3 → 3..5 */
	assert_int_equal(spool_raise_seq(sp, 2, err, sizeof(err)), 2);
	assert_int_equal(spool_raise_seq(sp, 2, err, sizeof(err)), 0);
	/* The collector holds up to 100 from an earlier life: 3..5 → 101..103. */
	assert_int_equal(spool_raise_seq(sp, 100, err, sizeof(err)), 98);
	assert_int_equal(spool_read_batch(sp, "pc", 10, 1 << 20, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.events[0].seq, 101);
	assert_int_equal(b.events[2].seq, 103);
	event_batch_free(&b);
	assert_int_equal(spool_stats(sp, &ss, err, sizeof(err)), 0);
	assert_int_equal(ss.next_seq, 104);
	assert_int_equal(spool_append(sp, T0, "t", SEV_INFO, "k", d, &seq, err,
	    sizeof(err)), 1);
	assert_int_equal(seq, 104);
	/* Acknowledged once, the spool is no longer fresh: waiting events
	   at or below the collector's seq are resends (a lost answer). */
	assert_int_equal(spool_ack(sp, 102, err, sizeof(err)), 2);
	assert_int_equal(spool_raise_seq(sp, 103, err, sizeof(err)), 0);
	/* Empty spool, counter below: only the counter moves. */
	assert_int_equal(spool_ack(sp, 104, err, sizeof(err)), 2);
	assert_int_equal(spool_raise_seq(sp, 500, err, sizeof(err)), 396);
	assert_int_equal(spool_stats(sp, &ss, err, sizeof(err)), 0);
	assert_int_equal(ss.next_seq, 501);
	spool_close(sp);
	json_decref(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_revocation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apitokens_and_audit, setup,
		    teardown),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test_setup_teardown(test_spool_raise_seq, setup,
		    teardown),
	};

	return TEST_RUN_BACKENDS("test_access", tests, NULL, NULL);
}
