#!/bin/sh
# make bench: how fast the real stack answers, against two ceilings from
# the same run on the same machine: nginx's own `return 200`, and a
# minimal libfcgi program (tests/bench/fcgi_hello.c) behind the same nginx.
#
#   B=build sh tests/bench/run.sh
#
# Starts the real stack (tests/lib/stack.sh) with a temporary state
# folder, and fcgi-hello on its own socket; nginx gets one more server
# block (on another loopback port) through NGINX_EXTRA whose only location
# passes /hello to fcgi-hello with the product's own fastcgi.conf.  Then
# wrk runs each target in TARGETS below: a warm-up, then the measured run.
# Prints one table (requests a second, p50 and p99 latency, each as a
# ratio to the two ceilings), the peak memory of each worker, and writes
# it all to bench/results.md.
#
# Environment: B (build folder), BENCH_CONNS (32), BENCH_THREADS (2),
# BENCH_TARGETS (the target lines, instead of those below), STACK_DB (a
# database to start from, see tests/lib/stack.sh), BENCH_TSV (a file to
# write "name|req/s|p50 µs|p99 µs|app CPU µs a request|note" lines to),
# BENCH_SECONDS (8), BENCH_WARMUP (2), WORKERS (one a core),
# BENCH_QUIET_WAIT (seconds to wait for other programs to go quiet, 60),
# BENCH_ONLY (a bash regex: only the targets it matches, and the
# ceilings), BENCH_RESULTS (the file written, bench/results.md), KEEP=1
# keeps the state folder.  Exit status 1 when a target failed its checks.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/stack.sh"	# sets ROOT and B (absolute)
cd "$ROOT"

# Each target is one line: name | method | path | expected status |
# wrk script | setup [| connections, BENCH_CONNS when absent].  A path starting with @HELLO@ goes to fcgi-hello's
# server; @SIZE:/path@ is the size of what GET /path answers (hello pads
# its body to ?bytes=N, so that moving a page is told from making it;
# @SIZE:FEED:role@ the size of that role's calendar feed);
# @FEED:role@ is the calendar feed of that role's first demo user
# (tuttictl feed-url); @SQL:query@ is the first value the query gives
# (an id to read: no '|' or '*' in it); @DATE:-365@ the local date so
# many days from today.  Setup: - (none), login:ROLE (a staff session
# cookie for a demo user of that role), etag (If-None-Match: the ETag
# that a first GET answered), tokens (fresh form tokens, POST /refer),
# week300 (grows the database to the matching bench's 300 therapists and
# a month of bookings first: tests/bench/week_fill.sh); several setups
# are joined with '+'.  A row run at other than BENCH_CONNS connections
# is compared with the ceilings measured at its own (a row
# '@HELLO@/hello' at those connections), else with those at BENCH_CONNS.
# A target whose path answers 404 is skipped as "not built yet".
# POST /refer comes last: it adds tens of thousands of referrals, which
# would change what the other pages read.
TARGETS='
nginx return 200   | GET  | /nginx-ok        | 200 | get.lua        | -
hello (FastCGI)    | GET  | @HELLO@/hello    | 200 | get.lua        | -
hello, /refer size | GET  | @HELLO@/hello?bytes=@SIZE:/refer@ | 200 | get.lua | -
GET /refer         | GET  | /refer           | 200 | get.lua        | -
coordinator queue  | GET  | /referrals       | 200 | get.lua        | login:coordinator
hello, /refer/easy size | GET | @HELLO@/hello?bytes=@SIZE:/refer/easy@ | 200 | get.lua | -
GET /refer/easy    | GET  | /refer/easy      | 200 | get.lua        | -
hello, feed size   | GET  | @HELLO@/hello?bytes=@SIZE:FEED:therapist@ | 200 | get.lua | -
calendar feed 200  | GET  | @FEED:therapist@ | 200 | get.lua        | -
calendar feed 304  | GET  | @FEED:therapist@ | 304 | get.lua        | etag
hello, 8 connections | GET | @HELLO@/hello    | 200 | get.lua        | - | 8
schedule week, 300 therapists | GET | /schedule | 200 | get.lua | week300+login:coordinator | 8
POST /refer        | POST | /refer           | 303 | refer_post.lua | tokens
'
TARGETS=${BENCH_TARGETS:-$TARGETS}
REF_NGINX="nginx return 200"
REF_HELLO="hello (FastCGI)"

CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
SECONDS_RUN=${BENCH_SECONDS:-8}
WARMUP=${BENCH_WARMUP:-2}
export WORKERS=${WORKERS:-$(nproc)}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results.md}
ONLY=${BENCH_ONLY:-}
LOGS=$B/bench	# wrk's own output, one file a run
HELLO=$B/tests/fcgi-hello
MINT=$B/tests/mint-tokens

