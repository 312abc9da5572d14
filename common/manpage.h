/*
 * Man pages from the tables that print --help (`PROGRAM --man`): the
 * build renders packaging/man/NAME.in with this output in place of its
 * @GENERATED@ line (packaging/man/render.sh), so the pages list every
 * command, option and default --help does and cannot go stale.
 */
#ifndef SHAOBING_MANPAGE_H
#define SHAOBING_MANPAGE_H

#include <stddef.h>
#include <stdio.h>

struct conf_opt;

/* text as roff: backslashes, dashes and leading dots escaped. */
void	man_text(FILE *out, const char *text);
/* A tagged paragraph: .TP, term in bold, then body. */
void	man_item(FILE *out, const char *term, const char *body);
/* .SH title, then what usage() prints, as it prints it (no filling). */
void	man_usage(FILE *out, const char *title, void (*usage)(FILE *));

/* One option table of a configuration section ("server", "target NAME"). */
struct man_conf {
	const char		*section;
	const struct conf_opt	*opts;
};
/*
 * .SH CONFIGURATION: for each section (consecutive rows with the same
 * section: one .SS), every option of its tables as "name = default"
 * (the table's default, as it would be written) with its help text and,
 * for a choice, the choices.  The daemons pass the tables they parse
 * with, so the page lists what they accept.
 */
void	man_conf(FILE *out, const char *file, const struct man_conf *s,
	    size_t n);

#endif
