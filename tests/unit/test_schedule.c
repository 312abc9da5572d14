/*
 * Schedules and the holiday calendar (collector/schedule.c): office hours
 * across their boundaries, public holidays and make-up work days of the
 * shipped 2026 calendar, a leap day, uptime intersected with the
 * schedule, calendar and configuration errors with FILE:LINE.  All
 * instants are built from local civil times, so the "clock" is whatever
 * the test says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/timeutil.h"
#include "collector/schedule.h"

#define H	3600000LL
#define MIN	60000LL

/* UTC ms of local time Y-M-D h:m in the current zone. */
static int64_t
local(int y, int mo, int d, int h, int mi)
{
	char	buf[32];
	int64_t	ms;

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
	assert_int_equal(time_parse_human(buf, 0, &ms), 0);
	return ms;
}

static int64_t
day_of(int y, int mo, int d)
{
	return time_days_from_civil(y, (unsigned)mo, (unsigned)d);
}

/* tests/run-unit.sh runs from the checkout root; $SHAOBING_ROOT wins. */
static void
shipped_path(char *path, size_t len)
{
	const char *root = getenv("SHAOBING_ROOT");

	snprintf(path, len, "%s/conf/holidays-2026.txt", root ? root : ".");
}

static struct calendar *
load_shipped(void)
{
	char		 path[1024];
	struct conf_err	 err = { "" };
	struct calendar	*cal;

	shipped_path(path, sizeof(path));
	cal = calendar_load(path, &err);
	if (cal == NULL)
		fail_msg("%s", err.msg);
	return cal;
}

static int
setup_zone(void **state)
{
	(void)state;
	time_set_zone("Asia/Shanghai");
	return 0;
}

static void
test_weekday(void **state)
{
	(void)state;
	assert_int_equal(schedule_weekday(0), 3);		/* 1970-01-01 Thu */
	assert_int_equal(schedule_weekday(day_of(2026, 1, 1)), 3);
	assert_int_equal(schedule_weekday(day_of(2026, 3, 2)), 0);	/* Mon */
	assert_int_equal(schedule_weekday(day_of(2026, 1, 4)), 6);	/* Sun */
	assert_int_equal(schedule_weekday(day_of(2028, 2, 29)), 1);	/* Tue */
	assert_int_equal(schedule_weekday(-1), 2);		/* 1969-12-31 Wed */
}

/* The shipped calendar says what the State Council published. */
static void
test_shipped_calendar(void **state)
{
	struct calendar	*cal = load_shipped();
	const char	*name;
	static const struct { int m, d; enum calendar_kind k; } want[] = {
		{ 1, 1, CALENDAR_HOLIDAY }, { 1, 3, CALENDAR_HOLIDAY },
		{ 1, 4, CALENDAR_WORKDAY }, { 1, 5, CALENDAR_NORMAL },
		{ 2, 14, CALENDAR_WORKDAY }, { 2, 15, CALENDAR_HOLIDAY },
		{ 2, 23, CALENDAR_HOLIDAY }, { 2, 24, CALENDAR_NORMAL },
		{ 2, 28, CALENDAR_WORKDAY }, { 4, 4, CALENDAR_HOLIDAY },
		{ 4, 6, CALENDAR_HOLIDAY }, { 4, 7, CALENDAR_NORMAL },
		{ 5, 1, CALENDAR_HOLIDAY }, { 5, 5, CALENDAR_HOLIDAY },
		{ 5, 9, CALENDAR_WORKDAY }, { 6, 19, CALENDAR_HOLIDAY },
		{ 6, 21, CALENDAR_HOLIDAY }, { 9, 20, CALENDAR_WORKDAY },
		{ 9, 25, CALENDAR_HOLIDAY }, { 9, 27, CALENDAR_HOLIDAY },
		{ 10, 1, CALENDAR_HOLIDAY }, { 10, 7, CALENDAR_HOLIDAY },
		{ 10, 8, CALENDAR_NORMAL }, { 10, 10, CALENDAR_WORKDAY },
		{ 12, 31, CALENDAR_NORMAL },
	};

	(void)state;
	/* 33 holidays + 6 make-up days. */
	assert_int_equal(calendar_count(cal), 39);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum calendar_kind k = calendar_lookup(cal,
		    day_of(2026, want[i].m, want[i].d), &name);
		if (k != want[i].k)
			fail_msg("2026-%02d-%02d: kind %d, want %d", want[i].m,
			    want[i].d, k, want[i].k);
	}
	calendar_lookup(cal, day_of(2026, 10, 3), &name);
	assert_string_equal(name, "国庆节");
	calendar_lookup(cal, day_of(2026, 2, 28), &name);
	assert_string_equal(name, "春节调休上班");
	calendar_free(cal);
}