for t in wrk curl sqlite3 pgrep; do
	command -v $t >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 1; }
done
[ -x "$HELLO" ] || { echo "bench: $HELLO is missing: run make bench" >&2; exit 1; }
[ -x "$B/tutti-fcgi" ] || { echo "bench: $B/tutti-fcgi is missing: run make bench" >&2; exit 1; }
mkdir -p "$LOGS" "$ROOT/bench"

# mint-tokens (tests/bench/mint_tokens.c) is built here, with the
# Makefile's flags, so that the Makefile needs no rule of its own.
PKGS="sqlite3 libsodium libical libcurl fcgi libqrencode"
# Again whenever any archive it links is newer (a new migration changes
# only libdb.a, and an old mint-tokens refuses the newer schema).
mint_stale() {
	local a
	[ -x "$MINT" ] && [ ! "$ROOT/tests/bench/mint_tokens.c" -nt "$MINT" ] ||
	    return 0
	for a in "$B"/lib/*.a; do
		[ ! "$a" -nt "$MINT" ] || return 0
	done
	return 1
}
if mint_stale; then
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -g -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	    -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -I"$ROOT" -I"$B/gen" \
	    $(pkg-config --cflags $PKGS) -o "$MINT" \
	    "$ROOT/tests/bench/mint_tokens.c" \
	    "$B/lib/libcgi.a" "$B/lib/libcore.a" "$B/lib/libmail.a" \
	    "$B/lib/libical.a" "$B/lib/libdb.a" "$B/lib/libsched.a" \
	    "$B/lib/libtemplates.a" "$B/lib/libutil.a" \
	    $(pkg-config --libs $PKGS) -lm
fi

# --- the stack, and fcgi-hello behind the same nginx ---------------------

BDIR=$(mktemp -d /tmp/tutti-bench.XXXXXX)
# Started as root, nginx's workers are www-data's (else nobody's), as
# ctl/stack.sh arranges: they reach fcgi-hello's socket (0660) through
# this folder's group, which the setgid bit gives the socket.
if [ "$(id -u)" = 0 ]; then
	u=www-data
	id -u "$u" >/dev/null 2>&1 || u=nobody
	chgrp "$(id -gn "$u")" "$BDIR" && chmod 2710 "$BDIR"
fi
HELLO_PID=
cleanup() {
	if [ -n "$HELLO_PID" ]; then
		kill -TERM "$HELLO_PID" 2>/dev/null || true
		wait "$HELLO_PID" 2>/dev/null || true
		HELLO_PID=
	fi
	stack_down
	rm -rf "$BDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

HELLO_PORT=$(free_port)
HBASE=http://127.0.0.1:$HELLO_PORT
sed 's/^fastcgi_pass tutti;$/fastcgi_pass tutti_bench_hello;/' \
    "$ROOT/nginx/fastcgi.conf.in" > "$BDIR/fastcgi-hello.conf"
grep -q '^fastcgi_pass tutti_bench_hello;$' "$BDIR/fastcgi-hello.conf" || {
	echo "bench: nginx/fastcgi.conf.in has no 'fastcgi_pass tutti;' line" >&2
	exit 1
}
# One line: ctl/stack.sh puts it in with sed.
export NGINX_EXTRA="upstream tutti_bench_hello { server unix:$BDIR/hello.sock; } server { listen 127.0.0.1:$HELLO_PORT; server_name localhost; location = /hello { include $BDIR/fastcgi-hello.conf; } }"

"$HELLO" -n "$WORKERS" -s "$BDIR/hello.sock" >"$BDIR/hello.log" 2>&1 &
HELLO_PID=$!
echo "$HELLO_PID" > "$BDIR/hello.pid"
stack_up
trap cleanup EXIT	# stack_up set its own

# The coordinator queue is measured with 20,000 referrals in the
# database (issue 3), in every state, spread over two years.
QUEUE_REFERRALS=${BENCH_QUEUE_REFERRALS:-20000}
[ "$QUEUE_REFERRALS" -eq 0 ] || sqlite3 -cmd '.timeout 10000' "$TUTTI_DB" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $QUEUE_REFERRALS)
INSERT INTO referrals (ref, status, source, given_name, family_name,
    email, phone, postcode, date_of_birth, preferred_contact, needs, about,
    availability, session_type, consent_data, created_at, updated_at)
SELECT printf('Q%03X-%04X', i / 65536, i % 65536),
    CASE i % 8 WHEN 0 THEN 'new' WHEN 1 THEN 'triaged'
        WHEN 2 THEN 'waitlisted' WHEN 3 THEN 'matched' WHEN 4 THEN 'active'
        WHEN 5 THEN 'closed' WHEN 6 THEN 'declined' ELSE 'withdrawn' END,
    CASE i % 3 WHEN 0 THEN 'phone' ELSE 'self' END,
    'Bench' || i, 'Person', '', '07700900000', 'N1 ' || (i % 9) || 'AA',
    '1980-01-01', 'phone', 1 << (i % 8), 'bench', 1 << (i % 21), 'either',
    1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (i % 730) || ' days',
    '-' || (i % 1440) || ' minutes'),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM n;" ||
    { echo "bench: cannot add the queue's referrals" >&2; exit 1; }
echo "bench: $(sqlite3 "$TUTTI_DB" 'select count(*) from referrals') referrals in the database for the queue"
[ "$PORT" != "$HELLO_PORT" ] || { echo "bench: port clash; run again" >&2; exit 1; }
i=0
until [ -S "$BDIR/hello.sock" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "bench: fcgi-hello did not start" >&2; cat "$BDIR/hello.log" >&2; exit 1; }
	sleep 0.1
done

# --- helpers ------------------------------------------------------------

referrals() { sql 'SELECT count(*) FROM referrals'; }

# The first demo user with role $1: "email password".
demo_user() {
	awk -v r="$1" '$1 == r { print $2, $4; exit }' "$TVAR/demo-logins.txt"
}

# The body of a complete, valid referral, ending in "form_token=".
refer_body() {
	local s1 s2
	s1=$(sql 'SELECT id FROM sites ORDER BY id LIMIT 1')
	s2=$(sql 'SELECT id FROM sites ORDER BY id LIMIT 1 OFFSET 1')
	printf '%s' "given_name=Sam&family_name=Bench&date_of_birth=1984-03-27" \
	    "&email=sam.bench%40example.org&phone=07700+900+982" \
	    "&preferred_contact=email&voicemail_ok=yes&postcode=SW1A+1AA" \
	    "&gp_practice=Camden+Health+Centre&emergency_name=Alex+Bench" \
	    "&emergency_phone=07700+900+123&language=English" \
	    "&about=Since+my+stroke+I+find+words+hard%3B+I+used+to+sing+in+a" \
	    "+choir+and+hope+music+could+help+me+find+my+voice+again." \
	    "&needs=neuro_rehab&needs=mental_health" \
	    "&availability=mon_am&availability=wed_pm&availability=fri_eve" \
	    "&session_type=either&online_ok=yes${s1:+&site=$s1}${s2:+&site=$s2}" \
	    "&access_needs=Step-free+access%2C+please.&consent_data=yes" \
	    "&consent_contact=yes&website=&form_token="
}

# A staff session: logs in as the first demo user of role $1 through the
# login form (every hidden field it carries is sent back) and prints the
# Cookie header value.
login() {
	local who email pass jar page args
	who=$(demo_user "$1")
	[ -n "$who" ] || return 1
	email=${who% *}
	pass=${who#* }
	jar=$BDIR/cookies.txt
	page=$BDIR/login.html
	rm -f "$jar"
	curl -fsS -c "$jar" -b "$jar" -o "$page" "$BASE/login" || return 1
	args=()
	while IFS= read -r kv; do
		args+=(--data-urlencode "$kv")
	done < <(grep -o '<input[^>]*type="hidden"[^>]*>' "$page" |
	    sed -n 's/.*name="\([^"]*\)".*value="\([^"]*\)".*/\1=\2/p')
	curl -sS -o /dev/null -c "$jar" -b "$jar" "${args[@]}" \
	    --data-urlencode "email=$email" \
	    --data-urlencode "password=$pass" "$BASE/login" || return 1
	awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", \
	    (n++ ? "; " : ""), $6, $7 }' "$jar"
}

