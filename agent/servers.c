/*
 * The agent's list of collectors and the choice among them.  Contract
 * in servers.h.
 */
#include <stdio.h>
#include <string.h>

#include "agent/servers.h"
#include "common/conf.h"

/* One URL of the list: https://HOST[:PORT] with something after it. */
static int
url_check(const char *u, char *why, size_t whylen)
{
	if (strncmp(u, "https://", 8) != 0 || u[8] == '\0' || u[8] == '/') {
		conf_why_set(why, whylen, "'%s' must be an https:// URL such "
		    "as https://collector.example:8443", u);
		return -1;
	}
	return 0;
}

/* Split list into s->url[]; -1 with why on a bad or repeated item. */
static int
split(const char *list, struct servers *s, char *why, size_t whylen)
{
	const char	*p = list;
	char		 item[SERVERS_URL_MAX];
	int		 r;

	s->n = 0;
	while ((r = conf_list_next(&p, item, sizeof(item))) != 0) {
		if (r == -1) {
			conf_why_set(why, whylen, "item %zu of '%s' is longer "
			    "than %d characters", s->n + 1, list,
			    SERVERS_URL_MAX - 1);
			return -1;
		}
		if (url_check(item, why, whylen) == -1)
			return -1;
		for (size_t i = 0; i < s->n; i++)
			if (strcmp(s->url[i], item) == 0) {
				conf_why_set(why, whylen, "'%s' is listed "
				    "twice", item);
				return -1;
			}
		if (s->n == SERVERS_MAX) {
			conf_why_set(why, whylen, "more than %d collectors "
			    "listed", SERVERS_MAX);
			return -1;
		}
		memcpy(s->url[s->n++], item, strlen(item) + 1);
	}
	if (s->n == 0) {
		conf_why_set(why, whylen, "no collector URL given (for "
		    "example https://collector.example:8443)");
		return -1;
	}
	return 0;
}

int
servers_check(const char *list, char *why, size_t whylen)
{
	struct servers s;

	return split(list, &s, why, whylen);
}

int
servers_init(struct servers *s, const char *list, int64_t retry_primary_ms,
    const struct servers *old, int64_t now_mono, char *why, size_t whylen)
{
	memset(s, 0, sizeof(*s));
	if (split(list, s, why, whylen) == -1)
		return -1;
	s->retry_primary_ms = retry_primary_ms;
	if (old == NULL || old->n == 0)
		return 0;
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->url[i], old->url[old->cur]) == 0) {
			s->cur = i;
			s->next_primary = now_mono + retry_primary_ms;
		}
	return 0;
}

const char *
servers_current(const struct servers *s)
{
	return s->url[s->cur];
}

bool
servers_should_switch(long code, bool retry_after)
{
	if (code == -1)
		return true;
	return code >= 500 && code <= 599 && !retry_after;
}

int
servers_failed(struct servers *s, const char *why, int64_t now_mono,
    char *msg, size_t msglen)
{
	size_t from = s->cur;

	msg[0] = '\0';
	if (s->n < 2)
		return -1;
	s->failed_round++;
	s->cur = (s->cur + 1) % s->n;
	if (s->cur != 0 && from == 0)
		s->next_primary = now_mono + s->retry_primary_ms;
	if (s->failed_round < s->n) {
		char again[96] = "";

		if (from == 0)
			snprintf(again, sizeof(again), "; it is tried again in "
			    "%lld s (server_retry_primary)",
			    (long long)(s->retry_primary_ms / 1000));
		snprintf(msg, msglen, "collector %s failed (%s); switching to "
		    "collector %s (%zu of %zu) and sending the spooled events "
		    "there%s; check why %s is down", s->url[from], why,
		    s->url[s->cur], s->cur + 1, s->n, again, s->url[from]);
		return 1;
	}
	if (s->failed_round == s->n)
		snprintf(msg, msglen, "all %zu collectors failed in a row (the "
		    "last, %s: %s); events stay in the spool, retried with "
		    "backoff from collector %s on — check the collectors and "
		    "the network", s->n, s->url[from], why, s->url[s->cur]);
	return 0;
}

void
servers_ok(struct servers *s)
{
	s->failed_round = 0;
}

int
servers_maybe_primary(struct servers *s, int64_t now_mono, char *msg,
    size_t msglen)
{
	msg[0] = '\0';
	if (s->cur == 0 || now_mono < s->next_primary)
		return 0;
	snprintf(msg, msglen, "trying the first collector %s again (on "
	    "collector %s for server_retry_primary); if it still fails the "
	    "agent moves on to the next one", s->url[0], s->url[s->cur]);
	s->cur = 0;
	s->failed_round = 0;
	return 1;
}