/*
 * Calendars per year: 2025 and 2026 shipped, loaded together.  2025 by
 * hand from the notice: 261 weekdays - 18 weekday holidays (1/1; 1/28-31,
 * 2/3, 2/4; 4/4; 5/1, 5/2, 5/5; 6/2; 10/1-3, 10/6-8) + 5 make-up days
 * (1/26, 2/8, 4/27, 9/28, 10/11) = 248 work days; 28 holidays + 5
 * make-up days listed.
 */
static void
test_calendar_years(void **state)
{
	const char	*root = getenv("SHAOBING_ROOT");
	char		 list[2200], dup[128], two[400];
	struct conf_err	 err = { "" };
	struct calendar	*cal;
	struct schedule	 s;
	FILE		*f;

	(void)state;
	if (root == NULL)
		root = ".";
	snprintf(list, sizeof(list), " %s/conf/holidays-2025.txt ,%s/conf/"
	    "holidays-2026.txt", root, root);
	if ((cal = calendar_load_list(list, &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(calendar_count(cal), 33 + 39);
	schedule_init_office(&s, cal);
	assert_int_equal(schedule_scheduled_ms(&s, local(2025, 1, 1, 0, 0),
	    local(2026, 1, 1, 0, 0)), 248 * 9 * H);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 1, 1, 0, 0),
	    local(2027, 1, 1, 0, 0)), 248 * 9 * H);
	assert_int_equal(calendar_lookup(cal, day_of(2025, 2, 8), NULL),
	    CALENDAR_WORKDAY);
	assert_int_equal(calendar_lookup(cal, day_of(2025, 10, 8), NULL),
	    CALENDAR_HOLIDAY);
	assert_true(calendar_covers_year(cal, 2025));
	assert_true(calendar_covers_year(cal, 2026));
	assert_false(calendar_covers_year(cal, 2024));
	assert_false(calendar_covers_year(cal, 2027));
	assert_int_equal(calendar_first_uncovered(cal, day_of(2025, 1, 1),
	    day_of(2027, 1, 1)), 0);
	assert_int_equal(calendar_first_uncovered(cal, day_of(2024, 12, 30),
	    day_of(2025, 1, 3)), 2024);
	assert_int_equal(calendar_first_uncovered(cal, day_of(2026, 12, 30),
	    day_of(2027, 1, 1)), 0);
	assert_int_equal(calendar_first_uncovered(cal, day_of(2026, 12, 30),
	    day_of(2027, 1, 2)), 2027);
	assert_int_equal(calendar_first_uncovered(NULL, day_of(2026, 1, 1),
	    day_of(2026, 1, 2)), 2026);
	calendar_free(cal);
	/* A date in two files: an error naming both places. */
	snprintf(dup, sizeof(dup), "/tmp/test_schedule_dup.%d.txt", (int)getpid());
	assert_non_null(f = fopen(dup, "w"));
	fputs("# x\n2026-10-03 holiday 重复\n", f);
	fclose(f);
	snprintf(two, sizeof(two), "%s/conf/holidays-2026.txt,%s", root, dup);
	assert_null(calendar_load_list(two, &err));
	assert_non_null(strstr(err.msg, "test_schedule_dup"));
	assert_non_null(strstr(err.msg, ":2: 2026-10-03 is already listed in "));
	assert_non_null(strstr(err.msg, "holidays-2026.txt:"));
	snprintf(two, sizeof(two), "%s, /nonexistent/h.txt", dup);
	assert_null(calendar_load_list(two, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/h.txt: cannot open"));
	unlink(dup);
	/* An empty list: an empty calendar that covers nothing. */
	assert_non_null(cal = calendar_load_list(" , ", &err));
	assert_int_equal(calendar_count(cal), 0);
	assert_false(calendar_covers_year(cal, 2026));
	calendar_free(cal);
}

/* A pattern in the list: the files it matches, in name order; none: none. */
static void
test_calendar_pattern(void **state)
{
	const char	*root = getenv("SHAOBING_ROOT");
	char		 list[2200];
	struct conf_err	 err = { "" };
	struct calendar	*cal;

	(void)state;
	if (root == NULL)
		root = ".";
	snprintf(list, sizeof(list), "%s/conf/holidays-202[56].txt", root);
	if ((cal = calendar_load_list(list, &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(calendar_count(cal), 33 + 39);
	assert_true(calendar_covers_year(cal, 2025));
	assert_true(calendar_covers_year(cal, 2026));
	calendar_free(cal);
	/* Matching nothing is an empty calendar; a plain name must exist. */
	snprintf(list, sizeof(list), "%s/conf/holidays-1999-*.txt", root);
	if ((cal = calendar_load_list(list, &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(calendar_count(cal), 0);
	calendar_free(cal);
	snprintf(list, sizeof(list), "%s/conf/holidays-1999.txt", root);
	assert_null(calendar_load_list(list, &err));
	assert_non_null(strstr(err.msg, "holidays-1999.txt: cannot open"));
	/* The same file twice, by name and by pattern: a duplicate date. */
	snprintf(list, sizeof(list), "%s/conf/holidays-2026.txt, %s/conf/"
	    "holidays-2026*.txt", root, root);
	assert_null(calendar_load_list(list, &err));
}

static void
test_office_boundary(void **state)
{
	struct schedule s;

	(void)state;
	schedule_init_office(&s, NULL);
	/* Monday 2026-03-02. */
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 2, 8, 30) - 1));
	assert_true(schedule_is_scheduled(&s, local(2026, 3, 2, 8, 30)));
	assert_true(schedule_is_scheduled(&s, local(2026, 3, 2, 17, 30) - 1));
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 2, 17, 30)));
	/* 08:30 in Shanghai is 00:30 UTC. */
	assert_int_equal(local(2026, 3, 2, 8, 30) % (24 * H), 30 * MIN);
	/* Saturday, Sunday. */
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 7, 10, 0)));
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 8, 10, 0)));
	/* A window that straddles the start: only the inside counts. */
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 2, 8, 0),
	    local(2026, 3, 2, 9, 0)), 30 * MIN);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 2, 17, 0),
	    local(2026, 3, 3, 9, 0)), 60 * MIN);
	/* A full week: five 9-hour days. */
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 2, 0, 0),
	    local(2026, 3, 9, 0, 0)), 45 * H);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 9, 0, 0),
	    local(2026, 3, 2, 0, 0)), 0);
}