# Resolves a target's path into a URL; fails when it cannot (yet).
resolve() {
	local p=$1 role url size sp
	while [[ $p == *@SIZE:*@* ]]; do
		sp=${p#*@SIZE:}
		sp=${sp%%@*}
		case $sp in
		FEED:*) url=$(resolve "@$sp@") || return 1 ;;
		*) url=$BASE$sp ;;
		esac
		size=$(curl -sS -o /dev/null -w '%{size_download}' "$url") ||
			return 1
		p=${p/@SIZE:$sp@/$size}
	done
	while [[ $p == *@SQL:*@* ]]; do
		sp=${p#*@SQL:}
		sp=${sp%%@*}
		size=$(sql "$sp" | head -n 1)
		[ -n "$size" ] || return 1
		p=${p/"@SQL:$sp@"/$size}
	done
	while [[ $p == *@DATE:*@* ]]; do
		sp=${p#*@DATE:}
		sp=${sp%%@*}
		size=$(TZ=Europe/London date -d "$sp days" +%F) || return 1
		p=${p/"@DATE:$sp@"/$size}
	done
	case $p in
	@HELLO@*)
		echo "$HBASE${p#@HELLO@}" ;;
	@FEED:*@)
		role=${p#@FEED:}
		role=${role%@}
		who=$(demo_user "$role") || return 1
		url=$("$B/tuttictl" feed-url --email "${who% *}" 2>/dev/null) ||
			return 1
		url=$(printf '%s\n' "$url" | grep -o '/calendar/[^[:space:]]*' |
		    head -n 1)
		[ -n "$url" ] || return 1
		echo "$BASE$url" ;;
	/*)
		echo "$BASE$p" ;;
	*)
		return 1 ;;
	esac
}

# The status a request answers: probe METHOD URL [curl args...].
probe() {
	local m=$1 u=$2
	shift 2
	curl -sS -o "$BDIR/probe.body" -D "$BDIR/probe.head" \
	    -w '%{http_code}' -X "$m" "$@" "$u" 2>/dev/null || echo 000
}

# Reads key=value pairs from the BENCH line of wrk's output $1 into W_*.
parse_bench() {
	local line kv
	line=$(grep '^BENCH ' "$1" | tail -n 1) || return 1
	W_status= W_out_of_tokens=0
	for kv in ${line#BENCH }; do
		printf -v "W_${kv%%=*}" '%s' "${kv#*=}"
	done
}

# Latency in µs, for people.
fmt_us() {
	awk -v u="$1" 'BEGIN {
		if (u < 1000) printf "%d µs", u
		else if (u < 10000) printf "%.2f ms", u / 1000
		else printf "%.1f ms", u / 1000 }'
}

# a / b as a percentage, or a multiple (×), or "–".
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "%.0f%%", 100 * a / b }'; }
mult() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "×%.2f", a / b }'; }

# --- other programs' load ----------------------------------------------
#
# The machine may be shared: a run is only comparable when nothing else
# used the CPU meanwhile.  For each measured run this takes the machine's
# busy time (/proc/stat: user, nice, system; not interrupts, which the
# kernel charges to no process and which are mostly this loopback
# traffic) less what the stack (nginx, tutti-fcgi, the mailer,
# fcgi-hello) and wrk used, as a share of every core; and the time the
# hypervisor stole.

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
machine_cpu() { awk '/^cpu / { print $2 + $3 + $4, $9; exit }' /proc/stat; }
# Jiffies used so far: "NGINX APP MAILER" (APP: tutti-fcgi or fcgi-hello,
# parents and children: only one of them is busy in a run).
stack_cpu() {
	local f p
	for f in "$TVAR/run/nginx.pid" "$TVAR/run/tutti-fcgi.pid" \
	    "$TVAR/run/tutti-mailer.pid" "$BDIR/hello.pid"; do
		p=$(cat "$f" 2>/dev/null) || continue
		for c in "$p" $(pgrep -P "$p"); do
			printf '%s ' "${f##*/}"
			cat "/proc/$c/stat" 2>/dev/null || echo
		done
	done | awk '{ t = $15 + $16 }
	    $1 == "nginx.pid" { n += t; next }
	    $1 == "tutti-mailer.pid" { m += t; next }
	    { a += t }
	    END { print n + 0, a + 0, m + 0 }'
}
# The shell's children's CPU time so far ("0m1.230s 0m0.450s") into $1,
# without starting a process (that would count).
children_cpu() {
	local u s
	times > "$BDIR/times"
	{ read -r u s; read -r u s; } < "$BDIR/times"
	printf -v "$1" '%s %s' "$u" "$s"
}
# others_pct M0 M1 "S0" "S1" "C0" "C1" NANOSECONDS REQUESTS: "others
# steal" in % of all cores, then nginx's, the app's and the mailer's CPU
# a request in µs.
others_pct() {
	awk -v m0="$1" -v m1="$2" -v s0="$3" -v s1="$4" -v c0="$5" -v c1="$6" \
	    -v ns="$7" -v req="$8" -v hz="$HZ" -v n="$NCPU" '
	function secs(t, a) { gsub(/s/, "", t); split(t, a, "m"); return a[1] * 60 + a[2] }
	BEGIN {
		split(m0, a, " "); split(m1, b, " "); split(c0, x, " "); split(c1, y, " ")
		split(s0, p, " "); split(s1, q, " ")
		wrk = (secs(y[1]) + secs(y[2]) - secs(x[1]) - secs(x[2])) * hz
		all = ns / 1e9 * hz * n
		o = (b[1] - a[1] - (q[1] - p[1]) - (q[2] - p[2]) - (q[3] - p[3]) - wrk) / all * 100
		printf "%.0f %.0f %.0f %.0f %.0f\n", (o < 0 ? 0 : o), (b[2] - a[2]) / all * 100,
		    req ? (q[1] - p[1]) / hz * 1e6 / req : 0,
		    req ? (q[2] - p[2]) / hz * 1e6 / req : 0,
		    req ? (q[3] - p[3]) / hz * 1e6 / req : 0
	}'
}

