/*
 * The `system` probe.  Reads /etc/os-release (os-release(5)), uname(2),
 * /proc/stat btime (proc(5)) and /etc/machine-id (machine-id(5)); every
 * file is read whole into a bounded buffer and parsed by length, never
 * past it.
 *
 * [system]
 *   enabled  = yes
 *   interval = 1h   ; re-read; a new event only when something changed
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "probes/system.h"

#define SYS_FILE_MAX	16384	/* bigger than any sane os-release */

struct system_conf {
	bool	enabled;
	int64_t	interval_ms;
};

struct system_state {
	struct system_conf	 conf;
	char			*last;	/* last emitted data, compact JSON */
};

const struct conf_opt system_conf_opts[] = {
	{ "enabled", CONF_BOOL, offsetof(struct system_conf, enabled), 0, 0, 0,
	    "yes", NULL, NULL, "emit the system event" },
	{ "interval", CONF_DURATION, offsetof(struct system_conf, interval_ms),
	    0, 60000, 7 * 86400000LL, "1h", NULL, NULL,
	    "how often to look for changes" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

/* Read at most SYS_FILE_MAX - 1 bytes of path; -1 on error. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	size_t	n = 0;
	ssize_t	r;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * Unquote an os-release value in [v, v+n) into out: "..." and '...' with
 * backslash escapes inside double quotes, as the shell would.
 */
static void
unquote(const char *v, size_t n, char *out, size_t outlen)
{
	size_t	o = 0;
	char	q = 0;

	if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
		q = v[0];
		v++;
		n--;
		if (n > 0 && v[n - 1] == q)
			n--;
	}
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		if (q == '"' && v[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = v[i];
	}
	out[o] = '\0';
}

json_t *
system_parse_os_release(const char *buf, size_t len)
{
	static const char *const keys[] = { "NAME", "ID", "VERSION_ID",
		"PRETTY_NAME" };
	static const char *const names[] = { "name", "id", "version_id",
		"pretty_name" };
	json_t	*o = json_object();
	size_t	 pos = 0;

	if (o == NULL)
		return NULL;
	while (pos < len) {
		const char	*line = buf + pos;
		const char	*nl = memchr(line, '\n', len - pos);
		size_t		 ll = nl ? (size_t)(nl - line) : len - pos;
		const char	*eq = memchr(line, '=', ll);

		pos += ll + (nl != NULL);
		if (eq == NULL)
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t	kl = strlen(keys[k]);
			char	val[256];
			json_t	*s;

			if ((size_t)(eq - line) != kl ||
			    memcmp(line, keys[k], kl) != 0)
				continue;
			unquote(eq + 1, ll - kl - 1, val, sizeof(val));
			/* Not UTF-8 (a broken file): leave the key out. */
			if ((s = json_string(val)) != NULL)
				json_object_set_new(o, names[k], s);
		}
	}
	return o;
}

int
system_parse_btime(const char *buf, size_t len, int64_t *sec)
{
	size_t pos = 0;

	while (pos < len) {
		const char	*line = buf + pos;
		const char	*nl = memchr(line, '\n', len - pos);
		size_t		 ll = nl ? (size_t)(nl - line) : len - pos;

		pos += ll + (nl != NULL);
		if (ll > 6 && ll < 32 && memcmp(line, "btime ", 6) == 0) {
			int64_t v = 0;

			for (size_t i = 6; i < ll; i++) {
				if (line[i] < '0' || line[i] > '9')
					return -1;
				v = v * 10 + (line[i] - '0');
				if (v > 253402300799LL)	/* 9999-12-31 */
					return -1;
			}
			*sec = v;
			return 0;
		}
	}
	return -1;
}

int
system_parse_machine_id(const char *buf, size_t len, char out[33])
{
	if (len == 33 && buf[32] == '\n')
		len = 32;
	if (len != 32)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		char c = buf[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[32] = '\0';
	return 0;
}

int
system_boot_time_ms(int64_t *ms)
{
	ssize_t	 n;
	int64_t	 sec;
	/* /proc/stat grows with the CPU count; btime is near its end. */
	char	*big = malloc(1 << 20);

	if (big == NULL)
		return -1;
	n = read_small("/proc/stat", big, 1 << 20);
	if (n < 0 || system_parse_btime(big, (size_t)n, &sec) == -1) {
		free(big);
		return -1;
	}
	free(big);
	*ms = sec * 1000;
	return 0;
}

/* Collect the system facts; a missing file only leaves its field out. */
static json_t *
system_collect(void)
{
	char		 buf[SYS_FILE_MAX], host[256], mid[33], ts[32];
	struct utsname	 u;
	json_t		*d = json_object(), *os;
	ssize_t		 n;
	int64_t		 boot;

	if (d == NULL)
		return NULL;
	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == 0)
		json_object_set_new(d, "hostname", json_string(host));
	if ((n = read_small("/etc/os-release", buf, sizeof(buf))) < 0)
		n = read_small("/usr/lib/os-release", buf, sizeof(buf));
	if (n >= 0 && (os = system_parse_os_release(buf, (size_t)n)) != NULL)
		json_object_set_new(d, "os", os);
	if (uname(&u) == 0)
		json_object_set_new(d, "kernel", json_pack("{s:s, s:s, s:s, s:s}",
		    "name", u.sysname, "release", u.release, "version",
		    u.version, "machine", u.machine));
	if (system_boot_time_ms(&boot) == 0 &&
	    time_format_utc(boot, ts, sizeof(ts)) == 0)
		json_object_set_new(d, "boot_ts", json_string(ts));
	if ((n = read_small("/etc/machine-id", buf, sizeof(buf))) >= 0 &&
	    system_parse_machine_id(buf, (size_t)n, mid) == 0)
		json_object_set_new(d, "machine_id", json_string(mid));
	return d;
}

static int
system_configure(struct conf *c, void **state, struct conf_err *err)
{
	struct system_state *st;

	*state = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err->msg, sizeof(err->msg), "system probe: out of memory");
		return -1;
	}
	if (conf_apply(c, "system", system_conf_opts, &st->conf, err) == -1) {
		free(st);
		return -1;
	}
	if (!st->conf.enabled) {
		free(st);
		return 0;
	}
	*state = st;
	return 0;
}

static int64_t
system_interval(void *state)
{
	return ((struct system_state *)state)->conf.interval_ms;
}

static void
system_run(void *state, struct emitter *em)
{
	struct system_state	*st = state;
	json_t			*d = system_collect();
	char			*text, key[EVENT_KEY_MAX];
	json_t			*h;

	if (d == NULL || (text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) ==
	    NULL) {
		json_decref(d);
		log_warnx("system probe: out of memory");
		return;
	}
	if (st->last != NULL && strcmp(st->last, text) == 0) {
		free(text);
		json_decref(d);
		return;
	}
	free(st->last);
	st->last = text;
	h = json_object_get(d, "hostname");
	snprintf(key, sizeof(key), "system:%s",
	    json_is_string(h) ? json_string_value(h) : "unknown");
	(void)emit_event(em, 0, "system", SEV_INFO, key, d);
}

static void
system_free(void *state)
{
	struct system_state *st = state;

	if (st == NULL)
		return;
	free(st->last);
	free(st);
}

const struct probe_ops probe_system = {
	.name = "system",
	.configure = system_configure,
	.interval_ms = system_interval,
	.run = system_run,
	.start = NULL,
	.free = system_free,
};
