/*
 * Schedules and the holiday calendar.  See schedule.h for the contract.
 *
 * Local time comes from localtime_r() in the zone time_set_zone() chose;
 * a local wall-clock time is turned back into UTC with the two-pass
 * offset lookup that common/timeutil.c uses, so the code stays correct in
 * zones with daylight saving (China has had none since 1991).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fnmatch.h>
#include <glob.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/rbuf.h"
#include "common/text.h"
#include "common/timeutil.h"
#include "collector/schedule.h"

#define MS_DAY	86400000LL

struct calendar_entry {
	int64_t			day;
	enum calendar_kind	kind;
	int			line;
	int			file;	/* index into calendar.files */
	char			name[CALENDAR_NAME_MAX];
};

#define CAL_YEAR0	1970
#define CAL_YEARS	256	/* years covered are tracked 1970..2225 */

struct calendar {
	struct calendar_entry	*e;
	size_t			 n, cap;
	uint8_t			 years[CAL_YEARS / 8];	/* bit: year listed */
	int			 nfiles;
	char			 files[CALENDAR_FILES_MAX][CALENDAR_FILE_MAX];
};

static int64_t
floordiv64(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int
schedule_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int64_t w = (day + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* ---- calendar ------------------------------------------------------- */

struct calendar *
calendar_new(void)
{
	return calloc(1, sizeof(struct calendar));
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->e);
	free(cal);
}

size_t
calendar_count(const struct calendar *cal)
{
	return cal ? cal->n : 0;
}

static void
year_mark(struct calendar *cal, int64_t day)
{
	int		y;
	unsigned	m, d;

	time_civil_from_days(day, &y, &m, &d);
	if (y >= CAL_YEAR0 && y < CAL_YEAR0 + CAL_YEARS)
		cal->years[(y - CAL_YEAR0) / 8] |=
		    (uint8_t)(1u << ((y - CAL_YEAR0) % 8));
}

bool
calendar_covers_year(const struct calendar *cal, int year)
{
	if (cal == NULL || year < CAL_YEAR0 || year >= CAL_YEAR0 + CAL_YEARS)
		return false;
	return (cal->years[(year - CAL_YEAR0) / 8] >>
	    ((year - CAL_YEAR0) % 8)) & 1;
}

int
calendar_first_uncovered(const struct calendar *cal, int64_t from_day,
    int64_t to_day)
{
	int		y0, y1;
	unsigned	m, d;

	if (to_day <= from_day)
		return 0;
	time_civil_from_days(from_day, &y0, &m, &d);
	time_civil_from_days(to_day - 1, &y1, &m, &d);
	for (int y = y0; y <= y1; y++)
		if (!calendar_covers_year(cal, y))
			return y;
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct calendar_entry *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->file != y->file)
		return x->file - y->file;
	return x->line - y->line;
}

