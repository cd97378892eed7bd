#!/bin/bash
# Mail throughput: messages a second that tutti-mailer delivers over SMTP
# to a local server (tests/lib/smtpd.py on loopback), in batches of 1,000.
#
#   B=build bash tests/bench/mail_bench.sh
#
# Makes a database in a temporary folder (tuttictl init and demo), sends
# the demo's own emails once as a warm-up, then MAIL_BENCH_ROUNDS times
# queues 1,000 coordinator notices and times `tutti-mailer -o` sending
# them all (rendering, MIME, one SMTP connection a hundred messages, a
# claim and a mark in SQLite for each).  The server accepts and counts
# but does not write each message to disk (--discard), so that Python's
# file writing is not what is measured; MAIL_BENCH_SAVE=1 saves them.
# Prints one line: "mail: N msgs/s" (all rounds together).  Exit status 1
# when a round did not deliver all 1,000.
#
# Environment: B (build folder), MAIL_BENCH_ROUNDS (3), MAIL_BENCH_SAVE,
# KEEP=1 keeps the temporary folder.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
PY=/usr/bin/python3
ROUNDS=${MAIL_BENCH_ROUNDS:-3}
BATCH=1000

DIR=$(mktemp -d /tmp/tutti-mailbench.XXXXXX)
SMTPD_PID=
cleanup() {
	if [ -n "$SMTPD_PID" ]; then
		kill "$SMTPD_PID" 2>/dev/null || true
		wait "$SMTPD_PID" 2>/dev/null || true
	fi
	if [ -n "${KEEP:-}" ]; then echo "# kept $DIR" >&2; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
discard=--discard
[ -n "${MAIL_BENCH_SAVE:-}" ] && discard=
$PY "$ROOT/tests/lib/smtpd.py" --port "$port" --dir "$DIR/smtp" $discard \
    >"$DIR/smtpd.log" 2>&1 &
SMTPD_PID=$!
for _ in $(seq 100); do
	[ -f "$DIR/smtp/ready" ] && break
	sleep 0.1
done
[ -f "$DIR/smtp/ready" ] || { echo "mail_bench: the SMTP server did not start" >&2; exit 1; }

export TUTTI_DB=$DIR/tutti.db
export TUTTI_TEMPLATES=$ROOT/templates
export TUTTI_SMTP_URL=smtp://127.0.0.1:$port
export TUTTI_MAIL_FROM='Tutti <noreply@tutti.test>'
export TUTTI_BASE_URL=https://tutti.test
"$B/tuttictl" init >/dev/null
"$B/tuttictl" demo >/dev/null
sql() { sqlite3 -cmd '.timeout 5000' "$TUTTI_DB" "$@"; }
now_ns() { date +%s%N; }

# Warm-up: the demo's emails, and the page cache.
"$B/tutti-mailer" -o 2>>"$DIR/mailer.log"
rid=$(sql "select min(id) from referrals")

total_ns=0
for r in $(seq "$ROUNDS"); do
	sql "with recursive n(i) as (select 1 union all select i + 1 from n where i < $BATCH)
	insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	  message_id, not_before, created_at)
	select 'bench:$r:' || i, 'referral_new', 'c' || i || '@example.com',
	  'Coordinator ' || i, $rid, '<bench-$r-' || i || '@tutti.test>',
	  strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	  strftime('%Y-%m-%dT%H:%M:%SZ', 'now') from n"
	t0=$(now_ns)
	"$B/tutti-mailer" -o 2>>"$DIR/mailer.log"
	t1=$(now_ns)
	sent=$(sql "select count(*) from outbox where dedupe_key like 'bench:$r:%' and status = 'sent'")
	if [ "$sent" != "$BATCH" ]; then
		echo "mail_bench: round $r sent $sent of $BATCH; see $DIR/mailer.log" >&2
		KEEP=1
		exit 1
	fi
	total_ns=$((total_ns + t1 - t0))
	echo "# round $r: $BATCH in $(( (t1 - t0) / 1000000 )) ms" >&2
done
echo "mail: $(( ROUNDS * BATCH * 1000000000 / total_ns )) msgs/s"
