#!/bin/bash
# The client record through nginx on the demo data (issue 16): a
# coordinator sees a person's sessions, attendance and emails on
# /clients/ID; a therapist opens their own client's record and not
# another therapist's; every client link on /me, in the therapist's
# emails and in their calendar feed answers 200 to them; a session note
# never appears in a feed, an email or a log; erasure removes notes and
# goals.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

COORD=coordinator@tutti.example;	COORD_PW=demo-coordinator-2026
THERA=therapist@tutti.example;		THERA_PW=demo-therapist-2026
MARK="Ocean-drum-$$-private"
thea_user=$(sql "select id from users where email = '$THERA'")
thea=$(sql "select id from therapists where user_id = $thea_user")
# Thea's client with a past session she held and emails about them.
rid=$(sql "select c.referral_id from clients c join series s on s.client_id = c.id join occurrences o on o.series_id = s.id where c.therapist_id = $thea and s.therapist_id = $thea and o.start_utc < strftime('%s','now') and o.state = 'booked' and exists (select 1 from outbox b where b.referral_id = c.referral_id) order by c.id limit 1")
other=$(sql "select c.referral_id from clients c where c.therapist_id != $thea and c.referral_id not in (select referral_id from clients where therapist_id = $thea) and not exists (select 1 from series s join group_members gm on gm.group_id = s.group_id where s.therapist_id = $thea and gm.client_id = c.id) order by c.id limit 1")
check "the demo has a client of Thea's and one never hers" [ -n "$rid" -a -n "$other" ]

c=$(staff_login coord "$COORD" "$COORD_PW")
check "the coordinator signs in" [ "$c" = 303 ]
c=$(web coord "$BASE/clients/$rid")
check "the coordinator opens /clients/$rid (200)" [ "$c" = 200 ]
check "it shows the past sessions with their attendance" \
    grep -q -E '<td>(Attended|Did not attend|Not recorded yet|Cancelled)' "$TVAR/body"
check "it shows the emails about them, by subject" grep -q 'Emails to or about them' "$TVAR/body"
check "dates are for people, not ISO" grep -q -E '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) [0-9]+ [A-Z][a-z]+ 20[0-9][0-9]' "$TVAR/body"
check "the coordinator sees who opened the record" grep -q 'Who has opened or changed this record' "$TVAR/body"
check "the view is audited" [ "$(sql "select count(*) from audit where action = 'client-view' and referral_id = $rid")" -ge 1 ]
# An email whose text the page can always write again: a booking
# confirmation of a series with no session to come cannot be (the page
# says so), and which of the demo's people that is moves with the date.
mail_id=$(sql "select max(id) from outbox where referral_id = $rid and kind in ('referral_ack', 'referral_new', 'therapist_assigned')")
check "each email links to its text" grep -q "href=\"/clients/$rid/emails/$mail_id\"" "$TVAR/body"
c=$(web coord "$BASE/clients/$rid/emails/$mail_id")
check "the coordinator reads the email's text (200)" [ "$c" = 200 ]
check "it is the text, with no personal link in it" sh -c "grep -q 'The email as it reads' '$TVAR/body' && ! grep -q -E '(my|unsubscribe|outcome)\?t=' '$TVAR/body'"
check "reading it is audited" [ "$(sql "select count(*) from audit where action = 'email-view' and referral_id = $rid")" = 1 ]
c=$(web coord "$BASE/schedule")
check "the week grid links its cards to client records" grep -q 'href="/clients/[0-9]*"' "$TVAR/body"
# The demo's history and notes are true to time.
check "every demo note was written after its session" [ "$(sql "select count(*) from session_notes where substr(written_at, 1, 10) < occ_date or written_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")" = 0 ]
check "the demo's automatic status lines say their cause" [ "$(sql "select count(*) from referral_events where reason like 'Automatic:%' and reason not like '%series %'")" = 0 ]
check "booking's line names the series and who booked it" [ "$(sql "select count(*) from referral_events where reason like 'Automatic: booked: series % booked by %, weekly from %'")" -ge 1 ]