# Waits (up to BENCH_QUIET_WAIT seconds, 60 by default) for the machine
# to be nearly idle before starting.
quiet_wait() {
	local limit=${BENCH_QUIET_WAIT:-60} t=0 m0 m1 busy
	while :; do
		m0=$(machine_cpu); sleep 2; m1=$(machine_cpu)
		busy=$(awk -v a="$m0" -v b="$m1" -v hz="$HZ" -v n="$NCPU" \
		    'BEGIN { split(a, x); split(b, y); printf "%.0f", (y[1] - x[1]) / (2 * hz * n) * 100 }')
		[ "$busy" -gt 10 ] || break
		if [ "$t" -ge "$limit" ]; then
			echo "bench: the machine is still ${busy}% busy; measuring anyway" >&2
			break
		fi
		[ "$t" -gt 0 ] || echo "bench: other programs use ${busy}% of the CPU; waiting up to ${limit}s for quiet" >&2
		t=$((t + 2))
	done
	BUSY_BEFORE=$busy
}

# --- the runs -----------------------------------------------------------

declare -A RPS P50 P99 NOTE OTHERS CPU_NGX CPU_APP ROW_CONNS NGINX_AT HELLO_AT
NAMES=()
EXPLAIN=()
BUSY_RUNS=()
FAILED=0
CHECKS=()

