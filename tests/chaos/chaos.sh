#!/bin/bash
# make chaos: the long forms of issue 14's experiments, against the real
# stack, a misbehaving SMTP server (tests/lib/badsmtpd.py) and the real
# aiosmtpd (tests/lib/smtpd.py).  Each prints what was queued, delivered,
# duplicated and lost, and TAP lines for what must hold.  About 5 minutes.
#
#   1. refusals: 20 s of 554 at the greeting, then 20 s of 550 5.7.1 at
#      MAIL FROM, then 10 s of each other stage's 4xx, while 60 emails
#      are queued; then the server recovers: all 60 must arrive, once,
#      with no Retry click;
#   2. a server that hangs after DATA: each try ends within 20 s, SIGTERM
#      stops the mailer within 3 s; after "send now" everything arrives;
#   3. crashes: the mailer SIGKILLed 5 times while 300 emails go to
#      aiosmtpd; the FastCGI supervisor and nginx's master SIGKILLed under
#      load, then `start`: the site must come back and no acknowledged
#      referral be lost;
#   5. a write lock held 15 s under posts and reads: posts answer within
#      3.5 s, reads within 1 s, nothing acknowledged is lost.
set -u
. "$(dirname "$0")/../lib/stack.sh"

wait_until() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
now_sql="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
report() {
	printf '# %-28s queued %4s  delivered %4s  duplicated %3s  lost %3s%s\n' \
	    "$1" "$2" "$3" "$4" "$5" "${6:+  ($6)}"
	echo "CHAOS|$1|$2|$3|$4|$5" >> "${CHAOS_LOG:-/dev/null}"
}
# queue TAG N: N emails to TAG<i>@example.com, due now.
queue() {
	sql "with recursive n(i) as (select 1 union all select i + 1 from n where i < $2)
	insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at)
	select '$1:' || (i + ${3:-0}), 'referral_new', '$1' || (i + ${3:-0}) || '@example.com', 'C', (select min(id) from referrals),
	       '<$1-' || (i + ${3:-0}) || '@tutti.test>', $now_sql, $now_sql from n"
}
# counts TAG FOLDER: "received distinct" of emails to TAG<i>@example.com.
counts() {
	local all d
	all=$(grep -c " $1[0-9]*@example.com" "$2/index.txt" 2>/dev/null || true)
	d=$(grep -o " $1[0-9]*@example.com" "$2/index.txt" 2>/dev/null | sort -u | wc -l)
	echo "${all:-0} $d"
}
smtp_up() {	# smtp_up SCRIPT DIR: starts an SMTP test server on SMTP_PORT
	mkdir -p "$2"
	rm -f "$2/ready"
	$PY "$ROOT/tests/lib/$1" --port "$SMTP_PORT" --dir "$2" >>"$2.log" 2>&1 &
	SMTP_PID=$!
	wait_until 10 test -f "$2/ready"
}
WORK=$(mktemp -d /tmp/tutti-chaos.XXXXXX)
SMTP_PID=
cleanup() {
	stack_down
	[ -n "$SMTP_PID" ] && kill "$SMTP_PID" 2>/dev/null
	[ "$T_FAIL" -gt 0 ] || rm -rf "$WORK"
}
trap cleanup EXIT
START=$(date +%s)

# ---------------------------------------------------------------- 1 and 2
SMTP_PORT=$(free_port)
BAD=$WORK/bad
mkdir -p "$BAD"
echo ok > "$BAD/mode"
smtp_up badsmtpd.py "$BAD"
export TUTTI_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export TUTTI_MAIL_FROM='Tutti <hello@tutti.test>'
stack_up
trap cleanup EXIT
alldue() { [ "$(sql "select count(*) from outbox where status in ('queued','sending') and not_before <= $now_sql")" = 0 ]; }
wait_until 60 alldue

