/*
 * The agent's probes.  Each sensor adds one row; the agent configures and
 * schedules them in this order.
 */
#include <stddef.h>

#include "probes/packet/packet.h"
#include "probes/probe.h"

const struct probe_ops *const probe_registry[] = {
	&packet_probe,
	NULL,
};
