#!/bin/bash
# Data protection end to end, on the running stack with demo data: a
# person refers themselves, gets a therapist, sessions, attendance,
# notes, emails and an outcome survey; `tuttictl export-client` (and
# the admin's /export/ID) hands over every row about them;
# `tuttictl erase-client` leaves no byte of their name, email or phone
# in the database file or its WAL while every report figure stays the
# same; `tuttictl purge` anonymises old closed referrals.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up
export TUTTI_MAIL_DIR=$TVAR/mail

W=$TVAR/work
mkdir -p "$W"
GIVEN=Zephyrine
FAMILY=Quillfeather
EMAIL=zephyrine.q@example.net
PHONE=07700900555
EPHONE=07700900556
ABOUT="purple harmonica"

req() {
	local jar=$1
	shift
	curl -s -o "$W/body" -D "$W/head" -b "$W/$jar.jar" -c "$W/$jar.jar" \
	    -w '%{http_code}' "$@"
}
location() { grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[^:]*: //'; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$W/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }
sign_in() {
	local tok
	rm -f "$W/$1.jar"
	req "$1" "$BASE/login" >/dev/null
	tok=$(form_token "$W/body")
	req "$1" --data-urlencode "form_token=$tok" --data-urlencode "email=$2" \
	    --data-urlencode "password=$3" "$BASE/login" >/dev/null
}
# cond DESCRIPTION COMMAND...: ok when the command (a shell function
# body, evaluated here) succeeds.
cond() {
	local d=$1
	shift
	if eval "$*"; then ok "$d"; else not_ok "$d" "failed: $*"; fi
}
# found FILE...: "y" when any file holds any identifying string.
found() {
	local f s
	for f in "$@"; do
		[ -f "$f" ] || continue
		for s in "$GIVEN" "$FAMILY" "$EMAIL" "$PHONE" "07700 900 555" \
		    "$EPHONE" "$ABOUT"; do
			if grep -a -i -q -F -- "$s" "$f"; then
				echo "y ($s in $(basename "$f"))"
				return
			fi
		done
	done
	echo n
}

# --- the person refers themselves
curl -s -o "$W/form" "$BASE/refer"
tok=$(form_token "$W/form")
c=$(curl -s -o /dev/null -D "$W/head" -w '%{http_code}' \
    --data-urlencode "form_token=$tok" --data-urlencode "given_name=$GIVEN" \
    --data-urlencode "family_name=$FAMILY" --data-urlencode "email=$EMAIL" \
    --data-urlencode "phone=07700 900 555" --data "postcode=NW1+8NH" \
    --data "date_of_birth=1975-06-01&preferred_contact=email&needs=dementia&needs=neuro_rehab" \
    --data-urlencode "about=I miss playing my $ABOUT with my grandchildren" \
    --data "availability=mon_am&availability=wed_pm&session_type=individual&site=1" \
    --data-urlencode "emergency_name=Orlando $FAMILY" \
    --data-urlencode "emergency_phone=$EPHONE" \
    --data "consent_data=yes&consent_contact=yes&website=" "$BASE/refer")
ref=$(location | sed 's/.*ref=//')
check "the person's referral is acknowledged" [ "$c" = 303 -a -n "$ref" ]
ID=$(sql "select id from referrals where ref = '$ref'")
check "it is stored" [ -n "$ID" ]

# --- a coordinator triages it, with a note and a reason naming them
sign_in coord coordinator@tutti.example demo-coordinator-2026
req coord "$BASE/referrals/$ID" >/dev/null
csrf=$(csrf_of)
c=$(req coord --data-urlencode "csrf=$csrf" --data "action=note" \
    --data-urlencode "body=$GIVEN prefers mornings; call $PHONE first" \
    "$BASE/referrals/$ID")
check "a note naming them is added" [ "$c" = 303 ]
c=$(req coord --data-urlencode "csrf=$csrf" --data "action=move&from=new&to=triaged" \
    --data-urlencode "reason=Spoke to $GIVEN $FAMILY on the phone" \
    "$BASE/referrals/$ID")
check "it is triaged with a reason naming them" [ "$c" = 303 ]

# --- a caseload, seven weekly sessions in the past (six attended, one
# cancelled with a reason naming them), attendance notes, the survey
TH=$(sql "select id from therapists order by id limit 1")
SITE=$(sql "select id from sites order by id limit 1")
NOW=$(date +%s)
sql "UPDATE referrals SET status = 'active' WHERE id = $ID;
INSERT INTO referral_events (referral_id, at, to_status, reason) VALUES
 ($ID, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'active',
  'matched with $GIVEN''s consent');
INSERT INTO clients (referral_id, therapist_id, started_at)
 VALUES ($ID, $TH, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-60 days'));
INSERT INTO series (uid, therapist_id, client_id, site_id, first_date,
 start_local, count, created_at, updated_at) VALUES
 ('privacy-test@tutti.localhost', $TH, last_insert_rowid(), $SITE,
  date('now', '-56 days'), '10:00', 7, 'x', 'x');"
CLIENT=$(sql "select id from clients where referral_id = $ID")
SERIES=$(sql "select id from series where client_id = $CLIENT")
for w in 0 1 2 3 4 5 6; do
	sql "INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,
	 therapist_id, site_id, state) VALUES ($SERIES,
	 date('now', '-$((56 - 7 * w)) days'), $NOW - ($((56 - 7 * w)) * 86400),
	 $NOW - ($((56 - 7 * w)) * 86400) + 2700, $TH, $SITE,
	 CASE WHEN $w = 3 THEN 'cancelled' ELSE 'booked' END)"
	[ "$w" = 3 ] && continue
	sql "INSERT INTO attendance (series_id, occ_date, client_id, status,
	 note, recorded_at) VALUES ($SERIES, date('now', '-$((56 - 7 * w)) days'),
	 $CLIENT, 'attended', '$GIVEN sang along', 'x')"
