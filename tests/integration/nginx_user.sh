#!/bin/bash
# The development nginx started as root runs its workers as www-data
# (or nobody), not root (issue 13, "Also"): they reach the FastCGI
# socket through its group, and cannot read the database.  Started as
# another user the stack works as before.
set -u
. "$(dirname "$0")/../lib/stack.sh"
if ! need_root "nginx's workers run as another user than root"; then
	finish
	exit
fi
u=www-data
id -u "$u" >/dev/null 2>&1 || u=nobody
# A checkout in a private home folder (root's /root, 0700): that user
# cannot reach the static files or the socket below it, so the stack
# keeps the workers root's and says so (ctl/stack.sh nginx_user).
if ! runuser -u "$u" -- test -r "$ROOT/static/tutti.css" 2>/dev/null; then
	stack_up
	check "the stack says why its workers stay root's" \
	    grep -q "$u cannot read" "$TVAR/start.log"
	check "and serves /refer (200)" [ "$(web anon "$BASE/refer")" = 200 ]
	skip "nginx's workers run as $u" "$u cannot read $ROOT (a private folder)"
	stack_down
	finish
	exit
fi
stack_up
uid=$(id -u "$u")
master=$(cat "$TVAR/run/nginx.pid")
workers=$(ps -o uid= --ppid "$master" | tr -d ' ' | sort -u | tr '\n' ' ')
check "nginx's worker processes run as $u ($workers)" [ "$workers" = "$uid " ]
check "the master is still root's" [ "$(ps -o uid= -p "$master" | tr -d ' ')" = 0 ]
mode() { stat -c '%a %G' "$1"; }
g=$(id -gn "$u")
check "the run folder is 2750 with their group ($(mode "$TVAR/run"))" [ "$(mode "$TVAR/run")" = "2750 $g" ]
check "the socket is 0660 with their group ($(mode "$TVAR/run/tutti-fcgi.sock"))" \
    [ "$(mode "$TVAR/run/tutti-fcgi.sock")" = "660 $g" ]
check "the state folder only lets them through ($(mode "$TVAR"))" [ "$(mode "$TVAR")" = "710 $g" ]
check "they cannot read the database" sh -c "! runuser -u $u -- cat '$TUTTI_DB' >/dev/null 2>&1"
check "nor list the state folder" sh -c "! runuser -u $u -- ls '$TVAR' >/dev/null 2>&1"
check "nor read the logs" sh -c "! runuser -u $u -- cat '$TVAR/log/tutti-fcgi.log' >/dev/null 2>&1"
check "GET /refer answers 200" [ "$(web anon "$BASE/refer")" = 200 ]
check "a static file answers 200" [ "$(web anon "$BASE/static/tutti.css")" = 200 ]
check "a POST through the socket: signing in (303)" \
    [ "$(staff_login coord coordinator@tutti.example demo-coordinator-2026)" = 303 ]
tok=$(web anon "$BASE/refer" >/dev/null; form_token "$TVAR/body")
c=$(web anon --data-urlencode "form_token=$tok" -d given_name=Ann "$BASE/refer")
check "a POST /refer with missing fields: the form again (422)" [ "$c" = 422 ]
stack_down

# Started as an ordinary user: nginx needs no user line, and it works.
O=$(mktemp -d /tmp/tutti-user.XXXXXX)
chown nobody "$O"
P=$(free_port)
runuser -u nobody -- env B="$B" VAR="$O/var" PORT="$P" TUTTI_DB="$O/var/tutti.db" \
    TUTTI_BASE_URL="http://127.0.0.1:$P" sh "$ROOT/ctl/stack.sh" start >"$O/start.log" 2>&1
c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/refer")
check "started by nobody, the stack answers /refer (200)" [ "$c" = 200 ] || sed 's/^/# /' "$O/start.log"
check "with no user line in its nginx.conf" sh -c "! grep -q '^user ' '$O/var/run/nginx.conf'"
runuser -u nobody -- env VAR="$O/var" PORT="$P" sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
rm -rf "$O"
finish
