/*
 * Website integrity (probes/web): the CSS reader, the page model built
 * from gumbo's tree (hidden links by each technique, script-written
 * markup, navigations), the comparison with a baseline and its
 * tolerance, keyword files, same-site and allow-list decisions; the
 * [website] probe's rebaseline on the collector's request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/conf.h"
#include "common/digest.h"
#include "probes/probe.h"
#include "probes/web/css.h"
#include "probes/web/web.h"
#include "tests/unit/conf_example.h"

#define URL	"http://www.xx.gov.cn/index.html"

static void
test_css_decls(void **state)
{
	struct css_style st;
	static const char s[] = "color: #FFF; /* x: y */ background: white "
	    "url('a;b.png') no-repeat; position:absolute ; left: -9999px; "
	    "font-size: 0 !important; display: block";

	(void)state;
	memset(&st, 0, sizeof(st));
	css_decls_parse(s, strlen(s), &st);
	assert_int_equal(st.color, 0xffffff);
	assert_int_equal(st.bg, 0xffffff);
	assert_true(st.positioned);
	assert_true(st.left < -9000);
	assert_true(st.set & CSS_FONT);
	assert_true(st.font == 0);
	assert_false(st.display_none);
	assert_int_equal(css_color("rgb(255, 0, 0)", 14), 0xff0000);
	assert_int_equal(css_color("#12345", 6), -1);
	assert_int_equal(css_color("chartreusey", 11), -1);
}

static void
test_css_sheet(void **state)
{
	struct css_sheet	 sh;
	struct css_style	 st;
	static const char s[] =
	    "@media print { .a { display: none } }\n"
	    ".yqlj { display:none } div.ad#x { visibility: hidden }\n"
	    ".news a, #foot { color: red } p { }";

	(void)state;
	memset(&sh, 0, sizeof(sh));
	assert_int_equal(css_sheet_parse(&sh, s, strlen(s)), 0);
	/* .yqlj, div.ad#x, #foot; ".news a" and @media skipped. */
	assert_int_equal(sh.n, 3);
	memset(&st, 0, sizeof(st));
	css_sheet_apply(&sh, "div", "box YQLJ", NULL, &st);
	assert_true(st.display_none);
	memset(&st, 0, sizeof(st));
	css_sheet_apply(&sh, "div", "ad", "x", &st);
	assert_true(st.vis_hidden);
	memset(&st, 0, sizeof(st));
	css_sheet_apply(&sh, "span", "ad", "x", &st);
	assert_false(st.vis_hidden);
	memset(&st, 0, sizeof(st));
	css_sheet_apply(&sh, "a", "a", NULL, &st);	/* @media rule not taken */
	assert_false(st.display_none);
	css_sheet_free(&sh);
}

/* The "hidden" reason of the link to host in m, "" visible, NULL absent. */
static const char *
hidden_of(json_t *m, const char *host)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(json_object_get(m, "links"), i, l)
		if (strcmp(json_string_value(json_object_get(l, "host")), host) == 0) {
			const char *h = json_string_value(json_object_get(l, "hidden"));

			return h ? h : "";
		}
	return NULL;
}

