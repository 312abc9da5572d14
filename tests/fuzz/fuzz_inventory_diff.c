/*
 * inventory_diff() on two hostile snapshots (input split at the first
 * NUL), and the Debian version order on two hostile strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/inventory_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size;
	size_t lb = nul ? size - la - 1 : 0;
	const char *b = nul ? (const char *)nul + 1 : "";
	char err[128], *sa, *sb;
	json_t *ja, *jb, *d;
	struct inventory_diff_opts o = { size & 1 };

	ja = json_parse_bounded((const char *)data, la, 32, err, sizeof(err));
	jb = json_parse_bounded(b, lb, 32, err, sizeof(err));
	d = inventory_diff(ja, jb, &o);
	json_decref(d);
	json_decref(ja);
	json_decref(jb);
	/* Versions: NUL-terminated copies of both halves. */
	sa = strndup((const char *)data, la);
	sb = strndup(b, lb);
	if (sa != NULL && sb != NULL)
		(void)inventory_version_cmp(sa, sb);
	free(sa);
	free(sb);
	return 0;
}
