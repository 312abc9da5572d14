/*
 * Logging: stderr in the foreground (with a timestamp and level), syslog
 * as a daemon.  One line an event.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/log.h"
#include "common/text.h"

static const char	*log_prog = "shaobing";
static int		 log_syslog;
static enum log_level	 log_lvl = LOG_LVL_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *progname, int to_syslog, enum log_level level)
{
	log_prog = progname;
	log_lvl = level;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(enum log_level level)
{
	log_lvl = level;
}

enum log_level
log_getlevel(void)
{
	return log_lvl;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

static void
vlog(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	char	raw[2048], msg[2048];
	int	saved = errno;
	size_t	n;

	if (lvl > log_lvl)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	n = strlen(raw);
	if (with_errno && n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - n, ": %s", strerror(saved));
	/*
	 * One event, one line, and nothing a terminal acts on: whatever the
	 * arguments carried (a login name, a host's banner) is escaped
	 * visibly (ESC, CR/LF, C1, bidi), bad UTF-8 shown as \xNN, cut at a
	 * character.  Our own newline is added below.
	 */
	text_sanitize(msg, sizeof(msg), raw, strlen(raw));
	if (log_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
		syslog(prio[lvl], "%s", msg);
	} else {
		struct timespec	ts;
		struct tm	tm;
		char		tbuf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s %s[%s] %s\n", tbuf, log_prog,
		    level_names[lvl], msg);
		fflush(stderr);
	}
	errno = saved;
}

#define LOGFN(name, lvl, witherr)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(lvl, witherr, fmt, ap);			\
	va_end(ap);					\
}
LOGFN(log_error, LOG_LVL_ERROR, 1)
LOGFN(log_errorx, LOG_LVL_ERROR, 0)
LOGFN(log_warn, LOG_LVL_WARN, 1)
LOGFN(log_warnx, LOG_LVL_WARN, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
