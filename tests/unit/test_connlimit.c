/*
 * Connection slots against slow loris (collector/connlimit.c): which
 * connection is cut to make room, the per-address cap, the deadlines,
 * and that a verified agent is never the one cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collector/connlimit.h"

#define MAXC	2048

/* One fake connection per owner: its address and whether it was cut. */
struct fake {
	struct cl_conn	*lc;
	char		 addr[16];
	int		 cut;
};

static struct fake	fakes[MAXC];
static size_t		nfakes, ncut;

static void
cut_fn(void *owner, void *arg)
{
	struct fake *f = owner;

	assert_ptr_equal(arg, fakes);
	assert_int_equal(f->cut, 0);
	f->cut = 1;
	ncut++;
}

static struct fake *
open_from(struct connlimit *cl, const char *addr, int64_t now,
    const struct connlimit_limits *lim)
{
	struct fake *f = &fakes[nfakes++];

	memset(f, 0, sizeof(*f));
	snprintf(f->addr, sizeof(f->addr), "%s", addr);
	f->lc = connlimit_open(cl, f, now);
	assert_non_null(f->lc);
	if (addr[0] != '\0' && connlimit_set_addr(cl, f->lc, addr, lim)) {
		connlimit_cut(cl, f->lc);
		cut_fn(f, fakes);
	}
	return f;
}

static int
setup(void **state)
{
	nfakes = ncut = 0;
	*state = connlimit_new();
	return *state == NULL;
}

static int
teardown(void **state)
{
	connlimit_free(*state);
	return 0;
}

static const struct connlimit_limits big = { 1000, 10, 1000, 5000, 60000 };

static void
test_victim_is_oldest_of_busiest(void **state)
{
	struct connlimit	*cl = *state;
	struct fake		*a1, *b1, *c1;

	a1 = open_from(cl, "10.0.0.1", 0, &big);
	b1 = open_from(cl, "10.0.0.2", 1, &big);
	open_from(cl, "10.0.0.2", 2, &big);
	open_from(cl, "10.0.0.2", 3, &big);
	c1 = open_from(cl, "10.0.0.3", 4, &big);
	open_from(cl, "10.0.0.3", 5, &big);
	/* 10.0.0.2 holds three: its oldest, not the oldest of all (a1). */
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), b1);
	connlimit_cut(cl, b1->lc);
	/* 2 and 2: the tie goes to the address whose oldest is older. */
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), &fakes[2]);
	connlimit_cut(cl, fakes[2].lc);
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), c1);
	connlimit_cut(cl, c1->lc);
	assert_int_equal(connlimit_counts(cl).held, 3);
	assert_int_equal(connlimit_counts(cl).total, 6);
	connlimit_close(cl, b1->lc);
	assert_int_equal(connlimit_counts(cl).total, 5);
	/* Ones left (a1, b3, the last of 10.0.0.3): a1 the oldest. */
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), a1);
}

static void
test_agent_never_victim(void **state)
{
	struct connlimit	*cl = *state;
	struct fake		*agent, *x;

	/* The agent came first, from the attacker's own address. */
	agent = open_from(cl, "10.0.0.9", 0, &big);
	connlimit_agent(cl, agent->lc);
	assert_true(connlimit_is_agent(agent->lc));
	x = open_from(cl, "10.0.0.9", 1, &big);
	open_from(cl, "10.0.0.9", 2, &big);
	assert_int_equal(connlimit_counts(cl).unverified, 2);
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), x);
	connlimit_cut(cl, connlimit_victim(cl));
	connlimit_cut(cl, connlimit_victim(cl));
	assert_null(connlimit_victim(cl));
	assert_int_equal(connlimit_counts(cl).held, 1);
	/* An address learnt after the certificate changes nothing. */
	x = &fakes[nfakes++];
	x->lc = connlimit_open(cl, x, 3);
	connlimit_agent(cl, x->lc);
	assert_int_equal(connlimit_set_addr(cl, x->lc, "10.0.0.9", &big), 0);
	assert_null(connlimit_victim(cl));
}