done
sql "INSERT INTO exceptions (series_id, occ_date, kind, by_whom, reason,
 created_at) VALUES ($SERIES, date('now', '-35 days'), 'cancelled', 'client',
 '$GIVEN $FAMILY is in hospital', 'x');
INSERT INTO audit (at, action, detail) VALUES ('x', 'book',
 'booked series $SERIES (7 sessions)')"
check "the sixth attended session queued the outcome survey" \
    [ "$(sql "select count(*) from outbox where kind = 'outcome_survey' and referral_id = $ID and dedupe_key = 'outcome-survey:$ID' and to_addr = '$EMAIL'")" = 1 ]

# --- they answer the survey through its signed link
curl -s -o /dev/null "$BASE/outcome?t=AgAAAAAAAAABAAAAAAAAAAAAAAAAAAAA"
TOKEN=$($PY - "$TUTTI_DB" "$ID" <<'PY'
import base64, hashlib, hmac, sqlite3, struct, sys
key = sqlite3.connect(sys.argv[1]).execute(
    "select value from settings where key = 'outcome_key'").fetchone()[0]
body = bytes([2]) + struct.pack(">Q", int(sys.argv[2]))
mac = hmac.new(key, b"tutti-outcome\0" + body, hashlib.sha256).digest()[:15]
print(base64.urlsafe_b64encode(body + mac).decode())
PY
)
c=$(curl -s -o "$W/body" -w '%{http_code}' "$BASE/outcome?t=$TOKEN")
cond "the survey link opens the questions without signing in" \
    '[ "$c" = 200 ] && grep -q "name=\"positive\"" "$W/body"'
c=$(curl -s -o "$W/body" -w '%{http_code}' --data "t=$TOKEN&positive=agree" \
    "$BASE/outcome")
cond "unanswered questions get 422 with the error summary" \
    '[ "$c" = 422 ] && grep -q "There is a problem" "$W/body"'
check "the answer given is kept" grep -q 'value="agree" checked' "$W/body"
c=$(curl -s -o /dev/null -D "$W/head" -w '%{http_code}' --data \
    "t=$TOKEN&positive=agree&quality_of_life=agree&social=unsure&relationship=na" \
    "$BASE/outcome")
check "the answers are stored: 303" [ "$c" = 303 ]
check "one outcome row holds them" \
    [ "$(sql "select positive || quality_of_life || social || relationship from outcomes where referral_id = $ID")" = agreeagreeunsurena ]
c=$(curl -s -o "$W/body" -w '%{http_code}' --data \
    "t=$TOKEN&positive=disagree&quality_of_life=disagree&social=disagree" \
    "$BASE/outcome")
check "a second answer changes nothing" \
    [ "$(sql "select positive from outcomes where referral_id = $ID")" = agree ]