static void
test_extract_hiding(void **state)
{
	static const struct { const char *html, *reason; } cases[] = {
		{ "<div style='display:none'><a href='http://a.com/'>x</a></div>",
		  "display:none" },
		{ "<p style='visibility:hidden'><b><a href='http://a.com/'>x</a></b></p>",
		  "visibility:hidden" },
		{ "<style>.q{position:absolute;left:-3000px}</style><div class=q>"
		  "<a href='http://a.com/'>x</a></div>", "off-screen position" },
		{ "<div style='text-indent:-999em'><a href='http://a.com/'>x</a></div>",
		  "off-screen position" },
		{ "<div style='height:0;overflow:hidden'><a href='http://a.com/'>x</a></div>",
		  "zero size" },
		{ "<span style='font-size:0'><a href='http://a.com/'>x</a></span>",
		  "zero font size" },
		{ "<body style='background:#fff'><a style='color:white' href='http://a.com/'>x</a>",
		  "same colour as background" },
		{ "<iframe src='http://a.com/x' width=1 height=1></iframe>",
		  "tiny iframe" },
		{ "<script>document.write('<a href=\"http://a.com/\">'+'x</a>')</script>",
		  "written by script" },
		{ "<script>e.innerHTML = \"\\x3ca href='http://a.com/'>x\\x3c/a>\";</script>",
		  "written by script" },
		{ "<div hidden><a href='http://a.com/'>x</a></div>", "hidden attribute" },
		/* Misnested markup: the HTML5 tree closes the div as browsers do. */
		{ "<div style='display:none'><p>a</div><a href='http://a.com/'>x</a>", "" },
		{ "<a href='http://a.com/'>visible</a>", "" },
		{ "<div style='color:#fff;background:#000'><a href='http://a.com/'>x</a></div>", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t		*m = web_extract(cases[i].html, strlen(cases[i].html), URL);
		const char	*h;

		assert_non_null(m);
		h = hidden_of(m, "a.com");
		if (h == NULL || strcmp(h, cases[i].reason) != 0)
			fail_msg("case %zu: %s: got \"%s\", want \"%s\"", i,
			    cases[i].html, h ? h : "(no link)", cases[i].reason);
		json_decref(m);
	}
}

static void
test_extract_model(void **state)
{
	static const char html[] =
	    "<html><head><title> 县政府  门户 </title>"
	    "<meta http-equiv=Refresh content=\"0; URL='http://go.example.com/'\">"
	    "<script src='//cdn.example.net/a.js'></script>"
	    "<script>if (x) { window.location.href = 'http://nav.example.org/p'; }"
	    " var u = '/local'; location = u;</script>"
	    "<link rel=stylesheet href='/s.css'></head><body>"
	    "<h1>要闻</h1><img alt='徽标' src=x><noscript>no</noscript>"
	    "<p>一&nbsp;二\n\t三</p></body></html>";
	json_t	*m = web_extract(html, strlen(html), URL), *v;

	(void)state;
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "title")), "县政府 门户");
	v = json_object_get(m, "text");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_array_get(v, 1)), "一 二 三");
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "alt"), 0)), "徽标");
	v = json_object_get(m, "navs");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "how")), "meta refresh");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "host")), "go.example.com");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "how")), "script location");
	v = json_object_get(m, "resources");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "url")), "http://cdn.example.net/a.js");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "host")), "www.xx.gov.cn");
	json_decref(m);
}

static void
test_site(void **state)
{
	struct web_allow	a;
	char			why[128], url[WEB_URL_MAX], host[WEB_HOST_MAX];

	(void)state;
	assert_true(web_same_site("www.xx.gov.cn", "zwgk.xx.gov.cn"));
	assert_false(web_same_site("www.xx.gov.cn", "www.yy.gov.cn"));
	assert_true(web_same_site("www.example.com", "cdn.example.com"));
	assert_false(web_same_site("www.example.com", "example.net"));
	assert_false(web_same_site("10.0.0.1", "10.0.0.2"));
	memset(&a, 0, sizeof(a));
	assert_int_equal(web_allow_add(&a, "Gov.CN", why, sizeof(why)), 0);
	assert_int_equal(web_allow_add(&a, "bad host", why, sizeof(why)), -1);
	assert_true(web_allowed(&a, "www.gov.cn"));
	assert_true(web_allowed(&a, "gov.cn"));
	assert_false(web_allowed(&a, "evilgov.cn"));
	assert_int_equal(web_url_resolve(URL, "../a b.html", url, sizeof(url),
	    host, sizeof(host)), 0);
	assert_string_equal(url, "http://www.xx.gov.cn/a%20b.html");
	assert_int_equal(web_url_resolve(URL, "javascript:void(0)", url,
	    sizeof(url), host, sizeof(host)), -1);
	assert_int_equal(web_url_resolve(URL, "mailto:a@b.cn", url,
	    sizeof(url), host, sizeof(host)), -1);
}

static json_t *
page(const char *body)
{
	char	html[8192];

	snprintf(html, sizeof(html), "<title>某某县人民政府</title><body>%s</body>", body);
	return web_extract(html, strlen(html), URL);
}

static size_t
count(const struct findings *f, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->v[i].code, code) == 0;
	return n;
}

#define NEWS "<ul><li>县委常委会召开会议研究部署冬季安全生产工作 2026-12-01</li>" \
	"<li>我县召开2026年度民生实事项目推进会 2026-11-30</li>" \
	"<li>县政府党组理论学习中心组开展专题学习 2026-11-28</li>" \
	"<li>全县秋冬季森林防火工作会议召开 2026-11-27</li>" \
	"<li>县领导督导检查重点项目建设进度 2026-11-25</li>" \
	"<li>我县开展农村饮水安全专项检查 2026-11-24</li>" \
	"<li>关于2026年度公开招聘事业单位工作人员资格复审的通知</li></ul>"

