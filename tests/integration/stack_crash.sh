#!/bin/bash
# Issue 14, short forms of 3 and 4: the stack after crashes.
#
#   - the FastCGI supervisor and nginx's master killed with SIGKILL: the
#     workers and the checkpointer die with their parent; `start` clears
#     what is left and the site answers again; `stop` leaves nothing;
#   - `start` over a live stack refuses with a clear message, and the
#     site goes on answering; a second tutti-fcgi on a socket that still
#     answers refuses and leaves the socket alone;
#   - a mailer killed with SIGKILL is started again.
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
health() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$BASE/healthz"; }
pidof_() { cat "$TVAR/run/$1.pid" 2>/dev/null; }
# Live (not zombie) processes of process group $1.
live_in_group() { ps -o stat= -g "$1" 2>/dev/null | grep -vc '^Z' || true; }
stack() { VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" "$@"; }

stack_up
# The socket, in the run folder (outside TVAR when started as root).
sock=$(stack rundir)/tutti-fcgi.sock
check "the site answers" [ "$(health)" = 200 ]
g=$(cat "$TVAR/run/stack.pgid")
check "the stack has its own process group" [ -n "$g" ] && [ "$g" != "$(ps -o pgid= $$ | tr -d ' ')" ]

# --- start over a live stack
out=$(stack start 2>&1)
rc=$?
check "start over a live stack refuses" [ "$rc" != 0 ]
check "with a clear message" grep -q 'already running' <<<"$out"
check "the site still answers" [ "$(health)" = 200 ]
TUTTI_DB=$TUTTI_DB TUTTI_TEMPLATES=$ROOT/templates "$B/tutti-fcgi" -n 1 \
    -s "$sock" >"$TVAR/second.log" 2>&1
check "a second tutti-fcgi on a live socket refuses" grep -q 'still answers' "$TVAR/second.log"
check "and leaves the socket in place" test -S "$sock"
check "the site still answers after it" [ "$(health)" = 200 ]

# --- the mailer killed
m=$(pidof_ tutti-mailer)
kill -KILL "$m"
restarted() { p=$(pidof_ tutti-mailer); [ -n "$p" ] && [ "$p" != "$m" ] && kill -0 "$p" 2>/dev/null; }
wait_until 10 restarted
check "a killed mailer is started again" restarted

# --- supervisor and nginx master killed
sup=$(pidof_ tutti-fcgi)
kids=$(ps -o pid= --ppid "$sup")
kill -KILL "$sup" "$(pidof_ nginx)"
gone() { for k in $kids; do ps -o stat= -p "$k" 2>/dev/null | grep -qv '^Z' && return 1; done; return 0; }
wait_until 5 gone
check "the workers and checkpointer died with their supervisor" gone
out=$(stack start 2>&1)
check "start after the crash works" [ "$?" = 0 ]
check "it says it cleared what was left" grep -q 'clearing' <<<"$out"
check "the site answers again" [ "$(health)" = 200 ]
ok200=0
for _ in $(seq 50); do [ "$(health)" = 200 ] && ok200=$((ok200 + 1)); done
check "and keeps answering (50 of 50: $ok200)" [ "$ok200" = 50 ]
g=$(cat "$TVAR/run/stack.pgid")
stack stop
check "stop leaves nothing of the group" [ "$(live_in_group "$g")" = 0 ]
check "stop removes the pid files" sh -c "! ls '$TVAR'/run/*.pid 2>/dev/null | grep -q ."
check "the socket is gone" test ! -e "$sock"
finish
