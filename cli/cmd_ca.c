/*
 * Offline PKI commands (no collector needed):
 *   shaobing ca init DIR [--name HOST|IP]... [--days N]
 *   shaobing ca server-cert DIR --name HOST|IP... [--days N]
 *   shaobing agents cert NAME --ca DIR --out DIR [--days N] [--force]
 */
#include <errno.h>
#include <grp.h>
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
/* The group the packaged collector runs as (its unit's Group=). */
#define CA_SERVICE_GROUP	"shaobing"

static void
ca_usage(FILE *f)
{
	fprintf(f, "usage: shaobing ca init DIR [--name HOST|IP]... [--days N]\n"
	    "       shaobing ca server-cert DIR --name HOST|IP... [--days N]\n"
	    "  init: make a new certificate authority in DIR (ca.crt, ca.key) and\n"
	    "  the collector's server certificate (server.crt, server.key).\n"
	    "  server-cert: issue the server certificate again from the CA in DIR\n"
	    "  (new names or a new term; agents keep working), then reload the\n"
	    "  collector (systemctl reload shaobing-collector).\n"
	    "  The certificate holds each --name first (a host name, or an IP\n"
	    "  address agents connect to), then this host's name, localhost,\n"
	    "  127.0.0.1 and ::1; agents are told to use the first.  As root,\n"
	    "  the keys are made readable by group %s (the collector's user).\n"
	    "  --days N   validity (default: CA %d days, server %d days)\n",
	    CA_SERVICE_GROUP, PKI_CA_DAYS, PKI_CERT_DAYS);
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

/*
 * A key the collector must read: as root, when the group the package
 * made exists, root:shaobing 0640 (the unit runs as user shaobing);
 * otherwise it stays 0600 for whoever ran the command.  Returns a word
 * for the summary.
 */
static const char *
share_with_service(const char *path, char *err, size_t errlen)
{
	struct group	*gr;

	if (geteuid() != 0 || (gr = getgrnam(CA_SERVICE_GROUP)) == NULL)
		return "mode 0600";
	if (chown(path, 0, gr->gr_gid) == -1 || chmod(path, 0640) == -1) {
		snprintf(err, errlen, "%s: cannot give group %s read access: %s",
		    path, CA_SERVICE_GROUP, strerror(errno));
		return NULL;
	}
	return "root:" CA_SERVICE_GROUP " 0640";
}

/* The arguments both ca subcommands take. */
struct ca_args {
	const char	*dir;
	const char	*names[CA_NAMES_MAX + 4];
	size_t		 nnames, ngiven;
	long long	 days;
	char		 host[256];
};

/* Parse DIR, --name, --days; defaults appended after the given names. */
static int
ca_args_parse(struct cli *cli, int argc, char **argv, const char *what,
    struct ca_args *a)
{
	const char	*v;
	int		 r;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			ca_usage(cli->out);
			return CLI_EXIT_OK;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--name", &v)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1) {
			if (a->nnames >= CA_NAMES_MAX) {
				fprintf(cli->err, "shaobing: at most %d --name\n",
				    CA_NAMES_MAX);
				return CLI_EXIT_USAGE;
			}
			a->names[a->nnames++] = v;
			continue;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--days", &v)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1) {
			if (cli_opt_int(cli, "--days", v, 1, PKI_DAYS_MAX,
			    &a->days) == -1)
				return CLI_EXIT_USAGE;
			continue;
		}
		if (argv[i][0] == '-' || a->dir != NULL) {
			fprintf(cli->err, "shaobing: ca %s: unexpected '%s'\n",
			    what, argv[i]);
			ca_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		a->dir = argv[i];
	}
	if (a->dir == NULL) {
		ca_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	a->ngiven = a->nnames;
	if (gethostname(a->host, sizeof(a->host)) == 0 && a->host[0] != '\0') {
		a->host[sizeof(a->host) - 1] = '\0';
		a->names[a->nnames++] = a->host;
	} else
		snprintf(a->host, sizeof(a->host), "localhost");
	a->names[a->nnames++] = "localhost";
	a->names[a->nnames++] = "127.0.0.1";
	a->names[a->nnames++] = "::1";
	return -1;
}

/*
 * A new server key and certificate from the CA, written to
 * DIR/server.{key,crt} (each replaced atomically), key shared with the
 * service.  Prints the summary lines.
 */
static int
server_cert_issue(struct cli *cli, const struct ca_args *a,
    const struct pki_cert *ca, struct pki_key *cakey, char *err, size_t errlen)
{
	char		 p_key[PATH_MAX], p_crt[PATH_MAX];
	struct pki_key	*key = NULL;
	struct pki_cert	*srv = NULL;
	const char	*how;
	int		 rc = -1;

	if (join(p_key, sizeof(p_key), a->dir, "server.key") == -1 ||
	    join(p_crt, sizeof(p_crt), a->dir, "server.crt") == -1) {
		snprintf(err, errlen, "%s: path too long", a->dir);
		return -1;
	}
	if ((key = pki_key_new(err, errlen)) == NULL ||
	    (srv = pki_server_cert_new(ca, cakey, key, a->ngiven ? a->names[0] :
	    a->host, a->names, a->nnames, a->days ? (int)a->days :
	    PKI_CERT_DAYS, err, errlen)) == NULL ||
	    pki_key_write(key, p_key, err, errlen) == -1 ||
	    (how = share_with_service(p_key, err, errlen)) == NULL ||
	    pki_cert_write(srv, p_crt, err, errlen) == -1)
		goto out;
	fprintf(cli->out, "  %s  %s (the collector's server certificate, "
	    "key %s)\n", p_crt, p_key, how);
	fprintf(cli->out, "  server names:");
	for (size_t i = 0; i < a->nnames; i++)
		fprintf(cli->out, " %s", a->names[i]);
	fputc('\n', cli->out);
	print_expiry(cli->out, "server", srv);
	rc = 0;
out:
	pki_cert_free(srv);
	pki_key_free(key);
	return rc;
}

static int
ca_init(struct cli *cli, int argc, char **argv)
{
	struct ca_args	 a;
	char		 cn[128], err[512];
	char		 p_cakey[PATH_MAX], p_cacrt[PATH_MAX];
	struct pki_key	*cakey = NULL;
	struct pki_cert	*ca = NULL;
	const char	*how;
	int		 rc = CLI_EXIT_FAIL, written = 0;

	if ((rc = ca_args_parse(cli, argc, argv, "init", &a)) != -1)
		return rc;
	rc = CLI_EXIT_FAIL;
	if (join(p_cakey, sizeof(p_cakey), a.dir, "ca.key") == -1 ||
	    join(p_cacrt, sizeof(p_cacrt), a.dir, "ca.crt") == -1) {
		fprintf(cli->err, "shaobing: %s: path too long\n", a.dir);
		return CLI_EXIT_USAGE;
	}
	if (exists(p_cakey) || exists(p_cacrt)) {
		fprintf(cli->err, "shaobing: %s already holds a CA (%s); refusing "
		    "to overwrite it: every agent certificate depends on it. "
		    "For new server names or a new term: shaobing ca "
		    "server-cert %s --name HOST; to start over, choose another "
		    "folder or remove this one\n",
		    a.dir, exists(p_cakey) ? p_cakey : p_cacrt, a.dir);
		return CLI_EXIT_FAIL;
	}
	snprintf(cn, sizeof(cn), "Shaobing CA %.60s", a.host);
	if (mkdirs(a.dir, 0700, err, sizeof(err)) == -1 ||
	    (cakey = pki_key_new(err, sizeof(err))) == NULL ||
	    (ca = pki_ca_new(cakey, cn, a.days ? (int)a.days : PKI_CA_DAYS,
	    err, sizeof(err))) == NULL)
		goto fail;
	/* ca.crt last: a CA folder without it is an unfinished one. */
	if (pki_key_write(cakey, p_cakey, err, sizeof(err)) == -1)
		goto fail;
	written = 1;
	fprintf(cli->out, "CA created 已创建证书颁发机构 in %s\n", a.dir);
	/* The collector signs enrolled agents' certificates with it. */
	if ((how = share_with_service(p_cakey, err, sizeof(err))) == NULL ||
	    server_cert_issue(cli, &a, ca, cakey, err, sizeof(err)) == -1 ||
	    pki_cert_write(ca, p_cacrt, err, sizeof(err)) == -1)
		goto fail;
	fprintf(cli->out, "  %s  %s (secret 保密, %s)\n", p_cacrt, p_cakey, how);
	print_expiry(cli->out, "CA", ca);
	fprintf(cli->out, "next: start the collector; shaobing token create "
	    "prints the command that enrolls an agent\n");
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: ca init: %s\n", text_term(err));
	if (written) {
		/* Leave no half CA behind that would block the next attempt. */
		char	p[PATH_MAX];

		unlink(p_cakey);
		if (join(p, sizeof(p), a.dir, "server.key") == 0)
			unlink(p);
		if (join(p, sizeof(p), a.dir, "server.crt") == 0)
			unlink(p);
		unlink(p_cacrt);
	}
out:
	pki_cert_free(ca);
	pki_key_free(cakey);
	return rc;
}

/* ca server-cert DIR --name ...: a new server certificate, same CA. */
static int
ca_server_cert(struct cli *cli, int argc, char **argv)
{
	struct ca_args	 a;
	char		 err[512], p_cakey[PATH_MAX], p_cacrt[PATH_MAX];
	struct pki_key	*cakey = NULL;
	struct pki_cert	*ca = NULL;
	int		 rc;

	if ((rc = ca_args_parse(cli, argc, argv, "server-cert", &a)) != -1)
		return rc;
	if (a.ngiven == 0) {
		fprintf(cli->err, "shaobing: ca server-cert needs at least one "
		    "--name: the host name or IP address agents connect to\n");
		return CLI_EXIT_USAGE;
	}
	rc = CLI_EXIT_FAIL;
	if (join(p_cakey, sizeof(p_cakey), a.dir, "ca.key") == -1 ||
	    join(p_cacrt, sizeof(p_cacrt), a.dir, "ca.crt") == -1) {
		fprintf(cli->err, "shaobing: %s: path too long\n", a.dir);
		return CLI_EXIT_USAGE;
	}
	if ((ca = pki_cert_load(p_cacrt, err, sizeof(err))) == NULL ||
	    (cakey = pki_key_load(p_cakey, err, sizeof(err))) == NULL)
		goto fail;
	if (!pki_cert_matches_key(ca, cakey)) {
		fprintf(cli->err, "shaobing: ca server-cert: %s does not belong "
		    "to %s\n", p_cakey, p_cacrt);
		goto out;
	}
	fprintf(cli->out, "server certificate issued again 已重新签发 from the "
	    "CA in %s (agents keep working)\n", a.dir);
	if (server_cert_issue(cli, &a, ca, cakey, err, sizeof(err)) == -1)
		goto fail;
	fprintf(cli->out, "next: systemctl reload shaobing-collector (or "
	    "kill -HUP its process): it takes the new certificate without "
	    "a restart\n");
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: ca server-cert: %s\n", err);
out:
	pki_cert_free(ca);
	pki_key_free(cakey);
	return rc;
}

int
cli_cmd_ca(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return ca_init(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "server-cert") == 0)
		return ca_server_cert(cli, argc - 1, argv + 1);
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