static void
test_holidays_and_makeup(void **state)
{
	struct calendar	*cal = load_shipped();
	struct schedule	 s;

	(void)state;
	schedule_init_office(&s, cal);
	/* Monday 2026-10-05 is 国庆节: not scheduled. */
	assert_false(schedule_is_scheduled(&s, local(2026, 10, 5, 10, 0)));
	/* Saturday 2026-10-10 is a make-up work day: scheduled. */
	assert_true(schedule_is_scheduled(&s, local(2026, 10, 10, 10, 0)));
	assert_false(schedule_is_scheduled(&s, local(2026, 10, 10, 8, 29)));
	/* Thursday 2026-10-08: an ordinary work day again. */
	assert_true(schedule_is_scheduled(&s, local(2026, 10, 8, 9, 0)));
	/*
	 * 2026-09-28 (Mon) .. 2026-10-12: Sep 28-30, Oct 8, 9 and the
	 * make-up Saturday Oct 10 — six days of nine hours.
	 */
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 9, 28, 0, 0),
	    local(2026, 10, 12, 0, 0)), 6 * 9 * H);
	/*
	 * The whole year: 261 weekdays - 19 weekday holidays + 6 make-up
	 * days = 248 work days (computed by hand from the notice).
	 */
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 1, 1, 0, 0),
	    local(2027, 1, 1, 0, 0)), 248 * 9 * H);
	/* Servers ignore the calendar. */
	schedule_init_always(&s);
	s.cal = cal;
	assert_true(schedule_is_scheduled(&s, local(2026, 10, 5, 3, 0)));
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 1, 1, 0, 0),
	    local(2027, 1, 1, 0, 0)), 365 * 24 * H);
	calendar_free(cal);
}

