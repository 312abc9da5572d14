/*
 * shaobing-agent enroll: join a collector with a one-time token.
 *
 *   1. GET /api/v1/ca without trusting anything, and compare the CA's
 *      SHA-256 with --ca-fingerprint (given by the administrator with the
 *      token, over another channel).  Only a match makes it our trust
 *      anchor; from then on every request verifies the collector with it.
 *   2. Make the key here (it never leaves the machine) and a CSR.
 *   3. POST /api/v1/enroll {token, csr, machine_id, hostname[, name]}:
 *      the certificate comes back with the name the collector chose (a
 *      machine it knows keeps its old name).
 *   4. Write DIR/agent.key (0600), agent.crt, ca.crt and set [agent]
 *      name, server, ca, cert, key in the configuration file, keeping
 *      everything else in it.
 *
 * DIR defaults to /var/lib/shaobing: the service may write there
 * (ProtectSystem=strict), which certificate renewal needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/http.h"
#include "agent/servers.h"
#include "common/event.h"
#include "common/pki.h"
#include "common/timeutil.h"
#include "common/version.h"

#define ENROLL_CONF_MAX		(1024 * 1024)

/*
 * GET (body NULL) or POST to server + path.  ca NULL: no verification
 * (only for fetching the CA, which is then checked by its fingerprint).
 * The HTTP status, or -1 with err.  *out the JSON answer (object) or NULL.
 */