static void
test_compare(void **state)
{
	struct web_opts	 o;
	struct findings	 f = { NULL, 0, 0 };
	json_t		*base = page(NEWS "<p>您是第 123456 位访客</p>"), *p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.tolerance = WEB_TOLERANCE;
	/* A date and the counter changed, one item added: nothing. */
	p = page("<ul><li>县政府召开常务会议 2026-12-03</li></ul>" NEWS
	    "<p>您是第 123999 位访客</p>");
	web_compare(base, p, &o, &f);
	assert_int_equal(f.n, 0);
	json_decref(p);
	/* Half the items replaced: web_changed, info, nothing else. */
	p = page("<ul><li>全县经济工作会议召开 部署明年重点任务</li>"
	    "<li>县人大常委会举行第二十次会议</li><li>我县启动冬春季农田水利基本建设</li>"
	    "<li>全县秋冬季森林防火工作会议召开 2026-11-27</li>"
	    "<li>县领导督导检查重点项目建设进度 2026-11-25</li>"
	    "<li>我县开展农村饮水安全专项检查 2026-11-24</li>"
	    "<li>关于2026年度公开招聘事业单位工作人员资格复审的通知</li></ul>"
	    "<p>您是第 1 位访客</p>");
	web_compare(base, p, &o, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].code, "web_changed");
	assert_int_equal(f.v[0].sev, SEV_INFO);
	findings_free(&f);
	json_decref(p);
	/* All text gone: defaced, and web_changed is not added. */
	p = page("<h1>This site is mine</h1>");
	web_compare(base, p, &o, &f);
	assert_int_equal(count(&f, "web_defaced"), 1);
	assert_int_equal(count(&f, "web_changed"), 0);
	assert_int_equal(f.v[0].sev, SEV_CRITICAL);
	findings_free(&f);
	json_decref(p);
	/* A foreign script new since the baseline; allowed once listed. */
	p = page(NEWS "<script src='http://cdn.evil.example.com/x.js'></script>");
	web_compare(base, p, &o, &f);
	assert_int_equal(count(&f, "web_injected_script"), 1);
	findings_free(&f);
	web_allow_add(&o.allow, "example.com", NULL, 0);
	web_compare(base, p, &o, &f);
	assert_int_equal(count(&f, "web_injected_script"), 0);
	findings_free(&f);
	json_decref(p);
	/* In the baseline already: not injected (but a hidden link stays one). */
	p = page(NEWS "<script src='http://stats.example.org/t.js'></script>"
	    "<div style='display:none'><a href='http://bet.example.org/'>x</a>"
	    "<a href='http://bet.example.org/2'>y</a></div>");
	web_compare(p, p, &o, &f);
	assert_int_equal(count(&f, "web_injected_script"), 0);
	assert_int_equal(count(&f, "web_hidden_link"), 1);	/* one per domain */
	findings_free(&f);
	json_decref(p);
	json_decref(base);
}

