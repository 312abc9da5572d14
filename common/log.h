/*
 * Logging for admins: one line an event, saying what happened and what to
 * do.  stderr in the foreground, syslog as a daemon.  After OpenBSD:
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() and
 * fatalx() likewise, and exit(1).  fatal() only during set-up.
 */
#ifndef SHAOBING_LOG_H
#define SHAOBING_LOG_H

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void	log_init(const char *progname, int to_syslog, enum log_level level);
void	log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
/* "error", "warn", "info", "debug" -> level; -1 when unknown. */
int	log_level_parse(const char *name);

void	log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_errorx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
