/*
 * shaobing-agent: the daemon on every office PC and on the web server.
 *
 * Offline commands (no collector, no root) are dispatched by the table
 * below; each lives with its probe.  Without one, the agent runs as a
 * daemon (agent/daemon.c).
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "probes/check/check.h"
#include "probes/inventory/inventory.h"
#include "probes/packet/packet.h"

struct subcommand {
	const char	*flag;
	int		(*main)(int argc, char **argv);
	const char	*help;
};

/* subcommands: one row per offline command (keep sorted by flag) */
static const struct subcommand subcommands[] = {
	{ "--analyze", packet_analyze_main, "--analyze [-c FILE] CAPTURE..." },
	{ "--check", check_main, "--check URL [--json] [--ca FILE] [--servername NAME] ... "
	    "(URL: tls, https, smtp, imap, pop3, tcp, dns; --check URL --help)" },
	{ "--emit", agent_emit_main, "--emit TYPE [--severity S] [--key KEY] [--data JSON] [-c FILE]" },
	{ "--inventory", inventory_main, "--inventory [--json] [--root DIR]" },
	{ "enroll", enroll_main, "enroll --server URL --token T "
	    "--ca-fingerprint SHA256 [--name N] [--config FILE] [--dir DIR]" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: shaobing-agent [-f] [-v] [-c FILE] [--check-config]\n");
	for (const struct subcommand *s = subcommands; s->flag != NULL; s++)
		fprintf(f, "       shaobing-agent %s\n", s->help);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		for (const struct subcommand *s = subcommands; s->flag != NULL; s++)
			if (strcmp(argv[i], s->flag) == 0)
				return s->main(argc, argv);
	}
	return agent_main(argc, argv, usage);
}
