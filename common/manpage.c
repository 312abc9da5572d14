#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/manpage.h"

void
man_text(FILE *out, const char *text)
{
	int	bol = 1;

	for (const char *p = text; *p != '\0'; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		bol = *p == '\n';
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
	}
	if (!bol)
		fputc('\n', out);
}

/* text inside a line (a quoted .B argument): no line starts, no quotes. */
static void
man_text_inline(FILE *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else if (*p == '"')
			fputs("\\(dq", out);
		else if (*p == '\n')
			fputc(' ', out);
		else
			fputc(*p, out);
	}
}

void
man_item(FILE *out, const char *term, const char *body)
{
	fputs(".TP\n.B ", out);
	man_text(out, term);
	man_text(out, body);
}

void
man_usage(FILE *out, const char *title, void (*usage)(FILE *))
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*m;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return;
	usage(m);
	if (fclose(m) != 0) {
		free(buf);
		return;
	}
	fprintf(out, ".SH %s\n.nf\n", title);
	man_text(out, buf);
	fputs(".fi\n", out);
	free(buf);
}

void
man_conf(FILE *out, const char *file, const struct man_conf *s, size_t n)
{
	fputs(".SH CONFIGURATION\n", out);
	man_text(out, file);
	fputs("is an INI file: [section] lines, then key = value lines; ; starts "
	    "a comment.  Every option, with the value it takes when left out:\n",
	    out);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(s[i].section, s[i - 1].section) != 0) {
			fputs(".SS \"[", out);
			man_text_inline(out, s[i].section);
			fputs("]\"\n", out);
		}
		for (const struct conf_opt *o = s[i].opts; o->name != NULL; o++) {
			fputs(".TP\n.B \"", out);
			man_text_inline(out, o->name);
			if (o->def != NULL) {
				fputs(" = ", out);
				man_text_inline(out, o->def);
			}
			fputs("\"\n", out);
			man_text(out, o->help != NULL && o->help[0] != '\0' ?
			    o->help : "(no description)");
			if (o->choices != NULL) {
				fputs("One of:", out);
				for (const char *const *c = o->choices; *c != NULL;
				    c++) {
					fputs(c == o->choices ? " " : ", ", out);
					man_text_inline(out, *c);
				}
				fputs(".\n", out);
			}
		}
	}
}
