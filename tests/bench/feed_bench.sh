#!/bin/bash
# The calendar feed's speed, against nginx's own `return 200` in the same
# run: the feed of a therapist with 40 weekly series and 200 exceptions
# (120 cancelled sessions, 80 moved), answered
#   - 200 from the stored rendering (nothing changed: one indexed lookup
#     and a copy, no libical),
#   - 304 to If-None-Match with its ETag,
# and the time to rebuild it with libical after a change (the triggers
# mark it stale; the next GET rebuilds and stores it), as the worker
# logs it and as curl sees it.  GET /healthz (the workers' cheapest
# answer) is measured too, as the floor of any request through them.
#
#   B=build bash tests/bench/feed_bench.sh
#
# Environment: B, BENCH_CONNS (32), BENCH_THREADS (2), BENCH_SECONDS (8),
# BENCH_WARMUP (2), WORKERS (one a core), FEED_REBUILDS (30), KEEP=1.
# Prints lines starting "feed-bench:" to quote; exit status 1 when a
# check fails (a wrong status, a feed that is not the one expected).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/stack.sh"	# sets ROOT and B (absolute)
cd "$ROOT"

CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
SECS=${BENCH_SECONDS:-8}
WARMUP=${BENCH_WARMUP:-2}
REBUILDS=${FEED_REBUILDS:-30}
export WORKERS=${WORKERS:-$(nproc)}

for t in wrk curl sqlite3; do
	command -v $t >/dev/null || { echo "feed-bench: $t is missing (make deps)" >&2; exit 1; }
done
[ -x "$B/tutti-fcgi" ] || { echo "feed-bench: $B/tutti-fcgi is missing: make all" >&2; exit 1; }

stack_up
D=$TVAR/feed-bench
mkdir -p "$D"
say() { echo "feed-bench: $*"; }
die() { echo "feed-bench: FAILED: $*" >&2; exit 1; }

# --- a therapist with 40 series and 200 exceptions ----------------------

EMAIL=feed-bench@tutti.example
echo "feed-bench-password-2026" | "$B/tuttictl" user add --email "$EMAIL" \
    --name "Bea Bench" --role therapist --password-stdin >/dev/null
UID_=$(sql "SELECT id FROM users WHERE email = '$EMAIL'")
SITE=$(sql "SELECT site_id FROM rooms GROUP BY site_id HAVING count(*) >= 2 LIMIT 1")
[ -n "$SITE" ] || SITE=$(sql "SELECT id FROM sites ORDER BY id LIMIT 1")
ROOMS=($(sql "SELECT id FROM rooms WHERE site_id = ${SITE:-0} ORDER BY id LIMIT 2"))
CLIENT=$(sql "SELECT id FROM clients ORDER BY id LIMIT 1")
[ -n "$SITE" ] && [ -n "$CLIENT" ] || die "the demo data has no site or client"
R1=${ROOMS[0]:-NULL}
R2=${ROOMS[1]:-$R1}
sql <<EOF
INSERT INTO therapists (user_id, name) VALUES ($UID_, 'Bea Bench');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
INSERT INTO series (uid, therapist_id, client_id, site_id, room_id, first_date,
    start_local, length_min, count, created_at, updated_at)
SELECT 'feed-bench-' || i || '@tutti.localhost',
    (SELECT id FROM therapists WHERE user_id = $UID_), $CLIENT, $SITE,
    CASE WHEN i % 2 = 0 THEN $R1 ELSE $R2 END,
    date('now', 'weekday 1', '-28 days', '+' || (i % 5) || ' days'),
    printf('%02d:00', 9 + i / 5), 45, 20,
    strftime('%Y-%m-%dT%H:%M:%SZ'), strftime('%Y-%m-%dT%H:%M:%SZ') FROM n;
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 4)
INSERT INTO exceptions (series_id, occ_date, kind, new_start_utc,
    new_length_min, new_room_id, sequence, created_at)
SELECT s.id, date(s.first_date, '+' || (7 * (1 + 3 * j)) || ' days'),
    CASE WHEN j % 2 = 0 THEN 'cancelled' ELSE 'moved' END,
    CASE WHEN j % 2 = 1 THEN CAST(strftime('%s', date(s.first_date,
        '+' || (7 * (1 + 3 * j) + 1) || ' days') || ' 17:00') AS INTEGER) END,
    CASE WHEN j % 2 = 1 THEN 45 END, CASE WHEN j % 2 = 1 THEN $R2 END,
    1, strftime('%Y-%m-%dT%H:%M:%SZ')
FROM series s, k WHERE s.uid LIKE 'feed-bench-%';
EOF
TID=$(sql "SELECT id FROM therapists WHERE user_id = $UID_")
NS=$(sql "SELECT count(*) FROM series WHERE therapist_id = $TID")
NX=$(sql "SELECT count(*) FROM exceptions x JOIN series s ON s.id = x.series_id WHERE s.therapist_id = $TID")
[ "$NS" = 40 ] && [ "$NX" = 200 ] || die "made $NS series and $NX exceptions"

# stack_up set TUTTI_BASE_URL to $BASE: the URL is on this stack.
URL=$("$B/tuttictl" feed-url --email "$EMAIL" 2>/dev/null) || die "tuttictl feed-url"

# --- checks before measuring -------------------------------------------

