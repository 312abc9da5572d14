/*
 * Token buckets per client address (ratelimit.c): the agent port, the
 * enrollment calls and the console's logins use them.
 */
#ifndef SHAOBING_RATELIMIT_H
#define SHAOBING_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/*
 * Token buckets keyed by client address: rate per second, burst
 * capacity.  A fixed table of slots (the least recently refilled one is
 * reused), so a flood of addresses costs no memory beyond it.
 */
struct ratelimit *ratelimit_new(double rate, double burst, size_t slots);
void		  ratelimit_set(struct ratelimit *rl, double rate, double burst);
/* 1 allowed (a token taken), 0 over the limit. */
int		  ratelimit_take(struct ratelimit *rl, const char *key,
		    int64_t now_ms);
void		  ratelimit_free(struct ratelimit *rl);

#endif
