/*
 * Fuzz common/text.c with arbitrary bytes: decoding, validation, cutting
 * at every budget up to the input, making bytes valid UTF-8, the
 * terminal sanitiser and the JSON string helper.  Properties checked:
 * every output is valid UTF-8 (text_utf8_fix, text_sanitize, text_copy
 * of valid input), the sanitiser's output has no byte a terminal acts
 * on, and nothing is written past a budget.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*fixed, *cstr, out[64];
	size_t	 n, budget;
	json_t	*j;

	if (size > 4096)
		return 0;
	(void)text_utf8_valid(data, size);
	if ((fixed = text_utf8_fix(data, size, size % 2 ? TEXT_BAD_HEX :
	    TEXT_BAD_FFFD, &n)) == NULL)
		return 0;
	if (!text_utf8_valid(fixed, n) || strlen(fixed) != n)
		abort();
	budget = size ? (size_t)data[0] % sizeof(out) : 0;
	if (budget > 0) {
		text_copy(out, budget, fixed, size % 3 == 0);
		if (strlen(out) >= budget || !text_utf8_valid(out, strlen(out)))
			abort();
		text_sanitize(out, budget, data, size);
		if (strlen(out) >= budget || !text_utf8_valid(out, strlen(out)))
			abort();
		for (const unsigned char *p = (const unsigned char *)out; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				abort();
	}
	if ((cstr = malloc(size + 1)) != NULL) {
		memcpy(cstr, data, size);
		cstr[size] = '\0';
		free(text_sanitize_dup(cstr));
		(void)text_term(cstr);
		free(cstr);
	}
	if ((j = text_jsonn(data, size)) != NULL)
		json_decref(j);
	free(fixed);
	return 0;
}
