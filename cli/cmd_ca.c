/*
 * Offline PKI commands (no collector needed):
 *   shaobing ca init DIR [--name HOST]... [--days N]
 *   shaobing agents cert NAME --ca DIR --out DIR [--days N] [--force]
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/text.h"
#include "common/event.h"
#include "common/pki.h"
#include "common/timeutil.h"

#define CA_NAMES_MAX	64

static void
ca_usage(FILE *f)
{
	fprintf(f, "usage: shaobing ca init DIR [--name HOST]... [--days N]\n"
	    "  Make a new certificate authority in DIR (ca.crt, ca.key) and the\n"
	    "  collector's server certificate (server.crt, server.key) for\n"
	    "  localhost, 127.0.0.1, ::1, this host's name and each --name.\n"
	    "  --days N   validity (default: CA %d days, server %d days)\n",
	    PKI_CA_DAYS, PKI_CERT_DAYS);
}

static void
cert_usage(FILE *f)
{
	fprintf(f, "usage: shaobing agents cert NAME --ca DIR --out DIR [--days N] [--force]\n"
	    "  Issue an agent's key and certificate (CN=NAME) from the CA in\n"
	    "  --ca: OUT/agent.key, OUT/agent.crt and OUT/ca.crt.\n"
	    "  --days N   validity (default %d)\n"
	    "  --force    replace an existing OUT/agent.key\n", PKI_CERT_DAYS);
}

/* mkdir -p with mode for the folders it creates. */
static int
mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char	buf[PATH_MAX];
	size_t	len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		snprintf(err, errlen, "%s: bad folder name", path);
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create folder: %s", buf,
			    strerror(errno));
			return -1;
		}
		if (c == '\0')
			break;
		*p = c;
	}
	return 0;
}

static int
join(char *buf, size_t len, const char *dir, const char *file)
{
	if (snprintf(buf, len, "%s/%s", dir, file) >= (int)len)
		return -1;
	return 0;
}

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static void
print_expiry(FILE *f, const char *what, const struct pki_cert *c)
{
	long long	ms;
	char		when[32], fp[PKI_FINGERPRINT_LEN];

	if (pki_cert_not_after(c, &ms) == 0 &&
	    time_format_local(ms, when, sizeof(when)) == 0)
		fprintf(f, "  %s valid until 有效期至 %s\n", what, when);
	if (pki_cert_fingerprint(c, fp, sizeof(fp)) == 0)
		fprintf(f, "  %s SHA-256 fingerprint 指纹 %s\n", what, fp);
}

