/*
 * libFuzzer target: conf_load_string() on arbitrary text, then a table
 * with every option type applied to [x] and [agent]-like sections,
 * conf_foreach() and conf_check_unused().  Every failure must carry a
 * message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct all {
	int	i;
	int64_t	i64;
	double	d;
	bool	b;
	char	s[16];
	int64_t	dur;
	int64_t	size;
	int	e;
};

static const char *const choices[] = { "a", "bb", "ccc", NULL };

#define O(f) offsetof(struct all, f)
static const struct conf_opt opts[] = {
	{ "i", CONF_INT, O(i), 0, -100, 100, "1", NULL, NULL, NULL },
	{ "i64", CONF_I64, O(i64), 0, INT64_MIN, INT64_MAX, "1", NULL, NULL, NULL },
	{ "d", CONF_DOUBLE, O(d), 0, -1000, 1000, "1", NULL, NULL, NULL },
	{ "b", CONF_BOOL, O(b), 0, 0, 0, "yes", NULL, NULL, NULL },
	{ "s", CONF_STR, O(s), 16, 0, 0, "x", NULL, NULL, NULL },
	{ "dur", CONF_DURATION, O(dur), 0, 0, INT64_MAX, "1s", NULL, NULL, NULL },
	{ "size", CONF_SIZE, O(size), 0, 0, INT64_MAX, "1k", NULL, NULL, NULL },
	{ "e", CONF_ENUM, O(e), 0, 0, 0, "a", choices, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static int
each(void *arg, const char *name, const char *section, int line)
{
	struct conf	*c = arg;
	struct all	 a;
	struct conf_err	 err;

	(void)name;
	if (line < 1)
		abort();
	err.msg[0] = '\0';
	if (conf_apply(c, section, opts, &a, &err) == -1 && err.msg[0] == '\0')
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err	 err;
	struct conf	*c;
	struct all	 a;
	char		*text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err.msg[0] = '\0';
	if ((c = conf_load_string("fuzz.ini", text, &err)) == NULL) {
		if (err.msg[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	err.msg[0] = '\0';
	if (conf_apply(c, "x", opts, &a, &err) == -1 && err.msg[0] == '\0')
		abort();
	(void)conf_foreach(c, "t", each, c);
	err.msg[0] = '\0';
	if (conf_check_unused(c, &err) == -1 &&
	    strncmp(err.msg, "fuzz.ini:", 9) != 0)
		abort();
	conf_free(c);
	free(text);
	return 0;
}
