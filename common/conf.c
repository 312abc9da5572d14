/*
 * Configuration: inih reads the lines, we keep (section, key, value, line)
 * and convert through option tables.  See conf.h for the contract.
 *
 * inih's handler does not know the line number, so we feed it through
 * ini_parse_stream() with our own reader that hands it exactly one line
 * per call and counts them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "common/conf.h"
#include "common/text.h"

#define CONF_MAX_LINE	4096

struct conf_entry {
	char	*section;
	char	*key;
	char	*value;
	int	 line;
	bool	 used;
};

struct conf_section {
	char	*name;
	int	 line;
	bool	 used;
};

struct conf {
	char			*path;
	struct conf_entry	*e;
	size_t			 ne, cape;
	struct conf_section	*s;
	size_t			 ns, caps;
	/* parse state */
	const char		*text;
	size_t			 textlen, pos;
	int			 line;
	struct conf_err		*perr;
	bool			 failed;
};

void
conf_err_set(struct conf_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	text_vprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
conf_why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	text_vprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static struct conf_section *
section_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ns; i++)
		if (strcmp(c->s[i].name, name) == 0)
			return &c->s[i];
	return NULL;
}

static int
section_add(struct conf *c, const char *name, int line)
{
	if (section_find(c, name) != NULL)
		return 0;
	if (c->ns == c->caps) {
		size_t n = c->caps ? c->caps * 2 : 8;
		void *p = realloc(c->s, n * sizeof(*c->s));
		if (p == NULL)
			return -1;
		c->s = p;
		c->caps = n;
	}
	c->s[c->ns].name = strdup(name);
	if (c->s[c->ns].name == NULL)
		return -1;
	c->s[c->ns].line = line;
	c->s[c->ns].used = false;
	c->ns++;
	return 0;
}

/*
 * Record a section header as it passes, so that an empty section is known
 * (and reported when unknown) even though inih only calls the handler for
 * keys.  "[ name ]" is "name" (conf_handler() trims inih's name alike).
 */
static void
section_note(struct conf *c, const char *line)
{
	const char	*p = line, *end;
	char		 name[256];
	size_t		 n;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[' || (end = strchr(p, ']')) == NULL)
		return;
	p++;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	n = (size_t)(end - p);
	if (n >= sizeof(name))
		return;
	memcpy(name, p, n);
	name[n] = '\0';
	(void)section_add(c, name, c->line);
}

/* inih reader: one line per call, never more than it asked for. */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf	*c = stream;
	size_t		 start = c->pos, end, n;

	if (c->pos >= c->textlen)
		return NULL;
	end = start;
	while (end < c->textlen && c->text[end] != '\n')
		end++;
	n = end - start;
	if (n + 2 > (size_t)num) {
		/*
		 * inih's line buffer (INI_MAX_LINE, 200 in Debian's build) is
		 * shorter than this line: refuse it rather than let inih see
		 * a truncated value.
		 */
		if (!c->failed)
			conf_err_set(c->perr, "%s:%d: line longer than %d bytes",
			    c->path, c->line + 1, num - 2);
		c->failed = true;
		return NULL;
	}
	memcpy(str, c->text + start, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	c->pos = end < c->textlen ? end + 1 : end;
	c->line++;
	section_note(c, str);
	return str;
}

static int
conf_handler(void *user, const char *rawsection, const char *name,
    const char *value)
{
	struct conf	*c = user;
	struct conf_entry *e;
	char		 section[256];
	const char	*sp = rawsection;
	size_t		 sl;

	/*
	 * inih keeps the spaces of "[ x ]"; section_note() trims them.
	 * Trim here too so both agree on the name "x".
	 */
	while (isspace((unsigned char)*sp))
		sp++;
	sl = strlen(sp);
	while (sl > 0 && isspace((unsigned char)sp[sl - 1]))
		sl--;
	if (sl >= sizeof(section))
		sl = sizeof(section) - 1;
	memcpy(section, sp, sl);
	section[sl] = '\0';

	if (name == NULL) {
		/* INI_CALL_HANDLER_ON_NEW_SECTION: a bare section header. */
		if (section_add(c, section, c->line) == -1)
			goto nomem;
		return 1;
	}
	if (c->failed)
		return 0;	/* the first error is the one reported */
	if (section[0] == '\0') {
		conf_err_set(c->perr, "%s:%d: key '%s' is outside any [section]",
		    c->path, c->line, name);
		c->failed = true;
		return 0;
	}
	if (section_add(c, section, c->line) == -1)
		goto nomem;
	for (size_t i = 0; i < c->ne; i++) {
		if (strcmp(c->e[i].section, section) == 0 &&
		    strcmp(c->e[i].key, name) == 0) {
			conf_err_set(c->perr, "%s:%d: key '%s' given twice in [%s] "
			    "(first at line %d)", c->path, c->line, name,
			    section, c->e[i].line);
			c->failed = true;
			return 0;
		}
	}
	if (c->ne == c->cape) {
		size_t n = c->cape ? c->cape * 2 : 16;
		void *p = realloc(c->e, n * sizeof(*c->e));
		if (p == NULL)
			goto nomem;
		c->e = p;
		c->cape = n;
	}
	e = &c->e[c->ne];
	e->section = strdup(section);
	e->key = strdup(name);
	e->value = strdup(value);
	e->line = c->line;
	e->used = false;
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		goto nomem;
	}
	c->ne++;
	return 1;
