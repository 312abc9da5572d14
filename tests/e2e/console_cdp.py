#!/usr/bin/env python3
"""Drive headless Chromium through the web console with the DevTools
protocol over --remote-debugging-pipe (no extra packages): load the page,
log in with the form, wait for the overview, and report what the page
logged.  Usage:
  console_cdp.py CHROMIUM URL USER PASSWORD PROFILE_DIR [SHOTS_DIR [HASH...]]
URL may carry a hash (#/incidents/1: a notification's link), which the
page must keep through the login.  With SHOTS_DIR, at 1366x768, each
HASH (e.g. "#/events?q=x") is opened in turn, waited for, described in
one line and saved as SHOTS_DIR/NAME.png; every request the page makes
is recorded and any that leaves the collector's origin is an error.
Prints one line per finding; exit 0 when logged in without page errors,
1 otherwise.  No wall-clock limit: polls are counted (3000 x 0.1 s)."""
import base64, json, os, re, subprocess, sys, time

chrome, url, user, pw, profile = sys.argv[1:6]
shots = sys.argv[6] if len(sys.argv) > 6 else None
pages = sys.argv[7:]
origin = re.match(r"^(https?://[^/]+)", url).group(1)
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()
hi_r, hi_w = os.dup(to_chrome_r) + 100, os.dup(from_chrome_w) + 100
os.dup2(to_chrome_r, hi_r)
os.dup2(from_chrome_w, hi_w)

def child_fds():
    os.dup2(hi_r, 3)
    os.dup2(hi_w, 4)

proc = subprocess.Popen([chrome, "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
    "--ignore-certificate-errors", "--remote-debugging-pipe", "about:blank"],
    preexec_fn=child_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL,
    stderr=open(os.path.join(profile, "chrome.log"), "w"))
for fd in (to_chrome_r, from_chrome_w, hi_r, hi_w):
    os.close(fd)
out = os.fdopen(to_chrome_w, "wb", buffering=0)
inp = os.fdopen(from_chrome_r, "rb", buffering=0)
buf = b""
next_id = 0
events = []

def recv():
    global buf
    while b"\0" not in buf:
        chunk = inp.read(65536)
        if not chunk:
            raise SystemExit("chromium closed the pipe")
        buf += chunk
    msg, buf = buf.split(b"\0", 1)
    return json.loads(msg)

def send(method, params=None, session=None):
    global next_id
    next_id += 1
    m = {"id": next_id, "method": method, "params": params or {}}
    if session:
        m["sessionId"] = session
    out.write(json.dumps(m).encode() + b"\0")
    while True:
        r = recv()
        if r.get("id") == next_id:
            if "error" in r:
                raise SystemExit("%s: %s" % (method, r["error"]))
            return r.get("result", {})
        events.append(r)

def evaluate(expr, session):
    r = send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session)
    return r.get("result", {}).get("value")

def wait_for(expr, session, what):
    for _ in range(3000):
        v = evaluate(expr, session)
        if v:
            return v
        time.sleep(0.1)
    raise SystemExit("gave up waiting for " + what)

