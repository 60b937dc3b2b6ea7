#!/usr/bin/python3
"""Verifying load client of the fault suite (tests/fault/run).

Modes:
  load      each thread has its own user and creates (with Idempotency-Key), updates
            (PATCH description), reads and deletes its own tasks for --seconds, recording
            every request and every 2xx. Unknown outcomes of creates (connection lost,
            502, 504, 500, 409 "in progress") are retried with the same key for up to
            --settle seconds after the load. At the end the database is compared with the
            acknowledged writes:
              lost     an acknowledged create that is not there, an acknowledged update
                       overwritten by an older value, or an acknowledged delete whose row
                       is still there;
              doubled  two rows for one create (one Idempotency-Key);
              unknown  writes whose outcome the client never learned (printed, allowed);
              committed_though_refused  a write answered as not done (a 4xx, or 503,
                       which invites a retry) that the database has (printed: a dishonest
                       answer, not a lost write).
  ifmatch   --threads clients edit one task with If-Match for --seconds; every
            acknowledged edit must have moved the version by exactly one (the task's
            version is 1 + the number of 200s, the final description the last acked one).
Only Python's standard library; the database is read with psql (--db).
Prints what it did and measured; exits 1 if lost or doubled is not 0 (or the If-Match
invariants fail), 2 when it could not set up.
"""
import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

UNKNOWN_STATUSES = {500, 502, 504}


class Conn:
    """One keep-alive connection, reopened after any error."""

    def __init__(self, base, timeout, source=None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port or 80, timeout
        self.source = (source, 0) if source else None
        self.c = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict, body bytes); status None when the outcome is unknown."""
        h = {"Connection": "keep-alive"}
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                                    source_address=self.source)
            self.c.request(method, path, body=data, headers=h)
            r = self.c.getresponse()
            b = r.read()
            hd = {k.lower(): v for k, v in r.getheaders()}
            if hd.get("connection", "").lower() == "close":
                self.close()
            return r.status, hd, b
        except (OSError, http.client.HTTPException):
            self.close()
            return None, {}, b""

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {}     # kind -> [seconds]
        self.codes = {}   # "kind status" -> count
        self.requests = 0

    def add(self, kind, status, seconds):
        with self.lock:
            self.requests += 1
            self.lat.setdefault(kind, []).append(seconds)
            key = "%s %s" % (kind, status if status is not None else "conn-error")
            self.codes[key] = self.codes.get(key, 0) + 1


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def timed(stats, kind, conn, *args, **kw):
    t = time.monotonic()
    r = conn.request(*args, **kw)
    stats.add(kind, r[0], time.monotonic() - t)
    return r


def setup_user(args, n):
    """Registers and logs in one user; returns its token."""
    c = Conn(args.base, 30)
    name = "%s_u%d" % (args.run, n)
    body = {"username": name, "email": name + "@example.com", "password": "Fault-pass-1"}
    for _ in range(50):
        st, _, _ = c.request("POST", "/api/v1/auth/register", body)
        if st in (201, 400, 409):
            break
        time.sleep(0.2)
    for _ in range(50):
        st, _, b = c.request("POST", "/api/v1/auth/login",
                             {"username": name, "password": "Fault-pass-1"})
        if st == 200:
            c.close()
            return json.loads(b)["access_token"]
        time.sleep(0.2)
    raise SystemExit("fault client: cannot log in %s (last status %s)" % (name, st))


class Worker(threading.Thread):
    """One user's load: its tasks only, so the expected state is known exactly."""

    def __init__(self, args, idx, token, stats, deadline):
        super().__init__(daemon=True)
        self.args, self.idx, self.stats, self.deadline = args, idx, stats, deadline
        self.auth = {"Authorization": "Bearer " + token}
        self.conn = Conn(args.base, args.timeout)
        self.rng = random.Random(idx * 7919 + int(time.time()))
        self.seq = 0
        self.creates = []   # dicts: key, title, body, outcome ('acked'|'refused'|'unknown'), id
        self.live = {}      # id -> task record (acked or found) still believed to exist
        self.updates = {}   # id -> list of (value, outcome)
        self.deletes = {}   # id -> outcome

    def create(self):
        self.seq += 1
        title = "%s-%d-%d" % (self.args.run, self.idx, self.seq)
        rec = {"key": uuid.uuid4().hex, "title": title, "body": {"title": title, "priority": "low"},
               "outcome": "unknown", "id": None}
        self.creates.append(rec)
        self.send_create(rec)

    def send_create(self, rec):
        st, _, b = timed(self.stats, "create", self.conn, "POST", "/api/v1/tasks/", rec["body"],
                         dict(self.auth, **{"Idempotency-Key": rec["key"]}))
        if st is not None and 200 <= st < 300:
            rec["outcome"], rec["id"] = "acked", json.loads(b)["id"]
            self.live[rec["id"]] = rec
        elif st is None or st in UNKNOWN_STATUSES or st == 409:
            rec["outcome"] = "unknown"
        else:
            rec["outcome"] = "refused"  # 4xx other than 409, or 503: nothing was done
        rec["status"] = st
        return rec["outcome"]

    def update(self, tid):
        self.seq += 1
        value = "v%d" % self.seq
        st, _, _ = timed(self.stats, "update", self.conn, "PATCH", "/api/v1/tasks/%d" % tid,
                         {"description": value}, self.auth)
        outcome = ("acked" if st is not None and 200 <= st < 300 else
                   "unknown" if st is None or st in UNKNOWN_STATUSES else "refused")
        self.updates.setdefault(tid, []).append((value, outcome))

    def delete(self, tid):
        st, _, _ = timed(self.stats, "delete", self.conn, "DELETE", "/api/v1/tasks/%d" % tid,
                         None, self.auth)
        outcome = ("acked" if st is not None and 200 <= st < 300 else
                   "unknown" if st is None or st in UNKNOWN_STATUSES else "refused")
        self.deletes[tid] = outcome
        if outcome != "refused":
            del self.live[tid]  # never touched again: its state is settled by this outcome

    def read(self, tid):
        timed(self.stats, "read", self.conn, "GET", "/api/v1/tasks/%d" % tid, None, self.auth)

    def run(self):
        while time.monotonic() < self.deadline:
            r = self.rng.random()
            ids = list(self.live)
            if not ids or r < 0.45:
                self.create()
            elif r < 0.70:
                self.update(self.rng.choice(ids))
            elif r < 0.85:
                self.read(self.rng.choice(ids))
            else:
                self.delete(self.rng.choice(ids))
            if self.args.pause:
                time.sleep(self.args.pause)

    def settle(self, until):
        """Retries creates of unknown outcome with their key: the replay tells the outcome."""
        for rec in self.creates:
            while rec["outcome"] == "unknown" and time.monotonic() < until:
                if self.send_create(rec) == "unknown":
                    time.sleep(0.3)
        self.conn.close()