echo "# experiment 1: refusals at each stage while 60 emails are queued"
n=0
phase() {	# phase MODE SECONDS COUNT: queue COUNT emails over SECONDS
	echo "$1" > "$BAD/mode"
	local k
	for k in $(seq "$3"); do
		n=$((n + 1))
		queue r 1 $((n - 1))
		sleep "$(awk -v s="$2" -v c="$3" 'BEGIN { print s / c }')"
	done
}
phase "greeting 554 5.3.2 Service not available" 20 20
phase "mail 550 5.7.1 Relaying denied" 20 20
phase "ehlo 451 4.3.0 Try later" 5 5
phase "rcpt 451 4.2.1 Mailbox busy" 5 5
phase "data 451 4.3.0 Try later" 5 5
phase "body 452 4.3.1 Out of space" 5 5
failed=$(sql "select count(*) from outbox where dedupe_key like 'r:%' and status = 'failed'")
check "1: nothing failed for good during the refusals ($failed)" [ "$failed" = 0 ]
echo ok > "$BAD/mode"
# The 4xx to RCPT, DATA and the message were the message's: deferred;
# bring them forward as the administrator's "send now" does.
t0=$(date +%s)
sql "update outbox set not_before = $now_sql where status = 'queued' and dedupe_key like 'r:%'"
rsent() { [ "$(sql "select count(*) from outbox where dedupe_key like 'r:%' and status = 'sent'")" = 60 ]; }
wait_until 90 rsent
check "1: all 60 sent after recovery, $(( $(date +%s) - t0 )) s" rsent
read -r all d < <(counts r "$BAD")
report "1 refusals" 60 "$d" $((all - d)) $((60 - d)) "failed $failed"
check "1: none lost" [ "$d" = 60 ]
check "1: none duplicated" [ "$all" = "$d" ]

echo "# experiment 2: a server that hangs after DATA"
echo hang > "$BAD/mode"
: > "$BAD/refused.txt"
queue h 5
t0=$(date +%s)
first() { [ "$(sql "select count(*) from outbox where dedupe_key like 'h:%' and attempts > 0 and status = 'queued'")" -ge 1 ]; }
wait_until 40 first
took=$(( $(date +%s) - t0 ))
check "2: a hung try ends within 20 s ($took s)" [ "$took" -le 20 ]
hanging() { [ "$(sql "select count(*) from outbox where dedupe_key like 'h:%' and status = 'sending'")" = 1 ]; }
wait_until 30 hanging
pid=$(cat "$TVAR/run/tutti-mailer.pid")
t0=$(date +%s.%N)
kill -TERM "$pid"
wait_until 15 sh -c "! kill -0 $pid 2>/dev/null"
stop_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check "2: SIGTERM during a hang stops the mailer in ${stop_s} s" awk -v x="$stop_s" 'BEGIN { exit !(x <= 3) }'
echo ok > "$BAD/mode"
TUTTI_TEMPLATES=$ROOT/templates "$B/tutti-mailer" -p "$TVAR/run/tutti-mailer.pid" \
    >>"$TVAR/log/tutti-mailer.log" 2>&1 &
sql "update outbox set not_before = $now_sql where status = 'queued' and dedupe_key like 'h:%'"
hsent() { [ "$(sql "select count(*) from outbox where dedupe_key like 'h:%' and status = 'sent'")" = 5 ]; }
wait_until 60 hsent
read -r all d < <(counts h "$BAD")
report "2 hang after DATA" 5 "$d" $((all - d)) $((5 - d)) "first try ${took} s, stop ${stop_s} s"
check "2: none lost" [ "$d" = 5 ]
stack_down
kill "$SMTP_PID" 2>/dev/null
wait "$SMTP_PID" 2>/dev/null
SMTP_PID=

# ---------------------------------------------------------------- 3 and 5
SMTP_PORT=$(free_port)
GOOD=$WORK/good
smtp_up smtpd.py "$GOOD"
export TUTTI_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
stack_up
trap cleanup EXIT
wait_until 60 alldue
# smtpd.py saves "NAME FROM RCPT": counts() looks for " TAG<i>@..." too.
echo "# experiment 3a: the mailer SIGKILLed 5 times while 300 emails go"
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null
smtp_up smtpd.py "$GOOD" 
queue k 300
kills=0
for _ in 1 2 3 4 5; do
	sleep 1.5
	p=$(cat "$TVAR/run/tutti-mailer.pid" 2>/dev/null)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
	# The keeper restarts it; a dead mailer's lease passes (5 minutes).
	sleep 1.2
	sql "update outbox set lease_until = '2000-01-01T00:00:00Z' where status = 'sending' and lease_until < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+299 seconds')"