c=$(staff_login thea "$THERA" "$THERA_PW")
check "Thea signs in" [ "$c" = 303 ]
c=$(web thea "$BASE/clients/$rid")
check "Thea opens her own client's record (200)" [ "$c" = 200 ]
check "without the audit section" [ "$(grep -c 'Who has opened or changed' "$TVAR/body")" = 0 ]
check "with no link she cannot open" [ "$(grep -c -E 'href="/(series|referrals|admin|export)/' "$TVAR/body")" = 0 ]
c=$(web thea "$BASE/clients/$other/emails/$(sql "select max(id) from outbox where referral_id = $other")")
check "Thea cannot read another therapist's client's email (403)" [ "$c" = 403 ]
c=$(web thea "$BASE/clients/$other")
check "another therapist's client: 403" [ "$c" = 403 ]

# Every client link on /me answers 200 to her.
web thea "$BASE/me" >/dev/null
links=$(grep -o 'href="/clients/[0-9]*' "$TVAR/body" | sed 's/href="//' | sort -u)
bad=
for l in $links; do
	[ "$(web thea "$BASE$l")" = 200 ] || bad="$bad $l"
done
check "every client link on /me answers 200 to Thea ($(echo $links | wc -w) links)" [ -n "$links" -a -z "$bad" ]
web thea "$BASE/me" >/dev/null
check "/me has notes to write and the sickness form" grep -q 'Report that you are off sick' "$TVAR/body"

# A note with a marker for a session she held.
date=$(sql "select o.occ_date from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id where c.referral_id = $rid and s.therapist_id = $thea and o.start_utc < strftime('%s','now') and o.state = 'booked' order by o.start_utc desc limit 1")
sid=$(sql "select o.series_id from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id where c.referral_id = $rid and s.therapist_id = $thea and o.occ_date = '$date' limit 1")
web thea "$BASE/clients/$rid" >/dev/null
csrf=$(csrf_of)
web thea --data-urlencode "csrf=$csrf" --data "action=note&series=$sid&date=$date&reason=test" \
    --data-urlencode "body=$MARK played and sang" "$BASE/clients/$rid" >/dev/null
c=$(web thea --data-urlencode "csrf=$csrf" --data "action=note&series=$sid&date=$date&reason=Corrected+the+instrument" \
    --data-urlencode "body=$MARK played the lyre" "$BASE/clients/$rid")
check "Thea writes and corrects a note (303)" [ "$c" = 303 ]
check "both texts are kept" [ "$(sql "select count(*) from session_note_versions v join session_notes n on n.id = v.note_id where n.referral_id = $rid and v.body like '$MARK%'")" = 2 ]

# Her emails: a new client for her is queued and sent (to files).
now=$(date -u +%FT%TZ)
sql "insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, user_id, message_id, not_before, created_at) values ('test-assigned-$rid', 'therapist_assigned', '$THERA', 'Thea', $rid, $thea_user, '<client-test-$$@tutti.localhost>', '$now', '$now')"
for i in $(seq 1 50); do
	[ "$(sql "select status from outbox where dedupe_key = 'test-assigned-$rid'")" = sent ] && break
	sleep 0.2
done
eml=$TVAR/mail/client-test-$$@tutti.localhost.eml
check "the new-client email is sent" [ -f "$eml" ]
mail_links=$(cat "$TVAR"/mail/*.eml 2>/dev/null | tr -d '\r' | sed -e ':a' -e '/=$/N; s/=\n//; ta' | grep -o "$BASE/clients/[0-9]*" | sort -u)
bad=
for l in $mail_links; do
	[ "$(web thea "$l")" = 200 ] || bad="$bad $l"
done
check "every client link in her email answers 200 to Thea" [ -n "$mail_links" -a -z "$bad" ]

# Her calendar feed: each event's link opens for her.
feed=$("$B/tuttictl" feed-url --email "$THERA")
curl -s "$feed" | tr -d '\r' | sed -e ':a' -e '$!N; s/\n //; ta' -e 'P; D' > "$TVAR/feed.ics"
check "the feed has events" grep -q 'BEGIN:VEVENT' "$TVAR/feed.ics"
feed_links=$(grep -o "$BASE/[a-z]*/*[0-9]*" "$TVAR/feed.ics" | sort -u)
bad=
for l in $feed_links; do
	[ "$(web thea "$l")" = 200 ] || bad="$bad $l"
done
check "every link in her feed's events answers 200 to Thea" [ -n "$feed_links" -a -z "$bad" ]
check "the feed links to client records" grep -q "$BASE/clients/" "$TVAR/feed.ics"

check "the note is in no feed" [ "$(grep -c "$MARK" "$TVAR/feed.ics")" = 0 ]
check "the note is in no email" [ -z "$(grep -rl "$MARK" "$TVAR/mail" 2>/dev/null)" ]
check "the note is in no log" [ -z "$(grep -rl "$MARK" "$TVAR/log" 2>/dev/null)" ]
check "the note is not in the audit trail or outbox" [ "$(sql "select (select count(*) from audit where detail like '%$MARK%') + (select count(*) from outbox where dedupe_key like '%$MARK%' or coalesce(last_error, '') like '%$MARK%')")" = 0 ]

# The export includes notes and goals; erasure removes them.
"$B/tuttictl" export-client "$rid" > "$TVAR/export.json" 2>/dev/null
check "the export holds the note and the goals" grep -q "$MARK" "$TVAR/export.json"
check "the demo gave them goals" [ "$(sql "select count(*) from client_goals where referral_id = $rid")" -ge 1 ]
"$B/tuttictl" erase-client "$rid" >/dev/null 2>&1
check "erasure removes the notes and goals" [ "$(sql "select (select count(*) from session_notes where referral_id = $rid) + (select count(*) from client_goals where referral_id = $rid) + (select count(*) from session_note_versions where body like '$MARK%')")" = 0 ]

finish
