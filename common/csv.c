/*
 * One CSV cell with the formula guard.  See csv.h.
 */
#include "common/csv.h"

void
csv_cell(FILE *f, const char *s)
{
	fputc('"', f);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' ||
	    *s == '\r')
		fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
