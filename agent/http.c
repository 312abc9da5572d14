/*
 * The agent's HTTPS client to the collector.  See http.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "agent/config.h"
#include "agent/http.h"
#include "common/version.h"

static size_t
answer_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct agent_http_answer	*a = arg;
	size_t				 n = size * nmemb;
	size_t				 room = sizeof(a->buf) - 1 - a->len;

	if (n > room) {
		a->too_big = true;
		n = room;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return size * nmemb;
}

long
agent_http_call(CURL *h, const struct agent_http_req *rq,
    struct agent_http_answer *a, char *err, size_t errlen)
{
	struct curl_slist	*hdr = NULL;
	struct curl_blob	 ca, cert, key;
	CURL			*own = NULL;
	char			 url[AGENT_PATH_MAX + 64], cerr[CURL_ERROR_SIZE] = "";
	char			 ua[VERSION_UA_MAX];
	long			 code = -1;
	CURLcode		 cc;

	a->len = 0;
	a->buf[0] = '\0';
	a->too_big = false;
	a->retry_after = 0;
	if (h == NULL && (h = own = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot start libcurl");
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", rq->server, rq->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, version_user_agent(ua,
	    sizeof(ua), "shaobing-agent", NULL));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	if (rq->ca == NULL) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		/* CURL_BLOB_COPY: the handle keeps its own copy across
		   reloads.  The collector's CA is the only trust anchor: no
		   system bundle, no CA directory. */
		ca = (struct curl_blob){ (void *)(uintptr_t)rq->ca, rq->ca_len,
		    CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (rq->cert != NULL && rq->key != NULL) {
		cert = (struct curl_blob){ (void *)(uintptr_t)rq->cert,
		    rq->cert_len, CURL_BLOB_COPY };
		key = (struct curl_blob){ (void *)(uintptr_t)rq->key,
		    rq->key_len, CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
	}
	if (rq->body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		if (rq->gzipped)
			hdr = curl_slist_append(hdr, "Content-Encoding: gzip");
		hdr = curl_slist_append(hdr, "Expect:");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
	} else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	if ((cc = curl_easy_perform(h)) != CURLE_OK)
		snprintf(err, errlen, "%s", cerr[0] ? cerr :
		    curl_easy_strerror(cc));
	else {
		curl_off_t ra = 0;

		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		/* Seconds (an HTTP date is turned into seconds by curl). */
		if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
		    ra > 0)
			a->retry_after = ra > 86400 ? 86400 : (long)ra;
	}
	/* Nothing of this call may outlive it on a kept handle. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_slist_free_all(hdr);
	if (own != NULL)
		curl_easy_cleanup(own);
	return code;
}

const char *
agent_http_reason(const struct agent_http_answer *a, char *tmp, size_t tmplen)
{
	json_t	*o = json_loadb(a->buf, a->len, 0, NULL);
	json_t	*e = json_object_get(o, "error");

	snprintf(tmp, tmplen, "%s", json_is_string(e) ? json_string_value(e) :
	    "no reason given");
	json_decref(o);
	return tmp;
}
