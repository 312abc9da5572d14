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

void
cli_json_reverse(json_t *arr)
{
	size_t	n = json_array_size(arr);

	for (size_t i = 0; i < n / 2; i++) {
		json_t *a = json_incref(json_array_get(arr, i));

		json_array_set(arr, i, json_array_get(arr, n - 1 - i));
		json_array_set_new(arr, n - 1 - i, a);
	}
}

int
cli_list_fetch(struct cli *cli, const char *base, const char *member,
    long long limit, int all, long long after, long long page_max,
    json_t **out, long long *more, char *err, size_t errlen)
{
	const int	 desc = !all && after < 0;
	const char	*sep = base[strlen(base) - 1] == '?' ? "" : "&";
	const char	*next_name = desc ? "next_before_id" : "next_after_id";
	long long	 cursor = desc ? 0 : (after < 0 ? 0 : after), want;
	json_t		*rows = json_array(), *ans = NULL;
	const json_t	*page, *n;
	char		 path[1400];
	int		 rc = -1;

	*out = NULL;
	*more = 0;
	if (rows == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		want = all ? page_max : limit - (long long)json_array_size(rows);
		if (want > page_max)
			want = page_max;
		if (snprintf(path, sizeof(path), "%s%slimit=%lld%s%s=%lld", base,
		    sep, want, desc ? "&order=desc" : "",
		    desc ? "&before_id" : "&after_id", cursor) >=
		    (int)sizeof(path)) {
			snprintf(err, errlen, "query too long");
			goto out;
		}
		if (desc && cursor == 0)	/* before_id=0 is refused: none */
			*strrchr(path, '&') = '\0';
		json_decref(ans);
		if (cli_admin_get(cli->admin, path, &ans, err, errlen) == -1)
			goto out;
		page = json_object_get(ans, member);
		if (!json_is_array(page)) {
			snprintf(err, errlen, "unexpected answer from the admin "
			    "API: no \"%s\" array", member);
			goto out;
		}
		if (json_array_extend(rows, (json_t *)page) == -1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		n = json_object_get(ans, next_name);
		if (!json_is_integer(n) || json_array_size(page) == 0)
			break;
		/* A server that does not move on must not loop us forever. */
		if (desc ? cursor != 0 && json_integer_value(n) >= cursor :
		    json_integer_value(n) <= cursor) {
			snprintf(err, errlen, "unexpected answer from the admin "
			    "API: %s does not move on", next_name);
			goto out;
		}
		cursor = json_integer_value(n);
		if (!all && (long long)json_array_size(rows) >= limit) {
			/* Older rows were left (newest first) or newer ones. */
			*more = desc ? -1 : cursor;
			break;
		}
	}
	if (desc)
		cli_json_reverse(rows);
	*out = rows;
	rows = NULL;
	rc = 0;
out:
	json_decref(ans);
	json_decref(rows);
	return rc;
}
