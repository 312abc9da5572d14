/*
 * Web-shell constructs in server-side scripts (PHP, JSP, ASP, ASP.NET):
 * code that runs what a request sends.  The text is folded first (lower
 * case, white space and comments out) so "eval ( $_POST [ 'x' ] )" with comments in between
 * reads as "eval($_post['x'])"; then
 *   - a code or command sink (eval, assert, system, passthru, shell_exec,
 *     exec, popen, proc_open, Runtime.exec, Execute) whose argument holds
 *     request input ($_POST, $_GET, $_REQUEST, $_COOKIE, Request.Form,
 *     request.getParameter, ...) or a variable assigned from it;
 *   - eval / assert of a decoder (base64_decode, gzinflate, str_rot13);
 *   - request input called as a function ($_GET['f']($_POST['c'])).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/fim/fim.h"

#define WEBSHELL_SCAN_MAX	(2 * 1024 * 1024)
#define WEBSHELL_ARG_MAX	2048
#define WEBSHELL_VARS_MAX	64

static const char *const ws_ext[] = {
	".php", ".php3", ".php4", ".php5", ".php7", ".phtml", ".pht", ".jsp",
	".jspx", ".asp", ".aspx", ".asa", ".cer", ".ashx", ".asmx", NULL,
};

static const struct { const char *call, *what; } ws_sinks[] = {
	{ "eval(", "eval" }, { "assert(", "assert" },
	{ "system(", "system" }, { "passthru(", "passthru" },
	{ "runtime.getruntime().exec(", "Runtime.exec" },
	{ "shell_exec(", "shell_exec" }, { "exec(", "exec" },
	{ "popen(", "popen" }, { "proc_open(", "proc_open" },
	{ "pcntl_exec(", "pcntl_exec" }, { "create_function(", "create_function" },
	{ "call_user_func(", "call_user_func" },
	{ "processbuilder(", "ProcessBuilder" },
	{ "execute(", "Execute" }, { "executeglobal(", "ExecuteGlobal" },
	{ "process.start(", "Process.Start" },
};

static const char *const ws_inputs[] = {
	"$_post", "$_get", "$_request", "$_cookie", "$_files", "$_server[",
	"php://input", "getallheaders(", "request.form", "request.querystring",
	"request.item", "request(", "request.getparameter(", "request.getheader(",
	NULL,
};

static const char *const ws_decoders[] = {
	"base64_decode(", "gzinflate(", "gzuncompress(", "gzdecode(",
	"str_rot13(", "convert.base64-decode", "frombase64string(", NULL,
};

int
webshell_script(const char *name)
{
	const char	*dot = strrchr(name, '.');

	if (dot == NULL)
		return 0;
	for (size_t i = 0; ws_ext[i] != NULL; i++)
		if (strcasecmp(dot, ws_ext[i]) == 0)
			return 1;
	return 0;
}

static int
ws_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/*
 * Lower case, no comments, no white space but one space between two
 * words; *n in, folded length out.
 */
static char *
ws_fold(const char *s, size_t *n)
{
	size_t	 len = *n < WEBSHELL_SCAN_MAX ? *n : WEBSHELL_SCAN_MAX, k = 0;
	char	*o = malloc(len + 1);

	if (o == NULL)
		return NULL;
	int	 gap = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i++;
			gap = 1;
			continue;
		}
		if (isspace(c) || c == '\0') {
			gap = 1;
			continue;
		}
		/* One space stays between two words: "<?php eval(" keeps "eval". */
		if (gap && k > 0 && ws_word(o[k - 1]) && ws_word((char)c))
			o[k++] = ' ';
		gap = 0;
		o[k++] = (char)tolower(c);
	}
	o[k] = '\0';
	*n = k;
	return o;
}

/* The argument of the call whose '(' is at t[open]: up to its ')'. */
static size_t
ws_arg(const char *t, size_t n, size_t open)
{
	size_t	depth = 0, i;

	for (i = open; i < n && i - open < WEBSHELL_ARG_MAX; i++) {
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')' && --depth == 0)
			break;
	}
	return i - open;
}

