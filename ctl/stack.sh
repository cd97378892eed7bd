#!/bin/sh
# Starts and stops the whole stack: the FastCGI workers, the mailer and
# nginx, with their state under VAR.
#
#   ctl/stack.sh start|stop|run|status
#
# Each stack runs in its own process group (its keeper's), recorded in
# VAR/run/stack.pgid: stop ends the whole group, so nothing is left
# behind, even the orphans of a supervisor or nginx that was killed.
# start refuses to start over a live stack; after a crash it clears
# what is left and starts afresh.  The keeper restarts the mailer when
# it dies (as systemd does in production); a mailer that exits cleanly
# (SIGTERM) stays stopped.
#
# Environment: B (build folder), VAR (state folder), PORT, REFER_RATE and
# REFER_BURST (nginx's limit on POST /refer), WORKERS, and every TUTTI_*
# setting, passed on to the programs.
set -eu
# Nothing the stack makes (database, logs, mail, backups) is readable by
# other users: it holds health data.
umask 077

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
VAR=${VAR:-var}
PORT=${PORT:-8080}
mkdir -p "$VAR"
VAR=$(cd "$VAR" && pwd)
NGINX=${NGINX:-/usr/sbin/nginx}

export TUTTI_DB="${TUTTI_DB:-$VAR/tutti.db}"
export TUTTI_TEMPLATES="${TUTTI_TEMPLATES:-$ROOT/templates}"
export TUTTI_BASE_URL="${TUTTI_BASE_URL:-http://127.0.0.1:$PORT}"
export TUTTI_MAIL_DIR="${TUTTI_MAIL_DIR:-$VAR/mail}"

pid_of() {
	[ -f "$VAR/run/$1.pid" ] && cat "$VAR/run/$1.pid" 2>/dev/null || true
}

