#!/usr/bin/python3
"""Load and fault driver for tests/load/kill_workers.sh (stdlib only).

  refer_load.py run   --base URL --out DIR [--clients N] [--procs P]
                      [--seconds S]
                      [--parent PID --kill-every S] [--max-per-client N]
  refer_load.py check --out DIR --db FILE --log WORKERLOG

run: CLIENTS threads, each in a loop until SECONDS have passed: GET /refer
for a fresh form token, POST a valid referral whose "about" field carries
a marker unique to that submission ("load <run> c<client> n<seq>"), record
the status and the Location's ref.  A POST answered 502 (its worker was
killed) is sent again with the same token, as a person pressing the button
again would, up to 3 times; the server must then answer with the same ref
if the first one was stored.  A killer thread sends SIGKILL to one worker
(a child of PARENT) every KILL_EVERY seconds and logs the time.  Writes
DIR/requests.K.jsonl (one line an HTTP request; the clients run as
threads in PROCS processes) and DIR/kills.jsonl.

check: reads those files and the database and prints one line a check,
"ok<TAB>description" or "fail<TAB>description<TAB>detail", for the shell
to turn into TAP.  Loopback only; everything is bounded in time and count.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

TOKEN_RE = re.compile(rb'name="form_token" value="([^"]*)"')
SITE_RE = re.compile(rb'name="site" value="([0-9]+)"')
REF_RE = re.compile(r'^/refer/thanks\?ref=([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})$')
# A 502 is forgiven only when it ends this close after a kill (seconds).
KILL_WINDOW = float(os.environ.get("LOAD_KILL_WINDOW", "1.0"))
NEEDS = ["autism", "learning_difficulties", "mental_health", "neuro_rehab",
         "dementia", "palliative", "parent_child", "other"]
SLOTS = [d + "_" + p for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
         for p in ("am", "pm", "eve")]


def form_body(token, marker, rnd, sites):
    fields = [
        ("form_token", token),
        ("given_name", "Load"),
        ("family_name", "Tester %s" % marker.split()[-1]),
        ("date_of_birth", "1970-05-%02d" % rnd.randint(1, 28)),
        ("email", "load.%d@example.com" % rnd.randint(1, 10 ** 6)),
        ("phone", "07700 900 %03d" % rnd.randint(0, 999)),
        ("preferred_contact", rnd.choice(["email", "phone"])),
        ("postcode", "SW1A 1AA"),
        ("about", marker),
        ("needs", rnd.choice(NEEDS)),
        ("availability", rnd.choice(SLOTS)),
        ("availability", rnd.choice(SLOTS)),
        ("session_type", rnd.choice(["individual", "group", "either"])),
        ("consent_data", "yes"),
        ("consent_contact", "yes"),
        ("website", ""),
    ] + [("site", s) for s in sites]
    return urllib.parse.urlencode(fields).encode()


class Recorder:
    def __init__(self, path):
        self.f = open(path, "w")
        self.lock = threading.Lock()

    def write(self, rec):
        line = json.dumps(rec, sort_keys=True)
        with self.lock:
            self.f.write(line + "\n")

    def close(self):
        self.f.close()


def request(host, port, method, path, body=None, headers=None):
    """One request on its own connection: (status, location, body, t0, t1)."""
    t0 = time.time()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("Location") or "", data, t0, time.time()
    except (OSError, http.client.HTTPException) as e:
        return "error: %s" % e.__class__.__name__, "", b"", t0, time.time()
    finally:
        conn.close()


def client(cid, args, host, port, deadline, rec, run_id):
    rnd = random.Random(cid * 7919 + int(time.time()))
    form_hdr = {"Content-Type": "application/x-www-form-urlencoded"}
    for seq in range(args.max_per_client):
        if time.time() >= deadline:
            return
        st, _, data, t0, t1 = request(host, port, "GET", "/refer")
        m = TOKEN_RE.search(data) if st == 200 else None
        rec.write({"c": cid, "n": seq, "m": "GET", "st": st, "t0": t0,
                   "t1": t1, "tok": bool(m)})
        if m is None:
            continue
        marker = "load %s c%d n%d" % (run_id, cid, seq)
        offered = sorted({s.decode() for s in SITE_RE.findall(data)})
        sites = rnd.sample(offered, min(len(offered), rnd.randint(0, 2)))
        body = form_body(m.group(1).decode(), marker, rnd, sites)
        for attempt in range(4):
            st, loc, data, t0, t1 = request(host, port, "POST", "/refer",
                                            body, form_hdr)
            mm = REF_RE.match(loc) if st == 303 else None
            rec.write({"c": cid, "n": seq, "m": "POST", "try": attempt,
                       "st": st, "t0": t0, "t1": t1, "marker": marker,
                       "loc": loc, "ref": mm.group(1) if mm else None,
                       "sites": len(sites)})
            if st != 502:
                break
            time.sleep(0.05)


def children(parent):
    try:
        return [int(p) for p in subprocess.run(
            ["pgrep", "-P", str(parent)], capture_output=True, text=True,
            timeout=5).stdout.split()]
    except subprocess.SubprocessError:
        return []


def busy(pid):
    """Whether a worker is in a request: not asleep in accept() on the
    unix socket, whose kernel wait point is __skb_wait_for_more_packets."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read().strip() != "__skb_wait_for_more_packets"
    except OSError:
        return False


