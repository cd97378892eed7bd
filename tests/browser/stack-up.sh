#!/bin/bash
# Starts the real stack (nginx + FastCGI workers + mailer) for the browser
# tests on a free loopback port, with its own state folder, and prints
#
#   BASE=http://127.0.0.1:PORT
#   TVAR=/tmp/tutti-test.XXXXXX
#   PORT=PORT
#   TUTTI_DB=/tmp/tutti-test.XXXXXX/tutti.db
#
# then leaves the stack running: stop it with stack-down.sh TVAR PORT.
# On failure it prints "Bail out! ..." (TAP) and exits non-zero.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/stack.sh"
# If it fails half-way, stop what did start and keep the logs.
trap 'T_FAIL=1; stack_down' EXIT
stack_up
trap - EXIT	# stack_up stops the stack when this shell ends; keep it
echo "BASE=$BASE"
echo "TVAR=$TVAR"
echo "PORT=$PORT"
echo "TUTTI_DB=$TUTTI_DB"
