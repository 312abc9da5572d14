/*
 * dpkg's status file parser alone (the biggest file the inventory reads),
 * with a small cap so the overflow path is reached too.
 */
#include <stddef.h>
#include <stdint.h>

#include "probes/inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *err = json_array();
	json_t *v = inv_parse_dpkg_status((const char *)data, size, "status", 16, err);

	json_decref(v);
	json_decref(err);
	return 0;
}