code=$(curl -s -o "$D/feed.ics" -D "$D/head" -w '%{http_code}' "$URL")
[ "$code" = 200 ] || die "GET the feed answered $code"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$D/head" | tr -d '\r')
SIZE=$(wc -c < "$D/feed.ics")
NEV=$(grep -c '^BEGIN:VEVENT' "$D/feed.ics")
NEX=$(grep -c '^EXDATE' "$D/feed.ics")
NRID=$(grep -c '^RECURRENCE-ID' "$D/feed.ics")
[ "$NEX" = 120 ] && [ "$NRID" = 80 ] || die "the feed has $NEX EXDATEs and $NRID overrides"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$URL")
[ "$code" = 304 ] || die "If-None-Match answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/nginx-ok")
[ "$code" = 200 ] || die "nginx-ok answered $code"
say "a therapist's feed of $NS series and $NX exceptions: $SIZE bytes, $NEV VEVENTs ($NEX EXDATEs, $NRID overrides)"

# --- throughput ----------------------------------------------------------

# run NAME URL [wrk args]: prints "rps p50_us p99_us non2xx3xx".
run() {
	local name=$1 url=$2
	shift 2
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1
	wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" \
	    > "$D/$name.txt" 2>&1
	awk '
	function us(v) {
		if (v ~ /us$/) { sub(/us$/, "", v); return v + 0 }
		if (v ~ /ms$/) { sub(/ms$/, "", v); return v * 1000 }
		if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000000 }
		return v + 0
	}
	/^Requests\/sec:/ { rps = $2 }
	/^ +50%/ { p50 = us($2) }
	/^ +99%/ { p99 = us($2) }
	/Non-2xx or 3xx responses:/ { bad = $NF }
	END { printf "%.0f %.0f %.0f %d\n", rps, p50, p99, bad }' "$D/$name.txt"
}
fmt() { awk -v u="$1" 'BEGIN { if (u < 1000) printf "%d µs", u; else printf "%.2f ms", u / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }

say "wrk -t$THREADS -c$CONNS, ${WARMUP}s warm-up + ${SECS}s a target, $WORKERS workers"
read -r N_RPS N_P50 N_P99 N_BAD < <(run nginx "$BASE/nginx-ok")
read -r H_RPS H_P50 H_P99 H_BAD < <(run healthz "$BASE/healthz")
read -r F_RPS F_P50 F_P99 F_BAD < <(run feed200 "$URL")
read -r C_RPS C_P50 C_P99 C_BAD < <(run feed304 "$URL" -H "If-None-Match: $ETAG")
[ "$F_BAD" = 0 ] && [ "$C_BAD" = 0 ] || die "wrk saw $F_BAD and $C_BAD answers other than 2xx/3xx"
[ "$(sql "SELECT stale FROM feeds WHERE kind = 'therapist' AND owner_id = $TID")" = 0 ] ||
    die "the feed was stale after the runs"
say "nginx return 200:      $N_RPS req/s, p50 $(fmt "$N_P50"), p99 $(fmt "$N_P99")"
say "GET /healthz (workers): $H_RPS req/s ($(pct "$H_RPS" "$N_RPS") of nginx), p50 $(fmt "$H_P50"), p99 $(fmt "$H_P99")"
say "feed 200, stored:      $F_RPS req/s ($(pct "$F_RPS" "$N_RPS") of nginx), p50 $(fmt "$F_P50"), p99 $(fmt "$F_P99"), $SIZE bytes each"
say "feed 304, If-None-Match: $C_RPS req/s ($(pct "$C_RPS" "$N_RPS") of nginx), p50 $(fmt "$C_P50"), p99 $(fmt "$C_P99")"

# --- rebuilding after a change ------------------------------------------

LOG=$TVAR/log/tutti-fcgi.log
: > "$D/rebuild.ms"
: > "$D/rebuild.curl"
: > "$D/cached.curl"
SID=$(sql "SELECT id FROM series WHERE therapist_id = $TID ORDER BY id LIMIT 1")
cp "$D/feed.ics" "$D/before.ics"
for i in $(seq "$REBUILDS"); do
	# A change: the series' SEQUENCE rises; the trigger marks it stale.
	sql "UPDATE series SET sequence = sequence + 1, updated_at =
	    strftime('%Y-%m-%dT%H:%M:%SZ') WHERE id = $SID"
	n0=$(wc -l < "$LOG")
	curl -s -o "$D/r.ics" -w '%{time_total}\n' "$URL" >> "$D/rebuild.curl"
	! cmp -s "$D/r.ics" "$D/before.ics" || die "change $i: the feed did not change"
	grep -q "^SEQUENCE:$i"$'\r'"\$" "$D/r.ics" || die "change $i: not SEQUENCE $i"
	cp "$D/r.ics" "$D/before.ics"
	sleep 0.05	# the worker logs after it answers
	tail -n +"$((n0 + 1))" "$LOG" |
	    sed -n 's|^GET /calendar/[^ ]* 200 \([0-9.]*\)ms$|\1|p' |
	    tail -n 1 >> "$D/rebuild.ms"
	curl -s -o /dev/null -w '%{time_total}\n' "$URL" >> "$D/cached.curl"
done
stats() {	# stats FILE SCALE: "median p90" of the numbers in FILE * SCALE
	sort -g "$1" | awk -v s="$2" '{ v[NR] = $1 * s } END {
	    if (NR == 0) { print "- -"; exit }
	    printf "%.2f %.2f\n", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)] }'
}
read -r RM RP < <(stats "$D/rebuild.ms" 1)
read -r CM CP < <(stats "$D/rebuild.curl" 1000)
read -r KM KP < <(stats "$D/cached.curl" 1000)
say "rebuild after a change ($REBUILDS changes): in the worker median $RM ms, p90 $RP ms; the GET through nginx median $CM ms, p90 $CP ms (an unchanged GET: median $KM ms)"