curl -s -o "$W/body" "$BASE/outcome?t=$TOKEN"
check "the link then says thank you" grep -q 'Your answers are recorded' "$W/body"
# Its last character changed (to B when it already ends in A: one link
# in 64 did, and the "damaged" link was the link itself).
case $TOKEN in *A) bad=${TOKEN%?}B ;; *) bad=${TOKEN%?}A ;; esac
c=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/outcome?t=$bad")
check "a damaged link gets 404" [ "$c" = 404 ]

# Let the mailer finish with their emails (the survey's kind may not be
# known to it yet: then it fails, which is fine here).
for i in $(seq 100); do
	[ "$(sql "select count(*) from outbox where referral_id = $ID and user_id is null and status in ('queued', 'sending')")" = 0 ] && break
	sleep 0.2
done

# --- the figures before
sign_in admin admin@tutti.example demo-admin-pass-2026
TABLES="summary sessions_by_month sessions_by_site sessions_by_organisation
sessions_by_therapist sessions_by_type attendance referrals_by_need
referrals_by_source waitlist caseload outcomes"
PERIOD="from=2015-01-01&to=2034-12-31"
mkdir -p "$W/before" "$W/after"
for t in $TABLES; do
	req coord "$BASE/reports.csv?table=$t&$PERIOD" >/dev/null
	cp "$W/body" "$W/before/$t.csv"
done
check "the reports count the person's sessions" \
    grep -q '^Sessions delivered,[1-9]' "$W/before/summary.csv"

# --- export
"$B/tuttictl" export-client "$ID" > "$W/export.json"
check "tuttictl export-client succeeds" [ $? = 0 ]
"$B/tuttictl" export-client "$ref" > "$W/export-by-ref.json"
# Each export adds an audit line, which the next one shows.
same() { cmp -s <(grep -v -e exported_at -e '"action": "export"' "$1" |
    sed 's/,$//') <(grep -v -e exported_at -e '"action": "export"' "$2" |
    sed 's/,$//'); }
check "the reference code names the client too" \
    same "$W/export.json" "$W/export-by-ref.json"
out=$($PY - "$TUTTI_DB" "$ID" "$W/export.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rid = int(sys.argv[2])
x = json.load(open(sys.argv[3]))
c = "(select id from clients where referral_id = ?1)"
s = ("(select id from series where client_id in %s or group_id in "
     "(select group_id from group_members where client_id in %s))" % (c, c))
want = {
    "referral_sites": "select count(*) from referral_sites where referral_id = ?1",
    "referral_events": "select count(*) from referral_events where referral_id = ?1",
    "referral_notes": "select count(*) from referral_notes where referral_id = ?1",
    "clients": "select count(*) from clients where referral_id = ?1",
    "series": "select count(*) from series where id in " + s,
    "sessions": "select count(*) from occurrences where series_id in " + s,
    "exceptions": "select count(*) from exceptions where series_id in " + s,
    "attendance": "select count(*) from attendance where client_id in " + c,
    "emails": "select count(*) from outbox where referral_id = ?1",
    # Lines written up to the export (each export adds one after).
    "audit": "select count(*) from audit where referral_id = ?1 and id <= "
             + str(max(a["id"] for a in x["audit"])),
    "outcomes": "select count(*) from outcomes where referral_id = ?1",
}
bad = []
if x["client_id"] != rid or x["referral"]["id"] != rid:
    bad.append("client_id")
for k, q in want.items():
    n = db.execute(q, (rid,)).fetchone()[0]
    got = len(x[k])
    # The audit section also holds lines naming their series.
    if (k == "audit" and got < n) or (k != "audit" and got != n) or n == 0:
        bad.append("%s: %d rows in the database, %d in the export" % (k, n, got))
if not any(a["action"] == "book" and a["what"] == "booked sessions"
           for a in x["audit"]):
    bad.append("audit: the booking line is missing")
# What the person is owed: when and by which role, not who by name.
for a in x["audit"]:
    if set(a) != {"id", "at", "by_role", "action", "what"}:
        bad.append("audit: columns %s" % sorted(a))
        break
r = x["referral"]
for col in ("given_name", "family_name", "email", "phone", "about",
            "emergency_name", "emergency_phone", "postcode", "date_of_birth"):
    if r[col] in ("", None):
        bad.append("referral." + col + " is empty")
print("; ".join(bad) if bad else "ok")
PY
)
check "the export holds every row about the person ($out)" [ "$out" = ok ]
check "the export holds their name, email and phone" \
    sh -c "grep -q '$GIVEN' '$W/export.json' && grep -q '$EMAIL' '$W/export.json' && grep -q '$PHONE' '$W/export.json'"