alive() {
	p=$(pid_of "$1")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

# Started as root, nginx runs its workers as www-data (else nobody), not
# as root.  They reach only the socket: VAR is 0710 and VAR/run 2750
# with their group (the setgid bit gives the socket, 0660, that group);
# the database, its keys, the logs and the mail stay the owner's alone.
# When that user cannot read the static files (a checkout in a private
# home folder), the workers stay root's, with a warning.
nginx_user() {
	[ "$(id -u)" = 0 ] || return 0
	u=www-data
	id -u "$u" >/dev/null 2>&1 || u=nobody
	g=$(id -gn "$u")
	if ! runuser -u "$u" -- test -r "$ROOT/static/tutti.css" 2>/dev/null
	then
		echo "stack: $u cannot read $ROOT/static; nginx's workers" \
		    "run as root" >&2
		echo "user root root;"
		return 0
	fi
	chgrp "$g" "$VAR" "$VAR/run"
	chmod 0710 "$VAR"
	chmod 2750 "$VAR/run"
	echo "user $u $g;"
}

write_config() {
	user=$(nginx_user)
	sed -e "s|@USER@|$user|" -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" \
	    -e "s|@PORT@|$PORT|g" \
	    -e "s|@REFER_RATE@|${REFER_RATE:-30r/m}|g" \
	    -e "s|@REFER_BURST@|${REFER_BURST:-10}|g" \
	    -e "s|@EXTRA@|${NGINX_EXTRA:-}|g" \
	    "$ROOT/nginx/dev.conf.in" > "$VAR/run/nginx.conf"
	cp "$ROOT/nginx/fastcgi.conf.in" "$VAR/run/fastcgi.conf"
}

# 1 if something accepts connections on 127.0.0.1:$PORT.
port_taken() {
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$PORT"
}

# The stack's process group, if any of it is alive.
group_alive() {
	g=$(cat "$VAR/run/stack.pgid" 2>/dev/null || true)
	[ -n "$g" ] && kill -0 "-$g" 2>/dev/null
}

# The keeper: leads the stack's process group (setsid), starts the
# workers and nginx (in the foreground, so that it stays in the group),
# and restarts the mailer whenever it dies other than cleanly.
keep() {
	echo $$ > "$VAR/run/stack.pgid"
	"$B/tutti-fcgi" -s "$VAR/run/tutti-fcgi.sock" \
	    -p "$VAR/run/tutti-fcgi.pid" ${WORKERS:+-n "$WORKERS"} \
	    >>"$VAR/log/tutti-fcgi.log" 2>&1 &
	i=0
	while [ ! -S "$VAR/run/tutti-fcgi.sock" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	"$NGINX" -p "$VAR" -c "$VAR/run/nginx.conf" -g 'daemon off;' \
	    -e "$VAR/log/nginx-error.log" >>"$VAR/log/nginx-error.log" 2>&1 &
	[ -x "$B/tutti-mailer" ] || { wait; exit 0; }
	while :; do
		"$B/tutti-mailer" -p "$VAR/run/tutti-mailer.pid" \
		    >>"$VAR/log/tutti-mailer.log" 2>&1 &
		m=$!
		rc=0
		wait $m || rc=$?
		[ $rc -eq 0 ] && break
		echo "stack: the mailer ended ($rc); starting it again" \
		    >>"$VAR/log/tutti-mailer.log"
		rm -f "$VAR/run/tutti-mailer.pid"
		sleep 1
	done
	wait
}

start() {
	mkdir -p "$VAR/run" "$VAR/log" "$VAR/mail"
	if alive tutti-fcgi && alive nginx &&
	    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
		echo "stack: Tutti is already running in $VAR on port $PORT;" \
		    "run 'make stop' (ctl/stack.sh stop) first" >&2
		exit 1
	fi
	if group_alive || alive tutti-fcgi || alive nginx || alive tutti-mailer
	then
		echo "stack: clearing what a stopped or crashed stack left" \
		    "in $VAR" >&2
		stop
	fi
	if port_taken; then
		echo "stack: port $PORT is in use by another program;" \
		    "choose another with PORT=..." >&2
		exit 1
	fi
	if [ ! -f "$TUTTI_DB" ]; then
		"$B/tuttictl" init
		"$B/tuttictl" demo > "$VAR/demo-logins.txt"
	fi
	write_config
	rm -f "$VAR/run/stack.pgid"
	VAR=$VAR PORT=$PORT B=$B NGINX=$NGINX WORKERS=${WORKERS:-} \
	    setsid sh "$0" keep </dev/null >>"$VAR/log/stack.log" 2>&1 &
	i=0
	until curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then
			echo "stack: no answer on port $PORT; see $VAR/log:" >&2
			tail -n 5 "$VAR/log/tutti-fcgi.log" \
			    "$VAR/log/nginx-error.log" >&2 2>/dev/null
			stop
			exit 1
		fi
		sleep 0.1
	done
}

stop() {
	g=$(cat "$VAR/run/stack.pgid" 2>/dev/null || true)
	if [ -n "$g" ] && kill -TERM "-$g" 2>/dev/null; then
		i=0
		while kill -0 "-$g" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		kill -KILL "-$g" 2>/dev/null || true
	fi
	rm -f "$VAR/run/stack.pgid"
	# Anything started outside the group (by hand, or by an older
	# stack.sh) by its pid file.
	for name in nginx tutti-mailer tutti-fcgi; do
		p=$(pid_of $name)
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null || true
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		rm -f "$VAR/run/$name.pid"
	done
}

banner() {
	echo
	echo "Tutti is running on http://127.0.0.1:$PORT/"
	echo "  the public referral form: http://127.0.0.1:$PORT/refer"
	if [ -s "$VAR/demo-logins.txt" ]; then
		echo "  demo log-ins:"
		sed 's/^/    /' "$VAR/demo-logins.txt"
	fi
	echo "  state in $VAR (database, logs, mail)"
}

case ${1:-} in
start)
	start
	banner
	;;
stop)
	stop
	;;
keep)
	keep
	;;
run)
	start
	banner
	echo "Press Ctrl-C to stop."
	trap 'stop; exit 0' INT TERM
	while alive tutti-fcgi && alive nginx; do
		sleep 1
	done
	echo "stack: a process ended; stopping the rest" >&2
	stop
	exit 1
	;;
status)
	for name in tutti-fcgi tutti-mailer nginx; do
		if alive $name; then echo "$name: running"; else
			echo "$name: stopped"; fi
	done
	if group_alive; then
		echo "process group $(cat "$VAR/run/stack.pgid")"
	fi
	;;
*)
	echo "usage: ctl/stack.sh start|stop|run|status" >&2
	exit 2
	;;
esac
