#!/bin/bash
# The development nginx started as root runs its workers as www-data
# (or nobody), never root (issue 13, "Also"), wherever the checkout is:
# also in a private folder (the README's /root/tutti, 0700) that user
# cannot enter.  They reach only the run folder outside the checkout
# (ctl/stack.sh rundir): the socket, through its group, and a copy of
# static/; never the database.  Started as another user the stack works
# as before.
set -u
. "$(dirname "$0")/../lib/stack.sh"
if ! need_root "nginx's workers run as another user than root"; then
	finish
	exit
fi
u=www-data
id -u "$u" >/dev/null 2>&1 || u=nobody
uid=$(id -u "$u")
g=$(id -gn "$u")
mode() { stat -c '%a %U %G' "$1"; }

# workers_of VAR: the uids nginx's workers run as, one line.
workers_of() {
	ps -o uid= --ppid "$(cat "$1/run/nginx.pid")" | tr -d ' ' | sort -u |
	    tr '\n' ' '
}

# log_clean LOG: true when nginx logged no "Permission denied" and no
# [emerg] (it once read ctl/stack.sh's NGINX as sockets to inherit).
log_clean() {
	! grep -E 'Permission denied|\[emerg\]' "$1"
}

stack_up
R=$(VAR=$TVAR sh "$ROOT/ctl/stack.sh" rundir)
master=$(cat "$TVAR/run/nginx.pid")
workers=$(workers_of "$TVAR")
check "nginx's worker processes run as $u ($workers)" [ "$workers" = "$uid " ]
check "the master is still root's" [ "$(ps -o uid= -p "$master" | tr -d ' ')" = 0 ]
check "the run folder is outside the state folder ($R)" \
    [ "${R#"$TVAR"}" = "$R" ]
check "the run folder is root's, 2750 with their group ($(mode "$R"))" \
    [ "$(mode "$R")" = "2750 root $g" ]
check "the socket is in it, 0660 with their group ($(mode "$R/tutti-fcgi.sock"))" \
    [ "$(mode "$R/tutti-fcgi.sock")" = "660 root $g" ]
check "the state folder is root's alone ($(mode "$TVAR"))" \
    [ "$(stat -c %a "$TVAR")" = 700 ]
check "they cannot read the database" sh -c "! runuser -u $u -- cat '$TUTTI_DB' >/dev/null 2>&1"
check "nor list the state folder" sh -c "! runuser -u $u -- ls '$TVAR' >/dev/null 2>&1"
check "nor read the logs" sh -c "! runuser -u $u -- cat '$TVAR/log/tutti-fcgi.log' >/dev/null 2>&1"
check "nor write the copy of static/" \
    sh -c "! runuser -u $u -- touch '$R/static/tutti.css' 2>/dev/null"
check "GET /refer answers 200" [ "$(web anon "$BASE/refer")" = 200 ]
check "a static file answers 200" [ "$(web anon "$BASE/static/tutti.css")" = 200 ]
check "and is the checkout's" cmp -s "$TVAR/body" "$ROOT/static/tutti.css"
c=$(web anon "$BASE/static/no-such-file.css")
check "a missing static file: nginx's own 404 page ($c)" \
    sh -c "[ $c = 404 ] && cmp -s '$TVAR/body' '$ROOT/static/errors/404.html'"
check "a POST through the socket: signing in (303)" \
    [ "$(staff_login coord coordinator@tutti.example demo-coordinator-2026)" = 303 ]
tok=$(web anon "$BASE/refer" >/dev/null; form_token "$TVAR/body")
c=$(web anon --data-urlencode "form_token=$tok" -d given_name=Ann "$BASE/refer")
check "a POST /refer with missing fields: the form again (422)" [ "$c" = 422 ]
check "nginx logged no permission error nor [emerg]" log_clean "$TVAR/log/nginx-error.log"
stack_down
check "stopping removes the run folder" [ ! -e "$R" ]

