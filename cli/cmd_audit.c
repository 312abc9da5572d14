/*
 * shaobing audit verify
 * Recompute the incident trail's SHA-256 chain on the collector
 * (GET /api/v1/admin/audit/verify).  Exit 0 when intact, 1 when a row was
 * edited, removed or inserted (the message names the first broken row).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/text.h"

int
cli_cmd_audit_verify(struct cli *cli, int argc, char **argv)
{
	json_t	*ans = NULL;
	char	 err[1024];
	int	 rc = CLI_EXIT_FAIL;

	if (argc != 2 || strcmp(argv[1], "verify") != 0) {
		fprintf(argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) ? cli->out : cli->err,
		    "usage: shaobing audit verify\n"
		    "  check that the incident trail (who did what, when, from "
		    "where)\n  was not edited: every row's SHA-256 chains to the "
		    "one before\n");
		return argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (cli_admin_get(cli->admin, "/api/v1/admin/audit/verify", &ans, err,
	    sizeof(err)) == -1) {
		fprintf(cli->err, "shaobing audit verify: %s\n", text_term(err));
		goto out;
	}
	if (json_is_true(json_object_get(ans, "ok"))) {
		fprintf(cli->out, "审计链完整 audit trail intact: %"
		    JSON_INTEGER_FORMAT " rows verified\n",
		    json_integer_value(json_object_get(ans, "rows")));
		rc = CLI_EXIT_OK;
	} else {
		char *why = cli_text_clean(json_string_value(json_object_get(ans,
		    "error")), 0);

		fprintf(cli->out, "审计链被篡改 audit trail BROKEN at row %"
		    JSON_INTEGER_FORMAT ": %s\n",
		    json_integer_value(json_object_get(ans, "broken_id")),
		    why ? why : "?");
		free(why);
	}
out:
	json_decref(ans);
	return rc;
}
