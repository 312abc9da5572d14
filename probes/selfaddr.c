/*
 * The shared allowlist of the checks' own addresses (see selfaddr.h).
 * A small ring under a mutex: the checks add a few pairs a run, the
 * packet engine reads often, and a linear scan of at most SELFADDR_MAX
 * entries of 36 bytes is cheaper than any index at that size.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "probes/selfaddr.h"

struct selfaddr_ent {
	uint8_t	family;
	uint8_t	has_dst;
	uint8_t	src[16];
	uint8_t	dst[16];
};

static pthread_mutex_t		sa_lock = PTHREAD_MUTEX_INITIALIZER;
static struct selfaddr_ent	sa_ring[SELFADDR_MAX];
static size_t			sa_n, sa_next;

static size_t
alen(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

int
selfaddr_add(int family, const void *src, const void *dst)
{
	struct selfaddr_ent	e;
	size_t			len = alen(family);

	if (len == 0 || src == NULL)
		return -1;
	memset(&e, 0, sizeof(e));
	e.family = (uint8_t)family;
	memcpy(e.src, src, len);
	if (dst != NULL) {
		e.has_dst = 1;
		memcpy(e.dst, dst, len);
	}
	pthread_mutex_lock(&sa_lock);
	for (size_t i = 0; i < sa_n; i++)
		if (memcmp(&sa_ring[i], &e, sizeof(e)) == 0)
			goto out;	/* already known */
	sa_ring[sa_next] = e;
	sa_next = (sa_next + 1) % SELFADDR_MAX;
	if (sa_n < SELFADDR_MAX)
		__atomic_store_n(&sa_n, sa_n + 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&sa_lock);
	return 0;
}

static const void *
sa_bytes(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (sa->sa_family == AF_INET6)
		return &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	return NULL;
}

int
selfaddr_add_sockaddr(const struct sockaddr *src, const struct sockaddr *dst)
{
	const void *s, *d = NULL;

	if (src == NULL || (s = sa_bytes(src)) == NULL)
		return -1;
	if (dst != NULL) {
		if (dst->sa_family != src->sa_family)
			return -1;
		d = sa_bytes(dst);
	}
	return selfaddr_add(src->sa_family, s, d);
}

static int
parse_addr(const char *s, int *family, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int
selfaddr_add_str(const char *src, const char *dst)
{
	uint8_t	s[16], d[16];
	int	fs, fd;

	if (src == NULL || parse_addr(src, &fs, s) == -1)
		return -1;
	if (dst == NULL)
		return selfaddr_add(fs, s, NULL);
	if (parse_addr(dst, &fd, d) == -1 || fd != fs)
		return -1;
	return selfaddr_add(fs, s, d);
}

static bool
lookup(int family, const void *src, const void *dst, bool reply_too)
{
	size_t	len = alen(family);
	bool	found = false;

	if (len == 0 || src == NULL)
		return false;
	pthread_mutex_lock(&sa_lock);
	for (size_t i = 0; i < sa_n && !found; i++) {
		const struct selfaddr_ent *e = &sa_ring[i];

		if (e->family != family)
			continue;
		if (dst == NULL) {
			found = memcmp(e->src, src, len) == 0;
			continue;
		}
		/* The reply direction of our own connection counts too. */
		if (memcmp(e->src, src, len) == 0 &&
		    (!e->has_dst || memcmp(e->dst, dst, len) == 0))
			found = true;
		else if (reply_too && e->has_dst &&
		    memcmp(e->src, dst, len) == 0 &&
		    memcmp(e->dst, src, len) == 0)
			found = true;
	}
	pthread_mutex_unlock(&sa_lock);
	return found;
}

bool
selfaddr_contains(int family, const void *src)
{
	return lookup(family, src, NULL, false);
}

bool
selfaddr_contains_pair(int family, const void *src, const void *dst)
{
	if (dst == NULL)
		return false;
	return lookup(family, src, dst, true);
}

bool
selfaddr_contains_flow(int family, const void *src, const void *dst)
{
	if (dst == NULL)
		return false;
	return lookup(family, src, dst, false);
}

bool
selfaddr_contains_str(const char *src)
{
	uint8_t	s[16];
	int	f;

	if (src == NULL || parse_addr(src, &f, s) == -1)
		return false;
	return lookup(f, s, NULL, false);
}

/*
 * Without the lock: the packet engine asks for every packet, and an
 * agent without checks must not pay a mutex for it.
 */
size_t
selfaddr_count(void)
{
	return __atomic_load_n(&sa_n, __ATOMIC_ACQUIRE);
}

void
selfaddr_clear(void)
{
	pthread_mutex_lock(&sa_lock);
	__atomic_store_n(&sa_n, 0, __ATOMIC_RELEASE);
	sa_next = 0;
	pthread_mutex_unlock(&sa_lock);
}
