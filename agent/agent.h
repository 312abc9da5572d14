/*
 * The agent daemon: configuration, probes on a scheduler, spool, uploader.
 */
#ifndef SHAOBING_AGENT_H
#define SHAOBING_AGENT_H

#include <stdio.h>

/*
 * Parse daemon options (-f foreground, -c FILE, --check-config, -v) and
 * run.  usage prints the help.  Returns the exit status.
 */
int	agent_main(int argc, char **argv, void (*usage)(FILE *));

/*
 * shaobing-agent --emit TYPE [--severity S] [--key K] [--data JSON]
 * [-c FILE]: commit one event to the configured spool (agent/emit.c).
 */
int	agent_emit_main(int argc, char **argv);
/* shaobing-agent --rejected: list the spool's dead letters (emit.c). */
int	agent_rejected_main(int argc, char **argv);

/* shaobing-agent enroll ... (agent/enroll.c).  Returns the exit status. */
int	enroll_main(int argc, char **argv);

#endif