enum calendar_kind
calendar_lookup(const struct calendar *cal, int64_t day, const char **name)
{
	size_t lo = 0, hi;

	if (name != NULL)
		*name = "";
	if (cal == NULL)
		return CALENDAR_NORMAL;
	hi = cal->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cal->e[mid].day == day) {
			if (name != NULL)
				*name = cal->e[mid].name;
			return cal->e[mid].kind;
		}
		if (cal->e[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CALENDAR_NORMAL;
}

static bool
utf8_valid(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; ) {
		size_t n = text_utf8_decode(p + i, len - i, NULL);

		if (n == 0 || (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return false;
		i += n;
	}
	return true;
}

/* Read "YYYY-MM-DD" from b into a day number.  -1 when not a real date. */
static int
read_date(struct rbuf *b, int64_t *day)
{
	char c[10];

	if (rbuf_bytes(b, c, sizeof(c)) == -1)
		return -1;
	return time_parse_date(c, sizeof(c), day);
}

static void
skip_blank(struct rbuf *b)
{
	uint8_t c;

	while (rbuf_peek_u8(b, 0, &c) == 0 && (c == ' ' || c == '\t' || c == '\r'))
		(void)rbuf_skip(b, 1);
}

static bool
word_is(const struct rbuf *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->p, s, w->len) == 0;
}

/* Cut the next run of non-blank bytes. */
static void
read_word(struct rbuf *b, struct rbuf *w)
{
	size_t	n = 0;
	uint8_t	c;

	while (rbuf_peek_u8(b, n, &c) == 0 && c != ' ' && c != '\t' && c != '\r')
		n++;
	rbuf_init(w, b->p, 0);
	(void)rbuf_sub(b, n, w);
}

static int
calendar_add(struct calendar *cal, int64_t day, enum calendar_kind kind,
    int line, const struct rbuf *name)
{
	struct calendar_entry *e;

	if (cal->n == cal->cap) {
		size_t	 ncap = cal->cap ? cal->cap * 2 : 64;
		void	*p = realloc(cal->e, ncap * sizeof(*cal->e));

		if (p == NULL)
			return -1;
		cal->e = p;
		cal->cap = ncap;
	}
	e = &cal->e[cal->n++];
	e->day = day;
	e->kind = kind;
	e->line = line;
	e->file = 0;
	year_mark(cal, day);
	memcpy(e->name, name->p, name->len);
	e->name[name->len] = '\0';
	return 0;
}

/* One non-comment line.  -1 with err. */
static int
calendar_line(struct calendar *cal, const char *fname, int line,
    struct rbuf *b, struct conf_err *err)
{
	int64_t			first, last;
	struct rbuf		word, name;
	enum calendar_kind	kind;
	uint8_t			c;

	if (read_date(b, &first) == -1) {
		conf_err_set(err, "%s:%d: expected a date YYYY-MM-DD at the start of "
		    "the line", fname, line);
		return -1;
	}
	last = first;
	if (rbuf_peek_u8(b, 0, &c) == 0 && c == '.') {
		if (rbuf_skip(b, 1) == -1 || rbuf_u8(b, &c) == -1 || c != '.' ||
		    read_date(b, &last) == -1) {
			conf_err_set(err, "%s:%d: expected a range FIRST..LAST with "
			    "both dates as YYYY-MM-DD", fname, line);
			return -1;
		}
		if (last < first || last - first > 366) {
			conf_err_set(err, "%s:%d: range must go forward and span at "
			    "most a year", fname, line);
			return -1;
		}
	}
	if (rbuf_peek_u8(b, 0, &c) == -1 || (c != ' ' && c != '\t')) {
		conf_err_set(err, "%s:%d: expected 'holiday' or 'workday' after the "
		    "date", fname, line);
		return -1;
	}
	skip_blank(b);
	read_word(b, &word);
	if (word_is(&word, "holiday"))
		kind = CALENDAR_HOLIDAY;
	else if (word_is(&word, "workday"))
		kind = CALENDAR_WORKDAY;
	else {
		conf_err_set(err, "%s:%d: day kind must be 'holiday' or 'workday'",
		    fname, line);
		return -1;
	}
	skip_blank(b);
	name = *b;
	while (name.len > 0 && (name.p[name.len - 1] == ' ' ||
	    name.p[name.len - 1] == '\t' || name.p[name.len - 1] == '\r'))
		name.len--;
	if (name.len >= CALENDAR_NAME_MAX) {
		conf_err_set(err, "%s:%d: name longer than %d bytes", fname, line,
		    CALENDAR_NAME_MAX - 1);
		return -1;
	}
	if (!utf8_valid(name.p, name.len)) {
		conf_err_set(err, "%s:%d: name is not valid UTF-8 text", fname, line);
		return -1;
	}
	if (cal->n + (size_t)(last - first + 1) > CALENDAR_MAX_ENTRIES) {
		conf_err_set(err, "%s:%d: more than %d days listed", fname, line,
		    CALENDAR_MAX_ENTRIES);
		return -1;
	}
	for (int64_t d = first; d <= last; d++) {
		if (calendar_add(cal, d, kind, line, &name) == -1) {
			conf_err_set(err, "%s:%d: out of memory", fname, line);
			return -1;
		}
	}
	return 0;
}

/* Sort the entries; -1 with err when a date is listed twice. */
static int
calendar_sort(struct calendar *cal, struct conf_err *err)
{
	if (cal->n > 1)	/* qsort(NULL, 0) is undefined */
		qsort(cal->e, cal->n, sizeof(*cal->e), entry_cmp);
	for (size_t i = 1; i < cal->n; i++) {
		const struct calendar_entry *a = &cal->e[i - 1], *b = &cal->e[i];
		char date[16];
		int y;
		unsigned m, d;

		if (b->day != a->day)
			continue;
		time_civil_from_days(b->day, &y, &m, &d);
		snprintf(date, sizeof(date), "%04d-%02u-%02u", y, m, d);
		if (a->file == b->file)
			conf_err_set(err, "%s:%d: %s is already listed at line %d",
			    cal->files[b->file], b->line, date, a->line);
		else
			conf_err_set(err, "%s:%d: %s is already listed in %s:%d",
			    cal->files[b->file], b->line, date,
			    cal->files[a->file], a->line);
		return -1;
	}
	return 0;
}

struct calendar *
calendar_parse(const char *fname, const char *text, size_t len,
    struct conf_err *err)
{
	struct calendar	*cal = NULL, *ret = NULL;
	struct rbuf	 all, ln = { 0 };
	int		 line = 0;

	if (len > CALENDAR_MAX_BYTES) {
		conf_err_set(err, "%s: larger than %d bytes", fname, CALENDAR_MAX_BYTES);
		goto out;
	}
	if ((cal = calendar_new()) == NULL) {
		conf_err_set(err, "%s: out of memory", fname);
		goto out;
	}
	snprintf(cal->files[0], sizeof(cal->files[0]), "%s", fname);
	cal->nfiles = 1;
	rbuf_init(&all, text, len);
	while (rbuf_left(&all) > 0) {
		const uint8_t	*nl = memchr(all.p, '\n', all.len);
		size_t		 n = nl ? (size_t)(nl - all.p) : all.len;
		uint8_t		 c;

		line++;
		(void)rbuf_sub(&all, n, &ln);
		if (nl != NULL)
			(void)rbuf_skip(&all, 1);
		if (memchr(ln.p, '\0', ln.len) != NULL) {
			conf_err_set(err, "%s:%d: contains a NUL byte", fname, line);
			goto out;
		}
		/* A UTF-8 byte-order mark on the first line (Notepad). */
		if (line == 1 && ln.len >= 3 && memcmp(ln.p, "\xef\xbb\xbf", 3) == 0)
			(void)rbuf_skip(&ln, 3);
		skip_blank(&ln);
		if (rbuf_peek_u8(&ln, 0, &c) == -1 || c == '#')
			continue;
		if (calendar_line(cal, fname, line, &ln, err) == -1)
			goto out;
	}
	if (calendar_sort(cal, err) == -1)
		goto out;
	ret = cal;
	cal = NULL;
out:
	calendar_free(cal);
	return ret;
}

struct calendar *
calendar_load(const char *path, struct conf_err *err)
{
	FILE		*f;
	char		*buf = NULL;
	size_t		 len;
	struct calendar	*cal = NULL;

	if ((f = fopen(path, "r")) == NULL) {
		conf_err_set(err, "%s: cannot open the calendar file: %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CALENDAR_MAX_BYTES + 1)) == NULL) {
		conf_err_set(err, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, CALENDAR_MAX_BYTES + 1, f);
	if (ferror(f)) {
		conf_err_set(err, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	cal = calendar_parse(path, buf, len, err);
out:
	fclose(f);
	free(buf);
	return cal;
}

/* Move src's entries into dst as file number dst->nfiles.  -1 with err. */
static int
calendar_merge(struct calendar *dst, const struct calendar *src,
    struct conf_err *err)
{
	int fi = dst->nfiles;

	if (fi >= CALENDAR_FILES_MAX) {
		conf_err_set(err, "%s: more than %d calendar files", src->files[0],
		    CALENDAR_FILES_MAX);
		return -1;
	}
	if (dst->n + src->n > CALENDAR_MAX_ENTRIES) {
		conf_err_set(err, "%s: more than %d days listed in all calendar "
		    "files", src->files[0], CALENDAR_MAX_ENTRIES);
		return -1;
	}
	memcpy(dst->files[fi], src->files[0], sizeof(dst->files[fi]));
	dst->nfiles++;
	for (size_t i = 0; i < src->n; i++) {
		struct rbuf name;

		rbuf_init(&name, src->e[i].name, strlen(src->e[i].name));
		if (calendar_add(dst, src->e[i].day, src->e[i].kind,
		    src->e[i].line, &name) == -1) {
			conf_err_set(err, "%s: out of memory", src->files[0]);
			return -1;
		}
		dst->e[dst->n - 1].file = fi;
	}
	return calendar_sort(dst, err);
}

int
calendar_list_each(const char *list, int (*cb)(void *arg, const char *path),
    void *arg, struct conf_err *err)
{
	const char	*p = list;
	int		 rc = 0;

	for (;;) {
		char	 path[SCHEDULE_PATH_MAX];
		size_t	 n = strcspn(p, ",");
		size_t	 a = 0, b = n;

		while (a < b && isspace((unsigned char)p[a]))
			a++;
		while (b > a && isspace((unsigned char)p[b - 1]))
			b--;
		if (b > a) {
			if (b - a >= sizeof(path)) {
				conf_err_set(err, "calendar file name longer than "
				    "%zu bytes", sizeof(path) - 1);
				return -1;
			}
			memcpy(path, p + a, b - a);
			path[b - a] = '\0';
			if (strpbrk(path, "*?[") != NULL) {
				glob_t	g;
				int	grc = glob(path, 0, NULL, &g);

				if (grc == GLOB_NOSPACE) {
					conf_err_set(err, "%s: out of memory",
					    path);
					return -1;
				}
				for (size_t i = 0; grc == 0 && rc == 0 &&
				    i < g.gl_pathc; i++)
					rc = cb(arg, g.gl_pathv[i]);
				if (grc == 0)
					globfree(&g);
			} else
				rc = cb(arg, path);
			if (rc != 0)
				return rc;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

struct calendar_list {
	struct calendar	*all;
	struct conf_err	*err;
};

static int
calendar_list_add(void *arg, const char *path)
{
	struct calendar_list	*l = arg;
	struct calendar		*one;
	int			 rc;

	if ((one = calendar_load(path, l->err)) == NULL)
		return -1;
	if (l->all == NULL) {
		l->all = one;
		return 0;
	}
	rc = calendar_merge(l->all, one, l->err);
	calendar_free(one);
	return rc;
}

struct calendar *
calendar_load_list(const char *list, struct conf_err *err)
{
	struct calendar_list l = { NULL, err };

	if (calendar_list_each(list, calendar_list_add, &l, err) != 0) {
		calendar_free(l.all);
		return NULL;
	}
	if (l.all == NULL && (l.all = calendar_new()) == NULL)
		conf_err_set(err, "calendar: out of memory");
	return l.all;
}

/* ---- schedule definitions ------------------------------------------- */

void
schedule_init_always(struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = SCHEDULE_ALWAYS;
	s->days = 0x7f;
	s->nspans = 1;
	s->spans[0].start_min = 0;
	s->spans[0].end_min = 1440;
}

void
schedule_init_office(struct schedule *s, const struct calendar *cal)
{
	memset(s, 0, sizeof(*s));
	s->kind = SCHEDULE_OFFICE;
	s->days = 0x1f;	/* Mon-Fri */
	s->nspans = 1;
	s->spans[0].start_min = 8 * 60 + 30;
	s->spans[0].end_min = 17 * 60 + 30;
	s->cal = cal;
}

/* "HH:MM" at *p → minutes; 24:00 only when allow24. */
static int
hhmm(const char **p, bool allow24, int *min)
{
	const char *s = *p;
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)))
		return -1;
	*min = h * 60 + m;
	*p = s + 5;
	return 0;
}

int
schedule_parse_hours(const char *text, struct schedule *s, char *why,
    size_t whylen)
{
	struct schedule_span	sp[SCHEDULE_SPANS_MAX];
	size_t			n = 0;
	const char		*p = text;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == SCHEDULE_SPANS_MAX) {
			conf_why_set(why, whylen, "at most %d spans", SCHEDULE_SPANS_MAX);
			return -1;
		}
		if (hhmm(&p, false, &sp[n].start_min) == -1 || *p++ != '-' ||
		    hhmm(&p, true, &sp[n].end_min) == -1) {
			conf_why_set(why, whylen, "'%s' is not HH:MM-HH:MM[, ...] "
			    "(e.g. 08:30-17:30)", text);
			return -1;
		}
		if (sp[n].end_min <= sp[n].start_min) {
			conf_why_set(why, whylen, "span %zu ends before it starts "
			    "(spans across midnight are not supported)", n + 1);
			return -1;
		}
		if (n > 0 && sp[n].start_min < sp[n - 1].end_min) {
			conf_why_set(why, whylen, "span %zu must start after span %zu "
			    "ends", n + 1, n);
			return -1;
		}
		n++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',')
			p++;
		else if (*p != '\0') {
			conf_why_set(why, whylen, "'%s' is not HH:MM-HH:MM[, ...] "
			    "(e.g. 08:30-17:30)", text);
			return -1;
		}
	}
	if (n == 0) {
		conf_why_set(why, whylen, "no office hours given (e.g. 08:30-17:30)");
		return -1;
	}
	memcpy(s->spans, sp, n * sizeof(sp[0]));
	s->nspans = n;
	return 0;
}

static int
day_index(const char *p)
{
	static const char *const names[] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun"
	};

	for (int i = 0; i < 7; i++)
		if (strncasecmp(p, names[i], 3) == 0)
			return i;
	return -1;
}

int
schedule_parse_days(const char *text, uint8_t *days, char *why,
    size_t whylen)
{
	const char	*p = text;
	uint8_t		 mask = 0;
	int		 a, b;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (strlen(p) < 3 || (a = day_index(p)) == -1)
			goto bad;
		p += 3;
		b = a;
		if (*p == '-') {
			p++;
			if (strlen(p) < 3 || (b = day_index(p)) == -1)
				goto bad;
			p += 3;
		}
		if (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
			goto bad;
		/* mon-fri; a wrapping range such as sat-mon also works. */
		for (int i = a;; i = (i + 1) % 7) {
			mask |= (uint8_t)(1u << i);
			if (i == b)
				break;
		}
	}
	if (mask == 0)
		goto bad;
	*days = mask;
	return 0;
bad:
	conf_why_set(why, whylen, "'%s' is not a list of days (e.g. mon-fri, or "
	    "mon,tue,wed)", text);
	return -1;
}

/* ---- local time ----------------------------------------------------- */

static long
gmtoff_at(int64_t ms)
{
	time_t		t = (time_t)floordiv64(ms, 1000);
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/* Local day number of instant ms and the ms since local midnight. */
static int64_t
local_day(int64_t ms, int64_t *ms_in_day)
{
	int64_t local = ms + (int64_t)gmtoff_at(ms) * 1000;
	int64_t day = floordiv64(local, MS_DAY);

	if (ms_in_day != NULL)
		*ms_in_day = local - day * MS_DAY;
	return day;
}

/* UTC instant of local wall-clock time `min` minutes into local day `day`. */
static int64_t
local_to_utc(int64_t day, int min)
{
	int64_t	guess = day * MS_DAY + (int64_t)min * 60000;
	long	off = gmtoff_at(guess);

	off = gmtoff_at(guess - (int64_t)off * 1000);
	return guess - (int64_t)off * 1000;
}

int64_t
schedule_local_day(int64_t ms)
{
	return local_day(ms, NULL);
}

int64_t
schedule_day_start(int64_t day)
{
	return local_to_utc(day, 0);
}

/* ---- queries -------------------------------------------------------- */

bool
schedule_workday(const struct schedule *s, int64_t day)
{
	if (s->kind == SCHEDULE_ALWAYS)
		return true;
	switch (calendar_lookup(s->cal, day, NULL)) {
	case CALENDAR_HOLIDAY:
		return false;
	case CALENDAR_WORKDAY:
		return true;
	case CALENDAR_NORMAL:
		break;
	}
	return (s->days & (1u << schedule_weekday(day))) != 0;
}

bool
schedule_is_scheduled(const struct schedule *s, int64_t ms)
{
	int64_t	in_day, day;

	if (s->kind == SCHEDULE_ALWAYS)
		return true;
	day = local_day(ms, &in_day);
	if (!schedule_workday(s, day))
		return false;
	for (size_t i = 0; i < s->nspans; i++)
		if (in_day >= (int64_t)s->spans[i].start_min * 60000 &&
		    in_day < (int64_t)s->spans[i].end_min * 60000)
			return true;
	return false;
}

int
schedule_next_window(const struct schedule *s, int64_t t, int64_t limit,
    int64_t *ws, int64_t *we)
{
	if (t >= limit)
		return 0;
	if (s->kind == SCHEDULE_ALWAYS) {
		*ws = t;
		*we = limit;
		return 1;
	}
	/* Start a day early: a window of yesterday may still be open at t. */
	for (int64_t day = local_day(t, NULL) - 1;; day++) {
		if (local_to_utc(day, 0) >= limit)
			return 0;
		if (!schedule_workday(s, day))
			continue;
		for (size_t i = 0; i < s->nspans; i++) {
			int64_t a = local_to_utc(day, s->spans[i].start_min);
			int64_t b = local_to_utc(day, s->spans[i].end_min);

			if (a >= limit)
				return 0;
			if (b > t && b > a) {
				*ws = a;
				*we = b;
				return 1;
			}
		}
	}
}

int64_t
schedule_scheduled_ms(const struct schedule *s, int64_t from, int64_t to)
{
	int64_t sum = 0, t = from, a, b;

	while (schedule_next_window(s, t, to, &a, &b) == 1) {
		if (a < t)
			a = t;
		if (b > to)
			b = to;
		if (b > a)
			sum += b - a;
		t = b;
	}
	return sum;
}

static int
interval_cmp(const void *a, const void *b)
{
	const struct schedule_interval *x = a, *y = b;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	return 0;
}

int
schedule_up_ms(const struct schedule *s, const struct schedule_interval *iv,
    size_t n, int64_t from, int64_t to, int64_t *up_ms)
{
	struct schedule_interval	*c = NULL;
	size_t				 m = 0;
	int64_t				 sum = 0, cs = 0, ce = 0;
	bool				 open = false;

	*up_ms = 0;
	if (n == 0 || to <= from)
		return 0;
	if ((c = malloc(n * sizeof(*c))) == NULL)
		return -1;
	/* Clip to [from, to) and drop what is empty. */
	for (size_t i = 0; i < n; i++) {
		int64_t a = iv[i].start_ms < from ? from : iv[i].start_ms;
		int64_t b = iv[i].end_ms > to ? to : iv[i].end_ms;

		if (b > a) {
			c[m].start_ms = a;
			c[m].end_ms = b;
			m++;
		}
	}
	if (m > 1)
		qsort(c, m, sizeof(*c), interval_cmp);
	/* Merge overlapping or touching intervals, sum each union piece. */
	for (size_t i = 0; i < m; i++) {
		if (open && c[i].start_ms <= ce) {
			if (c[i].end_ms > ce)
				ce = c[i].end_ms;
			continue;
		}
		if (open)
			sum += schedule_scheduled_ms(s, cs, ce);
		cs = c[i].start_ms;
		ce = c[i].end_ms;
		open = true;
	}
	if (open)
		sum += schedule_scheduled_ms(s, cs, ce);
	free(c);
	*up_ms = sum;
	return 0;
}

/* ---- configuration -------------------------------------------------- */

static int
validate_hours(const void *field, char *why, size_t whylen)
{
	struct schedule tmp;

	return schedule_parse_hours(field, &tmp, why, whylen);
}

static int
validate_days(const void *field, char *why, size_t whylen)
{
	uint8_t d;

	return schedule_parse_days(field, &d, why, whylen);
}

const struct conf_opt schedule_conf_opts[] = {
	{ "calendar", CONF_STR, offsetof(struct schedule_conf, calendar_path),
	  SCHEDULE_PATH_MAX, 0, 0, SCHEDULE_CALENDAR_DEFAULT, NULL, NULL,
	  "holiday calendar files or patterns, comma-separated, one file a "
	  "year (default: the ones the package ships; empty: no public "
	  "holidays, every year's indicators then read 口径不完整)" },
	{ "office_hours", CONF_STR, offsetof(struct schedule_conf, office_hours),
	  128, 0, 0, "08:30-17:30", NULL, validate_hours,
	  "office hours of desktops, local time" },
	{ "office_days", CONF_STR, offsetof(struct schedule_conf, office_days),
	  64, 0, 0, "mon-fri", NULL, validate_days,
	  "weekly work days of desktops" },
	{ "always", CONF_STR, offsetof(struct schedule_conf, always_list),
	  512, 0, 0, "", NULL, NULL,
	  "agents scheduled always (servers): names or patterns, comma-separated" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

int
schedule_conf_load(struct conf *c, struct schedule_conf *sc,
    struct conf_err *err)
{
	char why[256];

	memset(sc, 0, sizeof(*sc));
	if (conf_apply(c, "schedule", schedule_conf_opts, sc, err) == -1)
		goto fail;
	if (sc->calendar_path[0] != '\0' &&
	    (sc->cal = calendar_load_list(sc->calendar_path, err)) == NULL)
		goto fail;
	schedule_init_always(&sc->always);
	schedule_init_office(&sc->office, sc->cal);
	/* Validated by the table already; cannot fail here. */
	if (schedule_parse_hours(sc->office_hours, &sc->office, why,
	    sizeof(why)) == -1 ||
	    schedule_parse_days(sc->office_days, &sc->office.days, why,
	    sizeof(why)) == -1) {
		conf_err_set(err, "%s: [schedule]: %s", conf_path(c), why);
		goto fail;
	}
	return 0;
fail:
	schedule_conf_free(sc);
	return -1;
}

void
schedule_conf_free(struct schedule_conf *sc)
{
	if (sc == NULL)
		return;
	calendar_free(sc->cal);
	memset(sc, 0, sizeof(*sc));
}

const struct schedule *
schedule_conf_get(const struct schedule_conf *sc, const char *kind)
{
	if (strcmp(kind, "always") == 0)
		return &sc->always;
	if (strcmp(kind, "office") == 0)
		return &sc->office;
	return NULL;
}

const struct schedule *
schedule_for_agent(const struct schedule_conf *sc, const char *name)
{
	const char *p = sc->always_list;

	while (*p != '\0') {
		char	pat[128];
		size_t	n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (fnmatch(pat, name, 0) == 0)
				return &sc->always;
		}
		p += n;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return &sc->office;
}
