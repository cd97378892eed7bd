#!/bin/sh
# Starts and stops the whole stack: the FastCGI workers, the mailer and
# nginx, with their state under VAR.
#
#   ctl/stack.sh start|stop|run|status|rundir
#
# rundir prints the folder that holds the FastCGI socket (RUN below).
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

# Started as root, nginx runs its workers as www-data (else nobody),
# never as root, wherever the checkout is: VAR (0700, root's) may sit in
# a private folder (/root/tutti/var) they cannot enter.  All they reach
# is in RUN, a run folder of this state folder's own outside it
# (/run/tutti- and a hash of VAR's path), root's, 2750 with their group:
# the FastCGI socket (0660, the group from the setgid bit), nginx's
# temporary files, and a copy of static/ with its error pages, made
# afresh on each start and removed on stop.  Started as another user the
# stack needs none of this: RUN is VAR/run and nginx keeps that user.
if [ "$(id -u)" = 0 ]; then
	WORKER_USER=www-data
	id -u "$WORKER_USER" >/dev/null 2>&1 || WORKER_USER=nobody
	RUN=/run/tutti-$(printf '%s' "$VAR" | sha256sum | cut -c 1-16)
	STATIC=$RUN/static
else
	WORKER_USER=
	RUN=$VAR/run
	STATIC=$ROOT/static
fi

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

# The user line of nginx.conf: the workers' user and group, if any.
nginx_user() {
	[ -n "$WORKER_USER" ] || return 0
	echo "user $WORKER_USER $(id -gn "$WORKER_USER");"
}

# Removes the run folder outside VAR, if there is one.  /run is root's
# alone, so what is there at RUN was made by root; rm removes a symlink
# itself, never what it points to.
run_remove() {
	[ "$RUN" != "$VAR/run" ] || return 0
	rm -rf -- "$RUN"
}

# Makes the run folder afresh (see RUN above) and fills it.  Exits when
# the workers' user still cannot read what it holds.
run_make() {
	[ "$RUN" != "$VAR/run" ] || return 0
	g=$(id -gn "$WORKER_USER")
	# What an older stack.sh opened to the workers' group is root's
	# alone again (00: chmod keeps a folder's setgid bit otherwise).
	chgrp "$(id -g)" "$VAR" "$VAR/run"
	chmod 00700 "$VAR" "$VAR/run"
	run_remove
	# mkdir fails on anything already there (a symlink too), and the
	# folder is 0750 root's until it is complete.
	mkdir -m 0750 "$RUN"
	cp -R "$ROOT/static" "$STATIC"
	chgrp -R "$g" "$RUN"
	chmod -R u=rwX,g=rX,o= "$STATIC"
	chmod 2750 "$RUN"
	if ! runuser -u "$WORKER_USER" -- test -r "$STATIC/tutti.css"; then
		echo "stack: $WORKER_USER cannot read $STATIC; nginx's" \
		    "workers would not reach it" >&2
		run_remove
		exit 1
	fi
}

write_config() {
	run_make
	user=$(nginx_user)
	sed -e "s|@USER@|$user|" -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" \
	    -e "s|@RUN@|$RUN|g" -e "s|@STATIC@|$STATIC|g" \
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
	"$B/tutti-fcgi" -s "$RUN/tutti-fcgi.sock" \
	    -p "$VAR/run/tutti-fcgi.pid" ${WORKERS:+-n "$WORKERS"} \
	    >>"$VAR/log/tutti-fcgi.log" 2>&1 &
	i=0
	while [ ! -S "$RUN/tutti-fcgi.sock" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	# nginx reads NGINX from its environment as sockets to inherit:
	# ours (its path) would only log an [emerg] on each start.
	env -u NGINX "$NGINX" -p "$VAR" -c "$VAR/run/nginx.conf" \
	    -g 'daemon off;' \
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
	run_remove
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
rundir)
	echo "$RUN"
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
	echo "usage: ctl/stack.sh start|stop|run|status|rundir" >&2
	exit 2
	;;
esac