static void
test_per_address_cap(void **state)
{
	struct connlimit		*cl = *state;
	struct connlimit_limits		 lim = big;
	struct fake			*f;

	lim.per_addr = 3;
	for (int i = 0; i < 3; i++)
		assert_int_equal(open_from(cl, "10.0.0.5", i, &lim)->cut, 0);
	/* The fourth (the newest) is cut; another address is not. */
	f = open_from(cl, "10.0.0.5", 3, &lim);
	assert_int_equal(f->cut, 1);
	assert_int_equal(open_from(cl, "10.0.0.6", 4, &lim)->cut, 0);
	/* One closes: room for one more from that address. */
	connlimit_close(cl, fakes[0].lc);
	assert_int_equal(open_from(cl, "10.0.0.5", 5, &lim)->cut, 0);
	assert_int_equal(open_from(cl, "10.0.0.5", 6, &lim)->cut, 1);
	/* A verified agent does not count against its address. */
	connlimit_agent(cl, fakes[1].lc);
	assert_int_equal(open_from(cl, "10.0.0.5", 7, &lim)->cut, 0);
}

static void
test_unaddressed(void **state)
{
	struct connlimit	*cl = *state;
	struct fake		*a, *b;
	struct cl_conn		*lc;

	a = open_from(cl, "", 0, &big);
	open_from(cl, "10.0.0.1", 1, &big);
	b = open_from(cl, "", 2, &big);
	lc = connlimit_unaddressed(cl, NULL);
	assert_ptr_equal(connlimit_owner(lc), a);
	lc = connlimit_unaddressed(cl, lc);
	assert_ptr_equal(connlimit_owner(lc), b);
	assert_null(connlimit_unaddressed(cl, lc));
	/* Not yet addressed: never a victim (it may be the new one). */
	connlimit_cut(cl, connlimit_victim(cl));
	assert_null(connlimit_victim(cl));
	assert_int_equal(connlimit_set_addr(cl, a->lc, "10.0.0.2", &big), 0);
	assert_ptr_equal(connlimit_owner(connlimit_victim(cl)), a);
	assert_ptr_equal(connlimit_owner(connlimit_unaddressed(cl, NULL)), b);
}

static void
test_make_room(void **state)
{
	struct connlimit	*cl = *state;
	struct connlimit_limits	 lim = { 10, 3, 100, 5000, 60000 };
	struct fake		*legit, *agent;
	int			 full;
	size_t			 n;

	agent = open_from(cl, "10.0.0.1", 0, &lim);
	connlimit_agent(cl, agent->lc);
	legit = open_from(cl, "10.0.0.1", 1, &lim);
	for (int i = 0; i < 6; i++)
		open_from(cl, "10.0.0.66", 2 + i, &lim);
	/* 8 held, 7 unverified: at the unverified bound, nothing to do. */
	assert_int_equal(connlimit_make_room(cl, &lim, cut_fn, fakes, &full), 0);
	assert_int_equal(full, 0);
	/* A new connection (address not known yet): 8 unverified > 7. */
	open_from(cl, "", 8, &lim);
	n = connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
	assert_int_equal(n, 1);
	assert_int_equal(fakes[2].cut, 1);	/* 10.0.0.66's oldest */
	assert_int_equal(legit->cut, 0);
	assert_int_equal(full, 0);
	assert_int_equal(connlimit_counts(cl).unverified, 7);
	/* Agents fill the rest: held is bounded by slots, agents stay. */
	for (int i = 0; i < 3; i++) {
		struct fake *f = open_from(cl, "10.0.0.1", 9 + i, &lim);

		connlimit_agent(cl, f->lc);
		connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
	}
	assert_int_equal(connlimit_counts(cl).held, 10);
	assert_int_equal(agent->cut, 0);
	assert_int_equal(legit->cut, 0);
	assert_int_equal(full, 0);	/* 10.0.0.66 can still make room */
}