done
ksent() { [ "$(sql "select count(*) from outbox where dedupe_key like 'k:%' and status = 'sent'")" = 300 ]; }
wait_until 120 ksent
read -r all d < <(counts k "$GOOD")
report "3a mailer killed x$kills" 300 "$d" $((all - d)) $((300 - d))
check "3a: the keeper restarted the mailer each time (alive)" kill -0 "$(cat "$TVAR/run/tutti-mailer.pid")"
check "3a: none lost" [ "$d" = 300 ]
check "3a: at most one duplicate a kill" [ $((all - d)) -le "$kills" ]

echo "# experiment 5: a write lock held 15 s under posts and reads"
$PY - "$TUTTI_DB" <<'PYEOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE settings SET value = value WHERE key = 'outcome_after'")
time.sleep(15)
c.execute("COMMIT")
PYEOF
HOLD=$!
sleep 0.5
cat > "$WORK/lock.py" <<'PYEOF'
import re, sys, threading, time, urllib.request, urllib.parse
base, secs = sys.argv[1], float(sys.argv[2])
stop = time.time() + secs
lock = threading.Lock()
st = {"read_max": 0.0, "reads": 0, "post_max": 0.0, "posts": 0, "p503": 0, "acked": []}
def reader():
    while time.time() < stop:
        for path in ("/healthz", "/refer"):
            t = time.time()
            try: urllib.request.urlopen(base + path, timeout=30).read()
            except Exception: pass
            d = time.time() - t
            with lock:
                st["reads"] += 1; st["read_max"] = max(st["read_max"], d)
        time.sleep(0.05)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
def poster(k):
    i = 0
    while time.time() < stop:
        i += 1
        page = urllib.request.urlopen(base + "/refer", timeout=30).read().decode()
        tok = re.search(r'name="form_token" value="([^"]*)"', page).group(1)
        email = "l%d-%d@example.com" % (k, i)
        data = urllib.parse.urlencode({"form_token": tok, "given_name": "Lock", "family_name": "Test",
            "email": email, "phone": "07700 900 982", "postcode": "sw1a1aa", "date_of_birth": "1980-05-01",
            "preferred_contact": "email", "needs": "autism", "about": "x", "availability": "mon_am",
            "session_type": "group", "access_needs": "", "gp_practice": "P", "emergency_name": "S",
            "emergency_phone": "07700900111", "consent_data": "yes", "consent_contact": "yes", "website": ""}).encode()
        t = time.time()
        try:
            urllib.request.build_opener(NoRedirect).open(base + "/refer", data, timeout=30)
            code = 200
        except urllib.error.HTTPError as e:
            code = e.code
        d = time.time() - t
        with lock:
            st["posts"] += 1; st["post_max"] = max(st["post_max"], d)
            if code == 503: st["p503"] += 1
            if code == 303: st["acked"].append(email)
            st.setdefault("codes", {}).setdefault(code, 0)
            st["codes"][code] += 1