echo "bench: stack on $BASE (workers: $WORKERS), fcgi-hello on $HBASE"
echo "bench: wrk -t$THREADS -c$CONNS, ${WARMUP}s warm-up + ${SECONDS_RUN}s a target"
quiet_wait

run_wrk() {	# run_wrk OUT SECONDS SCRIPT URL [CONNECTIONS]
	local c=${5:-$CONNS}
	wrk -t"$(( THREADS < c ? THREADS : c ))" -c"$c" -d"$2s" --latency \
	    -s "$HERE/$3" "$4" >"$1" 2>&1
}

# The ceiling (nginx or hello) row to compare row $2 with: the one at
# the row's own connections when there is one.
ref_of() {	# ref_of nginx|hello NAME
	local c=${ROW_CONNS[$2]:-$CONNS}
	if [ "$1" = nginx ]; then
		echo "${NGINX_AT[$c]:-$REF_NGINX}"
	else
		echo "${HELLO_AT[$c]:-$REF_HELLO}"
	fi
}

export BENCH_LUA=$HERE BENCH_THREADS=$THREADS
while IFS='|' read -r -u 3 name method path expect script setup conns; do
	name=$(echo $name) method=$(echo $method) path=$(echo $path)
	expect=$(echo $expect) script=$(echo $script) setup=$(echo $setup)
	conns=$(echo $conns)
	conns=${conns:-$CONNS}
	[ -n "$name" ] || continue
	case $name in \#*) continue ;; esac
	if [ -n "$ONLY" ] && [ "$path" != /nginx-ok ] &&
	    [ "$path" != @HELLO@/hello ] && ! [[ $name =~ $ONLY ]]; then
		continue
	fi
	NAMES+=("$name")
	ROW_CONNS[$name]=$conns
	[ "$path" != /nginx-ok ] || [ -n "${NGINX_AT[$conns]:-}" ] ||
		NGINX_AT[$conns]=$name
	[ "$path" != @HELLO@/hello ] || [ -n "${HELLO_AT[$conns]:-}" ] ||
		HELLO_AT[$conns]=$name
	[ "$conns" = "$CONNS" ] ||
		EXPLAIN+=("$name: at $conns connections (ratios to the ceilings at $conns connections when measured)")
	slug=$(echo "$name" | tr -c 'A-Za-z0-9\n' '-' | tr -s '-')
	export BENCH_COOKIE= BENCH_IF_NONE_MATCH= BENCH_BODY= BENCH_TOKENS=
	if ! url=$(resolve "$path"); then
		NOTE[$name]="not built yet"
		echo "bench: $name: not built yet"
		continue
	fi
	if [[ $path == *@SIZE:* && $url == *bytes=* ]]; then
		sp=${path#*@SIZE:}
		EXPLAIN+=("$name: fcgi-hello answering ${url##*bytes=} bytes, the size of GET ${sp%%@*}: the cost of moving such a page, not of making it")
	fi
	st=$(probe GET "$url")
	if [ "$st" = 404 ]; then
		NOTE[$name]="not built yet"
		echo "bench: $name: not built yet (GET answers 404)"
		continue
	fi
	pargs=()
	bad_setup=
	for one in ${setup//+/ }; do
	case $one in
	-) ;;
	week300)
		if ! bash "$HERE/week_fill.sh" "$TUTTI_DB" >"$BDIR/week-fill.txt" 2>&1; then
			NOTE[$name]="FAILED: cannot add the week's data"
			FAILED=1 bad_setup=1
			cat "$BDIR/week-fill.txt" >&2
			break
		fi
		EXPLAIN+=("$name: $(sed 's/^week-fill: //' "$BDIR/week-fill.txt")")
		;;
	login:*)
		if ! BENCH_COOKIE=$(login "${one#login:}") ||
		    [ -z "$BENCH_COOKIE" ]; then
			NOTE[$name]="FAILED: cannot log in as ${one#login:}"
			FAILED=1 bad_setup=1
			echo "bench: $name: ${NOTE[$name]}" >&2
			break
		fi
		pargs+=(-H "Cookie: $BENCH_COOKIE") ;;
	etag)
		BENCH_IF_NONE_MATCH=$(probe GET "$url" >/dev/null;
		    sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$BDIR/probe.head" |
		    tr -d '\r')
		if [ -z "$BENCH_IF_NONE_MATCH" ]; then
			NOTE[$name]="not built yet (no ETag)"
			echo "bench: $name: not built yet (no ETag)"
			bad_setup=1
			break
		fi
		pargs+=(-H "If-None-Match: $BENCH_IF_NONE_MATCH") ;;
	tokens)
		BENCH_BODY=$(refer_body)
		pargs+=(-H 'Content-Type: application/x-www-form-urlencoded'
		    --data-binary "$BENCH_BODY$("$MINT" 1)") ;;
	*)
		echo "bench: $name: unknown setup '$one'" >&2
		exit 1 ;;
	esac
	done
	[ -z "$bad_setup" ] || continue
	st=$(probe "$method" "$url" "${pargs[@]}")
	if [ "$st" != "$expect" ]; then
		NOTE[$name]="FAILED: answered $st, expected $expect"
		FAILED=1
		echo "bench: $name: ${NOTE[$name]}" >&2
		sed 's/^/  | /' "$BDIR/probe.head" >&2
		continue
	fi
	if [ "$setup" = tokens ] && ! grep -qi '^location: /refer/thanks?ref=' \
	    "$BDIR/probe.head"; then
		NOTE[$name]="FAILED: the 303 does not lead to /refer/thanks"
		FAILED=1
		continue
	fi

	if [ "$setup" = tokens ]; then
		# Enough tokens for the ceiling's rate, with room to spare;
		# warm-up and run each get their own.
		rate=${RPS[$REF_HELLO]:-40000}
		n=$(awk -v r="$rate" -v s="$WARMUP" 'BEGIN { printf "%d", r * s * 1.5 + 1000 }')
		"$MINT" "$n" > "$BDIR/tokens-warmup"
		n=$(awk -v r="$rate" -v s="$SECONDS_RUN" 'BEGIN { printf "%d", r * s * 1.5 + 1000 }')
		"$MINT" "$n" > "$BDIR/tokens-run"
		c0=$(referrals)
		BENCH_TOKENS=$BDIR/tokens-warmup
	fi
	export BENCH_COOKIE BENCH_IF_NONE_MATCH BENCH_BODY BENCH_TOKENS
	printf 'bench: %-20s ' "$name"
	run_wrk "$LOGS/$slug.warmup.txt" "$WARMUP" "$script" "$url" "$conns"
	if [ "$setup" = tokens ]; then
		parse_bench "$LOGS/$slug.warmup.txt" || W_requests=0
		warm_req=$W_requests
		sleep 1
		c1=$(referrals)
		BENCH_TOKENS=$BDIR/tokens-run
	fi
	s0=$(stack_cpu) m0=$(machine_cpu) t0=$(date +%s%N)
	children_cpu cp0
	run_wrk "$LOGS/$slug.txt" "$SECONDS_RUN" "$script" "$url" "$conns"
	children_cpu cp1
	t1=$(date +%s%N) m1=$(machine_cpu) s1=$(stack_cpu)
	if ! parse_bench "$LOGS/$slug.txt"; then
		NOTE[$name]="FAILED: no result from wrk (see $LOGS/$slug.txt)"
		FAILED=1
		echo "${NOTE[$name]}"
		continue
	fi
	read -r oth stl cpu_ngx cpu_app cpu_mail < <(others_pct "$m0" "$m1" "$s0" "$s1" \
	    "$cp0" "$cp1" $((t1 - t0)) "$W_requests")
	OTHERS[$name]="$oth%"
	[ "$stl" -eq 0 ] || OTHERS[$name]="$oth% (+$stl% stolen)"
	[ "$((oth + stl))" -le 10 ] || BUSY_RUNS+=("$name")
	CPU_NGX[$name]=$cpu_ngx CPU_APP[$name]=$cpu_app
	RPS[$name]=$W_rps P50[$name]=$W_p50_us P99[$name]=$W_p99_us
	printf '%9.0f req/s  p50 %-9s p99 %-9s CPU/req nginx %s app %s; others %s\n' \
	    "$W_rps" "$(fmt_us "$W_p50_us")" "$(fmt_us "$W_p99_us")" \
	    "$(fmt_us "$cpu_ngx")" "$(fmt_us "$cpu_app")" "${OTHERS[$name]}"

	bad=$((W_non2xx3xx + W_connect + W_read + W_write + W_timeout))
	note="$W_requests requests"
	if [ "$bad" -gt 0 ]; then
		note="$note; FAILED: $W_non2xx3xx not 2xx/3xx, socket errors: connect $W_connect, read $W_read, write $W_write, timeout $W_timeout"
		FAILED=1
	fi
	if [ "$setup" = tokens ]; then
		sleep 1
		c2=$(referrals)
		grown=$((c2 - c1))
		n303=$(echo ",$W_status," | sed -n 's/.*,303:\([0-9]*\),.*/\1/p')
		n303=${n303:-0}
		check="POST /refer: $W_requests answers (statuses ${W_status:-none}),"
		check="$check $W_out_of_tokens sent after the tokens ran out;"
		check="$check referrals grew by $grown in the run"
		check="$check ($((c1 - c0)) in the warm-up of $warm_req requests)"
		# wrk stops with up to CONNS requests in flight: the workers
		# may still store those.
		if [ "$n303" -eq "$W_requests" ] && [ "$W_out_of_tokens" -eq 0 ] &&
		    [ "$grown" -ge "$W_requests" ] &&
		    [ "$grown" -le $((W_requests + CONNS)) ]; then
			check="$check: ok, every answer a 303 and every request a new referral"
		else
			check="$check: FAILED"
			note="$note; FAILED the 303/referral check"
			FAILED=1
		fi
		check="$check. Meanwhile the mailer used $(fmt_us "$cpu_mail") of CPU a request"
		check="$check (the outbox rows each referral adds)"
		CHECKS+=("$check")
		echo "bench: $check"
	fi
	NOTE[$name]=$note
