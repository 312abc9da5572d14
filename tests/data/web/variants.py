#!/usr/bin/env python3
"""Write the tampered variants of index.html (a county government portal)
into the folder given, next to a copy of index.html: one file per finding
technique of issue 16 and the benign daily changes.  Generated, not
stored, so each variant is only its difference from the page."""
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]
base = open(os.path.join(here, 'index.html'), encoding='utf-8').read()
NEWS = '<li><a href="/zwyw/2026/1201.html">'
FOOT = '<div class="footer">'


def w(name, s):
    assert s != base, name
    with open(os.path.join(out, name), 'w', encoding='utf-8') as f:
        f.write(s)


def body(html):
    return base.replace(FOOT, html + '\n' + FOOT)


shutil.copy(os.path.join(here, 'index.html'), out)
shutil.copy(os.path.join(here, 'defaced_replaced.html'), out)
# web_hidden_link, one technique each
w('hidden_display.html', body('<div style="display:none"><a href="http://www.amcasino-888.com/">澳门赌场</a><a href="http://www.amcasino-888.com/bet">网上赌博</a></div>'))
w('hidden_offscreen.html', base.replace('</style>', '.yqlj { position: absolute; left: -9999px; top: -9999px }\n</style>').replace(FOOT, '<div class="yqlj"><a href="http://www.sx-caipiao.net/">时时彩</a></div>\n' + FOOT))
w('hidden_color.html', body('<p><a href="http://www.av-xx.top/" style="color:#FFFFFF">成人影院</a></p>'))
w('hidden_font.html', body('<span style="font-size:0px"><a href="http://www.qipai-yl.cc/">棋牌游戏</a></span>'))
w('hidden_iframe.html', body('<iframe src="http://www.bocai-tz.com/ad.html" width="0" height="0" frameborder="0"></iframe>'))
w('hidden_script.html', body('<script>document.write(\'<div style="position:absolute;top:-1000px"><a href="http://www.dubo-vip.com/">\' + \'百家乐</a></div>\');</script>'))
w('hidden_innerhtml.html', body('<div id="x"></div><script>document.getElementById("x").innerHTML = "<a href=\\"http://www.lhc-kj.com/\\">六合彩开奖</a>";</script>'))
# web_injected_script
w('inject_script.html', base.replace('<script src="/js/jquery.min.js"></script>', '<script src="/js/jquery.min.js"></script>\n<script src="http://cdn.evil-stat.example.com/tj.js"></script>'))
w('inject_iframe.html', body('<iframe src="http://ads.tuiguang.example.net/page" width="728" height="90"></iframe>'))
# web_redirect
w('redirect_meta.html', base.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n<meta http-equiv="refresh" content="3; url=http://www.888-bocai.example.com/">'))
w('redirect_js.html', base.replace('</head>', '<script>if (document.referrer.indexOf("baidu") >= 0) { window.location.href = "http://www.888-bocai.example.com/"; }</script>\n</head>'))
# web_defaced (defaced_replaced.html is a whole other page)
w('defaced_phrase.html', base.replace('<h2>政务要闻</h2>', '<h2>政务要闻</h2>\n<p>本站已被黑客 X 攻破，管理员请联系我们</p>'))
# web_sensitive_word
w('sensitive_text.html', base.replace('我县开展农村饮水安全专项检查', '我县开展农村饮水安全专项检查 六合彩资料大全'))
w('sensitive_alt.html', base.replace('<img src="/img/logo.png" alt="某某县人民政府">', '<img src="/img/logo.png" alt="某某县人民政府"><img src="/img/b.png" alt="澳门博彩官网">'))
# benign daily changes: a news item added, the dates, the counter
b = base.replace(NEWS, '<li><a href="/zwyw/2026/1203.html">县政府召开常务会议研究部署近期重点工作</a><span>2026-12-03</span></li>\n' + NEWS)
w('benign_daily.html', b.replace('1234567</span>', '1235012</span>').replace('2026年12月03日', '2026年12月04日'))
# most of the news replaced: web_changed [info]
i = base.index('<div class="news">')
j = base.index('</div>', i)
items = [('1210', '全县经济工作会议召开 部署明年重点任务'), ('1209', '县人大常委会举行第二十次会议'),
         ('1208', '我县启动冬春季农田水利基本建设'), ('1207', '县政协开展民主监督专项视察活动'),
         ('1206', '全县安全生产大检查工作全面展开'), ('1205', '我县举办2026年政务公开业务培训班')]
news = '<div class="news">\n<h2>政务要闻</h2>\n<ul>\n' + ''.join(
    '<li><a href="/zwyw/2026/%s.html">%s</a><span>2026-12-%s</span></li>\n' % (d, t, d[2:]) for d, t in items) + '</ul>\n'
w('changed_news.html', base[:i] + news + base[j:])
