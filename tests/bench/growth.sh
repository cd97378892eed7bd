#!/bin/bash
# make bench, part two: how each page's cost grows with the size of the
# service and the years it keeps.  For each size below, a database made
# by `tuttictl demo` (kept in $B/bench/; GROWTH_REMAKE=1 makes them again), the stack started on a copy of it (tests/bench/run.sh with
# STACK_DB), every page measured with wrk at 8 connections, and then one
# table: p50 and p99 of each page at each size, beside the same-size
# FastCGI hello, plus each database's size and how long `tuttictl backup`
# and `tuttictl purge` take on it.  The table is appended to
# bench/results.md.
#
#   B=build bash tests/bench/growth.sh
#
# Environment: B, GROWTH_SIZES (a bash regex: the sizes to run, default
# all), GROWTH_DATA (the folder of the databases, $B/bench), BENCH_N10=1
# (make the N=10, Y=6 database when absent: about 200 s of CPU and
# 1.2 GB; without it that size is measured only when its database is
# there already), BENCH_SECONDS (5) and BENCH_WARMUP (1) for each target,
# BENCH_RESULTS.
#
# A page is a line of TARGETS (run.sh's format).  A page that answers
# 404 is shown as "not built yet": adding a page is adding its line.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.md}
DATA=${GROWTH_DATA:-$B/bench}
mkdir -p "$DATA"

# name | tuttictl demo arguments
SIZES='
demo      |
N=1, Y=6  | --scale 1 --years 6
N=10, Y=6 | --scale 10 --years 6
'

DOLORES="select id from referrals where given_name = 'Dolores' and family_name = 'Santos'"
# No '@' in a query (it ends the @SQL:...@ token) and no '|' (it ends
# the target's field): the address is spelt with '#' for its '@'.
OPEN_CLIENT="select c.referral_id from clients c join therapists t on t.id = c.therapist_id join users u on u.id = t.user_id where u.email = replace('therapist#tutti.example', '#', char(64)) and c.ended_at is null order by c.id limit 1"
TARGETS="
nginx return 200   | GET  | /nginx-ok        | 200 | get.lua | -
hello (FastCGI)    | GET  | @HELLO@/hello    | 200 | get.lua | -
hello, /refer size | GET  | @HELLO@/hello?bytes=@SIZE:/refer@ | 200 | get.lua | -
hello, feed size   | GET  | @HELLO@/hello?bytes=@SIZE:FEED:therapist@ | 200 | get.lua | -
GET /refer         | GET  | /refer           | 200 | get.lua | -
queue (open, default) | GET | /referrals     | 200 | get.lua | login:coordinator
a referral         | GET  | /referrals/@SQL:$DOLORES@ | 200 | get.lua | login:coordinator
client record      | GET  | /clients/@SQL:$OPEN_CLIENT@ | 200 | get.lua | login:coordinator
matches            | GET  | /referrals/@SQL:$DOLORES@/matches | 200 | get.lua | login:coordinator
plan (whole waitlist) | GET | /referrals/plan | 200 | get.lua | login:coordinator
schedule week      | GET  | /schedule        | 200 | get.lua | login:coordinator
therapist /me      | GET  | /me              | 200 | get.lua | login:therapist
reports, last year | GET  | /reports         | 200 | get.lua | login:coordinator
reports, six years | GET  | /reports?from=@DATE:-2191@&to=@DATE:0@ | 200 | get.lua | login:coordinator
CSV, six years     | GET  | /reports.csv?table=sessions_by_month&from=@DATE:-2191@&to=@DATE:0@ | 200 | get.lua | login:coordinator
impact report      | GET  | /reports/impact  | 200 | get.lua | login:coordinator
calendar feed 200  | GET  | @FEED:therapist@ | 200 | get.lua | -
calendar feed 304  | GET  | @FEED:therapist@ | 304 | get.lua | etag
POST /refer        | POST | /refer           | 303 | refer_post.lua | tokens
"

