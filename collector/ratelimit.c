/*
 * Token buckets per client address (collector/ratelimit.h).  The table has
 * a fixed number of slots found by hashing the key with linear probing
 * over a short window; when the window is full the slot refilled longest
 * ago is taken over.  A flood of spoofed or distinct addresses therefore
 * costs no memory, and at worst hands a fresh bucket to an address whose
 * slot was taken — it never blocks an address that did nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ratelimit.h"

#define RL_KEY_MAX	64	/* an IPv6 literal fits */
#define RL_PROBE	8

struct rl_slot {
	char	key[RL_KEY_MAX];
	double	tokens;
	int64_t	last_ms;
};

struct ratelimit {
	double		 rate, burst;
	size_t		 nslots;
	struct rl_slot	*slots;
};

/* FNV-1a: keys are addresses, not attacker-chosen strings of any length. */
static size_t
rl_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct ratelimit *
ratelimit_new(double rate, double burst, size_t slots)
{
	struct ratelimit *rl;

	if (slots == 0 || (rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	if ((rl->slots = calloc(slots, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->nslots = slots;
	ratelimit_set(rl, rate, burst);
	return rl;
}

void
ratelimit_set(struct ratelimit *rl, double rate, double burst)
{
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
}

int
ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	struct rl_slot	*s = NULL, *oldest = NULL;
	size_t		 h = rl_hash(key);

	for (size_t i = 0; i < RL_PROBE && i < rl->nslots; i++) {
		struct rl_slot *c = &rl->slots[(h + i) % rl->nslots];

		if (strncmp(c->key, key, sizeof(c->key) - 1) == 0 &&
		    c->key[0] != '\0') {
			s = c;
			break;
		}
		if (oldest == NULL || c->key[0] == '\0' ||
		    (oldest->key[0] != '\0' && c->last_ms < oldest->last_ms))
			oldest = c;
	}
	if (s == NULL) {
		s = oldest;
		memset(s, 0, sizeof(*s));
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->tokens = rl->burst;
		s->last_ms = now_ms;
	}
	if (now_ms > s->last_ms) {
		s->tokens += (double)(now_ms - s->last_ms) / 1000.0 * rl->rate;
		if (s->tokens > rl->burst)
			s->tokens = rl->burst;
		s->last_ms = now_ms;
	}
	if (s->tokens < 1)
		return 0;
	s->tokens -= 1;
	return 1;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}
