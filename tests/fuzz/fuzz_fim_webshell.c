/*
 * libFuzzer target: webshell_scan() (probes/fim/webshell.c) on arbitrary
 * script text; a hit must say what it found.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probes/fim/fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	why[128] = "";

	if (webshell_scan((const char *)data, size, why, sizeof(why)) && why[0] == '\0')
		abort();
	return 0;
}
