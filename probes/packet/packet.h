/*
 * The packet-anomaly probe: what the agent sees of probes/packet/.
 */
#ifndef SHAOBING_PACKET_H
#define SHAOBING_PACKET_H

#include "probes/probe.h"

/* shaobing-agent --analyze [-c FILE] CAPTURE... (analyze.c) */
int	packet_analyze_main(int argc, char **argv);

extern const struct probe_ops packet_probe;

#endif
