/*
 * The CLI's client of the collector's admin API (libcurl): GET a path,
 * get a JSON object back, or one line saying what went wrong and what to
 * do.  "unix:/PATH" talks HTTP over a Unix socket.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "common/event.h"
#include "common/version.h"

/* 10,000 events of a few KiB each fit; a runaway answer does not. */
#define CLI_ANSWER_MAX		(256u * 1024 * 1024)
#define CLI_JSON_DEPTH		32

struct answer {
	char	*buf;
	size_t	 len, cap;
	int	 too_big;
};

static size_t
answer_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer	*a = arg;
	size_t		 n = size * nmemb;
	char		*grown;

	if (n > CLI_ANSWER_MAX - a->len) {
		a->too_big = 1;
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap == 0 ? 16384 : a->cap;
		while (cap < a->len + n + 1)
			cap *= 2;
		if ((grown = realloc(a->buf, cap)) == NULL)
			return 0;
		a->buf = grown;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, data, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return n;
}

char *
cli_url_escape(const char *s)
{
	char	*e, *copy;

	if ((e = curl_easy_escape(NULL, s, 0)) == NULL)
		return NULL;
	copy = strdup(e);
	curl_free(e);
	return copy;
}

static int	admin_perform(const char *, const char *, const char *,
		    struct curl_slist *, json_t **, char *, size_t);

/* "the admin API answered 404 for PATH: reason" from an error answer. */
static void
http_error(const struct answer *a, long status, const char *path,
    char *err, size_t errlen)
{
	json_t		*j = NULL;
	const char	*why = NULL;
	char		 perr[128];

	if (a->buf != NULL)
		j = json_parse_bounded(a->buf, a->len, CLI_JSON_DEPTH, perr,
		    sizeof(perr));
	if (json_is_object(j))
		why = json_string_value(json_object_get(j, "error"));
	if (why != NULL)
		snprintf(err, errlen, "the admin API answered %ld for %s: %s",
		    status, path, why);
	else
		snprintf(err, errlen, "the admin API answered HTTP %ld for %s "
		    "(no error message)", status, path);
	json_decref(j);
}

/*
 * One admin call: GET (body NULL) or POST of a JSON body.  An API token
 * in $SHAOBING_TOKEN (or --token) goes as "Authorization: Bearer"; over
 * the Unix socket the kernel tells the collector who we are instead.
 */
static int
admin_call(const char *admin, const char *path, const json_t *body,
    json_t **out, char *err, size_t errlen)
{
	struct curl_slist *h = NULL;
	const char	*tok = getenv("SHAOBING_TOKEN");
	char		 hdr[160], *text = NULL;
	int		 rc;

	if (tok != NULL && *tok != '\0') {
		if (strlen(tok) > 100 || strpbrk(tok, "\r\n") != NULL) {
			snprintf(err, errlen, "the API token is not one "
			    "(sbk_ and 64 hex digits)");
			return -1;
		}
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
		h = curl_slist_append(h, hdr);
	}
	if (body != NULL) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL) {
			curl_slist_free_all(h);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, "Expect:");
	}
	rc = admin_perform(admin, path, text, h, out, err, errlen);
	curl_slist_free_all(h);
	free(text);
	explicit_bzero(hdr, sizeof(hdr));
	return rc;
}

int
cli_admin_get(const char *admin, const char *path, json_t **out,
    char *err, size_t errlen)
{
	return admin_call(admin, path, NULL, out, err, errlen);
}

int
cli_admin_post(const char *admin, const char *path, const json_t *body,
    json_t **out, char *err, size_t errlen)
{
	return admin_call(admin, path, body, out, err, errlen);
}

const char *
cli_admin_default(void)
{
	/*
	 * /run/shaobing is 0750 root... group shaobing: for anyone else the
	 * socket cannot even be seen.  EACCES still means "it is there",
	 * so the error names the permission, not a missing collector.
	 */
	if (access(CLI_ADMIN_SOCKET, F_OK) == 0 || errno == EACCES)
		return "unix:" CLI_ADMIN_SOCKET;
	return CLI_ADMIN_DEFAULT;
}

