/*
 * The IEEE OUI table (MA-L assignments: vendor of a MAC address) and MAC
 * address parsing, for the collector's asset register and the agent's
 * new-device detector.
 */
#ifndef SHAOBING_OUI_H
#define SHAOBING_OUI_H

#include <stddef.h>
#include <stdint.h>

struct oui_table;

/*
 * Parse the bytes of IEEE's oui.txt (as Debian's ieee-data installs it):
 * lines "XX-XX-XX   (hex)\t\tOrganisation".  Every other line is skipped;
 * organisation names are cut to 127 bytes, control bytes and invalid
 * UTF-8 become '?'.  Never reads outside buf.  NULL only when out of
 * memory; *bad (may be NULL) counts "(hex)" lines that did not parse.
 */
struct oui_table *oui_parse(const char *buf, size_t len, size_t *bad);
/* Read and parse path (at most 64 MiB).  NULL with err. */
struct oui_table *oui_load(const char *path, char *err, size_t errlen);
size_t	oui_count(const struct oui_table *t);
/* Vendor of a MAC address (its first 3 bytes); NULL unknown. */
const char *oui_lookup_mac(const struct oui_table *t, const uint8_t mac[6]);
/* Vendor of a MAC ("aa:bb:cc:..", either case, '-' or ':'); NULL unknown. */
const char *oui_lookup(const struct oui_table *t, const char *mac);
void	oui_free(struct oui_table *t);
/*
 * Read path, look mac up, keep nothing: for a rare lookup (a new device
 * after learning).  The vendor copied into buf, or NULL when unknown or
 * the file cannot be read.
 */
const char *oui_file_vendor(const char *path, const uint8_t mac[6], char *buf,
	    size_t len);

/*
 * "aa:bb:cc:dd:ee:ff" or with '-', either case, exactly 17 characters →
 * 6 bytes.  -1 for anything else, and for the all-zero, multicast and
 * broadcast addresses (no device has them).
 */
int	oui_mac_parse(const char *in, uint8_t mac[6]);

#endif
