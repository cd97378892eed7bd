#!/bin/sh
# Starts and stops the whole stack: the FastCGI workers, the mailer and
# nginx, with their state under VAR.
#
#   ctl/stack.sh start|stop|run|status
#
# Environment: B (build folder), VAR (state folder), PORT, REFER_RATE and
# REFER_BURST (nginx's limit on POST /refer), WORKERS, and every TUTTI_*
# setting, passed on to the programs.
set -eu

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

write_config() {
	user=
	if [ "$(id -u)" = 0 ]; then
		user="user $(id -un) $(id -gn);"
	fi
	sed -e "s|@USER@|$user|" -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" \
	    -e "s|@PORT@|$PORT|g" \
	    -e "s|@REFER_RATE@|${REFER_RATE:-30r/m}|g" \
	    -e "s|@REFER_BURST@|${REFER_BURST:-10}|g" \
	    -e "s|@EXTRA@|${NGINX_EXTRA:-}|g" \
	    "$ROOT/nginx/dev.conf.in" > "$VAR/run/nginx.conf"
	cp "$ROOT/nginx/fastcgi.conf.in" "$VAR/run/fastcgi.conf"
}

start() {
	mkdir -p "$VAR/run" "$VAR/log" "$VAR/mail"
	if alive tutti-fcgi || alive nginx; then
		echo "stack: already running in $VAR (make stop first)" >&2
		exit 1
	fi
	if [ ! -f "$TUTTI_DB" ]; then
		"$B/tuttictl" init
		"$B/tuttictl" demo > "$VAR/demo-logins.txt"
	fi
	write_config
	"$B/tutti-fcgi" -s "$VAR/run/tutti-fcgi.sock" \
	    -p "$VAR/run/tutti-fcgi.pid" ${WORKERS:+-n "$WORKERS"} \
	    >>"$VAR/log/tutti-fcgi.log" 2>&1 &
	if [ -x "$B/tutti-mailer" ]; then
		"$B/tutti-mailer" -p "$VAR/run/tutti-mailer.pid" \
		    >>"$VAR/log/tutti-mailer.log" 2>&1 &
	fi
	i=0
	while [ ! -S "$VAR/run/tutti-fcgi.sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "stack: workers did not start; see" \
			    "$VAR/log/tutti-fcgi.log:" >&2
			tail -n 5 "$VAR/log/tutti-fcgi.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	if ! "$NGINX" -p "$VAR" -c "$VAR/run/nginx.conf" \
	    -e "$VAR/log/nginx-error.log"; then
		echo "stack: nginx did not start (is port $PORT taken?)" >&2
		stop
		exit 1
	fi
	i=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "stack: no answer on port $PORT; see $VAR/log" >&2
			stop
			exit 1
		fi
		sleep 0.1
	done
}

stop() {
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
	;;
*)
	echo "usage: ctl/stack.sh start|stop|run|status" >&2
	exit 2
	;;
esac