done 3<<< "$TARGETS"

# --- peak memory --------------------------------------------------------

# "pid VmHWM-kB Private-kB name" for each child of the pid in file $1;
# name is "worker" when the child has its parent's name.
children_mem() {
	local parent p hwm priv name pname
	parent=$(cat "$1" 2>/dev/null) || return 0
	pname=$(cat "/proc/$parent/comm" 2>/dev/null) || return 0
	for p in $(pgrep -P "$parent"); do
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		priv=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' \
		    "/proc/$p/smaps_rollup" 2>/dev/null)
		name=$(cat "/proc/$p/comm" 2>/dev/null)
		[ "$name" != "$pname" ] || name=worker
		[ -n "$hwm" ] && echo "$p $hwm $priv $name"
	done
}
MEM_TUTTI=$(children_mem "$TVAR/run/tutti-fcgi.pid")
# Workers that died (the parent starts another) and nginx's complaints.
DIED=$(grep -c 'starting another' "$TVAR/log/tutti-fcgi.log" 2>/dev/null || true)
NGINX_ERRORS=$(grep -cE '\[(error|crit|alert|emerg)\]' "$TVAR/log/nginx-error.log" 2>/dev/null || true)
if [ "${DIED:-0}" -gt 0 ]; then
	FAILED=1
	CHECKS+=("FAILED: $DIED tutti-fcgi workers died during the run (see $TVAR/log, kept)")
