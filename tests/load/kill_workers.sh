#!/bin/bash
# Load and fault test: 64 clients send valid referrals through the real
# nginx and workers while one worker is killed with SIGKILL every ~2 s.
#
#   LOAD_SECONDS=10 (default; 30 for the full run)  LOAD_CLIENTS=64
#   KILL_EVERY=2    WORKERS= (default: one a core, as in production)
#   LOAD_KILL_WINDOW=1.0 (seconds after a kill in which a 502 is forgiven)
#
# Each client: GET /refer for a fresh token, POST a valid form whose
# "about" carries a marker unique to the submission, record the status and
# the ref of the 303.  A 502 (the worker died under it) is sent again with
# the same token, as a person would; the single-use token must then give
# the same ref if the first try was stored.  Asserts (tests/load/refer_load.py
# check): every 303's ref is exactly one stored row, of that submission; no
# duplicates, none missing; no 5xx but 502s within 1 s of a kill; each
# referral whole (outbox and site rows); integrity_check ok; the workers
# come back and the next request succeeds.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/stack.sh

LOAD_SECONDS=${LOAD_SECONDS:-10}
LOAD_CLIENTS=${LOAD_CLIENTS:-64}
KILL_EVERY=${KILL_EVERY:-2}
DRIVER=tests/load/refer_load.py

# Workers of the tutti-fcgi parent, one pid a line.
workers() {
	pgrep -P "$(cat "$TVAR/run/tutti-fcgi.pid")" | sort -n
}

stack_up
parent=$(cat "$TVAR/run/tutti-fcgi.pid")
nworkers=$(workers | wc -l)
check "the stack runs $nworkers workers under parent $parent" \
    [ "$nworkers" -ge 1 ]
before=$(sql "SELECT count(*) FROM referrals")

echo "# $LOAD_CLIENTS clients for $LOAD_SECONDS s, a SIGKILL every" \
    "$KILL_EVERY s"
if timeout $((${LOAD_SECONDS%.*} + 60)) "$PY" "$DRIVER" run --base "$BASE" \
    --out "$TVAR/load" --clients "$LOAD_CLIENTS" --seconds "$LOAD_SECONDS" \
    --parent "$parent" --kill-every "$KILL_EVERY" >"$TVAR/load.out" 2>&1
then
	ok "the load driver finished in time ($(tail -n 1 "$TVAR/load.out"))"
else
	not_ok "the load driver finished in time" "$(tail -n 5 "$TVAR/load.out")"
fi

# The checks print "ok<TAB>desc" or "fail<TAB>desc<TAB>detail".
"$PY" "$DRIVER" check --out "$TVAR/load" --db "$TUTTI_DB" \
    --log "$TVAR/log/tutti-fcgi.log" --seconds "$LOAD_SECONDS" \
    --kill-every "$KILL_EVERY" >"$TVAR/check.out" 2>&1
rc=$?
grep '^#' "$TVAR/check.out"
while IFS=$'\t' read -r st desc detail; do
	case $st in
	ok) ok "$desc" ;;
	fail) not_ok "$desc" "$detail" ;;
	esac
done < <(grep -E '^(ok|fail)	' "$TVAR/check.out")
if [ $rc -ne 0 ] || ! grep -qE '^(ok|fail)	' "$TVAR/check.out"; then
	not_ok "the check ran" "$(tail -n 10 "$TVAR/check.out")"
fi

# The supervisor has replaced every killed worker.
n=0
for _ in $(seq 50); do
	n=$(workers | wc -l)
	[ "$n" -eq "$nworkers" ] && break
	sleep 0.1
done
check "after the run the parent has its $nworkers workers again ($n)" \
    [ "$n" -eq "$nworkers" ]
check "the parent itself was never killed" kill -0 "$parent"

# And they answer: a fresh referral goes through.
curl -s -o "$TVAR/form.html" "$BASE/refer"
tok=$(form_token "$TVAR/form.html")
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
    --data-urlencode "form_token=$tok" -d given_name=After \
    -d family_name=Load -d date_of_birth=1960-02-29 \
    -d email=after.load@example.com -d preferred_contact=email \
    -d postcode=M1+1AE -d about=after+the+load -d needs=other \
    -d availability=fri_pm -d session_type=group -d consent_data=yes \
    "$BASE/refer")
ref=${loc##*ref=}
check "after the run a new referral is answered 303 ($loc)" \
    [ "${loc%% *}" = 303 ]
check "and stored once" \
    [ "$(sql "SELECT count(*) FROM referrals WHERE ref = '$ref' AND about = 'after the load'")" = 1 ]
after=$(sql "SELECT count(*) FROM referrals")
nload=$(sql "SELECT count(*) FROM referrals WHERE about LIKE 'load %'")
check "no other rows appeared: $before before + $nload from the load + 1" \
    [ "$after" -eq $((before + nload + 1)) ]

finish
