#!/bin/bash
# Disk-full test: the database's file system really runs out of space
# under the running workers, so SQLite's own writes fail (ENOSPC ->
# SQLITE_FULL); no shim, no per-connection max_page_count.
#
# How: the stack starts as usual, is stopped, and its database is copied
# onto a small tmpfs mounted at $TVAR/dbfs; the stack starts again with
# TUTTI_DB there (logs and nginx's temp files stay on the ordinary disk, so
# the workers can still log).  After one referral goes through, the WAL is
# checkpointed and truncated (so the next write must grow a file) and a
# filler file takes every free block.  Then a valid POST /refer must get
# our 503 page "out of space" with every typed value kept and nothing
# half-stored; after the filler is removed, sending that same page's form
# again gives a 303 and exactly one stored row.
#
# Mounting needs root: as another user the test says "# SKIP needs root";
# as root without CAP_SYS_ADMIN (a container) it skips as well.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/stack.sh

FS_SIZE=${DISK_FULL_FS_SIZE:-8m}
MNT=
CURL=(curl -s --max-time 20)

cleanup() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop \
		    >/dev/null 2>&1 || true
		# Keep a copy of the database for a failed run's state folder.
		[ "$T_FAIL" -gt 0 ] && cp "$MNT"/tutti.db* "$TVAR/" 2>/dev/null
		rm -f "$MNT/filler"
		umount "$MNT" || umount -l "$MNT"
	fi
	stack_down
}

# post_form FILE-OUT BODY...: POSTs a url-encoded form to /refer; prints
# "status location".
post_form() {
	local out=$1
	shift
	"${CURL[@]}" -o "$out" -w '%{http_code} %{redirect_url}' "$@" \
	    "$BASE/refer"
}

# The values a person typed (the form template escapes them).
FORM=(--data-urlencode "given_name=Zoë"
    --data-urlencode "family_name=O'Brien-Full"
    --data-urlencode "date_of_birth=1975-11-30"
    --data-urlencode "email=zoe.full@example.com"
    --data-urlencode "phone=07700 900 123"
    --data-urlencode "preferred_contact=phone"
    --data-urlencode "postcode=sw1a 1aa"
    --data-urlencode "about=Typed before the disk filled <b>&</b> and kept"
    --data-urlencode "needs=dementia" --data-urlencode "needs=other"
    --data-urlencode "availability=tue_pm"
    --data-urlencode "session_type=individual"
    --data-urlencode "consent_data=yes" --data-urlencode "consent_contact=yes")

referrals() { sql "SELECT count(*) FROM referrals"; }
orphans() {
	sql "SELECT (SELECT count(*) FROM outbox o WHERE o.referral_id IS NOT
	    NULL AND NOT EXISTS (SELECT 1 FROM referrals r WHERE
	    r.id = o.referral_id)) + (SELECT count(*) FROM referral_sites s
	    WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE
	    r.id = s.referral_id))"
}
outbox() { sql "SELECT count(*) FROM outbox"; }

if ! need_root "the database's disk fills under the running workers"; then
	finish
	exit
fi
stack_up
trap cleanup EXIT

MNT=$TVAR/dbfs
mkdir -p "$MNT"
if ! mount -t tmpfs -o "size=$FS_SIZE,mode=0755" tmpfs "$MNT" 2>"$TVAR/mount.err"
then
	MNT=
	echo "ok 1 # SKIP cannot mount a small tmpfs here ($(head -n 1 \
	    "$TVAR/mount.err")); run as root"
	T_N=1
	finish
	exit
fi
ok "a $FS_SIZE tmpfs is mounted for the database at $MNT"

# Move the database onto it and start the stack again there.
VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
sqlite3 "$TUTTI_DB" ".backup '$MNT/tutti.db'"
export TUTTI_DB=$MNT/tutti.db
if REFER_RATE=100000r/s REFER_BURST=100000 VAR=$TVAR PORT=$PORT \
    sh "$ROOT/ctl/stack.sh" start >"$TVAR/start2.log" 2>&1; then
	ok "the stack runs again with TUTTI_DB on the tmpfs"