fi
[ "${NGINX_ERRORS:-0}" -eq 0 ] ||
	CHECKS+=("nginx logged $NGINX_ERRORS errors (run with KEEP=1 to keep its log)")
MEM_HELLO=$(children_mem "$BDIR/hello.pid")
mem_line() {	# mem_line NAME LINES
	awk -v n="$1" '$4 != "worker" { o = o sprintf("; %s (not a worker): %.1f MiB", $4, $2 / 1024); next }
	    { h = h sep sprintf("%.1f MiB", $2 / 1024);
		p = p sep sprintf("%.1f MiB", $3 / 1024); sep = ", "
		if ($2 > max) max = $2; w++ }
	    END { if (w) printf "%s: peak %.1f MiB (VmHWM of each worker: %s; private now: %s)%s\n", n, max / 1024, h, p, o
		else printf "%s: no workers found%s\n", n, o }' <<< "$2"
}

# --- the table ----------------------------------------------------------

table() {
	local n r rn rh
	echo "| target | req/s | p50 | p99 | req/s vs nginx | req/s vs hello | p50 vs nginx | p50 vs hello | p99 vs nginx | p99 vs hello | CPU/req nginx | CPU/req app | other load |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for n in "${NAMES[@]}"; do
		r=${RPS[$n]:-}
		if [ -z "$r" ]; then
			echo "| $n | ${NOTE[$n]} | | | | | | | | | | | |"
			continue
		fi
		rn=$(ref_of nginx "$n") rh=$(ref_of hello "$n")
		printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		    "$n" "$r" "$(fmt_us "${P50[$n]}")" "$(fmt_us "${P99[$n]}")" \
		    "$(pct "$r" "${RPS[$rn]:-}")" \
		    "$(pct "$r" "${RPS[$rh]:-}")" \
		    "$(mult "${P50[$n]}" "${P50[$rn]:-}")" \
		    "$(mult "${P50[$n]}" "${P50[$rh]:-}")" \
		    "$(mult "${P99[$n]}" "${P99[$rn]:-}")" \
		    "$(mult "${P99[$n]}" "${P99[$rh]:-}")" \
		    "$(fmt_us "${CPU_NGX[$n]}")" "$(fmt_us "${CPU_APP[$n]}")" \
		    "${OTHERS[$n]}"
	done
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] || commit="$commit + local changes"
{
	echo "# Benchmark results"
	echo
	echo "Written by \`make bench\` (tests/bench/run.sh); each run replaces it."
	echo
	echo "- date: $(date '+%Y-%m-%d %H:%M %Z')"
	echo "- machine: $(uname -srm); CPU: ${cpu:-unknown}; nproc: $(nproc)"
	if [ -n "${STACK_DB:-}" ]; then
		echo "- data: ${STACK_DB##*/} ($(sql 'select count(*) from referrals') referrals, $(sql 'select count(*) from occurrences') sessions)"
	else
		echo "- data: the demo data and $QUEUE_REFERRALS more referrals (the queue is read with them all)"
	fi
	echo "- $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n 1 | awk '{ print "wrk " $2 }'); source: $commit"
	echo "- load: wrk -t$THREADS -c$CONNS on loopback, ${WARMUP} s warm-up then ${SECONDS_RUN} s measured for each target, one after another;"
	echo "  $WORKERS tutti-fcgi workers and $WORKERS fcgi-hello workers, wrk and nginx (1 worker) all on the same $(nproc) cores"
	echo "- ratios: req/s as a percentage of the ceiling's; latency as a multiple of the ceiling's"
	echo "  (nginx = \`location = /nginx-ok { return 200 }\`; hello = tests/bench/fcgi_hello.c behind the same nginx)"
	echo "- CPU/req: CPU time (user + system) a request took in nginx, and in the program behind it"
	echo "  (tutti-fcgi or fcgi-hello; the mailer apart): steadier than req/s when the machine is shared"
	echo "- other load: the share of all cores that programs outside the benchmark used during"
	echo "  each measured run (the machine was ${BUSY_BEFORE}% busy just before the first)"
	echo
	table
	echo
	if [ ${#BUSY_RUNS[@]} -gt 0 ]; then
		printf -- '- WARNING: other programs used more than 10%% of the CPU during:'
		printf ' %s;' "${BUSY_RUNS[@]}"
		echo
		echo "  those rows (and ratios to them) understate this stack: run again on a quiet machine"
	fi
	for c in "${EXPLAIN[@]}" "${CHECKS[@]}"; do echo "- $c"; done
	echo "- $(mem_line "tutti-fcgi workers" "$MEM_TUTTI")"
	echo "- $(mem_line "fcgi-hello workers" "$MEM_HELLO")"
	for n in "${NAMES[@]}"; do
		case ${NOTE[$n]:-} in
		*FAILED*) echo "- $n: ${NOTE[$n]}" ;;
		esac
	done
} > "$RESULTS"

if [ -n "${BENCH_TSV:-}" ]; then
	for n in "${NAMES[@]}"; do
		printf '%s|%s|%s|%s|%s|%s\n' "$n" "${RPS[$n]:-}" \
		    "${P50[$n]:-}" "${P99[$n]:-}" "${CPU_APP[$n]:-}" \
		    "${NOTE[$n]:-}"
	done > "$BENCH_TSV"
fi
echo
sed -n '/^| target/,$p' "$RESULTS"
[ ${#BUSY_RUNS[@]} -eq 0 ] || echo "bench: WARNING: the machine was busy with other programs (see 'other load')" >&2
echo
echo "bench: written to ${RESULTS#$ROOT/}; wrk's output in ${LOGS#$ROOT/}/"
if [ "$FAILED" -ne 0 ]; then
	T_FAIL=1	# stack_down keeps the state folder to look into
	echo "bench: FAILED (see above)" >&2
	exit 1
fi
