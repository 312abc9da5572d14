/*
 * The agent's probes.  Each sensor adds one row; the agent configures and
 * schedules them in this order.
 */
#include <stdbool.h>
#include <stddef.h>

#include "probes/check/check.h"
#include "probes/fim/fim.h"
#include "probes/inventory/probe_inventory.h"
#include "probes/packet/packet.h"
#include "probes/probe.h"
#include "probes/system.h"
#include "probes/web/web.h"

const struct probe_ops *const probe_registry[] = {
	&probe_system,
	&probe_inventory,
	&check_probe,
	&packet_probe,
	&website_probe,
	&fim_probe,
	NULL,
};

/* Read by a probe's run on the scheduler thread, set by the scheduler. */
static int	probe_stop_flag;

bool
probe_stopping(void)
{
	return __atomic_load_n(&probe_stop_flag, __ATOMIC_ACQUIRE) != 0;
}

void
probe_set_stopping(bool stop)
{
	__atomic_store_n(&probe_stop_flag, stop ? 1 : 0, __ATOMIC_RELEASE);
}