else
	not_ok "the stack runs again with TUTTI_DB on the tmpfs" \
	    "$(tail -n 5 "$TVAR/start2.log")"
	finish
	exit
fi
workers0=$(pgrep -P "$(cat "$TVAR/run/tutti-fcgi.pid")" | sort -n | tr '\n' ' ')

# A referral goes through while there is room.
"${CURL[@]}" -o "$TVAR/f0.html" "$BASE/refer"
r=$(post_form /dev/null --data-urlencode "given_name=Before" \
    --data-urlencode "form_token=$(form_token "$TVAR/f0.html")" "${FORM[@]}")
check "with room, a referral is answered 303 ($r)" [ "${r%% *}" = 303 ]

# Fill the file system.  The WAL is emptied first so that the next
# commit has to grow it; the busy column must be 0.  The WAL must still
# hold no block once the filler has taken the last free one: the mailer
# writes too (it claims and sends the first referral's mail) whenever it
# runs, and if its commit lands between the truncation and the filler,
# the checkpointer copies it back and later commits reuse those blocks
# from the WAL's start, so a referral is stored on a "full" disk (seen on
# a loaded machine).  So empty, fill and look again until both hold.
wal_blocks() { stat -c %b "$MNT/tutti.db-wal" 2>/dev/null || echo 0; }
for try in 1 2 3 4 5 6 7 8 9 10; do
	rm -f "$MNT/filler"
	ck=$(sql "PRAGMA wal_checkpoint(TRUNCATE)")
	dd if=/dev/zero of="$MNT/filler" bs=4096 >/dev/null 2>&1
	wal=$(wal_blocks)
	free=$(stat -f -c %a "$MNT")
	[ "${ck%%|*}" = 0 ] && [ "$wal" = 0 ] && [ "$free" = 0 ] && break
	sleep 1
done
check "the WAL is checkpointed and truncated ($ck, try $try)" \
    [ "${ck%%|*}" = 0 ]
check "the filler took every free block ($free left)" [ "$free" = 0 ]
check "and the WAL holds none of them ($wal blocks)" [ "$wal" = 0 ]

n0=$(referrals)
o0=$(outbox)

# The person opens the form (reading needs no space) and sends it.
"${CURL[@]}" -o "$TVAR/f1.html" -w '%{http_code}' "$BASE/refer" \
    >"$TVAR/f1.status"
check "with the disk full, GET /refer still shows the form" \
    [ "$(cat "$TVAR/f1.status")" = 200 ]
tok=$(form_token "$TVAR/f1.html")
r=$(post_form "$TVAR/full.html" --data-urlencode "form_token=$tok" \
    "${FORM[@]}")
check "with the disk full, POST /refer is answered 503 ($r)" \
    [ "${r%% *}" = 503 ]
if grep -q 'because our system is out of space. Nothing was saved' \
    "$TVAR/full.html"; then
	ok "the page says the system is out of space and nothing was saved"
else
	not_ok "the page says the system is out of space and nothing was saved" \
	    "$(grep -o '<li>.*</li>' "$TVAR/full.html" | head -n 3)"
fi
kept=1
for want in 'name="given_name" value="Zoë"' \
    'name="family_name" value="O&#39;Brien-Full"' \
    'name="date_of_birth" value="1975-11-30"' \
    'name="email" value="zoe.full@example.com"' \
    'name="phone" value="07700 900 123"' \
    'name="postcode" value="sw1a 1aa"' \
    '>Typed before the disk filled &lt;b&gt;&amp;&lt;/b&gt; and kept</textarea>' \
    'value="dementia" checked' 'value="other" checked' \
    'value="tue_pm" checked' "name=\"form_token\" value=\"$tok\""; do
	if ! grep -qF -- "$want" "$TVAR/full.html"; then
		kept=0
		not_ok "the 503 page keeps what was typed" "missing: $want"
		break
	fi
