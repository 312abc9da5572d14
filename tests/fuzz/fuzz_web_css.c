/*
 * libFuzzer target: the small CSS reader of probes/web (css.h): a style
 * sheet, the same bytes as an inline style="" and as a colour, then the
 * rules applied to an element.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/web/css.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct css_sheet	sh;
	struct css_style	st;
	long			c;

	memset(&sh, 0, sizeof(sh));
	memset(&st, 0, sizeof(st));
	if (css_sheet_parse(&sh, (const char *)data, size) == 0)
		css_sheet_apply(&sh, "a", "x yqlj", "main", &st);
	css_decls_parse((const char *)data, size, &st);
	c = css_color((const char *)data, size);
	if (c < -1 || c > 0xffffff || sh.n > CSS_RULES_MAX)
		abort();
	css_sheet_free(&sh);
	return 0;
}