nomem:
	conf_err_set(c->perr, "%s:%d: out of memory", c->path, c->line);
	c->failed = true;
	return 0;
}

struct conf *
conf_new_empty(const char *name)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->path = strdup(name ? name : "(none)");
	if (c->path == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

struct conf *
conf_load_string(const char *name, const char *text, struct conf_err *err)
{
	struct conf	*c;
	size_t		 len = strlen(text), linestart = 0;
	int		 line = 1, rc;

	/* Reject over-long lines up front so inih never splits one. */
	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			if (i - linestart > CONF_MAX_LINE - 2) {
				conf_err_set(err, "%s:%d: line longer than %d bytes",
				    name, line, CONF_MAX_LINE - 2);
				return NULL;
			}
			linestart = i + 1;
			line++;
		} else if (text[i] == '\0') {
			break;
		}
	}
	if ((c = conf_new_empty(name)) == NULL) {
		conf_err_set(err, "%s: out of memory", name);
		return NULL;
	}
	c->text = text;
	c->textlen = len;
	c->perr = err;
	rc = ini_parse_stream(conf_reader, c, conf_handler, c);
	c->text = NULL;
	c->perr = NULL;
	if (rc != 0 || c->failed) {
		if (!c->failed) {
			if (rc > 0)
				conf_err_set(err, "%s:%d: cannot parse this line "
				    "(expected [section], key = value, or a "
				    "comment)", name, rc);
			else
				conf_err_set(err, "%s: cannot read", name);
		}
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *
conf_load(const char *path, struct conf_err *err)
{
	FILE		*f;
	char		*buf = NULL;
	size_t		 cap = 0, len = 0, n;
	struct conf	*c;

	if ((f = fopen(path, "r")) == NULL) {
		conf_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap > (size_t)16 << 20) {
				conf_err_set(err, "%s: larger than 16 MB", path);
				goto fail;
			}
			cap = cap ? cap * 2 : 8192;
			char *p = realloc(buf, cap);
			if (p == NULL) {
				conf_err_set(err, "%s: out of memory", path);
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		conf_err_set(err, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		conf_err_set(err, "%s: contains a NUL byte (not a text file?)", path);
		goto fail;
	}
	fclose(f);
	c = conf_load_string(path, buf, err);
	free(buf);
	return c;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ne; i++) {
		free(c->e[i].section);
		free(c->e[i].key);
		free(c->e[i].value);
	}
	for (size_t i = 0; i < c->ns; i++)
		free(c->s[i].name);
	free(c->e);
	free(c->s);
	free(c->path);
	free(c);
}

const char *
conf_path(const struct conf *c)
{
	return c->path;
}

/* ---- conversions ---------------------------------------------------- */

/* Parse a signed integer and a unit suffix; returns the suffix. */
static int
parse_num_suffix(const char *s, long long *v, const char **suffix)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno == ERANGE || end == s)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	*suffix = end;
	return 0;
}

