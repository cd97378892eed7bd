#!/bin/bash
# Issue 14, short forms: the real stack sending to a misbehaving SMTP
# server (tests/lib/badsmtpd.py) that refuses at each stage or hangs.
#
#   1. refusals before RCPT (554 greeting, 550 EHLO, 550 5.7.1 MAIL
#      FROM) lose nothing: held, tries uncounted, all sent once the
#      server is back, each once;
#   2. five permanent refusals in a row with the same reply to RCPT
#      pause sending; /admin/outbox says so with the server's whole
#      reply; resume and "retry every failed since" send them all;
#   3. a server that hangs after the message: the try ends within the
#      15 s reply timeout, counted and deferred; "send now" brings it
#      forward; SIGTERM during a hang stops the mailer within seconds.
set -u
. "$(dirname "$0")/../lib/stack.sh"

SMTP_PORT=$(free_port)
SWORK=$(mktemp -d /tmp/tutti-bad.XXXXXX)
SMAIL=$SWORK/received
mkdir -p "$SMAIL"
echo ok > "$SMAIL/mode"
$PY "$ROOT/tests/lib/badsmtpd.py" --port "$SMTP_PORT" --dir "$SMAIL" \
    >>"$SWORK/smtpd.log" 2>&1 &
SMTPD_PID=$!
cleanup() {
	stack_down
	kill "$SMTPD_PID" 2>/dev/null
	wait "$SMTPD_PID" 2>/dev/null
	[ "$T_FAIL" -gt 0 ] || rm -rf "$SWORK"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -f "$SMAIL/ready" ] && break; sleep 0.1; done

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
mode() { echo "$*" > "$SMAIL/mode"; }
now_sql="strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
# queue PREFIX N: N emails to PREFIX<i>@example.com, due now.
queue() {
	sql "with recursive n(i) as (select 1 union all select i + 1 from n where i < $2)
	insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at)
	select '$1:' || i, 'referral_new', '$1' || i || '@example.com', 'C', (select min(id) from referrals),
	       '<$1-' || i || '@tutti.test>', $now_sql, $now_sql from n"
}
arrived() { grep -c " $1[0-9]*@example.com " "$SMAIL/index.txt" 2>/dev/null || true; }
distinct() { grep " $1[0-9]*@example.com " "$SMAIL/index.txt" 2>/dev/null | cut -d' ' -f4 | sort -u | wc -l; }
rows() { sql "select count(*) from outbox where dedupe_key like '$1:%' $2"; }
mailer_pid() { cat "$TVAR/run/tutti-mailer.pid" 2>/dev/null; }

export TUTTI_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export TUTTI_MAIL_FROM='Tutti <hello@tutti.test>'
stack_up
trap cleanup EXIT
# The demo's own emails go first.
alldone() { [ "$(sql "select count(*) from outbox where status in ('queued','sending') and not_before <= $now_sql")" = 0 ]; }
wait_until 30 alldone

# --- 1. refusals before RCPT
for m in "greeting 554 5.3.2 Not accepting mail just now" \
    "ehlo 550 5.7.0 Not today" "mail 550 5.7.1 Relaying denied for this account"; do
	mode "$m"
	tag=$(echo "$m" | cut -d' ' -f1)
	queue "$tag" 10
	stage=$(echo "$m" | cut -d' ' -f1)
	tried() { [ "$(grep -c "^$stage " "$SMAIL/refused.txt")" -ge 1 ] &&
	    [ "$(sql "select count(*) from outbox where status = 'queued' and last_error like '%$(echo "$m" | cut -d' ' -f2-)%'")" -ge 1 ]; }
	wait_until 40 tried
	check "$tag refused: nothing failed" [ "$(rows "$tag" "and status = 'failed'")" = 0 ]
	check "$tag refused: tries not counted" [ "$(rows "$tag" "and attempts > 0")" = 0 ]
	check "$tag refused: all still due now" [ "$(rows "$tag" "and status = 'queued' and not_before <= $now_sql")" = 10 ]
	full=$(echo "$m" | cut -d' ' -f2-)
	# The oldest held row is tried first: look at any.
	check "$tag refused: the server's whole reply is kept" \
	    [ "$(sql "select count(*) from outbox where status = 'queued' and last_error like '%$full%'")" -ge 1 ]
done
mode ok
t0=$(date +%s)
back() { [ "$(rows greeting "and status = 'sent'")$(rows ehlo "and status = 'sent'")$(rows mail "and status = 'sent'")" = 101010 ]; }
wait_until 60 back
check "server back: all 30 sent within $(( $(date +%s) - t0 )) s, no Retry clicks" back
for tag in greeting ehlo mail; do
	check "$tag: each arrived once" [ "$(arrived "$tag")" = 10 ] && [ "$(distinct "$tag")" = 10 ]