static void
test_leap_day(void **state)
{
	struct schedule s;

	(void)state;
	schedule_init_office(&s, NULL);
	/* Tuesday 2028-02-29. */
	assert_true(schedule_is_scheduled(&s, local(2028, 2, 29, 12, 0)));
	assert_int_equal(schedule_scheduled_ms(&s, local(2028, 2, 29, 0, 0),
	    local(2028, 3, 1, 0, 0)), 9 * H);
	/* February 2028: 21 weekdays. */
	assert_int_equal(schedule_scheduled_ms(&s, local(2028, 2, 1, 0, 0),
	    local(2028, 3, 1, 0, 0)), 21 * 9 * H);
	schedule_init_always(&s);
	assert_int_equal(schedule_scheduled_ms(&s, local(2028, 2, 1, 0, 0),
	    local(2028, 3, 1, 0, 0)), 29 * 24 * H);
}

static void
test_uptime_intersection(void **state)
{
	struct schedule			s;
	int64_t				up;
	const struct schedule_interval	iv[] = {
		/* Monday 2026-03-02: 07:00-09:00 gives 30 min ... */
		{ local(2026, 3, 2, 7, 0), local(2026, 3, 2, 9, 0) },
		/* ... 12:00-20:00 gives 5h30, the overlap counts once ... */
		{ local(2026, 3, 2, 15, 0), local(2026, 3, 2, 16, 0) },
		{ local(2026, 3, 2, 12, 0), local(2026, 3, 2, 20, 0) },
		/* ... a reversed interval is ignored ... */
		{ local(2026, 3, 2, 11, 0), local(2026, 3, 2, 10, 0) },
		/* ... Friday 17:00 to Monday 09:00: 30 + 30 min. */
		{ local(2026, 3, 6, 17, 0), local(2026, 3, 9, 9, 0) },
		/* Saturday afternoon: outside the schedule. */
		{ local(2026, 3, 7, 13, 0), local(2026, 3, 7, 15, 0) },
	};
	size_t n = sizeof(iv) / sizeof(iv[0]);

	(void)state;
	schedule_init_office(&s, NULL);
	assert_int_equal(schedule_up_ms(&s, iv, n, local(2026, 3, 1, 0, 0),
	    local(2026, 3, 16, 0, 0), &up), 0);
	assert_int_equal(up, 30 * MIN + 5 * H + 30 * MIN + 60 * MIN);
	/* Clipped by [from, to): Monday 2026-03-09 only. */
	assert_int_equal(schedule_up_ms(&s, iv, n, local(2026, 3, 9, 0, 0),
	    local(2026, 3, 10, 0, 0), &up), 0);
	assert_int_equal(up, 30 * MIN);
	/* A server: the union of the intervals. */
	schedule_init_always(&s);
	assert_int_equal(schedule_up_ms(&s, iv, n, local(2026, 3, 1, 0, 0),
	    local(2026, 3, 16, 0, 0), &up), 0);
	/* Saturday's interval lies inside the weekend one. */
	assert_int_equal(up, 2 * H + 8 * H + 64 * H);
	assert_int_equal(schedule_up_ms(&s, NULL, 0, 0, 1, &up), 0);
	assert_int_equal(up, 0);
}

static void
test_hours_and_days(void **state)
{
	struct schedule	s;
	uint8_t		d;
	char		why[256];

	(void)state;
	schedule_init_office(&s, NULL);
	assert_int_equal(schedule_parse_hours("08:30-12:00, 13:30-17:30", &s,
	    why, sizeof(why)), 0);
	assert_int_equal(s.nspans, 2);
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 2, 12, 0)));
	assert_true(schedule_is_scheduled(&s, local(2026, 3, 2, 13, 30)));
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 2, 0, 0),
	    local(2026, 3, 3, 0, 0)), 7 * H + 30 * MIN);
	assert_int_equal(schedule_parse_hours("00:00-24:00", &s, why,
	    sizeof(why)), 0);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 2, 0, 0),
	    local(2026, 3, 3, 0, 0)), 24 * H);
	static const char *const bad[] = {
		"17:30-08:30", "8:30-17:30", "25:00-26:00", "08:60-09:00",
		"08:30", "", "08:00-09:00,08:30-10:00", "24:00-24:00",
		"08:00-09:00 x", ("01:00-02:00,03:00-04:00,05:00-06:00,"
		"07:00-08:00,09:00-10:00"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (schedule_parse_hours(bad[i], &s, why, sizeof(why)) != -1)
			fail_msg("hours '%s' accepted", bad[i]);
	}
	assert_int_equal(schedule_parse_days("mon-fri", &d, why, sizeof(why)), 0);
	assert_int_equal(d, 0x1f);
	assert_int_equal(schedule_parse_days("Sat-Mon", &d, why, sizeof(why)), 0);
	assert_int_equal(d, 0x61);
	assert_int_equal(schedule_parse_days("mon, wed,fri", &d, why,
	    sizeof(why)), 0);
	assert_int_equal(d, 0x15);
	assert_int_equal(schedule_parse_days("monday", &d, why, sizeof(why)), -1);
	assert_int_equal(schedule_parse_days("", &d, why, sizeof(why)), -1);
	assert_int_equal(schedule_parse_days("mo-fr", &d, why, sizeof(why)), -1);
}