done
[ $kept = 1 ] && ok "the 503 page keeps every typed value and the same form token"

# Once more, possibly on the other worker.
"${CURL[@]}" -o "$TVAR/f2.html" "$BASE/refer"
r2=$(post_form /dev/null --data-urlencode \
    "form_token=$(form_token "$TVAR/f2.html")" "${FORM[@]}")
check "a second POST while full is also 503 ($r2)" [ "${r2%% *}" = 503 ]
check "nothing was stored: referrals $n0 -> $(referrals)" \
    [ "$(referrals)" = "$n0" ]
check "nothing was queued: outbox $o0 -> $(outbox)" [ "$(outbox)" = "$o0" ]
check "no outbox or site rows without their referral" [ "$(orphans)" = 0 ]
ic=$(sql "PRAGMA integrity_check")
check "PRAGMA integrity_check is ok while full ($ic)" [ "$ic" = ok ]
grep -q 'db: referral create: database or disk is full' \
    "$TVAR/log/tutti-fcgi.log"
check "the worker log names the cause (database or disk is full)" [ $? = 0 ]

# Space comes back: the person sends the kept form again.
rm -f "$MNT/filler"
r=$(post_form /dev/null --data-urlencode "form_token=$tok" "${FORM[@]}")
ref=${r##*ref=}
check "after the filler is removed, the same form is answered 303 ($r)" \
    [ "${r%% *}" = 303 ]
check "and stored exactly once" \
    [ "$(sql "SELECT count(*) FROM referrals WHERE family_name =
        'O''Brien-Full' AND given_name = 'Zoë'")" = 1 ]
check "under the ref the page showed" \
    [ "$(sql "SELECT count(*) FROM referrals WHERE ref = '$ref' AND
        family_name = 'O''Brien-Full'")" = 1 ]
check "with its outbox rows (1 + coordinators)" \
    [ "$(sql "SELECT count(*) FROM outbox o JOIN referrals r ON
        r.id = o.referral_id WHERE r.ref = '$ref'")" = \
      "$(sql "SELECT 1 + count(*) FROM users WHERE role = 'coordinator'
        AND active = 1")" ]
r=$(post_form /dev/null --data-urlencode "form_token=$tok" "${FORM[@]}")
check "sending it yet again gives the same ref ($r)" [ "${r##*ref=}" = "$ref" ]
check "and no second row: referrals $n0 -> $(referrals)" \
    [ "$(referrals)" = $((n0 + 1)) ]
# Every worker's connection is well again, not only the one that answered.
bad=
for i in 1 2 3 4 5 6 7 8; do
	"${CURL[@]}" -o "$TVAR/f3.html" "$BASE/refer"
	r=$(post_form /dev/null --data-urlencode "given_name=After$i" \
	    --data-urlencode "form_token=$(form_token "$TVAR/f3.html")" \
	    "${FORM[@]}")
	[ "${r%% *}" = 303 ] || bad="$bad $i:${r%% *}"
done
check "8 more referrals after recovery are all answered 303${bad:+ (not:$bad)}" \
    [ -z "$bad" ]
check "and stored: referrals $n0 -> $(referrals)" \
    [ "$(referrals)" = $((n0 + 9)) ]
ic=$(sql "PRAGMA integrity_check")
check "PRAGMA integrity_check is ok after recovery ($ic)" [ "$ic" = ok ]

workers1=$(pgrep -P "$(cat "$TVAR/run/tutti-fcgi.pid")" | sort -n | tr '\n' ' ')
check "no worker died (pids $workers0 unchanged)" [ "$workers0" = "$workers1" ]
if grep -q 'killed by signal\|exited with' "$TVAR/log/tutti-fcgi.log"; then
	not_ok "the worker log shows no worker death" \
	    "$(grep 'killed by signal\|exited with' "$TVAR/log/tutti-fcgi.log" | head -n 3)"
else
	ok "the worker log shows no worker death"
fi

finish
