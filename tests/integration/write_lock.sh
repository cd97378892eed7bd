#!/bin/bash
# Issue 14, short form of 5: one write lock held elsewhere for 8 s.
# A post waits at most about 2.5 s, then gets the clear 503 page with
# what was typed kept; reads (/healthz, GET /refer) never wait behind
# the waiting writers.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up
W=$TVAR/work
mkdir -p "$W"

# A form token for each post, fetched before the lock.
for i in 1 2 3 4; do
	curl -s -o "$W/form$i" "$BASE/refer"
	form_token "$W/form$i" > "$W/tok$i"
done

# The lock, held by another program for 8 seconds.
$PY - "$TUTTI_DB" <<'PYEOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE settings SET value = value WHERE key = 'outcome_after'")
open(sys.argv[1] + ".held", "w").close()
time.sleep(8)
c.execute("COMMIT")
PYEOF
HOLDER=$!
for _ in $(seq 50); do [ -e "$TUTTI_DB.held" ] && break; sleep 0.1; done

# Four posts at once (more than the cores), each with a name typed in.
post() {
	curl -s -o "$W/post$1" -w '%{http_code} %{time_total}\n' "$BASE/refer" \
	    --data-urlencode "form_token=$(cat "$W/tok$1")" \
	    --data "given_name=Typed$1&family_name=Kept&email=t$1%40example.com&phone=07700+900+982&postcode=sw1a1aa&date_of_birth=1980-05-01&preferred_contact=email&needs=autism&about=I+hope+to+feel+calmer&availability=mon_am&session_type=group&access_needs=&gp_practice=Park+Surgery&emergency_name=Sam&emergency_phone=07700900111&consent_data=yes&consent_contact=yes&website=" \
	    > "$W/post$1.res"
}
for i in 1 2 3 4; do post $i & done
sleep 0.3
# Reads meanwhile.
slow=0
max=0
for i in $(seq 20); do
	t=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/healthz")
	u=$(curl -s -o /dev/null -w '%{time_total}' "$BASE/refer")
	for x in $t $u; do
		awk -v x="$x" 'BEGIN { exit !(x > 1.0) }' && slow=$((slow + 1))
		max=$(awk -v x="$x" -v m="$max" 'BEGIN { print (x > m ? x : m) }')
	done
done
wait %2 %3 %4 %5 2>/dev/null
check "reads never waited behind the writers (slowest ${max}s of 40)" [ "$slow" = 0 ]
for i in 1 2 3 4; do
	read -r code secs < "$W/post$i.res"
	check "post $i: 503 while the lock is held ($code)" [ "$code" = 503 ]
	check "post $i: answered within 3.5 s (${secs}s)" awk -v x="$secs" 'BEGIN { exit !(x <= 3.5) }'
done
check "the 503 page says nothing was saved, send again" grep -q 'Nothing was saved. Your answers are kept' "$W/post1"
check "the 503 page keeps what was typed" grep -q 'Typed1' "$W/post1"
wait "$HOLDER"
check "the site answers after the lock is released" [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]
finish