done

# --- 2. the same permanent refusal five times: paused, told, recovered
mode "rcpt 550 5.7.1 Relay access denied"
queue perm 8
paused() { [ "$(sql "select count(*) from mail_pause")" = 1 ]; }
wait_until 30 paused
sleep 2
check "5 like refusals: sending paused" paused
check "5 like refusals: exactly five failed" [ "$(rows perm "and status = 'failed'")" = 5 ]
check "5 like refusals: the rest wait, untried" [ "$(rows perm "and status = 'queued' and attempts = 0")" = 3 ]
check "the mailer logs the pause" grep -q 'sending is paused' "$TVAR/log/tutti-mailer.log"
c=$(staff_login admin admin@tutti.example demo-admin-pass-2026)
check "the administrator signs in" [ "$c" = 303 ]
c=$(web admin "$BASE/admin/outbox")
check "/admin/outbox says sending is paused" grep -q 'Sending is paused' "$TVAR/body"
check "/admin/outbox shows the server's whole reply" grep -q '550 5.7.1 Relay access denied' "$TVAR/body"
mode ok
csrf=$(csrf_of)
c=$(web admin --data "csrf=$csrf&action=resume" "$BASE/admin/outbox")
check "resume: 303 with a notice" [ "$c" = 303 ] && [ "$(location)" = "/admin/outbox?done=resumed" ]
check "resume: the pause is gone" [ "$(sql "select count(*) from mail_pause")" = 0 ]
c=$(web admin "$BASE/admin/outbox?status=failed")
csrf=$(csrf_of)
c=$(web admin --data "csrf=$csrf&action=retry_since&since=3600" "$BASE/admin/outbox")
check "retry every failed since 1 hour ago: one click" [ "$c" = 303 ] && location | grep -q 'done=retriedall&n=5'
permsent() { [ "$(rows perm "and status = 'sent'")" = 8 ]; }
wait_until 40 permsent
check "after resume and one retry all 8 sent" permsent
check "each arrived once" [ "$(arrived perm)" = 8 ]
c=$(web admin "$BASE/admin/outbox?status=queued&done=retriedall&n=5")
check "the notice counts them" grep -q '5 emails are queued again' "$TVAR/body"

# --- 3. a server that hangs after the message
mode hang
queue hang 1
t0=$(date +%s)
hung() { [ "$(rows hang "and status = 'queued' and attempts = 1")" = 1 ]; }
wait_until 40 hung
took=$(( $(date +%s) - t0 ))
check "hang after DATA: the try ends within 20 s ($took s)" [ "$took" -le 20 ]
check "hang after DATA: counted and deferred, not failed" hung
check "hang after DATA: the row waits for a later try" [ "$(rows hang "and not_before > $now_sql")" = 1 ]
mode ok
c=$(web admin "$BASE/admin/outbox?status=queued")
check "a deferred row offers Send now" grep -q '>Send now<' "$TVAR/body"
csrf=$(csrf_of)
id=$(sql "select id from outbox where dedupe_key = 'hang:1'")
c=$(web admin --data "csrf=$csrf&action=send_now&id=$id" "$BASE/admin/outbox")
check "send now: 303 with a notice" [ "$c" = 303 ] && location | grep -q 'done=sentnow&n=1'
hangsent() { [ "$(rows hang "and status = 'sent'")" = 1 ]; }
wait_until 20 hangsent
check "send now: it is sent at once" hangsent
check "send now: its tries were not reset" [ "$(rows hang "and attempts = 2")" = 1 ]
mode hang
queue stop 1
hanging() { grep -q 'body hang' "$SMAIL/refused.txt" && [ "$(rows stop "and status = 'sending'")" = 1 ]; }
: > "$SMAIL/refused.txt"
wait_until 20 hanging
pid=$(mailer_pid)
t0=$(date +%s)
kill -TERM "$pid"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
took=$(( $(date +%s) - t0 ))
check "SIGTERM during a hang: the mailer stops within 3 s ($took s)" sh -c "! kill -0 $pid 2>/dev/null" && [ "$took" -le 3 ]
check "SIGTERM during a hang: the message is back in the queue, due" \
    [ "$(rows stop "and status = 'queued' and not_before <= $now_sql")" = 1 ]
mode ok

# --- 4. a reminder offset shorter than the lease is refused
out=$(TUTTI_REMINDERS=2m TUTTI_SMTP_URL= TUTTI_MAIL_DIR=$TVAR/mail \
    TUTTI_TEMPLATES=$ROOT/templates timeout 20 "$B/tutti-mailer" -o 2>&1)
refused_short() { grep -q 'shorter than the mailer.s lease (300 seconds).*using 48h,2h' <<<"$out"; }
check "TUTTI_REMINDERS=2m: refused, shorter than the 300 s lease" refused_short
finish