ts = [threading.Thread(target=reader) for _ in range(2)] + [threading.Thread(target=poster, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print("%d %.2f %d %.2f %d" % (st["reads"], st["read_max"], st["posts"], st["post_max"], st["p503"]))
sys.stderr.write("post answers: %r\n" % st.get("codes"))
print("\n".join(st["acked"]))
PYEOF
$PY "$WORK/lock.py" "$BASE" 12 > "$WORK/lock.out" 2>"$WORK/lock.err"
sed 's/^/# /' "$WORK/lock.err"
wait "$HOLD"
read -r reads read_max posts post_max p503 < <(head -n 1 "$WORK/lock.out")
tail -n +2 "$WORK/lock.out" | grep . > "$WORK/lacked" || true
acked=$(wc -l < "$WORK/lacked")
stored=0
while read -r e; do
	[ "$(sql "select count(*) from referrals where email = '$e'")" -ge 1 ] && stored=$((stored + 1))
done < "$WORK/lacked"
report "5 held lock 15 s" "$posts" "$stored" 0 $((acked - stored)) "$p503 answered 503; slowest post ${post_max} s; $reads reads, slowest ${read_max} s"
check "5: posts answer within 3.5 s (slowest ${post_max} s)" awk -v x="$post_max" 'BEGIN { exit !(x <= 3.5) }'
check "5: reads never wait behind writers (slowest ${read_max} s)" awk -v x="$read_max" 'BEGIN { exit !(x <= 1.0) }'
check "5: no acknowledged referral lost" [ "$stored" = "$acked" ]
echo "# experiment 3b: supervisor and nginx master SIGKILLed under load"
cat > "$WORK/load.py" <<'PYEOF'
import re, sys, threading, time, urllib.request, urllib.parse, http.cookiejar
base, secs, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
stop = time.time() + secs
lock = threading.Lock()
st = {"get": 0, "get_ok": 0, "post": 0, "acked": [], "bad": 0}
def getter():
    while time.time() < stop:
        try:
            r = urllib.request.urlopen(base + "/healthz", timeout=5)
            ok = r.status == 200
        except Exception:
            ok = False
        with lock:
            st["get"] += 1; st["get_ok"] += ok
        time.sleep(0.01)
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
def poster(k):
    i = 0
    while time.time() < stop:
        i += 1
        try:
            page = urllib.request.urlopen(base + "/refer", timeout=5).read().decode()
            tok = re.search(r'name="form_token" value="([^"]*)"', page).group(1)
            email = "p%d-%d@example.com" % (k, i)
            data = urllib.parse.urlencode({"form_token": tok, "given_name": "Load", "family_name": "Test",
                "email": email, "phone": "07700 900 982", "postcode": "sw1a1aa", "date_of_birth": "1980-05-01",
                "preferred_contact": "email", "needs": "autism", "about": "x", "availability": "mon_am",
                "session_type": "group", "access_needs": "", "gp_practice": "P", "emergency_name": "S",
                "emergency_phone": "07700900111", "consent_data": "yes", "consent_contact": "yes", "website": ""}).encode()
            op = urllib.request.build_opener(NoRedirect)
            try:
                op.open(base + "/refer", data, timeout=5)
                code = 200
            except urllib.error.HTTPError as e:
                code = e.code
            with lock:
                st["post"] += 1
                if code == 303: st["acked"].append(email)
        except Exception:
            with lock: st["post"] += 1
        time.sleep(0.05)
ts = [threading.Thread(target=getter) for _ in range(3)] + [threading.Thread(target=poster, args=(k,)) for k in range(2)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, "w") as f:
    f.write("%d %d %d\n" % (st["get"], st["get_ok"], st["post"]))
    f.write("\n".join(st["acked"]) + "\n")
PYEOF
$PY "$WORK/load.py" "$BASE" 25 "$WORK/load.out" &
LOAD=$!
sleep 5
kill -KILL "$(cat "$TVAR/run/tutti-fcgi.pid")" "$(cat "$TVAR/run/nginx.pid")"
sleep 3
t0=$(date +%s.%N)
VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" start >"$WORK/restart.log" 2>&1
rc=$?
back_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check "3b: start after the crash brings the site back (${back_s} s)" [ "$rc" = 0 ]
wait "$LOAD"
read -r gets gets_ok posts < <(head -n 1 "$WORK/load.out")
tail -n +2 "$WORK/load.out" | grep . > "$WORK/acked" || true
acked=$(wc -l < "$WORK/acked")
stored=0
while read -r e; do
	[ "$(sql "select count(*) from referrals where email = '$e'")" -ge 1 ] && stored=$((stored + 1))
done < "$WORK/acked"
dups=$(sql "select count(*) - count(distinct email) from referrals where email like 'p%-%@example.com'")
report "3b referrals under crash" "$acked" "$stored" "$dups" $((acked - stored)) "$posts posts; $gets_ok of $gets reads ok; back in ${back_s} s"
check "3b: no acknowledged referral lost" [ "$stored" = "$acked" ]
check "3b: the site answers after" [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]

echo "# chaos took $(( $(date +%s) - START )) s"
finish