static int
ca_init(struct cli *cli, int argc, char **argv)
{
	const char	*dir = NULL, *names[CA_NAMES_MAX + 4], *v;
	size_t		 nnames = 0;
	long long	 days = 0;
	char		 host[256], cn[128], err[512];
	char		 p_cakey[PATH_MAX], p_cacrt[PATH_MAX];
	char		 p_key[PATH_MAX], p_crt[PATH_MAX];
	struct pki_key	*cakey = NULL, *key = NULL;
	struct pki_cert	*ca = NULL, *srv = NULL;
	int		 rc = CLI_EXIT_FAIL, r, written = 0;

	names[nnames++] = "localhost";
	names[nnames++] = "127.0.0.1";
	names[nnames++] = "::1";
	if (gethostname(host, sizeof(host)) == 0 && host[0] != '\0') {
		host[sizeof(host) - 1] = '\0';
		names[nnames++] = host;
	} else
		snprintf(host, sizeof(host), "localhost");

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			ca_usage(cli->out);
			return CLI_EXIT_OK;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--name", &v)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1) {
			if (nnames >= sizeof(names) / sizeof(names[0])) {
				fprintf(cli->err, "shaobing: at most %d --name\n",
				    CA_NAMES_MAX);
				return CLI_EXIT_USAGE;
			}
			names[nnames++] = v;
			continue;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--days", &v)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1) {
			if (cli_opt_int(cli, "--days", v, 1, PKI_DAYS_MAX, &days) == -1)
				return CLI_EXIT_USAGE;
			continue;
		}
		if (argv[i][0] == '-' || dir != NULL) {
			fprintf(cli->err, "shaobing: ca init: unexpected '%s'\n", argv[i]);
			ca_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		dir = argv[i];
	}
	if (dir == NULL) {
		ca_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (join(p_cakey, sizeof(p_cakey), dir, "ca.key") == -1 ||
	    join(p_cacrt, sizeof(p_cacrt), dir, "ca.crt") == -1 ||
	    join(p_key, sizeof(p_key), dir, "server.key") == -1 ||
	    join(p_crt, sizeof(p_crt), dir, "server.crt") == -1) {
		fprintf(cli->err, "shaobing: %s: path too long\n", dir);
		return CLI_EXIT_USAGE;
	}
	if (exists(p_cakey) || exists(p_cacrt)) {
		fprintf(cli->err, "shaobing: %s already holds a CA (%s); refusing "
		    "to overwrite it: every agent certificate depends on it. "
		    "Choose another folder, or remove this one to start over\n",
		    dir, exists(p_cakey) ? p_cakey : p_cacrt);
		return CLI_EXIT_FAIL;
	}
	snprintf(cn, sizeof(cn), "Shaobing CA %.60s", host);
	if (mkdirs(dir, 0700, err, sizeof(err)) == -1 ||
	    (cakey = pki_key_new(err, sizeof(err))) == NULL ||
	    (ca = pki_ca_new(cakey, cn, days ? (int)days : PKI_CA_DAYS,
	    err, sizeof(err))) == NULL ||
	    (key = pki_key_new(err, sizeof(err))) == NULL ||
	    (srv = pki_server_cert_new(ca, cakey, key, host, names, nnames,
	    days ? (int)days : PKI_CERT_DAYS, err, sizeof(err))) == NULL)
		goto fail;
	/* ca.crt last: a CA folder without it is an unfinished one. */
	if (pki_key_write(cakey, p_cakey, err, sizeof(err)) == -1)
		goto fail;
	written = 1;
	if (pki_key_write(key, p_key, err, sizeof(err)) == -1 ||
	    pki_cert_write(srv, p_crt, err, sizeof(err)) == -1 ||
	    pki_cert_write(ca, p_cacrt, err, sizeof(err)) == -1)
		goto fail;

	fprintf(cli->out, "CA created 已创建证书颁发机构 in %s\n", dir);
	fprintf(cli->out, "  %s  %s (secret 保密, mode 0600)\n", p_cacrt, p_cakey);
	fprintf(cli->out, "  %s  %s (the collector's server certificate)\n",
	    p_crt, p_key);
	fprintf(cli->out, "  server names:");
	for (size_t i = 0; i < nnames; i++)
		fprintf(cli->out, " %s", names[i]);
	fputc('\n', cli->out);
	print_expiry(cli->out, "CA", ca);
	print_expiry(cli->out, "server", srv);
	fprintf(cli->out, "next: shaobing agents cert NAME --ca %s --out DIR\n", dir);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: ca init: %s\n", text_term(err));
	if (written) {
		/* Leave no half CA behind that would block the next attempt. */
		unlink(p_cakey);
		unlink(p_key);
		unlink(p_crt);
		unlink(p_cacrt);
	}
out:
	pki_cert_free(srv);
	pki_cert_free(ca);
	pki_key_free(key);
	pki_key_free(cakey);
	return rc;
}

int
cli_cmd_ca(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return ca_init(cli, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		ca_usage(cli->out);
		return CLI_EXIT_OK;
	}
	if (argc >= 2)
		fprintf(cli->err, "shaobing: ca: unknown subcommand '%s'\n", argv[1]);
	ca_usage(cli->err);
	return CLI_EXIT_USAGE;
}