slug() { echo "$1" | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//'; }

# The database of a size, made when absent (or GROWTH_REMAKE=1): the
# N=10 one takes minutes.
make_db() {	# make_db SLUG ARGS...
	local db=$DATA/growth-$1.db t0 t1
	shift
	if [ -f "$db" ] && [ -z "${GROWTH_REMAKE:-}" ]; then
		echo "$db"
		return
	fi
	rm -f "$db" "$db-wal" "$db-shm"
	t0=$(date +%s%N)
	TUTTI_DB=$db "$B/tuttictl" init >/dev/null
	TUTTI_DB=$db nice -n 5 "$B/tuttictl" demo "$@" > "${db%.db}.logins" \
	    2> "${db%.db}.made"
	t1=$(date +%s%N)
	sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	echo "$(( (t1 - t0) / 1000000 ))" > "${db%.db}.ms"
	echo "$db"
}

# ms of wall time a command takes.
time_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

declare -A P50 P99 NOTE FACTS RPS CPU
NAMES=()
COLS=()
while IFS='|' read -r -u 3 name args; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	if [ -n "${GROWTH_SIZES:-}" ] && [[ ! $name =~ ${GROWTH_SIZES} ]]; then
		continue
	fi
	s=$(slug "$name")
	if [ "$s" = N-10-Y-6 ] && [ ! -f "$DATA/growth-$s.db" ] &&
	    [ -z "${BENCH_N10:-}" ]; then
		echo "growth: $name: no database in $DATA (BENCH_N10=1 makes it)"
		continue
	fi
	echo "growth: $name: the database (tuttictl demo $args)"
	# shellcheck disable=SC2086
	db=$(make_db "$s" $args)
	COLS+=("$name")
	tsv=$DATA/growth-$s.tsv
	STACK_DB=$db BENCH_TARGETS=$TARGETS BENCH_QUEUE_REFERRALS=0 \
	    BENCH_CONNS=8 BENCH_SECONDS=${BENCH_SECONDS:-5} \
	    BENCH_WARMUP=${BENCH_WARMUP:-1} BENCH_TSV=$tsv \
	    BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-20} \
	    BENCH_RESULTS=$DATA/growth-$s.md B=$B \
	    bash "$HERE/run.sh" || echo "growth: $name: some targets failed (see $DATA/growth-$s.md)"
	while IFS='|' read -r n rps p50 p99 cpu note; do
		[[ " ${NAMES[*]} " == *" $n "* ]] || NAMES+=("$n")
		P50[$n,$name]=$p50 P99[$n,$name]=$p99 NOTE[$n,$name]=$note
		RPS[$n,$name]=$rps CPU[$n,$name]=$cpu
	done < "$tsv"
	# Size, backup and purge on a copy (purge changes it).
	cp "$db" "$DATA/purge.db"
	bk=$(time_ms env TUTTI_DB="$db" nice -n 5 "$B/tuttictl" backup "$DATA/backup.db" || echo failed)
	rm -f "$DATA/backup.db"
	pg=$(time_ms env TUTTI_DB="$DATA/purge.db" nice -n 5 "$B/tuttictl" purge || echo failed)
	rm -f "$DATA/purge.db" "$DATA/purge.db-wal" "$DATA/purge.db-shm"
	FACTS[$name]="$(awk '{ printf "%.0f MB", $5 / 1048576 }' < <(ls -l "$db")), made in $(awk '{ printf "%.0f s", $1 / 1000 }' "${db%.db}.ms"), backup $bk ms, purge $pg ms; $(grep -o '[0-9][0-9]* referrals' "${db%.db}.made" | head -n 1), $(grep -o '[0-9][0-9]* sessions' "${db%.db}.made" | head -n 1)"
done 3<<< "$SIZES"

us() { awk -v u="$1" 'BEGIN { if (u == "") print "–"; else if (u < 1000) printf "%d µs", u; else if (u < 10000) printf "%.2f ms", u / 1000; else printf "%.1f ms", u / 1000 }'; }
# The ceiling a page is held against: a hello of its own size where the
# table has one, else the tiny hello.
ceiling() {
	case $1 in
	"GET /refer") echo "hello, /refer size" ;;
	"calendar feed 200") echo "hello, feed size" ;;
	*) echo "hello (FastCGI)" ;;
	esac
}
# A cell: "p50 / p99 · ×R of hello · CPU µs" (R: req/s against the ceiling's).
cell() {	# cell PAGE SIZE
	local h r
	h=$(ceiling "$1")
	r=$(awk -v a="${RPS[$1,$2]:-}" -v b="${RPS[$h,$2]:-}" 'BEGIN {
	    if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f", a / b }')
	printf '%s / %s · %s · %s' "$(us "${P50[$1,$2]}")" "$(us "${P99[$1,$2]}")" \
	    "$r" "$(us "${CPU[$1,$2]:-}")"
}
{
	echo
	echo "## How each page grows with the service (8 connections)"
	echo
	echo "Made by \`make bench\` (tests/bench/growth.sh, $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "source $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))."
	echo "Each cell: p50 / p99 latency at 8 connections · req/s as a share of the"
	echo "same-size FastCGI hello's (GET /refer and the feed 200 against a hello of"
	echo "their own size, every other page against the tiny hello) · the app's CPU"
	echo "a request (steadier than latency on a shared machine).  Data: \`tuttictl"
	echo "demo\` (a year of a service a tenth the size DESIGN.md describes) and"
	echo "\`--scale N --years Y\`."
	echo
	printf '| page |'
	for c in "${COLS[@]}"; do printf ' %s |' "$c"; done
	echo
	printf '| --- |'
	for c in "${COLS[@]}"; do printf ' ---: |'; done
	echo
	for n in "${NAMES[@]}"; do
		printf '| %s |' "$n"
		for c in "${COLS[@]}"; do
			if [ -n "${P50[$n,$c]:-}" ]; then
				printf ' %s |' "$(cell "$n" "$c")"
			else
				printf ' %s |' "${NOTE[$n,$c]:-–}"
			fi
		done
		echo
	done
	echo
	for c in "${COLS[@]}"; do echo "- $c: ${FACTS[$c]}"; done
} | tee -a "$RESULTS"
