/*
 * Time helpers.  Civil-date arithmetic after Howard Hinnant's
 * days_from_civil, so nothing depends on the process time zone except
 * the local-time display functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdbool.h>

#include "common/timeutil.h"

int64_t
time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t		yy = y - (m <= 2);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned	yoe = (unsigned)(yy - era * 400);
	unsigned	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void
time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t		era;
	unsigned	doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int
time_format_utc(int64_t ms, char *buf, size_t len)
{
	int64_t		days = floordiv(ms, 86400000);
	int64_t		rem = ms - days * 86400000;
	int		y;
	unsigned	m, d;
	int		n;

	time_civil_from_days(days, &y, &m, &d);
	if (y < 1970 || y > 9999)
		return -1;
	n = snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
	    (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return dm[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DD" at s; fills y m d.  -1 when not a real date. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
	    s[7] != '-' || digits(s + 8, 2, d))
		return -1;
	if (*y < 1970 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
time_parse_date(const char *p, size_t n, int64_t *day)
{
	int y, m, d;

	if (p == NULL || n != 10 || parse_date(p, &y, &m, &d) == -1)
		return -1;
	*day = time_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

int
time_parse_utc(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac;

	if (strlen(s) != 24 || parse_date(s, &y, &mo, &d) == -1 ||
	    s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec) ||
	    s[19] != '.' || digits(s + 20, 3, &frac) || s[23] != 'Z')
		return -1;
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	*ms = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 +
	    (int64_t)h * 3600000 + (int64_t)mi * 60000 + (int64_t)sec * 1000 + frac;
	return 0;
}

/* Offset of local time from UTC, in seconds, at UTC instant t. */
static long
local_offset(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

int
time_parse_human(const char *s, int64_t now_ms, int64_t *ms)
{
	int		 y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	const char	*p;
	int64_t		 v;
	char		*end;
	bool		 utc = false;

	if (s[0] == '-' && isdigit((unsigned char)s[1])) {
		v = strtoll(s + 1, &end, 10);
		if (v < 0 || v > 100000)
			return -1;
		if (strcmp(end, "m") == 0)
			v *= 60000;
		else if (strcmp(end, "h") == 0)
			v *= 3600000;
		else if (strcmp(end, "d") == 0)
			v *= 86400000;
		else
			return -1;
		*ms = now_ms - v;
		return 0;
	}
	if (strlen(s) < 10 || parse_date(s, &y, &mo, &d) == -1)
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec))
				return -1;
			p += 3;
			if (*p == '.') {
				if (digits(p + 1, 3, &frac))
					return -1;
				p += 4;
			}
		}
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	}
	if (*p != '\0')
		return -1;
	v = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 +
	    (int64_t)h * 3600000 + (int64_t)mi * 60000 + (int64_t)sec * 1000 + frac;
	if (!utc) {
		/* Two passes: the offset at the guessed instant. */
		long off = local_offset((time_t)(v / 1000));
		off = local_offset((time_t)(v / 1000 - off));
		v -= (int64_t)off * 1000;
	}
	*ms = v;
	return 0;
}

void
time_set_zone(const char *tz)
{
	char path[512];

	if (tz == NULL || *tz == '\0')
		tz = "Asia/Shanghai";
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (strcmp(tz, "Asia/Shanghai") == 0 && access(path, R_OK) != 0)
		tz = "CST-8";	/* China has kept UTC+8 without DST since 1991 */
	setenv("TZ", tz, 1);
	tzset();
}

int
time_format_local(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)floordiv(ms, 1000);
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return -1;
	return 0;
}

int
time_format_local_date(int64_t ms, char *buf, size_t len)
{
	time_t		t = (time_t)floordiv(ms, 1000);
	struct tm	tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		return -1;
	return 0;
}
