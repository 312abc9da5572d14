/*
 * CSV for spreadsheets (RFC 4180 quoting).  Text that reaches a cell may
 * come from agents (incident titles, finding messages, asset names), so a
 * cell a spreadsheet would take for a formula is defused.
 */
#ifndef SHAOBING_CSV_H
#define SHAOBING_CSV_H

#include <stdio.h>

/*
 * s as one quoted cell on f: "..." with " doubled; a leading = + - @ tab
 * or CR gets a ' in front (CSV injection).  No separator is written.
 */
void	csv_cell(FILE *f, const char *s);

#endif