static void
test_calendar_errors(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "# x\n2026-02-30 holiday x\n", "t.txt:2: expected a date" },
		{ "2026-10-01 vacation\n", "t.txt:1: day kind must be" },
		{ "2026-10-01\n", "t.txt:1: expected 'holiday' or 'workday'" },
		{ "2026-10-01holiday\n", "t.txt:1: expected 'holiday' or" },
		{ "\n2026-10-01 holiday a\n\n2026-09-28..2026-10-03 workday b\n",
		  "t.txt:4: 2026-10-01 is already listed at line 2" },
		{ "2026-10-07..2026-10-01 holiday\n", "t.txt:1: range must go" },
		{ "2026-10-01..2026-1-07 holiday\n", "t.txt:1: expected a range" },
		{ "2026-10-01 holiday \xff\xfe\n", "t.txt:1: name is not valid" },
		{ "2026-10-01 holiday 0123456789012345678901234567890123456789"
		  "012345678901234567890123456789\n", "t.txt:1: name longer" },
		{ "1969-12-31 holiday\n", "t.txt:1: expected a date" },
	};
	struct conf_err	 err;
	struct calendar	*cal;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		cal = calendar_parse("t.txt", cases[i].text,
		    strlen(cases[i].text), &err);
		if (cal != NULL)
			fail_msg("case %zu accepted", i);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
			    cases[i].msg);
	}
	/* A NUL byte in the middle. */
	cal = calendar_parse("t.txt", "2026-10-01 holiday\n\0x\n", 21, &err);
	assert_null(cal);
	assert_non_null(strstr(err.msg, "t.txt:2: contains a NUL"));
	/* Good: BOM, CRLF, comments, tabs, no trailing newline. */
	const char *ok = "\xef\xbb\xbf# c\r\n\t2026-10-01\tholiday\t国庆节 \r\n"
	    "2026-10-10 workday";
	cal = calendar_parse("t.txt", ok, strlen(ok), &err);
	if (cal == NULL)
		fail_msg("%s", err.msg);
	const char *name;
	assert_int_equal(calendar_lookup(cal, day_of(2026, 10, 1), &name),
	    CALENDAR_HOLIDAY);
	assert_string_equal(name, "国庆节");
	assert_int_equal(calendar_lookup(cal, day_of(2026, 10, 10), &name),
	    CALENDAR_WORKDAY);
	assert_string_equal(name, "");
	calendar_free(cal);
	calendar_free(NULL);
	/* Empty and comment-only files are empty calendars (fuzz find). */
	cal = calendar_parse("t.txt", "", 0, &err);
	assert_non_null(cal);
	assert_int_equal(calendar_count(cal), 0);
	calendar_free(cal);
	cal = calendar_parse("t.txt", "# none\n", 7, &err);
	assert_non_null(cal);
	assert_int_equal(calendar_count(cal), 0);
	calendar_free(cal);
}

