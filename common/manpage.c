#include <stdio.h>
#include <stdlib.h>

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