# A checkout in a private folder, as README's clone in /root (0700) on a
# fresh Debian: what the stack needs of it, under a 0700 folder, started
# from there with its state in var/ (make run's).  Before the run folder
# the workers stayed root's here.
P=$(mktemp -d /tmp/tutti-private.XXXXXX)
C=$P/tutti
mkdir "$C"
for d in ctl nginx static templates db data; do
	[ -d "$ROOT/$d" ] && cp -R "$ROOT/$d" "$C/"
done
P_PORT=$(free_port)
P_BASE=http://127.0.0.1:$P_PORT
p_stack() {
	(cd "$C" && env -u TUTTI_DB -u TUTTI_BASE_URL B="$B" PORT="$P_PORT" \
	    sh ctl/stack.sh "$1")
}
check "precondition: $u cannot read the private checkout" \
    sh -c "! runuser -u $u -- test -r '$C/static/tutti.css'"
p_stack start >"$P/start.log" 2>&1
check "the stack starts there" grep -q "Tutti is running" "$P/start.log" ||
    sed 's/^/# /' "$P/start.log"
R=$(cd "$C" && VAR=var sh ctl/stack.sh rundir)
check "its state is in the checkout's var/" [ -f "$C/var/tutti.db" ]
workers=$(workers_of "$C/var")
check "nginx's worker processes run as $u there too ($workers)" \
    [ "$workers" = "$uid " ]
check "and the stack gives no warning" sh -c "! grep -q 'stack:' '$P/start.log'"
c=$(curl -s -o /dev/null -w '%{http_code}' "$P_BASE/refer")
check "GET /refer answers 200 ($c)" [ "$c" = 200 ]
c=$(curl -s -o "$P/css" -w '%{http_code}' "$P_BASE/static/tutti.css")
check "GET /static/tutti.css answers 200 ($c)" [ "$c" = 200 ]
check "and is the checkout's" cmp -s "$P/css" "$C/static/tutti.css"
c=$(curl -s -o "$P/page" -w '%{http_code}' "$P_BASE/login")
check "the sign-in page, through the socket, answers 200 ($c)" \
    sh -c "[ $c = 200 ] && grep -q 'name=\"password\"' '$P/page'"
c=$(curl -s -o "$P/page" -w '%{http_code}' "$P_BASE/static/nope.css")
check "nginx's own 404 page ($c)" \
    sh -c "[ $c = 404 ] && cmp -s '$P/page' '$C/static/errors/404.html'"
check "nginx logged no permission error nor [emerg]" log_clean "$C/var/log/nginx-error.log"
master=$(cat "$C/var/run/nginx.pid")
p_stack stop >/dev/null 2>&1
check "stopping removes the run folder" [ ! -e "$R" ]
check "and ends nginx" sh -c "! kill -0 $master 2>/dev/null"
rm -rf "$P"

# Started as an ordinary user: nginx needs no user line, and it works.
# An ordinary user must be able to reach the checkout and the build; a
# checkout in a private folder (/root/tutti on a fresh Debian) is not.
if runuser -u nobody -- test -r "$ROOT/ctl/stack.sh" -a -x "$B/tutti-fcgi"; then
	O=$(mktemp -d /tmp/tutti-user.XXXXXX)
	chown nobody "$O"
	P=$(free_port)
	runuser -u nobody -- env B="$B" VAR="$O/var" PORT="$P" TUTTI_DB="$O/var/tutti.db" \
	    TUTTI_BASE_URL="http://127.0.0.1:$P" sh "$ROOT/ctl/stack.sh" start >"$O/start.log" 2>&1
	c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/refer")
	check "started by nobody, the stack answers /refer (200)" [ "$c" = 200 ] || sed 's/^/# /' "$O/start.log"
	check "with no user line in its nginx.conf" sh -c "! grep -q '^user ' '$O/var/run/nginx.conf'"
	check "and its socket in its own state folder" [ -S "$O/var/run/tutti-fcgi.sock" ]
	runuser -u nobody -- env VAR="$O/var" PORT="$P" sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
	rm -rf "$O"
else
	why="nobody cannot read $ROOT (a private folder)"
	skip "started by nobody, the stack answers /refer (200)" "$why"
	skip "with no user line in its nginx.conf" "$why"
	skip "and its socket in its own state folder" "$why"
fi
finish