static long
call(const char *server, const char *path, const char *ca, const char *body,
    json_t **out, char *err, size_t errlen)
{
	const struct agent_http_req rq = {
		.server = server, .path = path,
		.ca = ca, .ca_len = ca != NULL ? strlen(ca) : 0,
		.body = body, .body_len = body != NULL ? strlen(body) : 0,
		.connect_timeout_ms = 15000, .timeout_ms = 60000,
	};
	struct agent_http_answer	*a;
	char				 why[CURL_ERROR_SIZE];
	long				 code;

	*out = NULL;
	if ((a = malloc(sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	code = agent_http_call(NULL, &rq, a, why, sizeof(why));
	if (code == -1 || a->too_big) {
		snprintf(err, errlen, "cannot reach the collector at %s%s: %s",
		    server, path, code == -1 ? why : "answer too large");
		code = -1;
		goto out;
	}
	*out = json_loadb(a->buf, a->len, 0, NULL);
	if (*out != NULL && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
	}
	if (*out == NULL)
		snprintf(err, errlen, "%s%s answered HTTP %ld without a JSON "
		    "object; is this a Shaobing collector?", server, path, code);
out:
	free(a);
	return code;
}

/* "AB:cd:..." or "abcd..." → 64 lower-case hex digits; -1 if not SHA-256. */
static int
fingerprint_norm(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (strncasecmp(in, "sha256:", 7) == 0 ||
	    strncasecmp(in, "sha256=", 7) == 0)
		in += 7;
	for (; *in != '\0'; in++) {
		char c = *in;

		if (c == ':' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ||
		    n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

/* The first line of path, trimmed, if it is 32..63 hex digits. */
static int
machine_id_read(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	FILE	*f = fopen(path, "r");
	size_t	 n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)outlen, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n < 32 || n >= 64 || strspn(out, "0123456789abcdef") != n) {
		snprintf(err, errlen, "%s: not a machine id (32 hex digits); "
		    "run systemd-machine-id-setup", path);
		return -1;
	}
	return 0;
}

static int
read_text(const char *path, char **out, size_t *len)
{
	FILE	*f = fopen(path, "r");
	char	*p = NULL;
	size_t	 n = 0;

	*out = NULL;
	*len = 0;
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	if ((p = malloc(ENROLL_CONF_MAX + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(p, 1, ENROLL_CONF_MAX + 1, f);
	fclose(f);
	if (n > ENROLL_CONF_MAX) {
		free(p);
		errno = EFBIG;
		return -1;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	return 0;
}

/* Is line "KEY = ..." (spaces allowed) for key? */
static int
line_is_key(const char *line, size_t len, const char *key)
{
	size_t kl = strlen(key), i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < kl || strncmp(line + i, key, kl) != 0)
		return 0;
	for (i += kl; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < len && line[i] == '=';
}

/*
 * Write path with [agent] keys set to vals: existing lines for those
 * keys in [agent] are replaced, missing ones go right after the section
 * header (a section is added when there is none).  Other lines stay.
 * Written beside and renamed into place; owner, group and mode kept
 * (the package makes it root:shaobing 0640 so the service can read it;
 * 0640 when new).
 */
static int
conf_update(const char *path, const char *const *keys, const char *const *vals,
    size_t n, char *err, size_t errlen)
{
	char		*old = NULL, tmp[AGENT_PATH_MAX + 16];
	const char	*p, *e;
	size_t		 len;
	int		 in_agent = 0, seen_agent = 0, done[8] = { 0 };
	FILE		*f = NULL;
	struct stat	 sb;
	mode_t		 mode = 0640;
	int		 rc = -1, have = 0;

	if (read_text(path, &old, &len) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &sb) == 0) {
		mode = sb.st_mode & 07777;
		have = 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.enroll", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (p = old ? old : ""; *p != '\0'; p = *e ? e + 1 : e) {
		size_t	ll;
		int	skip = 0;

		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		ll = (size_t)(e - p);
		if (ll > 0 && p[0] == '[') {
			if (in_agent)
				for (size_t i = 0; i < n; i++)
					if (!done[i]++)
						fprintf(f, "%s = %s\n", keys[i],
						    vals[i]);
			in_agent = strncmp(p, "[agent]", 7) == 0;
			if (in_agent) {
				seen_agent = 1;
				fprintf(f, "%.*s\n", (int)ll, p);
				for (size_t i = 0; i < n; i++) {
					fprintf(f, "%s = %s\n", keys[i], vals[i]);
					done[i] = 1;
				}
				continue;
			}
		} else if (in_agent) {
			for (size_t i = 0; i < n; i++)
				if (line_is_key(p, ll, keys[i]))
					skip = 1;
		}
		if (!skip)
			fprintf(f, "%.*s\n", (int)ll, p);
		if (*e == '\0')
			break;
	}
	if (!seen_agent) {
		fprintf(f, "\n[agent]\n");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s = %s\n", keys[i], vals[i]);
	}
	if (fflush(f) == EOF || fsync(fileno(f)) == -1 ||
	    (have && (sb.st_uid != geteuid() || sb.st_gid != getegid()) &&
	    fchown(fileno(f), sb.st_uid, sb.st_gid) == -1) ||
	    fchmod(fileno(f), mode) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) == EOF) {
		f = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (rc == -1)
		unlink(tmp);
	free(old);
	return rc;
}

static void
enroll_usage(FILE *f)
{
	fprintf(f, "usage: shaobing-agent enroll --server https://HOST:PORT "
	    "--token TOKEN\n"
	    "           --ca-fingerprint SHA256 [--name NAME] [--config FILE]"
	    " [--dir DIR]\n"
	    "  Enroll this machine with the collector (token and fingerprint "
	    "from\n  `shaobing token create` on the collector).  The key is "
	    "made here and\n  never leaves the machine.  Writes DIR (default "
	    "/var/lib/shaobing)/\n  agent.key, agent.crt, ca.crt and sets "
	    "[agent] name, server, ca, cert,\n  key in FILE (default "
	    "/etc/shaobing/agent.ini).\n");
}

/*
 * What enrollment writes as [agent] server: the file's list of
 * collectors when it already names --server among several (servers.h),
 * so re-enrolling keeps the failover list; else --server.
 */
static const char *
server_to_write(const char *conf, const char *server, char *buf,
    size_t buflen)
{
	static const struct conf_opt opts[] = {
		{ "server", CONF_STR, 0, AGENT_PATH_MAX, 0, 0, "", NULL, NULL,
		  "collector URL(s)" },
		{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
	};
	struct conf_err	 e;
	struct conf	*c;
	struct servers	 s;
	char		 cur[AGENT_PATH_MAX], why[300];
	const char	*ret = server;

	if ((c = conf_load(conf, &e)) == NULL)
		return server;
	if (conf_apply(c, "agent", opts, cur, &e) == 0 &&
	    servers_init(&s, cur, 0, NULL, 0, why, sizeof(why)) == 0 &&
	    s.n > 1)
		for (size_t i = 0; i < s.n; i++)
			if (strcmp(s.url[i], server) == 0) {
				snprintf(buf, buflen, "%s", cur);
				ret = buf;
			}
	conf_free(c);
	return ret;
}

int
enroll_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "ca-fingerprint", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "machine-id-file", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*server = NULL, *token = NULL, *fp_in = NULL, *name = NULL;
	const char	*conf = "/etc/shaobing/agent.ini", *dir = "/var/lib/shaobing";
	const char	*mid_path = "/etc/machine-id", *user = "shaobing";
	struct pki_cert	*ca = NULL, *cert = NULL;
	struct pki_key	*key = NULL;
	json_t		*ans = NULL, *req = NULL;
	char		*csr = NULL, *body = NULL, *ca_copy = NULL;
	char		 want[EVENT_AGENT_MAX];
	char		 fp[PKI_FINGERPRINT_LEN], got[PKI_FINGERPRINT_LEN];
	char		 err[1024], mid[80], host[256], kpath[AGENT_PATH_MAX];
	char		 cpath[AGENT_PATH_MAX], apath[AGENT_PATH_MAX], exp[40];
	char		 slist[AGENT_PATH_MAX];
	const char	*ca_pem, *cert_pem, *got_name;
	long		 code;
	long long	 na;
	int		 ch, rc = 1;
	struct passwd	*pw;

	/* argv[0] is the program, "enroll" somewhere after it. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "enroll") == 0) {
			argv[i] = argv[0];
			argv += i;
			argc -= i;
			break;
		}
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'F': fp_in = optarg; break;
		case 'n': name = optarg; break;
		case 'c': conf = optarg; break;
		case 'd': dir = optarg; break;
		case 'm': mid_path = optarg; break;
		case 'u': user = optarg; break;
		case 'h': enroll_usage(stdout); return 0;
		default: enroll_usage(stderr); return 2;
		}
	}
	if (optind < argc || server == NULL || token == NULL || fp_in == NULL) {
		fprintf(stderr, "shaobing-agent enroll: --server, --token and "
		    "--ca-fingerprint are required\n");
		enroll_usage(stderr);
		return 2;
	}
	if (strncmp(server, "https://", 8) != 0 || strlen(server) > 400) {
		fprintf(stderr, "shaobing-agent enroll: --server must be an "
		    "https:// URL such as https://collector:8443\n");
		return 2;
	}
	if (fingerprint_norm(fp_in, fp, sizeof(fp)) == -1) {
		fprintf(stderr, "shaobing-agent enroll: --ca-fingerprint must be "
		    "the SHA-256 that `shaobing token create` printed (64 hex "
		    "digits, colons allowed)\n");
		return 2;
	}
	if (name != NULL && !event_name_ok(name, EVENT_AGENT_MAX)) {
		fprintf(stderr, "shaobing-agent enroll: --name must be 1-63 "
		    "characters of A-Z a-z 0-9 . _ -\n");
		return 2;
	}
	if (dir[0] != '/' || strlen(dir) > AGENT_PATH_MAX - 16) {
		fprintf(stderr, "shaobing-agent enroll: --dir must be an "
		    "absolute path\n");
		return 2;
	}
	if (machine_id_read(mid_path, mid, sizeof(mid), err, sizeof(err)) == -1) {
		fprintf(stderr, "shaobing-agent enroll: %s\n", err);
		return 1;
	}
	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == -1)
		snprintf(host, sizeof(host), "unknown");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "shaobing-agent enroll: cannot initialise "
		    "libcurl\n");
		return 1;
	}

	/* 1. The CA, trusted only if it is the one the administrator named. */
	code = call(server, "/api/v1/ca", NULL, NULL, &ans, err, sizeof(err));
	if (code != 200 || ans == NULL) {
		if (code > 0 && ans != NULL)
			snprintf(err, sizeof(err), "GET %s/api/v1/ca answered HTTP "
			    "%ld; is this a Shaobing collector?", server, code);
		goto fail;
	}
	if ((ca_pem = json_string_value(json_object_get(ans, "ca"))) == NULL ||
	    (ca = pki_cert_from_pem(ca_pem, strlen(ca_pem), err,
	    sizeof(err))) == NULL ||
	    pki_cert_fingerprint(ca, got, sizeof(got)) == -1) {
		fprintf(stderr, "shaobing-agent enroll: the collector's CA "
		    "certificate is unusable: %s\n", err);
		goto out;
	}
	if (strcmp(got, fp) != 0) {
		fprintf(stderr, "shaobing-agent enroll: REFUSED: the CA of %s has "
		    "fingerprint %s, not the %s you gave.  This is not the "
		    "collector the token belongs to, or someone is in between; "
		    "nothing was sent and nothing written.  Check the address "
		    "and the fingerprint with the administrator.\n", server,
		    got, fp);
		goto out;
	}
	if ((ca_copy = strdup(ca_pem)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	json_decref(ans);
	ans = NULL;

	/* 2. Key and request, here. */
	if (name != NULL)
		snprintf(want, sizeof(want), "%s", name);
	else
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(host, "."),
		    host);
	if (!event_name_ok(want, EVENT_AGENT_MAX))
		snprintf(want, sizeof(want), "agent");
	if ((key = pki_key_new(err, sizeof(err))) == NULL ||
	    (csr = pki_csr_new(key, want, err, sizeof(err))) == NULL)
		goto fail;

	/* 3. Enroll, now verifying the collector with the pinned CA. */
	req = json_pack("{s:s, s:s, s:s, s:s}", "token", token, "csr", csr,
	    "machine_id", mid, "hostname", host);
	if (req != NULL && name != NULL)
		json_object_set_new(req, "name", json_string(name));
	if (req == NULL || (body = json_dumps(req, JSON_COMPACT)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	code = call(server, "/api/v1/enroll", ca_copy, body, &ans, err,
	    sizeof(err));
	if (code == -1 || ans == NULL)
		goto fail;
	if (code != 200) {
		fprintf(stderr, "shaobing-agent enroll: REFUSED by the collector "
		    "(HTTP %ld): %s\n", code, json_string_value(json_object_get(
		    ans, "error")) ?: "no reason given");
		goto out;
	}
	got_name = json_string_value(json_object_get(ans, "name"));
	cert_pem = json_string_value(json_object_get(ans, "cert"));
	if (got_name == NULL || !event_name_ok(got_name, EVENT_AGENT_MAX) ||
	    cert_pem == NULL || (cert = pki_cert_from_pem(cert_pem,
	    strlen(cert_pem), err, sizeof(err))) == NULL ||
	    !pki_cert_matches_key(cert, key) || !pki_cert_issued_by(cert, ca)) {
		snprintf(err, sizeof(err), "the collector's answer holds no valid "
		    "certificate for our key from the pinned CA; nothing written");
		goto fail;
	}

	/* 4. Files and configuration. */
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, sizeof(err), "%s: %s", dir, strerror(errno));
		goto fail;
	}
	snprintf(kpath, sizeof(kpath), "%s/agent.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/agent.crt", dir);
	snprintf(apath, sizeof(apath), "%s/ca.crt", dir);
	if (pki_key_write(key, kpath, err, sizeof(err)) == -1 ||
	    pki_cert_write(cert, cpath, err, sizeof(err)) == -1 ||
	    pki_cert_write(ca, apath, err, sizeof(err)) == -1)
		goto fail;
	/*
	 * The service runs as [agent] user (shaobing) and renews in place:
	 * the files are its own.
	 */
	if (geteuid() == 0 && (pw = getpwnam(user)) != NULL) {
		const char *const paths[] = { dir, kpath, cpath, apath };

		for (size_t i = 0; i < 4; i++)
			if (chown(paths[i], pw->pw_uid, pw->pw_gid) == -1)
				fprintf(stderr, "shaobing-agent enroll: warning: "
				    "chown %s to %s: %s\n", paths[i], user,
				    strerror(errno));
	}
	{
		const char *const keys[] = { "name", "server", "ca", "cert",
			"key" };
		const char *const vals[] = { got_name, server_to_write(conf,
			server, slist, sizeof(slist)), apath, cpath, kpath };

		if (conf_update(conf, keys, vals, 5, err, sizeof(err)) == -1)
			goto fail;
	}
	if (pki_cert_not_after(cert, &na) == -1 ||
	    time_format_local(na, exp, sizeof(exp)) == -1)
		snprintf(exp, sizeof(exp), "?");
	printf("enrolled as '%s' (%s); certificate valid until %s, renewed "
	    "automatically\n"
	    "files: %s, %s, %s\nconfiguration: %s\n"
	    "now start the service: systemctl restart shaobing-agent\n",
	    got_name, json_is_true(json_object_get(ans, "known")) ?
	    "this machine was known: same agent as before" : "new agent", exp,
	    kpath, cpath, apath, conf);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "shaobing-agent enroll: %s\n", err);
out:
	pki_cert_free(ca);
	pki_cert_free(cert);
	pki_key_free(key);
	free(csr);
	free(body);
	free(ca_copy);
	json_decref(req);
	json_decref(ans);
	curl_global_cleanup();
	return rc;
}
