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
#include "agent/config.h"
#include "common/manpage.h"
#include "common/version.h"
#include "probes/check/check.h"
#include "probes/fim/fim.h"
#include "probes/inventory/inventory.h"
#include "probes/packet/packet.h"
#include "probes/web/web.h"

/*
 * own_help says who answers --help after the flag: HELP_HERE the
 * dispatcher (the row's usage), HELP_OWN the command, handed a lone
 * "--help" (its longer text, whatever else was on the line),
 * HELP_AFTER_ARG the command once an argument came first (--check URL
 * --help lists that scheme's options), the dispatcher before.
 */
enum help_by { HELP_HERE, HELP_OWN, HELP_AFTER_ARG };

struct subcommand {
	const char	*flag;
	int		(*main)(int argc, char **argv);
	const char	*help;
	enum help_by	 own_help;
};

/* subcommands: one row per offline command (keep sorted by flag) */
static const struct subcommand subcommands[] = {
	{ "--analyze", packet_analyze_main, "--analyze [-c FILE] CAPTURE...",
	    HELP_HERE },
	{ "--check", check_main, "--check URL [--json] [--ca FILE] [--servername NAME] ... "
	    "(URL: tls, https, smtp, imap, pop3, tcp, dns, icmp, snmp; --check URL --help)",
	    HELP_AFTER_ARG },
	{ "--discover", discover_main, "--discover CIDR [--community C] "
	    "[--rate N] [--timeout DUR]", HELP_HERE },
	{ "--emit", agent_emit_main, "--emit TYPE [--severity S] [--key KEY] "
	    "[--data JSON] [-c FILE]", HELP_OWN },
	{ "--fim", fim_main, "--fim DIR --baseline FILE [--exclude GLOB]... "
	    "[--max-size SIZE] [--json]", HELP_HERE },
	{ "--inventory", inventory_main, "--inventory [--json] [--root DIR]",
	    HELP_HERE },
	{ "--rejected", agent_rejected_main, "--rejected [--json] [-c FILE]",
	    HELP_OWN },
	{ "--web", web_main, "--web URL [--baseline FILE] [--keywords FILE] "
	    "[--allow-domain D]... [--timeout DUR] [--json]", HELP_HERE },
	{ "enroll", enroll_main, "enroll --server URL --token T "
	    "--ca-fingerprint SHA256 [--name N] [--config FILE] [--dir DIR]",
	    HELP_OWN },
	{ NULL, NULL, NULL, HELP_HERE },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: shaobing-agent [-f] [-v] [-c FILE] [--check-config] [--version]\n");
	for (const struct subcommand *s = subcommands; s->flag != NULL; s++)
		fprintf(f, "       shaobing-agent %s\n", s->help);
	fprintf(f, "  -c FILE         configuration (default /etc/shaobing/agent.ini)\n"
	    "  -f              stay in the foreground, log to stderr\n"
	    "  -v              debug logging\n"
	    "  --check-config  validate the configuration, open every file the\n"
	    "                  agent will open (as root: as [agent] user) and\n"
	    "                  look up [packet] interfaces; exit 0, else 2\n"
	    "  --version       print the version\n");
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/*
 * SUBCOMMAND ... --help: usage on stdout, status 0, the same for every
 * subcommand (see enum help_by).  The status when answered, else -1.
 */
static int
sub_help(const struct subcommand *s, int argc, char **argv, int at)
{
	/* Without the flag: --emit takes a value, so "--emit --help"
	   would make "--help" its TYPE. */
	char	*lone[] = { argv[0], "--help", NULL };

	for (int j = at + 1; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0)
			break;
		if (!is_help(argv[j]))
			continue;
		if (s->own_help == HELP_OWN)
			return s->main(2, lone);
		if (s->own_help == HELP_AFTER_ARG && j > at + 1)
			return -1;
		printf("usage: shaobing-agent %s\n", s->help);
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--man") == 0) {
			/* The man page's generated part (packaging/man/render.sh). */
			man_usage(stdout, "USAGE", usage);
			fputs(".SH COMMANDS\n", stdout);
			for (const struct subcommand *s = subcommands;
			    s->flag != NULL; s++)
				man_item(stdout, s->flag, s->help);
			agent_conf_man(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("shaobing-agent %s\n", shaobing_version);
			return 0;
		}
		for (const struct subcommand *s = subcommands; s->flag != NULL; s++)
			if (strcmp(argv[i], s->flag) == 0) {
				int rc = sub_help(s, argc, argv, i);

				return rc != -1 ? rc : s->main(argc, argv);
			}
	}
	return agent_main(argc, argv, usage);
}
