/*
 * Fuzz the IEEE OUI table parser and MAC parsing (common/oui.c), MAC
 * normalisation (collector/asset.c)
 * and the admin field checks: any bytes give a table (maybe empty) or a
 * clear refusal, never a crash or a read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/asset.h"
#include "common/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const macs[] = { "00:22:72:00:00:01",
		"D4-5D-64-AA-BB-CC", "ac:de:48:00:00:01" };
	struct oui_table	*t;
	size_t			 bad;
	char			*s, out[18], why[256];
	json_t			*j;

	t = oui_parse((const char *)data, size, &bad);
	for (size_t i = 0; t != NULL && i < sizeof(macs) / sizeof(macs[0]); i++) {
		const char *v = oui_lookup(t, macs[i]);

		if (v != NULL && strlen(v) > 127)
			abort();
	}
	if (t != NULL && size >= 6)
		(void)oui_lookup_mac(t, data);
	oui_free(t);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)asset_mac_norm(s, out, sizeof(out));
	if ((t = oui_parse(s, size, NULL)) != NULL) {
		(void)oui_lookup(t, s);
		oui_free(t);
	}
	free(s);
	j = json_parse_bounded((const char *)data, size, 4, why, sizeof(why));
	if (j != NULL)
		(void)asset_fields_check(j, why, sizeof(why));
	json_decref(j);
	return 0;
}
