#!/bin/bash
# What the stack writes holds health data, password hashes and signing
# keys: no one but its owner may read it (issue 13, finding 8).  The
# state folder is 0700, also when started as root (nginx's workers reach
# only the run folder outside it: nginx_user.sh), and the database, its
# WAL and SHM, the logs and backups are 0600; the socket is for the
# owner and group only.
set -u
. "$(dirname "$0")/../lib/stack.sh"
# A state folder made by the stack itself, not by mktemp (already 0700).
stack_up
S=$TVAR/state
VAR=$S PORT=$(free_port) TUTTI_DB=$S/tutti.db sh "$ROOT/ctl/stack.sh" start >/dev/null 2>&1
sqlite3 "$S/tutti.db" 'pragma wal_checkpoint' >/dev/null
mode() { stat -c '%a' "$1"; }
check "the state folder is 0700 ($(mode "$S"))" [ "$(mode "$S")" = 700 ]
check "its run folder is 0700 ($(mode "$S/run"))" [ "$(mode "$S/run")" = 700 ]
check "the database is 0600 ($(mode "$S/tutti.db"))" [ "$(mode "$S/tutti.db")" = 600 ]
bad=$(find "$S" -type f -perm /077 | head -n 5)
check "no file under it is readable by others ($bad)" [ -z "$bad" ]
check "the WAL is 0600" [ ! -e "$S/tutti.db-wal" -o "$(mode "$S/tutti.db-wal")" = 600 ]
check "the logs are 0600" [ "$(mode "$S/log/tutti-fcgi.log")" = 600 ]
sock=$(VAR=$S sh "$ROOT/ctl/stack.sh" rundir)/tutti-fcgi.sock
check "the socket is not open to others" sh -c "[ \$(( 0$(mode "$sock") & 07 )) = 0 ]"
VAR=$S sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
# An older stack.sh, started as root, opened the state folder to nginx's
# workers (0710 and 2750 with their group): a start closes it again.
if [ "$(id -u)" = 0 ]; then
	u=www-data
	id -u "$u" >/dev/null 2>&1 || u=nobody
	chgrp "$(id -gn "$u")" "$S" "$S/run" && chmod 0710 "$S" &&
	    chmod 2750 "$S/run"
	VAR=$S PORT=$(free_port) TUTTI_DB=$S/tutti.db \
	    sh "$ROOT/ctl/stack.sh" start >/dev/null 2>&1
	check "an opened state folder is 0700 again after a start ($(mode "$S"))" \
	    [ "$(stat -c '%a %g' "$S" "$S/run" | tr '\n' ' ')" = "700 0 700 0 " ]
	VAR=$S sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
fi
(umask 022; TUTTI_DB=$S/tutti.db "$B/tuttictl" backup "$TVAR/backup.db" >/dev/null 2>&1)
check "a backup is 0600 even under umask 022 ($(mode "$TVAR/backup.db"))" [ "$(mode "$TVAR/backup.db")" = 600 ]
finish