static void
test_conf(void **state)
{
	struct conf_err		 err;
	struct conf		*c;
	struct schedule_conf	 sc;
	char			 text[2048], path[1024];

	(void)state;
	/* Defaults: the packaged calendars (whatever this machine has). */
	c = conf_load_string("c.ini", "[server]\n", &err);
	assert_non_null(c);
	assert_int_equal(schedule_conf_load(c, &sc, &err), 0);
	assert_string_equal(sc.calendar_path,
	    "/usr/share/shaobing/holidays-*.txt");
	assert_non_null(sc.cal);
	schedule_conf_free(&sc);
	conf_free(c);
	/* "calendar =" says: none. */
	c = conf_load_string("c.ini", "[schedule]\ncalendar =\n", &err);
	assert_non_null(c);
	assert_int_equal(schedule_conf_load(c, &sc, &err), 0);
	assert_null(sc.cal);
	assert_int_equal(schedule_conf_get(&sc, "office")->spans[0].start_min,
	    8 * 60 + 30);
	assert_int_equal(schedule_conf_get(&sc, "always")->kind, SCHEDULE_ALWAYS);
	assert_null(schedule_conf_get(&sc, "weekly"));
	schedule_conf_free(&sc);
	conf_free(c);

	/* Everything set. */
	shipped_path(path, sizeof(path));
	snprintf(text, sizeof(text), "[schedule]\ncalendar = %s\n"
	    "office_hours = 09:00-12:00,14:00-18:00\noffice_days = mon-sat\n",
	    path);
	c = conf_load_string("c.ini", text, &err);
	assert_non_null(c);
	if (schedule_conf_load(c, &sc, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(calendar_count(sc.cal), 39);
	assert_int_equal(sc.office.days, 0x3f);
	/* Saturday 2026-03-07 is a work day here; 2026-10-03 is not. */
	assert_int_equal(schedule_scheduled_ms(&sc.office,
	    local(2026, 3, 7, 0, 0), local(2026, 3, 8, 0, 0)), 7 * H);
	assert_false(schedule_is_scheduled(&sc.office, local(2026, 10, 3, 10, 0)));
	assert_int_equal(conf_check_unused(c, &err), 0);
	schedule_conf_free(&sc);
	conf_free(c);

	/* Errors name the file and line. */
	c = conf_load_string("c.ini", "[schedule]\n\noffice_hours = 9-5\n", &err);
	assert_non_null(c);
	assert_int_equal(schedule_conf_load(c, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "c.ini:3: [schedule] office_hours: "));
	schedule_conf_free(&sc);
	conf_free(c);
	c = conf_load_string("c.ini", "[schedule]\noffice_days = weekdays\n", &err);
	assert_int_equal(schedule_conf_load(c, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "c.ini:2: [schedule] office_days: "));
	conf_free(c);
	c = conf_load_string("c.ini", "[schedule]\ncalendar = /nonexistent/h.txt\n",
	    &err);
	assert_int_equal(schedule_conf_load(c, &sc, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/h.txt: cannot open"));
	conf_free(c);
}

/*
 * Local arithmetic in a zone with daylight saving: the day Berlin
 * springs forward (2026-03-29) has 23 hours, the day it falls back
 * (2026-10-25) 25.  Shanghai has none.
 */
static void
test_dst(void **state)
{
	struct schedule	s;
	char		why[64];

	(void)state;
	schedule_init_office(&s, NULL);
	s.days = 0x7f;
	assert_int_equal(schedule_parse_hours("00:00-24:00", &s, why,
	    sizeof(why)), 0);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 29, 0, 0),
	    local(2026, 3, 30, 0, 0)), 24 * H);
	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
		time_set_zone("Asia/Shanghai");
		skip();
	}
	time_set_zone("Europe/Berlin");
	int64_t a = local(2026, 3, 29, 0, 0), b = local(2026, 3, 30, 0, 0);
	assert_int_equal(b - a, 23 * H);
	assert_int_equal(schedule_scheduled_ms(&s, a, b), 23 * H);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 10, 25, 0, 0),
	    local(2026, 10, 26, 0, 0)), 25 * H);
	/* Office hours stay nine hours on either side of the change. */
	schedule_init_office(&s, NULL);
	assert_int_equal(schedule_scheduled_ms(&s, local(2026, 3, 27, 0, 0),
	    local(2026, 3, 31, 0, 0)), 2 * 9 * H);
	assert_true(schedule_is_scheduled(&s, local(2026, 3, 30, 8, 30)));
	assert_false(schedule_is_scheduled(&s, local(2026, 3, 30, 8, 29)));
	time_set_zone("Asia/Shanghai");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_shipped_calendar),
		cmocka_unit_test(test_calendar_years),
		cmocka_unit_test(test_calendar_pattern),
		cmocka_unit_test(test_office_boundary),
		cmocka_unit_test(test_holidays_and_makeup),
		cmocka_unit_test(test_leap_day),
		cmocka_unit_test(test_uptime_intersection),
		cmocka_unit_test(test_hours_and_days),
		cmocka_unit_test(test_calendar_errors),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_dst),
	};

	return cmocka_run_group_tests(tests, setup_zone, NULL);
}
