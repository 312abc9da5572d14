/*
 * Small helpers every command uses: option values, labels for people
 * (Chinese with English beside), local time.
 */
#include <stdint.h>
#include <string.h>

#include "cli/cli.h"
#include "common/conf.h"
#include "common/timeutil.h"

int
cli_opt(struct cli *cli, int argc, char **argv, int *i, const char *name,
    const char **val)
{
	size_t	n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(cli->err, "shaobing: %s needs a value\n", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int
cli_opt_int(struct cli *cli, const char *name, const char *val,
    long long min, long long max, long long *out)
{
	char	why[128];
	int64_t	v;

	if (parse_i64(val, min, max, &v, why, sizeof(why)) == -1) {
		fprintf(cli->err, "shaobing: %s %s: %s\n", name, val, why);
		return -1;
	}
	*out = v;
	return 0;
}

const char *
cli_status_label(const char *status)
{
	if (status == NULL)
		return "-";
	if (strcmp(status, "up") == 0)
		return "在线 up";
	if (strcmp(status, "down") == 0)
		return "离线 down";
	if (strcmp(status, "revoked") == 0)
		return "已吊销 revoked";
	if (strcmp(status, "degraded") == 0)
		return "降级 degraded";
	return status;
}

const char *
cli_severity_label(const char *sev)
{
	static const char *const labels[][2] = {
		{ "info", "信息 info" },
		{ "low", "低 low" },
		{ "medium", "中 medium" },
		{ "high", "高 high" },
		{ "critical", "严重 critical" },
	};

	if (sev == NULL)
		return "-";
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(sev, labels[i][0]) == 0)
			return labels[i][1];
	return sev;
}

void
cli_local_time(const char *utc, char *buf, size_t len)
{
	int64_t	ms;

	if (len == 0)
		return;
	if (utc == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	if (time_parse_utc(utc, &ms) == -1 || time_format_local(ms, buf, len) == -1)
		snprintf(buf, len, "%s", utc);
}
