/*
 * Cut one module's sections out of a shipped example configuration, with
 * its commented-out options switched on (see conf_example.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_example.h"

/* ";key = ..." with key of [a-z0-9_], starting with a letter. */
static bool
is_option(const char *l)
{
	size_t	k = 1;

	if (l[0] != ';' || l[1] < 'a' || l[1] > 'z')
		return false;
	while (l[k] == '_' || (l[k] >= 'a' && l[k] <= 'z') ||
	    (l[k] >= '0' && l[k] <= '9'))
		k++;
	while (l[k] == ' ' || l[k] == '\t')
		k++;
	return l[k] == '=';
}

/*
 * "[name ...]" or ";[name ...]": 1 with the name in name[] when it is a
 * section header, 0 otherwise.
 */
static int
header(const char *l, char *name, size_t namelen)
{
	const char	*e;
	size_t		 n;

	if (l[0] == ';')
		l++;
	if (l[0] != '[' || (e = strchr(l, ']')) == NULL)
		return 0;
	n = (size_t)(e - l - 1);
	if (n >= namelen)
		n = namelen - 1;
	memcpy(name, l + 1, n);
	name[n] = '\0';
	return 1;
}

static bool
section_match(const char *name, const char *section)
{
	size_t	n = strlen(section);

	return strncmp(name, section, n) == 0 &&
	    (name[n] == '\0' || name[n] == ' ');
}

char *
conf_example_text(const char *file, const char *section, int *nopts)
{
	const char	*td = getenv("SHAOBING_TESTDATA");
	char		 path[1024], line[1024], name[256];
	char		*text = NULL;
	size_t		 used = 0, cap = 1 << 16;
	bool		 in = false;
	FILE		*f = NULL;

	if (nopts != NULL)
		*nopts = 0;
	if (td != NULL) {
		snprintf(path, sizeof(path), "%s/../../conf/%s", td, file);
		f = fopen(path, "r");
	}
	if (f == NULL) {
		snprintf(path, sizeof(path), "conf/%s", file);
		f = fopen(path, "r");
	}
	if (f == NULL || (text = malloc(cap)) == NULL)
		goto out;
	text[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		const char	*l = line;
		size_t		 n;

		if (header(line, name, sizeof(name))) {
			in = section_match(name, section);
			if (in && line[0] == ';')
				l = line + 1;
		} else if (!in)
			continue;
		else if (is_option(line)) {
			l = line + 1;
			if (nopts != NULL)
				(*nopts)++;
		}
		if (!in)
			continue;
		n = strlen(l);
		if (used + n + 1 > cap) {
			char	*t = realloc(text, cap * 2);

			if (t == NULL) {
				free(text);
				text = NULL;
				goto out;
			}
			text = t;
			cap *= 2;
		}
		memcpy(text + used, l, n + 1);
		used += n;
	}
out:
	if (f != NULL)
		fclose(f);
	return text;
}