static int
ws_has_any(const char *s, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (memmem(s, n, list[i], strlen(list[i])) != NULL)
			return 1;
	return 0;
}

/* Is a "$name" of vars in s[0..n) (whole name)? */
static int
ws_has_var(const char *s, size_t n, char vars[][64], size_t nv)
{
	for (size_t v = 0; v < nv; v++) {
		size_t		 vl = strlen(vars[v]);
		const char	*p = s, *e = s + n;

		while ((p = memmem(p, (size_t)(e - p), vars[v], vl)) != NULL) {
			if (p + vl >= e || !(isalnum((unsigned char)p[vl]) ||
			    p[vl] == '_'))
				return 1;
			p += vl;
		}
	}
	return 0;
}

/* Variables assigned from request input: "$x=...$_post...;". */
static size_t
ws_tainted(const char *t, size_t n, char vars[][64])
{
	size_t	nv = 0;

	for (size_t i = 0; i < n && nv < WEBSHELL_VARS_MAX; i++) {
		size_t	j = i + 1, end;

		if (t[i] != '$')
			continue;
		while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '_'))
			j++;
		if (j == i + 1 || j - i >= 64 || j >= n || t[j] != '=' ||
		    (j + 1 < n && t[j + 1] == '='))
			continue;
		for (end = j; end < n && t[end] != ';' && end - j < WEBSHELL_ARG_MAX; end++)
			;
		if (ws_has_any(t + j, end - j, ws_inputs)) {
			memcpy(vars[nv], t + i, j - i);
			vars[nv][j - i] = '\0';
			/* $_POST itself is not a variable of the script. */
			if (strncmp(vars[nv], "$_", 2) != 0)
				nv++;
		}
	}
	return nv;
}

int
webshell_scan(const char *text, size_t len, char *why, size_t whylen)
{
	char	(*vars)[64] = calloc(WEBSHELL_VARS_MAX, sizeof(*vars));
	size_t	 n = len, nv;
	char	*t = ws_fold(text, &n);
	int	 found = 0;

	if (t == NULL || vars == NULL)
		goto out;
	nv = ws_tainted(t, n, vars);
	for (size_t s = 0; !found && s < sizeof(ws_sinks) / sizeof(ws_sinks[0]); s++) {
		const char	*p = t, *e = t + n;
		size_t		 cl = strlen(ws_sinks[s].call);

		while (!found && (p = memmem(p, (size_t)(e - p), ws_sinks[s].call,
		    cl)) != NULL) {
			size_t	open = (size_t)(p - t) + cl - 1;
			size_t	al = ws_arg(t, n, open);
			int	code = s < 2;

			/* "exec(" inside "shell_exec(" or "curl_exec(": its own row. */
			if (p > t && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
				p += cl;
				continue;
			}
			if (ws_has_any(t + open, al, ws_inputs) ||
			    ws_has_var(t + open, al, vars, nv)) {
				snprintf(why, whylen, "%s of request input",
				    ws_sinks[s].what);
				found = 1;
			} else if (code && ws_has_any(t + open, al, ws_decoders)) {
				snprintf(why, whylen, "decode then %s (obfuscated code)",
				    ws_sinks[s].what);
				found = 1;
			}
			p += cl;
		}
	}
	/* $_GET['f'](...): request input called as a function. */
	for (size_t i = 0; !found && ws_inputs[i] != NULL && ws_inputs[i][0] == '$'; i++) {
		const char	*p = t, *e = t + n;
		size_t		 il = strlen(ws_inputs[i]);

		while (!found && (p = memmem(p, (size_t)(e - p), ws_inputs[i], il)) != NULL) {
			const char *q = p + il;

			if (q < e && *q == '[') {
				while (q < e && *q != ']')
					q++;
				if (q + 1 < e && q[1] == '(') {
					snprintf(why, whylen, "request input called "
					    "as a function");
					found = 1;
				}
			}
			p += il;
		}
	}
out:
	free(t);
	free(vars);
	return found;
}
