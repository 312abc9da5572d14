/*
 * libFuzzer target: the system probe's parsers of os-release(5),
 * /proc/stat and machine-id(5) on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probes/system.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*o;
	int64_t	 sec;
	char	 id[33];

	/* A copy of exactly size bytes, so ASan sees any read past it. */
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)data[i];
	o = system_parse_os_release(buf, size);
	if (o == NULL || json_object_size(o) > 4)
		abort();
	json_decref(o);
	if (system_parse_btime(buf, size, &sec) == 0 && sec < 0)
		abort();
	(void)system_parse_machine_id(buf, size, id);
	free(buf);
	return 0;
}
