/*
 * Schedules and the holiday calendar: when is a machine expected to be up?
 *
 * Servers are scheduled always.  Desktops are scheduled in office hours
 * (default 08:30-17:30) on work days; a work day is a weekday of the
 * schedule (default Mon-Fri) that the calendar does not mark as a public
 * holiday, or any day the calendar marks as a make-up work day (调休).
 * Outside its schedule a machine that is off is neither up nor down, so
 * the equipment operation ratio is  up ms inside schedule ÷ scheduled ms.
 *
 * All day and hour arithmetic is in local time, the zone chosen with
 * time_set_zone() (common/timeutil.h; Asia/Shanghai by default).  Instants
 * are UTC milliseconds.  Intervals are half-open: [from, to).
 *
 * Calendar files (conf/holidays-2025.txt, conf/holidays-2026.txt), one a
 * year, several allowed ([schedule] calendar = a.txt, b.txt).  A calendar
 * covers the years it lists at least one day of; a year it does not
 * cover has unknown holidays, and indicators over its days are marked
 * 口径不完整 (calendar missing), never silently computed.  Format: one
 * entry a line, '#' starts a comment line, blank lines are ignored:
 *     2026-10-01..2026-10-07 holiday 国庆节
 *     2026-10-10 workday 国庆节调休
 * A date or an inclusive range, the kind (holiday | workday), an optional
 * UTF-8 name.  A date listed twice is an error.  Errors read
 * "FILE:LINE: what is wrong".
 */
#ifndef SHAOBING_SCHEDULE_H
#define SHAOBING_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

#define CALENDAR_NAME_MAX	64	/* bytes of a holiday name, with NUL */
#define CALENDAR_MAX_ENTRIES	20000	/* days, after ranges are expanded */
#define CALENDAR_MAX_BYTES	(1 << 20)
#define CALENDAR_FILES_MAX	16
#define CALENDAR_FILE_MAX	256	/* bytes of a file name kept for messages */
#define SCHEDULE_SPANS_MAX	4	/* e.g. 08:30-12:00,13:30-17:30 */

enum calendar_kind {
	CALENDAR_NORMAL = 0,	/* not listed: the weekday decides */
	CALENDAR_HOLIDAY,	/* 放假: no work even on a weekday */
	CALENDAR_WORKDAY,	/* 上班 (调休): work even on a weekend */
};

struct calendar;

/* An empty calendar (no holidays).  NULL on allocation failure. */
struct calendar	*calendar_new(void);
/* Read a calendar file.  NULL with err ("FILE:LINE: ...") on any error. */
struct calendar	*calendar_load(const char *path, struct conf_err *err);
/*
 * Parse len bytes of text (need not be NUL-terminated; a NUL byte is an
 * error); name is used in messages.  NULL with err on any error.
 */
struct calendar	*calendar_parse(const char *name, const char *text, size_t len,
		    struct conf_err *err);
void		 calendar_free(struct calendar *cal);
/*
 * Several files, comma-separated (blanks around names ignored; empty
 * list: an empty calendar).  An item with * ? or [ is a pattern: the
 * files it matches, in name order (none: nothing).  A date listed in two
 * files is an error naming both.  NULL with err on any error.
 */
struct calendar	*calendar_load_list(const char *list, struct conf_err *err);
/*
 * The files of such a list, one cb(arg, path) each, in order; a
 * non-zero return stops the walk and is returned.  -1 with err on an
 * item too long.
 */
int		 calendar_list_each(const char *list,
		    int (*cb)(void *arg, const char *path), void *arg,
		    struct conf_err *err);
/* Does cal list at least one day of year (cal may be NULL: no)? */
bool		 calendar_covers_year(const struct calendar *cal, int year);
/* The first year of local days [from_day, to_day) not covered; 0: none. */
int		 calendar_first_uncovered(const struct calendar *cal,
		    int64_t from_day, int64_t to_day);
/* Number of listed days. */
size_t		 calendar_count(const struct calendar *cal);
/*
 * What the calendar says about local day `day` (days since 1970-01-01, see
 * time_days_from_civil()).  *name (may be NULL) gets the entry's name or
 * "" — valid while cal lives.  cal may be NULL (nothing listed).
 */
enum calendar_kind calendar_lookup(const struct calendar *cal, int64_t day,
		    const char **name);

/* Day of the week of a day number: 0 = Monday ... 6 = Sunday. */
int	schedule_weekday(int64_t day);

enum schedule_kind {
	SCHEDULE_ALWAYS = 0,	/* servers: every millisecond */
	SCHEDULE_OFFICE,	/* desktops: office hours on work days */
};