int
cli_cmd_agents_cert(struct cli *cli, int argc, char **argv)
{
	const char	*name = NULL, *cadir = NULL, *outdir = NULL, *v;
	long long	 days = PKI_CERT_DAYS;
	int		 force = 0, r, rc = CLI_EXIT_FAIL;
	char		 p_cacrt[PATH_MAX], p_cakey[PATH_MAX], err[512];
	char		 o_key[PATH_MAX], o_crt[PATH_MAX], o_ca[PATH_MAX];
	struct pki_key	*cakey = NULL, *key = NULL;
	struct pki_cert	*ca = NULL, *crt = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cert_usage(cli->out);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--force") == 0) {
			force = 1;
			continue;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--ca", &cadir)) == -1 ||
		    (r == 0 && (r = cli_opt(cli, argc, argv, &i, "--out",
		    &outdir)) == -1))
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if ((r = cli_opt(cli, argc, argv, &i, "--days", &v)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1) {
			if (cli_opt_int(cli, "--days", v, 1, PKI_DAYS_MAX, &days) == -1)
				return CLI_EXIT_USAGE;
			continue;
		}
		if (argv[i][0] == '-' || name != NULL) {
			fprintf(cli->err, "shaobing: agents cert: unexpected '%s'\n",
			    argv[i]);
			cert_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		name = argv[i];
	}
	if (name == NULL || cadir == NULL || outdir == NULL) {
		fprintf(cli->err, "shaobing: agents cert needs NAME, --ca and --out\n");
		cert_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (!event_name_ok(name, EVENT_AGENT_MAX)) {
		fprintf(cli->err, "shaobing: agent name '%s' is not valid: use 1 to "
		    "%d letters, digits, '.', '_' or '-'\n", name,
		    EVENT_AGENT_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	if (join(p_cacrt, sizeof(p_cacrt), cadir, "ca.crt") == -1 ||
	    join(p_cakey, sizeof(p_cakey), cadir, "ca.key") == -1 ||
	    join(o_key, sizeof(o_key), outdir, "agent.key") == -1 ||
	    join(o_crt, sizeof(o_crt), outdir, "agent.crt") == -1 ||
	    join(o_ca, sizeof(o_ca), outdir, "ca.crt") == -1) {
		fprintf(cli->err, "shaobing: agents cert: path too long\n");
		return CLI_EXIT_USAGE;
	}
	if (!force && exists(o_key)) {
		fprintf(cli->err, "shaobing: %s exists; add --force to replace "
		    "it, or choose another --out\n", o_key);
		return CLI_EXIT_FAIL;
	}
	if ((ca = pki_cert_load(p_cacrt, err, sizeof(err))) == NULL ||
	    (cakey = pki_key_load(p_cakey, err, sizeof(err))) == NULL)
		goto fail;
	if (!pki_cert_matches_key(ca, cakey)) {
		fprintf(cli->err, "shaobing: agents cert: %s does not belong "
		    "to %s\n", p_cakey, p_cacrt);
		goto out;
	}
	if (mkdirs(outdir, 0700, err, sizeof(err)) == -1 ||
	    (key = pki_key_new(err, sizeof(err))) == NULL ||
	    (crt = pki_client_cert_new(ca, cakey, key, name, (int)days,
	    err, sizeof(err))) == NULL ||
	    pki_key_write(key, o_key, err, sizeof(err)) == -1 ||
	    pki_cert_write(crt, o_crt, err, sizeof(err)) == -1 ||
	    pki_cert_write(ca, o_ca, err, sizeof(err)) == -1)
		goto fail;

	fprintf(cli->out, "agent certificate issued 已签发 for %s\n", name);
	fprintf(cli->out, "  %s  %s (secret 保密, mode 0600)  %s\n", o_crt,
	    o_key, o_ca);
	print_expiry(cli->out, "certificate", crt);
	fprintf(cli->out, "next: copy %s to the agent's machine and set "
	    "[agent] name = %s, cert, key and ca in its agent.ini\n", outdir, name);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: agents cert: %s\n", text_term(err));
out:
	pki_cert_free(crt);
	pki_cert_free(ca);
	pki_key_free(key);
	pki_key_free(cakey);
	return rc;
}