def psql(db, sql):
    """Rows of sql; waits (up to a minute) for a database that is still recovering."""
    for _ in range(120):
        p = subprocess.run(["psql", db, "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True)
        if p.returncode != 2:  # 2: no connection
            break
        time.sleep(0.5)
    if p.returncode != 0:
        raise SystemExit("fault client: psql failed: " + p.stderr.strip())
    return [line.split("\t") for line in p.stdout.splitlines() if line]


def verify(args, workers):
    rows = psql(args.db, "SELECT id, title, coalesce(description, '') FROM tasks "
                         "WHERE title LIKE '%s-%%'" % args.run)
    by_title, by_id = {}, {}
    for tid, title, desc in rows:
        by_title.setdefault(title, []).append(int(tid))
        by_id[int(tid)] = desc
    res = {"creates": 0, "creates_acked": 0, "creates_unknown": 0, "creates_refused": 0,
           "updates_acked": 0, "updates_unknown": 0, "deletes_acked": 0, "deletes_unknown": 0,
           "lost": 0, "doubled": 0, "committed_though_refused": 0}
    problems = []
    for w in workers:
        for rec in w.creates:
            res["creates"] += 1
            res["creates_" + rec["outcome"]] += 1
            ids = by_title.get(rec["title"], [])
            if len(ids) > 1:
                res["doubled"] += len(ids) - 1
                problems.append("doubled create %s: ids %s" % (rec["title"], ids))
            deleted = w.deletes.get(rec["id"]) if rec["id"] is not None else None
            if rec["outcome"] == "acked" and not ids:
                if deleted is None:
                    res["lost"] += 1
                    problems.append("lost create %s (id %s)" % (rec["title"], rec["id"]))
                elif deleted == "refused":
                    # Gone through a delete that was answered as not done.
                    res["committed_though_refused"] += 1
                    problems.append("task %s deleted though the DELETE was refused" % rec["id"])
            if rec["outcome"] == "refused" and ids:
                res["committed_though_refused"] += 1
                problems.append("create %s committed though refused (%s)" % (rec["title"], rec.get("status")))
        for tid, outcome in w.deletes.items():
            res["deletes_" + outcome] = res.get("deletes_" + outcome, 0) + 1
            if outcome == "acked" and tid in by_id:
                res["lost"] += 1
                problems.append("acknowledged delete of task %d, still there" % tid)
        for tid, hist in w.updates.items():
            res["updates_acked"] += sum(1 for _, o in hist if o == "acked")
            res["updates_unknown"] += sum(1 for _, o in hist if o == "unknown")
            if tid not in by_id:
                continue  # deleted since
            last_ack = max((i for i, (_, o) in enumerate(hist) if o == "acked"), default=-1)
            if last_ack < 0:
                continue
            allowed = {v for v, _ in hist[last_ack:]}
            if by_id[tid] not in allowed:
                res["lost"] += 1
                problems.append("task %d: description %r, but %r was acknowledged last"
                                % (tid, by_id[tid], hist[last_ack][0]))
    return res, problems


def print_stats(stats, seconds):
    print("requests: %d in %.1f s (%.0f/s)" % (stats.requests, seconds, stats.requests / seconds))
    for kind in sorted(stats.lat):
        xs = stats.lat[kind]
        print("latency %-6s n=%-6d p50=%.1f ms p99=%.1f ms max=%.1f ms"
              % (kind, len(xs), pct(xs, 50) * 1e3, pct(xs, 99) * 1e3, max(xs) * 1e3))
    print("statuses: " + ", ".join("%s: %d" % kv for kv in sorted(stats.codes.items())))


def mode_load(args):
    tokens = [setup_user(args, i) for i in range(args.threads)]
    stats = Stats()
    start = time.monotonic()
    ready = os.environ.get("FAULT_READY_FILE")
    if ready:
        open(ready, "w").close()  # the scenario's fault may begin
    workers = [Worker(args, i, tokens[i], stats, start + args.seconds) for i in range(args.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    until = time.monotonic() + args.settle
    settlers = [threading.Thread(target=w.settle, args=(until,)) for w in workers]
    for t in settlers:
        t.start()
    for t in settlers:
        t.join()
    print_stats(stats, elapsed)
    res, problems = verify(args, workers)
    for p in problems[:20]:
        print("PROBLEM: " + p)
    print("verify: " + ", ".join("%s=%d" % kv for kv in res.items()))
    print("RESULT " + json.dumps(res))
    return 1 if res["lost"] or res["doubled"] else 0


def mode_ifmatch(args):
    token = setup_user(args, 0)
    auth = {"Authorization": "Bearer " + token}
    c = Conn(args.base, args.timeout)
    st, _, b = c.request("POST", "/api/v1/tasks/", {"title": args.run + "-ifmatch"}, auth)
    if st != 201:
        raise SystemExit("fault client: cannot create the shared task (%s)" % st)
    tid = json.loads(b)["id"]
    stats = Stats()
    acked, lock = [], threading.Lock()
    deadline = time.monotonic() + args.seconds

    def editor(n):
        conn = Conn(args.base, args.timeout)
        k = 0
        while time.monotonic() < deadline:
            st, h, _ = timed(stats, "get", conn, "GET", "/api/v1/tasks/%d" % tid, None, auth)
            if st != 200 or "etag" not in h:
                continue
            k += 1
            value = "e%d-%d" % (n, k)
            st, h2, _ = timed(stats, "patch", conn, "PATCH", "/api/v1/tasks/%d" % tid,
                              {"description": value}, dict(auth, **{"If-Match": h["etag"]}))
            if st == 200:
                with lock:
                    acked.append((h["etag"], h2.get("etag"), value))
        conn.close()

    ts = [threading.Thread(target=editor, args=(i,)) for i in range(args.threads)]
    start = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print_stats(stats, time.monotonic() - start)
    (version, desc), = psql(args.db, "SELECT version, coalesce(description, '') FROM tasks "
                                     "WHERE id = %d" % tid)
    conflicts = stats.codes.get("patch 412", 0)
    before = [a[0] for a in acked]
    dup = len(before) - len(set(before))
    print("ifmatch: %d edits acknowledged, %d refused with 412, version %s, "
          "edits acknowledged from the same ETag: %d" % (len(acked), conflicts, version, dup))
    ok = int(version) == 1 + len(acked) and dup == 0 and acked and desc == max(
        acked, key=lambda a: int(a[1].strip('"W/').split("-")[1]))[2]
    print("RESULT " + json.dumps({"acked": len(acked), "refused_412": conflicts,
                                  "version": int(version), "same_etag_twice": dup,
                                  "ok": bool(ok)}))
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["load", "ifmatch"])
    p.add_argument("--base", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--run", default="fault" + uuid.uuid4().hex[:8])
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--settle", type=float, default=10)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--pause", type=float, default=0)
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    return mode_load(args) if args.mode == "load" else mode_ifmatch(args)


if __name__ == "__main__":
    sys.exit(main())