/*
 * https:// always verifies the collector's certificate and host name,
 * against $SHAOBING_CA (--ca) when set, else the system's CAs (a
 * collector with a certificate from a public CA).  -1 with err when the
 * CA file cannot be read.
 */
static int
https_setup(CURL *h, const char *admin, char *err, size_t errlen)
{
	const char	*ca = getenv("SHAOBING_CA");

	if (strncmp(admin, "https://", 8) != 0)
		return 0;
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca == NULL || *ca == '\0')
		return 0;
	if (access(ca, R_OK) == -1) {
		snprintf(err, errlen, "--ca %s: cannot read it: %s; pass the "
		    "collector's CA certificate (e.g. /etc/shaobing/ca.crt)", ca,
		    strerror(errno));
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	return 0;
}

/*
 * Why connect(2) to the admin socket fails, as the cause and its fix;
 * NULL when it connects (then curl's own message stands).
 */
static const char *
socket_error(const char *sock, char *buf, size_t len)
{
	struct sockaddr_un	 sa;
	int			 fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sa.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return NULL;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	e = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ? errno : 0;
	close(fd);
	switch (e) {
	case 0:
		return NULL;
	case EACCES:
	case EPERM:
		snprintf(buf, len, "permission denied on the admin socket %s: "
		    "only root and members of group shaobing may use it; run "
		    "`sudo adduser %s shaobing` and log in again, or use sudo",
		    sock, getenv("USER") != NULL ? getenv("USER") : "$USER");
		break;
	case ECONNREFUSED:
		snprintf(buf, len, "nothing answers on the admin socket %s: "
		    "shaobing-collector is not running (systemctl status "
		    "shaobing-collector; journalctl -u shaobing-collector)", sock);
		break;
	case ENOENT:
		snprintf(buf, len, "no admin socket %s: shaobing-collector is "
		    "not running, or its [admin] socket is elsewhere (--admin "
		    "unix:PATH)", sock);
		break;
	default:
		snprintf(buf, len, "cannot connect to the admin socket %s: %s",
		    sock, strerror(e));
		break;
	}
	return buf;
}

/*
 * The names (subjectAltName) of the certificate the server at url
 * presents, fetched without verifying it, only to say what the
 * certificate holds; "" when they cannot be had.
 */
static void
peer_names(const char *url, char *out, size_t outlen)
{
	CURL			*h;
	struct curl_certinfo	*ci = NULL;
	static const char	 tag[] = "X509v3 Subject Alternative Name:";

	out[0] = '\0';
	if ((h = curl_easy_init()) == NULL)
		return;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	if (curl_easy_perform(h) == CURLE_OK &&
	    curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) == CURLE_OK &&
	    ci != NULL && ci->num_of_certs > 0)
		for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
			if (strncmp(l->data, tag, sizeof(tag) - 1) == 0) {
				snprintf(out, outlen, "%s", l->data +
				    sizeof(tag) - 1);
				break;
			}
	curl_easy_cleanup(h);
}

/*
 * What a failed transfer means to the administrator, with the fix: a
 * refused connection (not running), a timeout (no answer: address or
 * firewall), a certificate for other names (the names it holds, and
 * `ca server-cert`), an untrusted certificate (--ca).
 */
