/*
 * Man pages from the tables that print --help (`PROGRAM --man`): the
 * build renders packaging/man/NAME.in with this output in place of its
 * @GENERATED@ line (packaging/man/render.sh), so the pages list every
 * command, option and default --help does and cannot go stale.
 */
#ifndef SHAOBING_MANPAGE_H
#define SHAOBING_MANPAGE_H

#include <stdio.h>

/* text as roff: backslashes, dashes and leading dots escaped. */
void	man_text(FILE *out, const char *text);
/* A tagged paragraph: .TP, term in bold, then body. */
void	man_item(FILE *out, const char *term, const char *body);
/* .SH title, then what usage() prints, as it prints it (no filling). */
void	man_usage(FILE *out, const char *title, void (*usage)(FILE *));

#endif
