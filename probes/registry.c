/*
 * The agent's probes.  Each sensor adds one row; the agent configures and
 * schedules them in this order.
 */
#include <stddef.h>

#include "probes/check/check.h"
#include "probes/inventory/probe_inventory.h"
#include "probes/packet/packet.h"
#include "probes/probe.h"
#include "probes/system.h"

const struct probe_ops *const probe_registry[] = {
	&probe_system,
	&probe_inventory,
	&check_probe,
	&packet_probe,
	NULL,
};