static void
test_full_of_agents(void **state)
{
	struct connlimit	*cl = *state;
	struct connlimit_limits	 lim = { 4, 1, 100, 5000, 60000 };
	int			 full;

	for (int i = 0; i < 4; i++)
		connlimit_agent(cl, open_from(cl, "10.0.0.1", i, &lim)->lc);
	assert_int_equal(connlimit_make_room(cl, &lim, cut_fn, fakes, &full), 0);
	assert_int_equal(full, 1);
	open_from(cl, "", 4, &lim);
	assert_int_equal(connlimit_make_room(cl, &lim, cut_fn, fakes, &full), 0);
	assert_int_equal(full, 1);
	assert_int_equal(ncut, 0);
	/* One agent leaves: the waiting one takes its slot; two: room. */
	connlimit_close(cl, fakes[0].lc);
	connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
	assert_int_equal(full, 1);
	connlimit_close(cl, fakes[1].lc);
	connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
	assert_int_equal(full, 0);
}

static void
test_sweep_deadlines(void **state)
{
	struct connlimit	*cl = *state;
	struct connlimit_limits	 lim = { 100, 10, 100, 5000, 60000 };
	struct fake		*slow, *agent, *busy;

	slow = open_from(cl, "10.0.0.2", 0, &lim);
	agent = open_from(cl, "10.0.0.1", 0, &lim);
	connlimit_agent(cl, agent->lc);
	busy = open_from(cl, "10.0.0.3", 0, &lim);
	assert_int_equal(connlimit_sweep(cl, &lim, 5000, cut_fn, fakes), 0);
	connlimit_answered(busy->lc, 4000);
	assert_int_equal(connlimit_sweep(cl, &lim, 5001, cut_fn, fakes), 1);
	assert_int_equal(slow->cut, 1);
	assert_int_equal(busy->cut, 0);
	assert_int_equal(connlimit_sweep(cl, &lim, 9001, cut_fn, fakes), 1);
	assert_int_equal(busy->cut, 1);
	/* The agent keeps request_timeout; a cut one is not cut twice. */
	assert_int_equal(connlimit_sweep(cl, &lim, 60000, cut_fn, fakes), 0);
	assert_int_equal(connlimit_sweep(cl, &lim, 60001, cut_fn, fakes), 1);
	assert_int_equal(agent->cut, 1);
	assert_int_equal(connlimit_counts(cl).held, 0);
	assert_int_equal(connlimit_counts(cl).total, 3);
}

/*
 * The attack of issue 12: 1,000 connections from one address (and a
 * second attacker sharing the first's range), slots 200, while agents
 * and other addresses' clients connect: every other address's client
 * and the agent on the attacker's own address keep their connections.
 */
static void
test_flood(void **state)
{
	struct connlimit	*cl = *state;
	struct connlimit_limits	 lim = { 200, 20, 1000, 5000, 60000 };
	struct fake		*keep[8], *agent;
	size_t			 nkeep = 0;
	int			 full;
	char			 addr[32];

	agent = open_from(cl, "127.0.0.2", 0, &lim);
	connlimit_agent(cl, agent->lc);
	for (int i = 0; i < 1000; i++) {
		open_from(cl, i % 3 ? "127.0.0.2" : "127.0.0.4", 1 + i, &lim);
		connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
		assert_int_equal(full, 0);
		if (i % 125 == 0) {
			snprintf(addr, sizeof(addr), "10.1.0.%d", i / 125);
			keep[nkeep++] = open_from(cl, addr, 1 + i, &lim);
			connlimit_make_room(cl, &lim, cut_fn, fakes, &full);
		}
		assert_true(connlimit_counts(cl).held <= lim.slots);
		assert_true(connlimit_counts(cl).unverified <=
		    lim.slots - lim.agent_slots);
	}
	assert_int_equal(agent->cut, 0);
	for (size_t i = 0; i < nkeep; i++)
		assert_int_equal(keep[i]->cut, 0);
	assert_int_equal(connlimit_counts(cl).unverified, 180);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_victim_is_oldest_of_busiest,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_never_victim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_per_address_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unaddressed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_make_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_of_agents, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sweep_deadlines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