static void
test_words(void **state)
{
	char			 path[] = "/tmp/test_web_words.XXXXXX", why[256];
	int			 fd = mkstemp(path);
	struct web_words	 w;
	struct web_opts		 o;
	struct findings		 f = { NULL, 0, 0 };
	json_t			*p;
	static const char	 list[] = "\xef\xbb\xbf# list\n六合彩\r\n\n  博彩 \nBET365\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, list, sizeof(list) - 1), (int)sizeof(list) - 1);
	close(fd);
	assert_int_equal(web_words_load(path, &w, why, sizeof(why)), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[1], "博彩");
	memset(&o, 0, sizeof(o));
	o.words = &w;
	o.tolerance = WEB_TOLERANCE;
	p = page("<img alt='澳门博彩' src=x><a href='/x' style='display:none'>bet365 下载</a>");
	web_compare(NULL, p, &o, &f);
	assert_int_equal(count(&f, "web_sensitive_word"), 2);
	assert_string_equal(json_string_value(json_object_get(f.v[0].detail, "where")), "alt");
	assert_string_equal(json_string_value(json_object_get(f.v[1].detail, "where")), "link text");
	findings_free(&f);
	json_decref(p);
	web_words_free(&w);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "ok\n\xb2\xa9\n", 6), 6);
	close(fd);
	assert_int_equal(web_words_load(path, &w, why, sizeof(why)), -1);
	assert_non_null(strstr(why, ":2: not UTF-8"));
	unlink(path);
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
	text = conf_example_text("agent.ini", "website", &opts);
	assert_non_null(text);
	assert_int_equal(opts, 8);
	c = conf_load_string("agent.ini", text, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	if (website_probe.configure(c, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_non_null(st);
	assert_int_equal(website_probe.interval_ms(st), 30 * 60 * 1000);
	if (conf_check_unused(c, &err) != 0)
		fail_msg("%s", err.msg);
	website_probe.free(st);
	conf_free(c);
	free(text);
	/* Bad values are named with file and line. */
	c = conf_load_string("x.ini", "[website a]\npages = ftp://x/\n", &err);
	assert_non_null(c);
	assert_int_equal(website_probe.configure(c, &st, &err), -1);
	assert_non_null(strstr(err.msg, "x.ini:1: [website a] pages"));
	conf_free(c);
}

struct rec {
	int	n;
	char	type[64];
};

static int
rec_emit(void *ctx, int64_t ts_ms, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	struct rec *r = ctx;

	(void)ts_ms;
	(void)sev;
	(void)key;
	json_decref(data);
	r->n++;
	snprintf(r->type, sizeof(r->type), "%s", type);
	return 0;
}

/*
 * A rebaseline asked by the collector (website_rebaseline_request(), from
 * the heartbeat answer): the site's next run is at once, its old baseline
 * files go first; other sites and later runs are untouched.  The page is
 * on a closed port, so each run is one web_fetch_failed.
 */
static void
test_rebaseline(void **state)
{
	char		 dir[] = "/tmp/test_web_rebase.XXXXXX", ini[512];
	char		 base[600], hex[DIGEST_SHA256_HEX], name[80];
	const char	*url = "http://127.0.0.1:1/";
	struct conf	*c;
	struct conf_err	 err;
	struct rec	 r = { 0, "" };
	struct emitter	 em = { rec_emit, &r };
	void		*st = NULL;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(ini, sizeof(ini), "[website portal]\npages = %s\n"
	    "baseline_dir = %s\ntimeout = 200ms\n", url, dir);
	c = conf_load_string("agent.ini", ini, &err);
	assert_non_null(c);
	if (website_probe.configure(c, &st, &err) != 0)
		fail_msg("%s", err.msg);
	digest_sha256_hex(url, strlen(url), hex, sizeof(hex));
	snprintf(base, sizeof(base), "%s/portal-%.16s.json", dir, hex);
	website_probe.run(st, &em);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.type, "web_fetch_failed");
	/* An old baseline; the site is not due for 30 minutes. */
	assert_non_null(f = fopen(base, "w"));
	fputs("{}", f);
	fclose(f);
	website_probe.run(st, &em);
	assert_int_equal(r.n, 1);
	assert_int_equal(access(base, F_OK), 0);
	/* Asked for another site: nothing here. */
	assert_int_equal(website_rebaseline_request("intranet"), 0);
	website_probe.run(st, &em);
	assert_int_equal(r.n, 1);
	/* Asked (twice before the run: once): run now, old baseline gone. */
	assert_int_equal(website_rebaseline_request("portal"), 0);
	assert_int_equal(website_rebaseline_request("portal"), 0);
	website_probe.run(st, &em);
	assert_int_equal(r.n, 2);
	assert_int_equal(access(base, F_OK), -1);
	website_probe.run(st, &em);
	assert_int_equal(r.n, 2);
	/* Bounded: WEB_REBASE_MAX waiting names, 63 bytes each. */
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(website_rebaseline_request(name), -1);
	for (int i = 1; i < WEB_REBASE_MAX; i++) {
		snprintf(name, sizeof(name), "site%d", i);
		assert_int_equal(website_rebaseline_request(name), 0);
	}
	assert_int_equal(website_rebaseline_request("one-too-many"), -1);
	website_probe.free(st);
	conf_free(c);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_css_decls),
		cmocka_unit_test(test_css_sheet),
		cmocka_unit_test(test_extract_hiding),
		cmocka_unit_test(test_extract_model),
		cmocka_unit_test(test_site),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_rebaseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