def killer(args, stop, klog):
    """Every KILL_EVERY seconds, SIGKILL one worker, preferring (for up to
    0.3 s) one that is in the middle of a request."""
    nxt = time.time() + args.kill_every
    while not stop.wait(max(0.0, nxt - time.time())):
        nxt += args.kill_every
        pids, pick, was_busy = [], None, False
        until = time.time() + 0.3
        while time.time() < until:
            pids = children(args.parent)
            inreq = [p for p in pids if busy(p)]
            if inreq:
                pick, was_busy = random.choice(inreq), True
                break
            time.sleep(0.005)
        if pick is None and pids:
            pick = random.choice(pids)
        t0 = time.time()
        if pick is None:
            klog.write({"t0": t0, "t1": t0, "pid": None})
            continue
        try:
            os.kill(pick, signal.SIGKILL)
            klog.write({"t0": t0, "t1": time.time(), "pid": pick,
                        "busy": was_busy})
        except ProcessLookupError:
            klog.write({"t0": t0, "t1": time.time(), "pid": None})


def run_clients(args, host, port, deadline, run_id, first, count, path):
    """Runs clients first..first+count-1 as threads; returns how many
    were still busy when given up on."""
    rec = Recorder(path)
    threads = [threading.Thread(target=client, daemon=True,
                                args=(i, args, host, port, deadline, rec,
                                      run_id))
               for i in range(first, first + count)]
    for t in threads:
        t.start()
    # Bounded: a client stuck past the deadline is abandoned (and shows
    # as a missing answer in the check).
    for t in threads:
        t.join(max(0.0, deadline + 40 - time.time()))
    rec.close()
    return sum(t.is_alive() for t in threads)