rc = 1
try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    sess = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for m in ("Runtime.enable", "Log.enable", "Page.enable", "Network.enable"):
        send(m, None, sess)
    if shots:
        send("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 768,
             "deviceScaleFactor": 1, "mobile": False}, sess)
    t0 = time.monotonic()
    send("Page.navigate", {"url": url}, sess)
    wait_for("document.getElementById('login') && document.getElementById('login').className === 'card'", sess, "the login form")
    print("login form: " + evaluate("document.querySelector('#login h2').textContent + ' / ' + "
                                    "document.querySelector('label[for=login-name]').textContent", sess))
    fcp = evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime", sess)
    print("first render: %s ms (first-contentful-paint; login form shown after %.0f ms)" %
          (round(fcp) if fcp else "?", (time.monotonic() - t0) * 1000))
    evaluate("document.getElementById('login-name').value = %s;"
             "document.getElementById('login-password').value = %s;"
             "document.getElementById('login').requestSubmit(); true" % (json.dumps(user), json.dumps(pw)), sess)
    who = wait_for("document.getElementById('whoname').textContent", sess, "the user name after login")
    print("logged in as: " + who)
    view = wait_for("document.getElementById('view').getAttribute('data-view')", sess, "the first view")
    print("first view: " + view)
    if view == "overview":
        tiles = wait_for("document.querySelector('#view .card').querySelectorAll('.tile b').length >= 2 && "
                         "Array.prototype.map.call(document.querySelector('#view .card').querySelectorAll('.tile'), "
                         "function (t) { return t.textContent; }).join(' | ')",
                         sess, "the overview's agent tiles")
        print("overview: " + tiles)
        ind = wait_for("document.querySelectorAll('table').length > 0 && document.querySelector('table').textContent", sess, "the indicators table")
        print("indicators: " + ind[:80])
    else:
        h1 = wait_for("document.querySelector('#view .card h2') && document.querySelector('#view .card h2').textContent", sess, "the view's title")
        print("view title: " + h1 + " (hash " + evaluate("location.hash", sess) + ")")
        print("actions: " + evaluate("Array.prototype.map.call(document.querySelectorAll('button[data-action]'), "
                                     "function (b) { return b.getAttribute('data-action'); }).join(',')", sess))

    def shot(name):
        # Charts draw on the next frames; settle before the picture.
        send("Runtime.evaluate", {"expression": "new Promise(function (r) { requestAnimationFrame(function () { setTimeout(r, 300); }); })",
                                  "awaitPromise": True}, sess)
        png = send("Page.captureScreenshot", {"format": "png"}, sess)["data"]
        path = os.path.join(shots, name + ".png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))
        print("screenshot: " + path)

    if shots:
        os.makedirs(shots, exist_ok=True)
        shot("first-" + view)
        for h in pages:
            name = re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-") or "overview"
            evaluate("document.getElementById('view').removeAttribute('data-view'); location.hash = %s; true" % json.dumps(h), sess)
            want = h.lstrip("#/").split("?")[0].split("/")
            vname = "incident" if want[0] == "incidents" and len(want) > 1 else (want[0] or "overview")
            wait_for("document.getElementById('view').getAttribute('data-view') === %s && "
                     "document.querySelectorAll('#view table, #view .muted, #view .err').length > 0" % json.dumps(vname), sess, "view " + h)
            # Data arrives after the frame: wait until no row says "loading".
            wait_for("!document.querySelector('#view .loading')", sess, "data of " + h)
            send("Runtime.evaluate", {"expression": "new Promise(function (r) { setTimeout(r, 200); })", "awaitPromise": True}, sess)
            desc = evaluate("""(function () {
                var v = document.getElementById('view'), rows = v.querySelectorAll('tbody tr').length;
                var h = Array.prototype.map.call(v.querySelectorAll('.card h2'), function (e) { return e.textContent; });
                var w = document.documentElement.scrollWidth;
                return h.join(' / ') + ' | rows ' + rows + ' | charts ' + v.querySelectorAll('.chart canvas').length +
                  ' | width ' + w + ' | first row: ' + ((v.querySelector('tbody tr') || {}).textContent || '').slice(0, 160);
            })()""", sess)
            print("page %s: %s" % (h, desc))
            shot(name)
    # Let late events arrive.
    send("Runtime.evaluate", {"expression": "1"}, sess)
    errors = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if not (u.startswith(origin + "/") or u.startswith("data:") or u.startswith("about:")):
                errors.append("request leaves the collector: " + u)
            continue
        if m == "Runtime.exceptionThrown":
            errors.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console.error: " + json.dumps(p.get("args"))[:300])
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            # Before the incidents work is merged its route answers 404.
            if entry.get("source") == "network" and "/console/api/incidents" in entry.get("url", ""):
                print("note: incidents not available: " + entry.get("text", ""))
                continue
            errors.append("log: " + entry.get("text", "") + " " + entry.get("url", ""))
    for e in errors:
        print("page error: " + e)
    rc = 0 if not errors else 1
finally:
    try:
        send("Browser.close")
    except BaseException:
        pass
    proc.wait()
sys.exit(rc)