static bool
only_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int
parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
    char *why, size_t whylen)
{
	long long	 v;
	const char	*suf;

	if (parse_num_suffix(s, &v, &suf) == -1 || !only_space(suf)) {
		conf_why_set(why, whylen, "'%s' is not a whole number", s);
		return -1;
	}
	if (v < min || v > max) {
		conf_why_set(why, whylen, "%lld is out of range (%lld..%lld)", v,
		    (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_double(const char *s, double min, double max, double *out,
    char *why, size_t whylen)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v)) {
		conf_why_set(why, whylen, "'%s' is not a number", s);
		return -1;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '%')
		end++;
	if (!only_space(end)) {
		conf_why_set(why, whylen, "'%s' is not a number", s);
		return -1;
	}
	if (v < min || v > max) {
		conf_why_set(why, whylen, "%g is out of range (%g..%g)", v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_bool(const char *s, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	conf_why_set(why, whylen, "'%s' is not yes or no", s);
	return -1;
}

static int
mul_checked(long long v, long long mul, int64_t *out)
{
	if (v != 0 && (v > INT64_MAX / mul || v < INT64_MIN / mul))
		return -1;
	*out = v * mul;
	return 0;
}

int
parse_duration_ms(const char *s, int64_t min, int64_t max, int64_t *out,
    char *why, size_t whylen)
{
	static const struct { const char *u; long long ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "min", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	long long	 v;
	const char	*suf;
	int64_t		 ms;

	if (parse_num_suffix(s, &v, &suf) == -1)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ul = strlen(units[i].u);
		if (strncmp(suf, units[i].u, ul) == 0 && only_space(suf + ul) &&
		    (ul > 0 || only_space(suf))) {
			if (mul_checked(v, units[i].ms, &ms) == -1)
				goto range;
			if (ms < min || ms > max)
				goto range;
			*out = ms;
			return 0;
		}
	}
bad:
	conf_why_set(why, whylen, "'%s' is not a duration (e.g. 500ms, 30s, 5m, "
	    "6h, 1d)", s);
	return -1;
range:
	conf_why_set(why, whylen, "'%s' is out of range (%lldms..%lldms)", s,
	    (long long)min, (long long)max);
	return -1;
}

int
parse_size(const char *s, int64_t min, int64_t max, int64_t *out,
    char *why, size_t whylen)
{
	static const struct { const char *u; long long mul; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 },
		{ "kib", 1024 }, { "m", 1 << 20 }, { "mb", 1 << 20 },
		{ "mib", 1 << 20 }, { "g", 1 << 30 }, { "gb", 1 << 30 },
		{ "gib", 1 << 30 },
	};
	long long	 v;
	const char	*suf;
	char		 u[8];
	size_t		 ul = 0;
	int64_t		 b;

	if (parse_num_suffix(s, &v, &suf) == -1 || v < 0)
		goto bad;
	while (suf[ul] && !isspace((unsigned char)suf[ul]) && ul < sizeof(u) - 1) {
		u[ul] = (char)tolower((unsigned char)suf[ul]);
		ul++;
	}
	u[ul] = '\0';
	if (!only_space(suf + ul))
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(u, units[i].u) == 0) {
			if (mul_checked(v, units[i].mul, &b) == -1 ||
			    b < min || b > max) {
				conf_why_set(why, whylen, "'%s' is out of range "
				    "(%lld..%lld bytes)", s, (long long)min,
				    (long long)max);
				return -1;
			}
			*out = b;
			return 0;
		}
	}
bad:
	conf_why_set(why, whylen, "'%s' is not a size (e.g. 512k, 64M, 1G)", s);
	return -1;
}

int
conf_list_next(const char **cursor, char *out, size_t outlen)
{
	const char	*p = *cursor;
	size_t		 n = 0;

	while (*p == ',' || isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	while (p[n] && p[n] != ',' && !isspace((unsigned char)p[n]))
		n++;
	if (n >= outlen)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*cursor = p + n;
	return 1;
}

/* ---- tables --------------------------------------------------------- */

static int
opt_set(const struct conf_opt *o, void *base, const char *val, char *why,
    size_t whylen)
{
	void	*field = (char *)base + o->off;
	int64_t	 i64;
	double	 d;
	bool	 b;

	switch (o->type) {
	case CONF_INT:
		if (parse_i64(val, o->min, o->max, &i64, why, whylen) == -1)
			return -1;
		*(int *)field = (int)i64;
		break;
	case CONF_I64:
		if (parse_i64(val, o->min, o->max, &i64, why, whylen) == -1)
			return -1;
		*(int64_t *)field = i64;
		break;
	case CONF_DOUBLE:
		if (parse_double(val, (double)o->min, (double)o->max, &d, why,
		    whylen) == -1)
			return -1;
		*(double *)field = d;
		break;
	case CONF_BOOL:
		if (parse_bool(val, &b, why, whylen) == -1)
			return -1;
		*(bool *)field = b;
		break;
	case CONF_STR:
		if (strlen(val) >= o->size) {
			conf_why_set(why, whylen, "value longer than %zu bytes",
			    o->size - 1);
			return -1;
		}
		memcpy(field, val, strlen(val) + 1);
		break;
	case CONF_DURATION:
		if (parse_duration_ms(val, o->min, o->max, &i64, why, whylen) == -1)
			return -1;
		*(int64_t *)field = i64;
		break;
	case CONF_SIZE:
		if (parse_size(val, o->min, o->max, &i64, why, whylen) == -1)
			return -1;
		*(int64_t *)field = i64;
		break;
	case CONF_ENUM: {
		size_t	n, i;
		int	len = 0;
		char	list[256];

		for (i = 0; o->choices[i] != NULL; i++) {
			if (strcmp(val, o->choices[i]) == 0) {
				*(int *)field = (int)i;
				break;
			}
		}
		if (o->choices[i] != NULL)
			break;
		list[0] = '\0';
		for (n = 0; o->choices[n] != NULL && len >= 0 &&
		    (size_t)len < sizeof(list); n++)
			len += snprintf(list + len, sizeof(list) - (size_t)len,
			    "%s%s", n ? ", " : "", o->choices[n]);
		conf_why_set(why, whylen, "'%s' is not one of: %s", val, list);
		return -1;
	}
	}
	if (o->validate != NULL && o->validate(field, why, whylen) == -1)
		return -1;
	return 0;
}

int
conf_defaults(const struct conf_opt *opts, void *base, struct conf_err *err)
{
	char why[256];

	for (const struct conf_opt *o = opts; o->name != NULL; o++) {
		if (o->def == NULL)
			continue;
		if (opt_set(o, base, o->def, why, sizeof(why)) == -1) {
			conf_err_set(err, "built-in default of '%s': %s", o->name, why);
			return -1;
		}
	}
	return 0;
}

int
conf_apply(struct conf *c, const char *section, const struct conf_opt *opts,
    void *base, struct conf_err *err)
{
	struct conf_section	*s;
	char			 why[256];

	if (conf_defaults(opts, base, err) == -1)
		return -1;
	if ((s = section_find(c, section)) != NULL)
		s->used = true;
	for (size_t i = 0; i < c->ne; i++) {
		struct conf_entry *e = &c->e[i];

		if (strcmp(e->section, section) != 0)
			continue;
		for (const struct conf_opt *o = opts; o->name != NULL; o++) {
			if (strcmp(o->name, e->key) != 0)
				continue;
			e->used = true;
			if (opt_set(o, base, e->value, why, sizeof(why)) == -1) {
				conf_err_set(err, "%s:%d: [%s] %s: %s", c->path,
				    e->line, section, e->key, why);
				return -1;
			}
			break;
		}
	}
	return 0;
}

int
conf_foreach(struct conf *c, const char *kind,
    int (*cb)(void *arg, const char *name, const char *section, int line),
    void *arg)
{
	size_t	klen = strlen(kind);
	int	rc;

	for (size_t i = 0; i < c->ns; i++) {
		const char *n = c->s[i].name;

		if (strncmp(n, kind, klen) != 0 || !isspace((unsigned char)n[klen]))
			continue;
		n += klen;
		while (isspace((unsigned char)*n))
			n++;
		if (*n == '\0')
			continue;
		c->s[i].used = true;
		if ((rc = cb(arg, n, c->s[i].name, c->s[i].line)) != 0)
			return rc;
	}
	return 0;
}

int
conf_section_line(const struct conf *c, const char *section)
{
	const struct conf_section *s = section_find(c, section);

	return s ? s->line : 0;
}

int
conf_key_line(const struct conf *c, const char *section, const char *key)
{
	/* The last occurrence wins in conf_apply(); duplicates are refused. */
	for (size_t i = c->ne; i-- > 0; )
		if (strcmp(c->e[i].section, section) == 0 &&
		    strcmp(c->e[i].key, key) == 0)
			return c->e[i].line;
	return 0;
}

bool
conf_has_section(const struct conf *c, const char *section)
{
	return section_find(c, section) != NULL;
}

int
conf_check_unused(const struct conf *c, struct conf_err *err)
{
	/* Report in file order: whichever comes first. */
	int		 best = 0;
	struct conf_err	 tmp;

	for (size_t i = 0; i < c->ns; i++) {
		if (!c->s[i].used && (best == 0 || c->s[i].line < best)) {
			best = c->s[i].line;
			conf_err_set(&tmp, "%s:%d: unknown section [%s]", c->path,
			    c->s[i].line, c->s[i].name);
		}
	}
	for (size_t i = 0; i < c->ne; i++) {
		const struct conf_section *s = section_find(c, c->e[i].section);

		if (c->e[i].used || (s != NULL && !s->used))
			continue;
		if (best == 0 || c->e[i].line < best) {
			best = c->e[i].line;
			conf_err_set(&tmp, "%s:%d: unknown key '%s' in [%s]", c->path,
			    c->e[i].line, c->e[i].key, c->e[i].section);
		}
	}
	if (best == 0)
		return 0;
	if (err != NULL)
		*err = tmp;
	return -1;
}
