/*
 * The packet detectors.  Each is a struct detector_ops in its own
 * detect_NAME.c (see detector.h); adding one is that file plus its two
 * lines here.  The engine runs them in this order within each protocol,
 * and finding types are numbered in this order.
 */
#include <stddef.h>
#include <string.h>

#include "probes/packet/detector.h"

extern const struct detector_ops newdev_detector, arp_detector,
    blocklist_detector, scan_detector, flood_detector, dns_detector,
    cleartext_detector;

const struct detector_ops *const detector_registry[] = {
	&newdev_detector,
	&arp_detector,		/* before scan: learns routers from SYNs */
	&scan_detector,
	&flood_detector,
	&dns_detector,
	&cleartext_detector,
	&blocklist_detector,
	NULL,
};

/* ---- finding types: the detectors' lists, end to end ------------------ */

int
pkt_type_count(void)
{
	int	n = 0;

	for (const struct detector_ops *const *d = detector_registry; *d; d++)
		for (const char *const *t = (*d)->types; *t != NULL; t++)
			n++;
	return n;
}

const char *
pkt_type_name(int id)
{
	int	n = 0;

	for (const struct detector_ops *const *d = detector_registry; *d; d++)
		for (const char *const *t = (*d)->types; *t != NULL; t++)
			if (n++ == id)
				return *t;
	return "unknown";
}

int
pkt_type_id(const char *name)
{
	int	n = 0;

	for (const struct detector_ops *const *d = detector_registry; *d; d++)
		for (const char *const *t = (*d)->types; *t != NULL; t++, n++)
			if (strcmp(*t, name) == 0)
				return n;
	return -1;
}
