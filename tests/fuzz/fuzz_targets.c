/*
 * Fuzz the targets file parser (common/targets.c): any bytes give a
 * checked targets table or an error, never a crash or a read out of
 * bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_err	 err;
	struct targets	*t;
	char		*text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((t = targets_parse("fuzz", text, &err)) != NULL) {
		for (size_t i = 0; i < t->nproj; i++)
			for (size_t k = 0; k < t->proj[i].nind; k++)
				(void)targets_indicator(&t->proj[i],
				    t->proj[i].ind[k].id);
		targets_free(t);
	}
	free(text);
	return 0;
}
