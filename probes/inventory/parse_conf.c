/*
 * Parsers for the configuration files behind the posture checks:
 * sshd_config(5) and apt.conf(5) fragments.
 */
#include <stdio.h>
#include <string.h>

#include "probes/inventory/inventory.h"

static void
lower_copy(struct inv_str s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < s.len && i < outlen - 1; i++)
		out[i] = (char)(s.p[i] >= 'A' && s.p[i] <= 'Z' ?
		    s.p[i] - 'A' + 'a' : s.p[i]);
	out[i] = '\0';
}

/*
 * sshd_config(5): "Keyword arguments" or "Keyword=arguments", keywords
 * case-insensitive, "#" comments.  "For each keyword, the first obtained
 * value will be used" — so a key already in cfg is left alone.  Match
 * blocks apply to some connections only; the global answer is what
 * precedes the first one.
 */
void
inv_parse_sshd_config(const char *buf, size_t len, json_t *cfg,
    void (*include)(const char *pattern, void *arg), void *arg)
{
	struct rbuf b;
	struct inv_str line;

	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		struct inv_str t = inv_trim(line), k, v;
		char key[64];
		size_t i;

		if (t.len == 0 || t.p[0] == '#')
			continue;
		for (i = 0; i < t.len && t.p[i] != ' ' && t.p[i] != '\t' &&
		    t.p[i] != '='; i++)
			;
		k.p = t.p;
		k.len = i;
		v.p = t.p + i;
		v.len = t.len - i;
		v = inv_trim(v);
		if (v.len > 0 && v.p[0] == '=') {
			v.p++;
			v.len--;
			v = inv_trim(v);
		}
		if (k.len == 0 || k.len >= sizeof(key))
			continue;
		lower_copy(k, key, sizeof(key));
		if (strcmp(key, "match") == 0)
			break;
		if (strcmp(key, "include") == 0) {
			struct inv_str pat;

			/* Expanded where it stands, as sshd does. */
			while (inv_field_next(&v, &pat)) {
				char p[1024];

				if (include != NULL && pat.len < sizeof(p))
					include(inv_str_copy(pat, p, sizeof(p)), arg);
			}
			continue;
		}
		if (json_object_get(cfg, key) != NULL)
			continue;
		if (json_object_size(cfg) < 512) {
			char val[256];

			lower_copy(v, val, sizeof(val));
			json_object_set_new(cfg, key, inv_json_cstr(val));
		}
	}
}

/* apt.conf(5) tokens. */
enum apt_tok { APT_END, APT_WORD, APT_STRING, APT_OPEN, APT_CLOSE, APT_SEMI };

static enum apt_tok
apt_next(struct rbuf *b, struct inv_str *tok)
{
	uint8_t c, d;

	for (;;) {
		if (rbuf_peek_u8(b, 0, &c) == -1)
			return APT_END;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			(void)rbuf_skip(b, 1);
			continue;
		}
		/* "#", "//" to the end of the line; C comments. */
		if (c == '#' || (c == '/' && rbuf_peek_u8(b, 1, &d) == 0 && d == '/')) {
			while (rbuf_peek_u8(b, 0, &c) == 0 && c != '\n')
				(void)rbuf_skip(b, 1);
			continue;
		}
		if (c == '/' && rbuf_peek_u8(b, 1, &d) == 0 && d == '*') {
			(void)rbuf_skip(b, 2);
			while (rbuf_peek_u8(b, 0, &c) == 0 &&
			    !(c == '*' && rbuf_peek_u8(b, 1, &d) == 0 && d == '/'))
				(void)rbuf_skip(b, 1);
			(void)rbuf_skip(b, rbuf_left(b) >= 2 ? 2 : rbuf_left(b));
			continue;
		}
		break;
	}
	tok->p = (const char *)b->p;
	tok->len = 1;
	switch (c) {
	case '{': (void)rbuf_skip(b, 1); return APT_OPEN;
	case '}': (void)rbuf_skip(b, 1); return APT_CLOSE;
	case ';': (void)rbuf_skip(b, 1); return APT_SEMI;
	case '"': {
		size_t n = 1;

		while (rbuf_peek_u8(b, n, &d) == 0 && d != '"')
			n++;
		tok->p = (const char *)b->p + 1;
		tok->len = n - 1;
		(void)rbuf_skip(b, rbuf_left(b) > n ? n + 1 : n);
		return APT_STRING;
	}
	default: {
		size_t n = 0;

		while (rbuf_peek_u8(b, n, &d) == 0 && d != ' ' && d != '\t' &&
		    d != '\n' && d != '\r' && d != '{' && d != '}' && d != ';' &&
		    d != '"')
			n++;
		if (n == 0)
			n = 1;
		tok->len = n;
		(void)rbuf_skip(b, n);
		return APT_WORD;
	}
	}
}

/*
 * Both spellings: `APT::Periodic::Unattended-Upgrade "1";` and
 * `APT { Periodic { Unattended-Upgrade "1"; }; };`.  Every "A::B value;"
 * is recorded under its lower-cased full name; later files and later
 * lines override earlier ones (apt reads parts in lexical order).
 */
void
inv_parse_apt_conf(const char *buf, size_t len, json_t *cfg)
{
	struct rbuf b;
	struct inv_str tok, word = { NULL, 0 };
	char scope[512] = "";
	size_t depth_len[16];
	int depth = 0;
	enum apt_tok t;

	rbuf_init(&b, buf, len);
	while ((t = apt_next(&b, &tok)) != APT_END) {
		switch (t) {
		case APT_WORD:
			word = tok;
			break;
		case APT_OPEN:
			if (depth == 16 || word.len == 0)
				return;	/* too deep or nameless: give up */
			depth_len[depth++] = strlen(scope);
			if (strlen(scope) + word.len + 3 >= sizeof(scope))
				return;
			{
				size_t sl = strlen(scope);

				snprintf(scope + sl, sizeof(scope) - sl, "%s%.*s",
				    sl ? "::" : "", (int)word.len, word.p);
			}
			word.len = 0;
			break;
		case APT_CLOSE:
			if (depth == 0)
				return;
			scope[depth_len[--depth]] = '\0';
			word.len = 0;
			break;
		case APT_STRING:
			if (word.len > 0) {
				char key[640], lk[640];
				struct inv_str ks;
				int n = snprintf(key, sizeof(key), "%s%s%.*s", scope,
				    scope[0] ? "::" : "", (int)word.len, word.p);

				if (n > 0 && (size_t)n < sizeof(key) &&
				    json_object_size(cfg) < 1024) {
					ks.p = key;
					ks.len = (size_t)n;
					lower_copy(ks, lk, sizeof(lk));
					json_object_set_new(cfg, lk, inv_json_str(tok.p, tok.len));
				}
			}
			word.len = 0;
			break;
		case APT_SEMI:
		case APT_END:
			word.len = 0;
			break;
		}
	}
}