def cmd_run(args):
    u = urllib.parse.urlsplit(args.base)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("refer_load: loopback only, not %s" % u.hostname)
    os.makedirs(args.out, exist_ok=True)
    run_id = "%x" % random.getrandbits(32)
    deadline = time.time() + args.seconds
    # The clients are spread over a few processes, so that Python's lock
    # does not make them the bottleneck; forked before any thread starts.
    procs = max(1, min(args.procs, args.clients))
    kids = []
    for k in range(procs):
        first = args.clients * k // procs
        count = args.clients * (k + 1) // procs - first
        pid = os.fork()
        if pid == 0:
            alive = -1
            try:
                alive = run_clients(args, u.hostname, u.port, deadline,
                                    run_id, first, count,
                                    os.path.join(args.out,
                                                 "requests.%d.jsonl" % k))
            except BaseException:
                traceback.print_exc()
            os._exit(0 if alive == 0 else 1)
        kids.append(pid)
    klog = Recorder(os.path.join(args.out, "kills.jsonl"))
    stop = threading.Event()
    kt = None
    if args.parent:
        kt = threading.Thread(target=killer, args=(args, stop, klog),
                              daemon=True)
        kt.start()
    failed = 0
    for pid in kids:
        _, st = os.waitpid(pid, 0)
        failed += st != 0
    stop.set()
    if kt:
        kt.join(10)
    klog.close()
    print("run %s: %d clients in %d processes, %.0f s, %d processes with "
          "clients still busy at the end"
          % (run_id, args.clients, procs, args.seconds, failed))
    return 0 if failed == 0 else 1


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cmd_check(args):
    reqs = []
    for name in sorted(os.listdir(args.out)):
        if name.startswith("requests."):
            reqs += load_jsonl(os.path.join(args.out, name))
    kills = load_jsonl(os.path.join(args.out, "kills.jsonl"))
    results = []

    def report(good, desc, detail=""):
        results.append(("ok" if good else "fail", desc,
                        detail.replace("\n", " ")[:2000]))

    gets = [r for r in reqs if r["m"] == "GET"]
    posts = [r for r in reqs if r["m"] == "POST"]
    n303 = sum(1 for r in posts if r["st"] == 303)
    kill_times = [(k["t0"], k["t1"]) for k in kills if k["pid"]]
    dur = (max(r["t1"] for r in reqs) - min(r["t0"] for r in reqs)) \
        if reqs else 0
    print("# %d GET, %d POST (%d answered 303) in %.1f s; %d kills (%d of "
          "a worker in a request); statuses %s"
          % (len(gets), len(posts), n303, dur, len(kill_times),
             sum(1 for k in kills if k.get("busy")),
             json.dumps(count_by(reqs, "st"), sort_keys=True)))
    report(n303 >= 50, "the load ran: %d referrals answered 303" % n303)
    want_kills = max(1, int(args.seconds / args.kill_every) - 1)
    report(len(kill_times) >= want_kills,
           "workers were killed with SIGKILL: %d times (at least %d wanted)"
           % (len(kill_times), want_kills),
           json.dumps(kills[:10]))

    def near_kill(r):
        return any(k0 - 0.01 <= r["t1"] <= k1 + KILL_WINDOW
                   for k0, k1 in kill_times)

    bad = []
    n502 = 0
    for r in reqs:
        ok_st = 200 if r["m"] == "GET" else 303
        if r["st"] == ok_st:
            continue
        if r["st"] == 502 and near_kill(r):
            n502 += 1
            continue
        bad.append(r)
    report(not bad, "every answer is %s, or a 502 within %.0f s of a kill "
           "(%d such 502s)" % ("200/303", KILL_WINDOW, n502),
           "%d unexpected, e.g. %s" % (len(bad), json.dumps(bad[:5])))

    # Each form submission (marker) ends in a 303, even when it had to be
    # sent again after a 502.
    final = {}
    for r in posts:
        final[r["marker"]] = r
    unfinished = [r for r in final.values() if r["st"] != 303]
    report(not unfinished, "every submission got a 303 in the end "
           "(%d submissions, resent after a 502 at most 3 times)"
           % len(final), json.dumps(unfinished[:5]))

    db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True, timeout=10)
    run_ids = {r["marker"].split()[1] for r in posts}
    rows = []
    for rid in run_ids:
        rows += db.execute("SELECT id, ref, about FROM referrals WHERE about"
                           " LIKE ?", ("load %s %%" % rid,)).fetchall()
    by_marker = {}
    for rid_, ref, about in rows:
        by_marker.setdefault(about, []).append(ref)
    by_ref = {ref: about for _, ref, about in rows}
    dups = {m: v for m, v in by_marker.items() if len(v) > 1}
    report(not dups, "no submission is stored twice (%d stored rows for "
           "this run)" % len(rows), json.dumps(dict(list(dups.items())[:5])))

    missing, wrong = [], []
    seen_ref = {}
    for r in posts:
        if r["st"] != 303:
            continue
        if r["ref"] is None:
            wrong.append(r)
        elif r["ref"] not in by_ref:
            missing.append(r)
        elif by_ref[r["ref"]] != r["marker"]:
            wrong.append(r)
        seen_ref.setdefault(r["ref"], set()).add(r["marker"])
    shared = {k: sorted(v) for k, v in seen_ref.items() if len(v) > 1}
    report(not missing, "every 303's ref is stored (%d answers)" % n303,
           "%d missing, e.g. %s" % (len(missing), json.dumps(missing[:5])))
    report(not wrong and not shared, "every 303's ref is the row of that "
           "very submission, and no two submissions share a ref",
           json.dumps(wrong[:5]) + " " + json.dumps(dict(list(shared.items())
                                                          [:5])))
    unanswered = [m for m in by_marker if m not in final or
                  final[m]["st"] != 303]
    report(not unanswered, "every stored row was answered with a 303",
           json.dumps(unanswered[:5]))

    # Nothing half-stored: the outbox rows and the site rows of each
    # referral were written in its transaction, and none lack a referral.
    coords = db.execute("SELECT count(*) FROM users WHERE role = "
                        "'coordinator' AND active = 1").fetchone()[0]
    want = 1 + coords
    nsites = {r["marker"]: r["sites"] for r in posts}
    nout = dict(db.execute("SELECT referral_id, count(*) FROM outbox "
                           "GROUP BY referral_id").fetchall())
    nsite = dict(db.execute("SELECT referral_id, count(*) FROM "
                            "referral_sites GROUP BY referral_id").fetchall())
    short = []
    for i, _, about in rows:
        n, s = nout.get(i, 0), nsite.get(i, 0)
        if n != want or s != nsites.get(about):
            short.append((i, n, s, nsites.get(about)))
    report(not short, "each stored referral has its %d outbox rows and its "
           "site rows" % want, json.dumps(short[:5]))
    orphans = db.execute(
        "SELECT (SELECT count(*) FROM outbox o WHERE o.referral_id IS NOT "
        "NULL AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = "
        "o.referral_id)) + (SELECT count(*) FROM referral_sites s WHERE NOT "
        "EXISTS (SELECT 1 FROM referrals r WHERE r.id = s.referral_id))"
    ).fetchone()[0]
    report(orphans == 0, "no outbox or site rows without their referral",
           "%d orphans" % orphans)
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    report(not fk, "PRAGMA foreign_key_check finds nothing", repr(fk[:5]))
    ic = db.execute("PRAGMA integrity_check").fetchall()
    report(ic == [("ok",)], "PRAGMA integrity_check is ok", repr(ic[:5]))
    db.close()

    if args.log:
        with open(args.log, errors="replace") as f:
            log = f.read()
        nk = len(re.findall(r"killed by signal 9;", log))
        other = re.findall(r"killed by signal (?!9;)\d+.*", log)
        report(nk == len(kill_times) and not other,
               "the worker log shows exactly our %d SIGKILLs and no other "
               "deaths" % len(kill_times),
               "log: %d SIGKILL, others %r" % (nk, other[:5]))

    for st, desc, detail in results:
        print("\t".join((st, desc, detail)) if detail and st == "fail"
              else "%s\t%s" % (st, desc))
    return 0


def count_by(rows, key):
    out = {}
    for r in rows:
        k = "%s %s" % (r["m"], r[key])
        out[k] = out.get(k, 0) + 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["run", "check"])
    ap.add_argument("--base")
    ap.add_argument("--out", required=True)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--max-per-client", type=int, default=5000)
    ap.add_argument("--parent", type=int, default=0)
    ap.add_argument("--kill-every", type=float, default=2.0)
    ap.add_argument("--db")
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.cmd == "run":
        return cmd_run(args)
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
