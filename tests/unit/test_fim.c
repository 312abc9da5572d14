/*
 * File integrity (probes/fim): web-shell constructs (table of scripts
 * that must and must not be flagged), snapshots and their differences
 * on a real folder, and the example [fim] section.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/conf.h"
#include "probes/fim/fim.h"
#include "probes/probe.h"
#include "tests/unit/conf_example.h"

static void
test_webshell(void **state)
{
	static const struct { const char *code, *what; } cases[] = {
		{ "<?php @eval($_POST['cmd']); ?>", "eval of request input" },
		{ "<?php EVAL /*x*/ ( $_REQUEST [ 'a' ] ) ;", "eval of request input" },
		{ "<?php assert($_GET[\"x\"]);", "assert of request input" },
		{ "<?php $c = $_COOKIE['c']; system($c);", "system of request input" },
		{ "<?php passthru($_GET['c']);", "passthru of request input" },
		{ "<?php echo shell_exec($_POST['c']);", "shell_exec of request input" },
		{ "<?php eval(gzinflate(base64_decode('7X1rcxs5kuB3')));",
		  "decode then eval (obfuscated code)" },
		{ "<?php $_GET['f']($_POST['c']);", "request input called as a function" },
		{ "<% Runtime.getRuntime().exec(request.getParameter(\"cmd\")); %>",
		  "Runtime.exec of request input" },
		{ "<%eval request(\"pass\")%>", "" },	/* VBScript without parens */
		{ "<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>",
		  "eval of request input" },
		/* Ordinary code. */
		{ "<?php echo htmlspecialchars($_GET['q']); exec('ls /tmp');", "" },
		{ "<?php $ch = curl_init($u); curl_exec($ch); $x = $_POST['a'];", "" },
		{ "<?php $data = base64_decode($_POST['img']); file_put_contents('a.png', $data);", "" },
		{ "<?php include 'header.php'; echo date('Y-m-d');", "" },
	};
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int hit;

		why[0] = '\0';
		hit = webshell_scan(cases[i].code, strlen(cases[i].code), why, sizeof(why));
		if (hit != (cases[i].what[0] != '\0') ||
		    (hit && strcmp(why, cases[i].what) != 0))
			fail_msg("case %zu: %s: got %d \"%s\", want \"%s\"", i,
			    cases[i].code, hit, why, cases[i].what);
	}
	assert_true(webshell_script("/var/www/a.PHP"));
	assert_true(webshell_script("x.aspx"));
	assert_false(webshell_script("x.html"));
	assert_false(webshell_script("php"));
}

struct seen {
	char	v[16][FIM_PATH_MAX + 64];
	size_t	n;
};

static void
collect(const struct fim_event *ev, void *arg)
{
	struct seen *s = arg;
	const char  *base = strrchr(ev->path, '/');

	if (s->n < 16)
		snprintf(s->v[s->n++], sizeof(s->v[0]), "%s %s", ev->type,
		    base ? base + 1 : ev->path);
	json_decref(ev->data);
}

static int
has(const struct seen *s, const char *what)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], what) == 0)
			return 1;
	return 0;
}

static void
put(const char *dir, const char *name, const char *text)
{
	char	 p[512];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_diff(void **state)
{
	char		 dir[] = "/tmp/test_fim.XXXXXX", p[512], why[256];
	struct fim_opts	 o;
	struct seen	 s;
	struct fim_sink	 sink = { collect, &s };
	json_t		*a, *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&o, 0, sizeof(o));
	o.max_size = 1 << 20;
	snprintf(o.exclude[o.nexclude++], sizeof(o.exclude[0]), "*.log");
	put(dir, "index.html", "<html>首页</html>");
	put(dir, "old.html", "old");
	put(dir, "access.log", "GET /");
	a = fim_scan(dir, &o, why, sizeof(why));
	assert_non_null(a);
	assert_int_equal(json_object_size(a), 2);	/* the .log excluded */
	put(dir, "index.html", "<html>被改了</html>");
	put(dir, "shell.php", "<?php @eval($_POST['x']);");
	put(dir, "access.log", "GET /shell.php");
	snprintf(p, sizeof(p), "%s/old.html", dir);
	assert_int_equal(chmod(p, 0666), 0);
	b = fim_scan(dir, &o, why, sizeof(why));
	assert_non_null(b);
	memset(&s, 0, sizeof(s));
	assert_int_equal(fim_diff(a, b, &o, &sink), 4);
	assert_true(has(&s, "file_modified index.html"));
	assert_true(has(&s, "file_perm_changed old.html"));
	assert_true(has(&s, "file_added shell.php"));
	assert_true(has(&s, "webshell_suspect shell.php"));
	json_decref(a);
	a = b;
	unlink(p);
	b = fim_scan(dir, &o, why, sizeof(why));
	memset(&s, 0, sizeof(s));
	assert_int_equal(fim_diff(a, b, &o, &sink), 1);
	assert_true(has(&s, "file_deleted old.html"));
	/* No change, no event. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(fim_diff(b, b, &o, &sink), 0);
	json_decref(a);
	json_decref(b);
	assert_null(fim_scan("/nonexistent/fim", &o, why, sizeof(why)));
	assert_non_null(strstr(why, "/nonexistent/fim"));
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static void
test_example_conf(void **state)
{
	char		*text;
	struct conf	*c;
	struct conf_err	 err;
	void		*st = NULL;
	int		 opts = 0;

	(void)state;
	text = conf_example_text("agent.ini", "fim", &opts);
	assert_non_null(text);
	assert_int_equal(opts, 7);
	c = conf_load_string("agent.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (fim_probe.configure(c, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(st);
	assert_int_equal(fim_probe.interval_ms(st), 1000);
	if (conf_check_unused(c, &err) != 0)
		fail_msg("%s", err.msg);
	fim_probe.free(st);
	conf_free(c);
	free(text);
	c = conf_load_string("x.ini", "[fim w]\npaths = var/www\n", &err);
	assert_non_null(c);
	assert_int_equal(fim_probe.configure(c, &st, &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:1: [fim w] paths: \"var/www\" is not an absolute path"));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webshell),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_example_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