c=$(req admin "$BASE/export/$ID")
cond "an admin downloads the same from the web" \
    '[ "$c" = 200 ] && grep -qi "^content-type: application/json" "$W/head" &&
    grep -qi "^content-disposition: attachment" "$W/head" &&
    same "$W/body" "$W/export.json"'
req admin "$BASE/referrals/$ID" >/dev/null
check "the admin's referral page links to the export" \
    grep -q "href=\"/export/$ID\"" "$W/body"
c=$(req coord "$BASE/export/$ID")
check "a coordinator may not export" [ "$c" = 403 ]
check "the exports are audited (two by tuttictl, one on the web)" \
    [ "$(sql "select count(*) from audit where action = 'export' and referral_id = $ID")" = 3 ]
c=$(req admin "$BASE/export/999999")
check "an unknown client gets 404" [ "$c" = 404 ]
# Who saw their record: by role and when, never staff names, emails or
# addresses (issue 13).
req coord "$BASE/clients/$ID" >/dev/null
req admin "$BASE/export/$ID" >/dev/null
cond "the export says a coordinator opened the record, and when" \
    'grep -q "\"by_role\": \"coordinator\", \"action\": \"client-view\"" "$W/body"'
cond "the export names no member of staff, their email or address" \
    '[ "$(grep -c "\"by_role\"" "$W/body")" -gt 2 ] &&
    ! grep "\"by_role\"" "$W/body" | grep -q -i -e "@" -e "127.0.0.1" \
    -e "remote_addr" -e "user_name" -e "Cora" -e "Ada"'

f=$(found "$TUTTI_DB" "$TUTTI_DB-wal")
check "before the erasure their details are in the database ($f)" \
    [ "${f%% *}" = y ]

# --- erase
"$B/tuttictl" erase-client "$ID" > "$W/erase.out" 2>&1
rc=$?
check "tuttictl erase-client succeeds" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/#   /' "$W/erase.out"
check "it says what it did" grep -q 'notes deleted: 1' "$W/erase.out"
f=$(found "$TUTTI_DB" "$TUTTI_DB-wal" "$TUTTI_DB-shm")
check "no byte of their name, email, phone or words is left in the database file or its WAL ($f)" \
    [ "$f" = n ]