struct schedule_span {
	int	start_min;	/* minutes after local midnight, 0..1439 */
	int	end_min;	/* exclusive, start_min < end_min <= 1440 */
};

struct schedule {
	enum schedule_kind	 kind;
	uint8_t			 days;	/* bit 0 Monday .. bit 6 Sunday */
	size_t			 nspans; /* sorted, not overlapping */
	struct schedule_span	 spans[SCHEDULE_SPANS_MAX];
	const struct calendar	*cal;	/* not owned; NULL = no holidays */
};

/* Servers. */
void	schedule_init_always(struct schedule *s);
/* Desktops with the defaults: 08:30-17:30, Mon-Fri, calendar cal (may be NULL). */
void	schedule_init_office(struct schedule *s, const struct calendar *cal);
/*
 * "08:30-17:30" or "08:30-12:00, 13:30-17:30" (24:00 allowed as an end) into
 * s->spans.  -1 with why; s unchanged then.
 */
int	schedule_parse_hours(const char *text, struct schedule *s, char *why,
	    size_t whylen);
/* "mon-fri", "mon,wed,fri", "mon-sat", "sun" (case-insensitive) → mask. */
int	schedule_parse_days(const char *text, uint8_t *days, char *why,
	    size_t whylen);

/* Is local day `day` a work day under s (weekday mask + calendar)? */
bool	schedule_workday(const struct schedule *s, int64_t day);
/* Is the instant ms (UTC) inside the schedule? */
bool	schedule_is_scheduled(const struct schedule *s, int64_t ms);
/*
 * The first schedule window [*ws, *we) that ends after t and starts before
 * limit, unclipped.  1 when found, 0 when none.  For SCHEDULE_ALWAYS the
 * window is [t, limit).
 */
int	schedule_next_window(const struct schedule *s, int64_t t, int64_t limit,
	    int64_t *ws, int64_t *we);
/* Local day number of instant ms (days since 1970-01-01 local). */
int64_t	schedule_local_day(int64_t ms);
/* UTC instant of local midnight starting local day `day`. */
int64_t	schedule_day_start(int64_t day);

/* Scheduled milliseconds in [from, to); 0 when to <= from. */
int64_t	schedule_scheduled_ms(const struct schedule *s, int64_t from, int64_t to);

/* One uptime interval [start_ms, end_ms) in UTC ms. */
struct schedule_interval {
	int64_t	start_ms;
	int64_t	end_ms;
};

/*
 * Up time inside the schedule: the union of the n intervals (any order,
 * overlaps counted once, empty or reversed ones ignored) intersected with
 * [from, to) and with the schedule.  0 with *up_ms, -1 on allocation
 * failure.
 */
int	schedule_up_ms(const struct schedule *s,
	    const struct schedule_interval *iv, size_t n, int64_t from,
	    int64_t to, int64_t *up_ms);

/*
 * [schedule] section of the collector configuration:
 *   calendar     = /etc/shaobing/holidays-2026.txt   (default
 *                  SCHEDULE_CALENDAR_DEFAULT, the packaged calendars;
 *                  empty: no holidays)
 *   office_hours = 08:30-17:30
 *   office_days  = mon-fri
 *   always       = web-01, db-*   (agents scheduled always: servers)
 */
#define SCHEDULE_PATH_MAX	512
/* The calendars the collector package ships (one file a year). */
#define SCHEDULE_CALENDAR_DEFAULT	"/usr/share/shaobing/holidays-*.txt"

struct schedule_conf {
	char			 calendar_path[SCHEDULE_PATH_MAX];
	char			 office_hours[128];
	char			 office_days[64];
	char			 always_list[512];	/* names/patterns */
	struct calendar		*cal;		/* owned */
	struct schedule		 always;
	struct schedule		 office;
};

/*
 * Apply [schedule] from c (defaults when absent) and load the calendar.
 * -1 with err ("FILE:LINE: ...") on a bad value or a bad calendar file;
 * sc is then left empty (schedule_conf_free() is still safe).
 */
int	schedule_conf_load(struct conf *c, struct schedule_conf *sc,
	    struct conf_err *err);
void	schedule_conf_free(struct schedule_conf *sc);
/* "always" or "office" → the schedule; NULL for another name. */
const struct schedule *schedule_conf_get(const struct schedule_conf *sc,
	    const char *kind);

/*
 * The schedule of agent `name`: always when the name matches one of the
 * comma-separated names or fnmatch(3) patterns of [schedule] always,
 * otherwise office.
 */
const struct schedule *schedule_for_agent(const struct schedule_conf *sc,
	    const char *name);

/* [schedule]'s option table (for the man page). */
extern const struct conf_opt schedule_conf_opts[];

#endif
