#!/usr/bin/python3
"""Slow and abusive clients for the fault suite, all from one address (--source).

For --seconds, at once:
  --hold N      connections that are opened and then send a header line every few
                seconds and never finish (slowloris), N in all (e.g. 2000);
  --slow-upload N  POSTs announcing a 64 KiB body that send it one byte a second;
  --no-read N   connections that pipeline many GETs and never read the answers.
Prints how many connections were opened, refused or closed by the server, and how many
were still open at the end. Asserts nothing (the suite's normal clients measure the effect).
"""
import argparse
import resource
import socket
import sys
import threading
import time
import urllib.parse


def connect(host, port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(True)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect((host, port))
    s.settimeout(0)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--source", default="127.0.0.5")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--hold", type=int, default=2000)
    p.add_argument("--slow-upload", type=int, default=50)
    p.add_argument("--no-read", type=int, default=20)
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    need = args.hold + args.slow_upload + args.no_read + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    u = urllib.parse.urlsplit(args.base)
    host, port = u.hostname, u.port or 80
    counts = {"opened": 0, "refused": 0, "closed_by_server": 0}
    socks = []  # (socket, kind)
    deadline = time.monotonic() + args.seconds

    def open_some(n, kind, first):
        for _ in range(n):
            if time.monotonic() > deadline:
                return
            try:
                s = connect(host, port, args.source)
                s.send(first)
                socks.append((s, kind))
                counts["opened"] += 1
            except OSError:
                counts["refused"] += 1

    head = "GET /api/v1/tasks/ HTTP/1.1\r\nHost: %s\r\n" % host
    upload = ("POST /api/v1/tasks/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
              "Content-Length: 65536\r\n\r\n{" % host)
    pipelined = ("GET /api/v1/tasks/?limit=100 HTTP/1.1\r\nHost: %s\r\n\r\n" % host) * 200
    open_some(args.slow_upload, "upload", upload.encode())
    open_some(args.no_read, "noread", pipelined.encode())
    open_some(args.hold, "hold", head.encode())
    print("abuse: %(opened)d connections opened, %(refused)d refused while opening" % counts)

    n = 0
    while time.monotonic() < deadline:
        time.sleep(1)
        n += 1
        alive = []
        for s, kind in socks:
            try:
                if kind == "upload":
                    s.send(b" ")
                elif kind == "hold" and n % 5 == 0:
                    s.send(b"X-Slow: %d\r\n" % n)
                elif kind == "noread":
                    s.send(b"")
                alive.append((s, kind))
            except (BlockingIOError, InterruptedError):
                alive.append((s, kind))  # its buffers are full: still open
            except OSError:
                counts["closed_by_server"] += 1
                s.close()
        socks[:] = alive
    by_kind = {}
    for s, kind in socks:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        s.close()
    print("abuse: after %.0f s: %d closed by the server, still open: %s"
          % (args.seconds, counts["closed_by_server"],
             ", ".join("%s %d" % kv for kv in sorted(by_kind.items())) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