f=$(found "$TVAR"/mail/*.eml)
check "their delivered mail files are gone ($f)" [ "$f" = n ]
check "the database passes PRAGMA integrity_check" \
    [ "$(sql 'PRAGMA integrity_check')" = ok ]
check "the erasure is recorded" \
    [ "$(sql "select reason from erasures where referral_id = $ID")" = request ]
check "their unsent emails will not be sent" \
    [ "$(sql "select count(*) from outbox where referral_id = $ID and user_id is null and status in ('queued', 'sending')")" = 0 ]

for t in $TABLES; do
	req coord "$BASE/reports.csv?table=$t&$PERIOD" >/dev/null
	cp "$W/body" "$W/after/$t.csv"
done
d=$(diff -r "$W/before" "$W/after" | head -n 5 | tr '\n' ' ')
check "every report figure is unchanged ($d)" [ -z "$d" ]

c=$(req coord "$BASE/referrals/$ID")
cond "the referral page still opens, emptied" \
    '[ "$c" = 200 ] && grep -q Erased "$W/body"'
c=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/outcome?t=$TOKEN")
check "their survey link no longer opens" [ "$c" = 404 ]
"$B/tuttictl" export-client "$ID" > "$W/export2.json"
check "an export after the erasure shows only what is kept" \
    sh -c "! grep -q '$GIVEN' '$W/export2.json' && grep -q '\"reason\": \"request\"' '$W/export2.json'"
"$B/tuttictl" erase-client "$ID" > "$W/erase2.out" 2>&1
rc=$?
cond "erasing again is harmless" '[ $rc = 0 ] && grep -q "(again)" "$W/erase2.out"'
"$B/tuttictl" erase-client 999999 > /dev/null 2>&1
check "erasing an unknown client fails" [ $? = 1 ]

# --- logs never hold a token or their details
check "the request log holds paths only: no survey token" \
    sh -c "! grep -qF -- '$TOKEN' '$TVAR'/log/*.log"
check "the logs hold no session token or query string" \
    sh -c "! grep -qE '[?&](t|token|csrf)=' '$TVAR'/log/tutti-fcgi.log"

# --- the retention rule
OLD=$(sql "select id from referrals where status = 'closed' and id not in (select referral_id from erasures) order by id limit 1")
OLDNAME=$(sql "select family_name from referrals where id = $OLD")
sql "UPDATE referral_events SET at = '2015-03-01T10:00:00Z' WHERE referral_id = $OLD;
UPDATE referrals SET updated_at = '2015-03-01T10:00:00Z' WHERE id = $OLD"
"$B/tuttictl" purge --dry-run > "$W/purge1.out"
check "purge --dry-run names the old closed referral" \
    grep -q "would anonymise client $OLD (closed 2015-03-01" "$W/purge1.out"
check "purge --dry-run changes nothing" \
    [ "$(sql "select count(*) from erasures where referral_id = $OLD")" = 0 ]
"$B/tuttictl" purge > "$W/purge2.out"
check "purge anonymises it and says so" \
    grep -q "anonymised client $OLD (closed 2015-03-01" "$W/purge2.out"
check "purge reports the count" grep -q '^purge: 1 closed' "$W/purge2.out"
check "it is recorded as the retention rule" \
    [ "$(sql "select reason from erasures where referral_id = $OLD")" = retention ]
check "its name is gone from the file" \
    sh -c "! grep -a -q -F '$OLDNAME' '$TUTTI_DB' '$TUTTI_DB-wal' 2>/dev/null"
check "recent closed referrals are kept" \
    [ "$(sql "select count(*) from erasures")" = 2 ]
"$B/tuttictl" purge > "$W/purge3.out"
check "a second purge finds nothing" grep -q '^purge: 0 closed' "$W/purge3.out"

# --- a purge or erasure killed part way leaves its watch on writes
# (migration 051): every write logged a row until the next erasure, a
# month's with a monthly purge.  The mailer drops a watch 15 minutes
# old (every minute; here its -o run), a younger (live) one stays.
refer_one() {
	local tok
	curl -s -o "$W/form" "$BASE/refer"
	tok=$(form_token "$W/form")
	curl -s -o "$W/refer.out" -w '%{http_code}' \
	    --data-urlencode "form_token=$tok" --data "given_name=Watch" \
	    --data-urlencode "family_name=$1" \
	    --data-urlencode "email=$1@example.net" --data "postcode=NW1+8NH" \
	    --data "date_of_birth=1980-01-01&preferred_contact=email&needs=other" \
	    --data "phone=07700900999&about=Music&availability=mon_am" \
	    --data "session_type=individual&site=1" \
	    --data "consent_data=yes&website=" "$BASE/refer"
}
mailer_once() {
	TUTTI_SMTP_URL= TUTTI_MAIL_DIR=$TVAR/mail TUTTI_TEMPLATES=$ROOT/templates \
	    timeout 20 "$B/tutti-mailer" -o > "$W/mailer.out" 2>&1
}
changes() { sql "select count(*) from sweep_changes"; }
ago() { date -u -d "-$1" +%Y-%m-%dT%H:%M:%SZ; }
sql "INSERT INTO sweep_watch (started_at) VALUES ('$(ago '16 minutes')');
INSERT INTO referral_notes (referral_id, at, body) VALUES ($OLD, 'x', 'watched')"
check "a killed sweep's watch logs every write" [ "$(changes)" -ge 1 ]
mailer_once
check "the mailer drops it (15 minutes on) and says so" \
    grep -qs 'dropped 1 erasure watch left' "$W/mailer.out" "$TVAR/log/tutti-mailer.log"
check "with it the log" [ "$(sql "select count(*) from sweep_watch")/$(changes)" = 0/0 ]
c=$(refer_one Afterwatch)
check "the web's writes log nothing since" [ "$c/$(changes)" = 303/0 ]
sql "INSERT INTO sweep_watch (started_at) VALUES ('$(ago '16 minutes')'), ('$(ago '1 minute')')"
mailer_once
check "a live erasure's watch is not touched" \
    [ "$(sql "select count(*) from sweep_watch where started_at > '$(ago '5 minutes')'")/$(sql "select count(*) from sweep_watch")" = 1/1 ]
c=$(refer_one Livewatch)
cond "and what the web writes is logged for it" '[ "$c" = 303 ] && [ "$(changes)" -ge 1 ]'
sql "DELETE FROM sweep_watch; DELETE FROM sweep_changes"
finish
