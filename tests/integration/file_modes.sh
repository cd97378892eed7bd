#!/bin/bash
# What the stack writes holds health data, password hashes and signing
# keys: no one but its owner may read it (issue 13, finding 8).  The
# state folder is 0700 (0710 for nginx's workers when started as root)
# and the database, its WAL and SHM, the logs and
# backups are 0600; the socket is for the owner and group only.
set -u
. "$(dirname "$0")/../lib/stack.sh"
# A state folder made by the stack itself, not by mktemp (already 0700).
stack_up
S=$TVAR/state
VAR=$S PORT=$(free_port) TUTTI_DB=$S/tutti.db sh "$ROOT/ctl/stack.sh" start >/dev/null 2>&1
sqlite3 "$S/tutti.db" 'pragma wal_checkpoint' >/dev/null
mode() { stat -c '%a' "$1"; }
# Started as root, nginx's workers (not root) may pass through it to the
# socket: 0710 (nginx_user.sh checks the group).
want=700
# (0700 still when that user cannot read a checkout in a private home
# folder: the stack then keeps nginx's workers root's.)
if [ "$(id -u)" = 0 ]; then
	u=www-data
	id -u "$u" >/dev/null 2>&1 || u=nobody
	runuser -u "$u" -- test -r "$ROOT/static/tutti.css" 2>/dev/null &&
	    want=710
fi
check "the state folder is 0$want ($(mode "$S"))" [ "$(mode "$S")" = $want ]
check "the database is 0600 ($(mode "$S/tutti.db"))" [ "$(mode "$S/tutti.db")" = 600 ]
bad=$(find "$S" -type f -perm /077 | head -n 5)
check "no file under it is readable by others ($bad)" [ -z "$bad" ]
check "the WAL is 0600" [ ! -e "$S/tutti.db-wal" -o "$(mode "$S/tutti.db-wal")" = 600 ]
check "the logs are 0600" [ "$(mode "$S/log/tutti-fcgi.log")" = 600 ]
check "the socket is not open to others" sh -c "[ \$(( 0$(mode "$S/run/tutti-fcgi.sock") & 07 )) = 0 ]"
VAR=$S sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
(umask 022; TUTTI_DB=$S/tutti.db "$B/tuttictl" backup "$TVAR/backup.db" >/dev/null 2>&1)
check "a backup is 0600 even under umask 022 ($(mode "$TVAR/backup.db"))" [ "$(mode "$TVAR/backup.db")" = 600 ]
finish
