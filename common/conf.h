/*
 * Configuration: INI files read with inih, typed through option tables.
 *
 * conf_load() reads the whole file into (section, key, value, line)
 * entries.  Each module then describes its options as a table of
 * struct conf_opt rows (name, type, range, default, field) and calls
 * conf_apply() for its section; defaults go through the same parser as
 * file values.  Named sections such as [target web] are visited with
 * conf_foreach().  After every module has taken its options,
 * conf_check_unused() reports the first section or key no module asked
 * for.  Every error reads "FILE:LINE: what is wrong".
 */
#ifndef SHAOBING_CONF_H
#define SHAOBING_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;

struct conf_err {
	char	msg[512];
};

enum conf_type {
	CONF_INT,	/* int, min..max */
	CONF_I64,	/* int64_t, min..max */
	CONF_DOUBLE,	/* double, min..max; "95%" means 95 */
	CONF_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CONF_STR,	/* char[size]; a longer value is an error */
	CONF_DURATION,	/* int64_t milliseconds: 500ms, 30s, 5m, 6h, 1d; bare = s */
	CONF_SIZE,	/* int64_t bytes: 512, 64k, 64K, 8M, 8MB, 1G */
	CONF_ENUM,	/* int index into choices (NULL-terminated) */
};

struct conf_opt {
	const char		*name;
	enum conf_type		 type;
	size_t			 off;	/* offsetof() into the target struct */
	size_t			 size;	/* CONF_STR: sizeof the array */
	int64_t			 min, max; /* CONF_INT/I64/DURATION/SIZE/DOUBLE */
	const char		*def;	/* default, as it would be written; NULL = none */
	const char *const	*choices; /* CONF_ENUM */
	/* Optional extra check; returns -1 and fills why on a bad value. */
	int			(*validate)(const void *field, char *why, size_t whylen);
	const char		*help;
};

/* printf into err->msg; nothing when err is NULL. */
void	conf_err_set(struct conf_err *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* printf into why[whylen] (a validator's answer); nothing when why is
   NULL or whylen is 0. */
void	conf_why_set(char *why, size_t whylen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Read FILE.  NULL and err filled ("FILE:LINE: ...") on a syntax error. */
struct conf	*conf_load(const char *path, struct conf_err *err);
/* An empty configuration (every option takes its default). */
struct conf	*conf_new_empty(const char *name);
/* Parse from memory; name is used in messages. */
struct conf	*conf_load_string(const char *name, const char *text, struct conf_err *err);
void		 conf_free(struct conf *c);
const char	*conf_path(const struct conf *c);

/*
 * Fill base from section `section` (exact name, e.g. "agent" or
 * "target web"), defaults first.  Marks the section and its known keys
 * as used.  -1 with err on an unknown-type or out-of-range value.
 */
int	conf_apply(struct conf *c, const char *section,
	    const struct conf_opt *opts, void *base, struct conf_err *err);

/* Only the defaults of a table (no file). */
int	conf_defaults(const struct conf_opt *opts, void *base, struct conf_err *err);

/*
 * Visit every section "KIND NAME" (e.g. kind "target": [target web]) in
 * file order.  cb gets NAME and the full section name; a non-zero return
 * stops the walk and is returned.
 */
int	conf_foreach(struct conf *c, const char *kind,
	    int (*cb)(void *arg, const char *name, const char *section, int line),
	    void *arg);

/* Line of the section header, or 0. */
int	conf_section_line(const struct conf *c, const char *section);
/* Line of key in section, or 0 when the file does not set it. */
int	conf_key_line(const struct conf *c, const char *section, const char *key);
/* Does the file have this section? */
bool	conf_has_section(const struct conf *c, const char *section);

/* -1 with "FILE:LINE: unknown section [x]" / "unknown key 'k' in [x]". */
int	conf_check_unused(const struct conf *c, struct conf_err *err);

/*
 * Range-checked conversions, used by the table and by command-line
 * parsing alike (never the unchecked ato* family).  0 on success, -1 with why.
 */
int	parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
	    char *why, size_t whylen);
int	parse_double(const char *s, double min, double max, double *out,
	    char *why, size_t whylen);
int	parse_bool(const char *s, bool *out, char *why, size_t whylen);
int	parse_duration_ms(const char *s, int64_t min, int64_t max, int64_t *out,
	    char *why, size_t whylen);
int	parse_size(const char *s, int64_t min, int64_t max, int64_t *out,
	    char *why, size_t whylen);

/*
 * Split a comma- or space-separated list: returns the next item in out
 * and advances *cursor; 0 at the end, -1 when an item is too long.
 */
int	conf_list_next(const char **cursor, char *out, size_t outlen);

#endif
