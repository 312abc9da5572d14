/*
 * Time: stored and sent as UTC milliseconds since the epoch; shown to
 * admins in local time (Asia/Shanghai by default).
 */
#ifndef SHAOBING_TIMEUTIL_H
#define SHAOBING_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock, UTC ms. */
int64_t	time_now_ms(void);
/* Monotonic clock, ms. */
int64_t	time_mono_ms(void);

/* "2026-11-27T13:37:20.123Z"; buf at least 25 bytes.  -1 if out of range. */
int	time_format_utc(int64_t ms, char *buf, size_t len);
/*
 * Strict parse of the wire form above (exactly, with milliseconds and Z).
 * -1 on anything else.
 */
int	time_parse_utc(const char *s, int64_t *ms);
/*
 * Lenient parse for people: "2026-11-27", "2026-11-27 13:37",
 * "2026-11-27T13:37:20", with optional ".mmm" and "Z" (UTC) — without Z
 * the time is local.  Also relative "-2h", "-7d", "-30m".
 */
int	time_parse_human(const char *s, int64_t now_ms, int64_t *ms);

/*
 * Select the display time zone ("Asia/Shanghai" default).  Falls back to
 * a fixed UTC+8 rule when the zoneinfo file is missing.
 */
void	time_set_zone(const char *tz);
/* Local "2026-11-27 21:37:20" (no ms); buf at least 20 bytes. */
int	time_format_local(int64_t ms, char *buf, size_t len);
/* Local date "2026-11-27"; buf at least 11 bytes. */
int	time_format_local_date(int64_t ms, char *buf, size_t len);

/*
 * "YYYY-MM-DD", exactly the n bytes at p (no NUL needed, nothing read
 * past p + n): a real date from 1970-01-01 on → *day, days since
 * 1970-01-01.  -1 for anything else (and *day untouched).
 */
int	time_parse_date(const char *p, size_t n, int64_t *day);

/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t	time_days_from_civil(int y, unsigned m, unsigned d);
void	time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

#endif