static void
perform_error(CURLcode cc, CURL *h, const char *admin, const char *url,
    const char *sock, const char *why, char *err, size_t errlen)
{
	const char	*ca = getenv("SHAOBING_CA");
	char		 buf[512], names[512];
	long		 oserr = 0;

	if (sock != NULL && (cc == CURLE_COULDNT_CONNECT ||
	    cc == CURLE_OPERATION_TIMEDOUT) && socket_error(sock, buf,
	    sizeof(buf)) != NULL) {
		snprintf(err, errlen, "%s", buf);
		return;
	}
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_PEER_FAILED_VERIFICATION && (strstr(why, "host name") ||
	    strstr(why, "hostname") || strstr(why, "subject name"))) {
		peer_names(url, names, sizeof(names));
		snprintf(err, errlen, "the collector's certificate is not for "
		    "the name in %s (%s); it holds:%s; use one of those names "
		    "in --admin, or issue the certificate again with this name: "
		    "shaobing ca server-cert /etc/shaobing --name HOST "
		    "(on the collector)", admin, why, names[0] ? names :
		    " (could not read them)");
		return;
	}
	if (cc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED) {
		snprintf(err, errlen, "connection refused by %s: "
		    "shaobing-collector is not running there, or listens on "
		    "another address or port ([server] listen, [admin] listen)",
		    admin);
		return;
	}
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, errlen, "the collector's certificate is not "
		    "trusted: %s (admin API %s, CA %s); pass --ca "
		    "/etc/shaobing/ca.crt (the CA that signed the collector's "
		    "certificate)", why, admin, ca != NULL && *ca != '\0' ? ca :
		    "the system's");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "no answer from %s (%s): a wrong "
		    "address, or a firewall drops the packets; check --admin "
		    "and that the port is open", admin, why);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen, "cannot reach the collector's admin API "
		    "at %s: %s; is shaobing-collector running?", admin, why);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, errlen, "cannot reach the collector's admin API "
		    "at %s: %s; check the host name in --admin", admin, why);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(err, errlen, "TLS with the collector's admin API at %s "
		    "failed: %s; is it the collector's HTTPS port ([server] "
		    "listen)?", admin, why);
		break;
	default:
		snprintf(err, errlen, "the call to the collector's admin API at "
		    "%s failed: %s", admin, why);
		break;
	}
}

static int
admin_perform(const char *admin, const char *path, const char *post,
    struct curl_slist *hdrs, json_t **out, char *err, size_t errlen)
{
	CURL		*h = NULL;
	CURLcode	 cc;
	struct answer	 a = { 0 };
	char		 url[2048], cerr[CURL_ERROR_SIZE] = "", perr[256];
	char		 ua[VERSION_UA_MAX];
	const char	*sock = NULL, *base = admin;
	long		 status = 0;
	size_t		 blen;
	json_t		*j = NULL;
	int		 rc = -1;

	*out = NULL;
	if (strncmp(admin, "unix:", 5) == 0) {
		sock = admin + 5;
		if (*sock != '/') {
			snprintf(err, errlen, "admin address %s: expected "
			    "unix:/absolute/path", admin);
			return -1;
		}
		base = "http://localhost";
	} else if (strncmp(admin, "http://", 7) != 0 &&
	    strncmp(admin, "https://", 8) != 0) {
		snprintf(err, errlen, "admin address '%s' must start with http://, "
		    "https:// or unix:/", admin);
		return -1;
	}
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (snprintf(url, sizeof(url), "%.*s%s", (int)blen, base, path) >=
	    (int)sizeof(url)) {
		snprintf(err, errlen, "admin URL too long");
		return -1;
	}

	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (https_setup(h, admin, err, errlen) == -1)
		goto out;
	if (sock != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, version_user_agent(ua,
	    sizeof(ua), "shaobing", NULL));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	/* No total time limit (a big export may take a while), but not stuck. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	if (hdrs != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (post != NULL) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
	}

	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		if (a.too_big)
			snprintf(err, errlen, "the admin API's answer for %s is "
			    "larger than %u MiB; ask for less (--limit, --since)",
			    path, CLI_ANSWER_MAX >> 20);
		else
			perform_error(cc, h, admin, url, sock, cerr[0] != '\0' ?
			    cerr : curl_easy_strerror(cc), err, errlen);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		http_error(&a, status, path, err, errlen);
		goto out;
	}
	if (a.buf == NULL ||
	    (j = json_parse_bounded(a.buf, a.len, CLI_JSON_DEPTH, perr,
	    sizeof(perr))) == NULL) {
		snprintf(err, errlen, "the admin API's answer for %s is not "
		    "JSON: %s", path, a.buf == NULL ? "empty body" : perr);
		goto out;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "the admin API's answer for %s is not a "
		    "JSON object", path);
		goto out;
	}
	*out = j;
	j = NULL;
	rc = 0;
out:
	json_decref(j);
	free(a.buf);
	curl_easy_cleanup(h);
	return rc;
}
