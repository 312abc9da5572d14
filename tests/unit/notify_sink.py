#!/usr/bin/env python3
"""Local sinks for tests/unit/test_notify.c (Python 3 standard library only).

  notify_sink.py http OUTFILE [FAIL_FIRST]
      HTTP server on 127.0.0.1 (free port).  Each request becomes one JSON
      line in OUTFILE: {"method","path","query","headers","body"}, written
      and flushed before the answer goes out.  The first FAIL_FIRST
      requests get 500; a path containing /refuse gets 200 with a robot
      error {"errcode":310000,...}.  Others get 200 with an answer every
      robot accepts ({"errcode":0,"code":0,...}).
  notify_sink.py smtp OUTFILE
      A minimal SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET,
      NOOP, QUIT; no STARTTLS).  Each message becomes one JSON line:
      {"mail_from","rcpt","raw","subject","body","defects","headers"}, the
      subject and body decoded independently by Python's email package.

Prints the port on stdout once listening; runs until killed.
"""
import email
import email.policy
import json
import socketserver
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def record(path, obj):
    with lock, open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        f.flush()


def run_http(out, fail_first):
    state = {"n": 0}

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8", "replace")
            u = urllib.parse.urlsplit(self.path)
            with lock:
                state["n"] += 1
                k = state["n"]
            record(out, {"method": "POST", "path": u.path,
                         "query": dict(urllib.parse.parse_qsl(u.query)),
                         "rawquery": u.query,
                         "headers": {k2.lower(): v for k2, v in self.headers.items()},
                         "body": body, "n": k})
            if k <= fail_first:
                code, ans = 500, b'{"error":"try later"}'
            elif "/refuse" in u.path:
                code, ans = 200, b'{"errcode":310000,"errmsg":"sign not match"}'
            else:
                code, ans = 200, b'{"errcode":0,"errmsg":"ok","code":0,"msg":"success"}'
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(ans)))
            self.end_headers()
            self.wfile.write(ans)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


def run_smtp(out):
    class S(socketserver.StreamRequestHandler):
        def reply(self, s):
            self.wfile.write((s + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            self.reply("220 sink ESMTP")
            mail_from, rcpt = None, []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = cmd[:4].upper()
                if verb == "EHLO":
                    self.reply("250-sink")
                    self.reply("250-8BITMIME")
                    self.reply("250 SIZE 10000000")
                elif verb == "HELO":
                    self.reply("250 sink")
                elif verb == "MAIL":
                    mail_from, rcpt = cmd[10:].strip().split(" ")[0], []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    rcpt.append(cmd[8:].strip())
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 go ahead")
                    lines = []
                    while True:
                        l = self.rfile.readline()
                        if not l or l == b".\r\n":
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        lines.append(l)
                    raw = b"".join(lines)
                    msg = email.message_from_bytes(raw, policy=email.policy.default)
                    record(out, {"mail_from": mail_from, "rcpt": rcpt,
                                 "raw": raw.decode("ascii", "replace"),
                                 "subject": str(msg["subject"]),
                                 "body": msg.get_content(),
                                 "headers": {k: str(v) for k, v in msg.items()},
                                 "defects": [str(d) for d in msg.defects]})
                    self.reply("250 queued")
                elif verb in ("RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    class T(socketserver.ThreadingMixIn, socketserver.TCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = T(("127.0.0.1", 0), S)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "http":
        run_http(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    else:
        run_smtp(sys.argv[2])
