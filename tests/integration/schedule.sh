#!/bin/bash
# Scheduling through nginx: book from a suggestion, a clash named, cancel
# one session, move another, record attendance, and see each in
# /schedule and /me.
set -u
. "$(dirname "$0")/../lib/stack.sh"
TUTTI_CHANGE_GRACE=180 stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# Fiona's client record is with Thea, who works at the Centre on
# Wednesdays 09:00-13:00 (demo data).  A Wednesday three weeks ahead:
wed=$(date -d "next wednesday + 14 days" +%F)
client=$(sql "select c.id from clients c join referrals r on r.id = c.referral_id where r.given_name = 'Fiona' and c.ended_at is null")
thea=$(sql "select id from therapists where name = 'Thea Therapist'")
centre=$(sql "select id from sites where name like 'Tutti Centre%'")
room=$(sql "select id from rooms where site_id = $centre order by id limit 1")
check "the demo data has Fiona on Thea's caseload" [ -n "$client" -a -n "$thea" -a -n "$room" ]
# The demo's closures and leave fall on dates of their own; clear them so
# that the dates below are free, and add ours later.
sql "delete from site_closures where site_id = $centre; delete from therapist_leave where therapist_id = $thea"

# The booking form filled from a suggestion (a link from the matches page).
c=$(web coord "$BASE/series/new?client=$client&therapist=$thea&site=$centre&room=$room&day_plus1=3&start=10:00")
check "the booking form opens filled in" [ "$c" = 200 ]
check "the suggested client is chosen" has "value=\"$client\" selected"
check "the suggested start time is filled in" has 'value="10:00"'
csrf=$(csrf_of)
before=$(sql "select count(*) from series")
c=$(web coord --data "csrf=$csrf&client=$client&therapist=$thea&site=$centre&room=$room&first_date=$wed&start=10:00&length=45&end=count&count=6" "$BASE/series/new")
loc=$(location)
series=${loc#/series/}
series=${series%%\?*}
check "booking answers 303 to the series" [ "$c" = 303 ]
check "one series is stored" [ "$(sql "select count(*) from series")" = $((before + 1)) ]
check "with six occurrences" [ "$(sql "select count(*) from occurrences where series_id = $series")" = 6 ]
check "at 10:00 London time" [ "$(sql "select count(*) from occurrences where series_id = $series and strftime('%H:%M', start_utc, 'unixepoch') in ('10:00', '09:00')")" = 6 ]
check "the confirmation is queued for Fiona" [ "$(sql "select count(*) from outbox where kind = 'booking_confirmation' and dedupe_key like 'booking_confirmation:$series:%'")" = 1 ]

# The same room at the same time for someone else: refused, named.
other=$(sql "select c.id from clients c where c.ended_at is null and c.id != $client order by c.id limit 1")
ravi=$(sql "select id from therapists where name = 'Ravi Patel'")
c=$(web coord --data "csrf=$csrf&client=$other&therapist=$ravi&site=$centre&room=$room&first_date=$wed&start=10:15&length=45&end=count&count=2" "$BASE/series/new")
check "a clash answers 409" [ "$c" = 409 ]
check "the page names the room that is taken" has "is already booked then"
check "the typed values are kept" has "value=\"$wed\""
check "nothing more was stored" [ "$(sql "select count(*) from series")" = $((before + 1)) ]

# Several mistakes at once: every one in the error summary, linked to its
# field, each message by its field, every typed value kept, 422.
c=$(web coord --data "csrf=$csrf&client=&group=&therapist=$thea&site=$centre&room=$room&first_date=$wed&start=10:0x&length=500&end=count&count=0" "$BASE/series/new")
check "a booking with mistakes answers 422" [ "$c" = 422 ]
check "its title starts with Error:" has "<title>Error: book sessions"
for f in client start length count; do
	check "the summary links to #$f" has "<a href=\"#$f\">"
	check "the message for $f is by the field" has "id=\"$f-error\""
done
check "the length message names the limits" has "from 15 to 240"
check "the typed start is kept" has 'value="10:0x"'
check "the typed length is kept" has 'value="500"'
check "nothing stored for them" [ "$(sql "select count(*) from series")" = $((before + 1)) ]

# The series page.
c=$(web coord "$BASE/series/$series")
check "the series page answers 200" [ "$c" = 200 ]
check "the series page shows the client" has "Fiona"
csrf=$(csrf_of)
d2=$(date -d "$wed + 7 days" +%F)
d3=$(date -d "$wed + 14 days" +%F)

# Cancel the second session.
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d2&by=client&reason=Hospital+visit" "$BASE/series/$series")
check "cancelling answers 303" [ "$c" = 303 ]
check "the occurrence is cancelled" [ "$(sql "select state from occurrences where series_id = $series and occ_date = '$d2'")" = cancelled ]
check "an exception records who and why" [ "$(sql "select by_whom || '|' || reason from exceptions where series_id = $series and occ_date = '$d2'")" = "client|Hospital visit" ]
check "the notice waits for the grace period" [ "$(sql "select count(*) from outbox where kind = 'session_cancelled' and dedupe_key like 'session_cancelled:$series:%' and not_before > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+60 seconds')")" = 1 ]
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d2&by=client&reason=again" "$BASE/series/$series")
check "cancelling it twice is refused" [ "$c" = 422 ]
ex0=$(sql "select count(*) from exceptions where series_id = $series")
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d3&by=nobody&reason=" "$BASE/series/$series")
check "a cancellation with mistakes answers 422" [ "$c" = 422 ]
check "the summary links to who cancelled and the reason" has '<a href="#c-by">'
check "and to the reason" has '<a href="#c-reason">'
check "each message is by its field" has 'id="c-reason-error"'
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d3&by=client&reason=Ill%0D%0ABcc:+x" "$BASE/series/$series")
check "a line break in the reason is refused" [ "$c" = 422 ]
check "with a clear message" has "no line breaks"
check "the typed reason is kept" has 'value="Ill'
check "no cancellation was stored" [ "$(sql "select count(*) from exceptions where series_id = $series")" = "$ex0" ]

# Move the third to 11:00 the same day.
c=$(web coord --data "csrf=$csrf&action=move&date=$d3&new_date=$d3&new_start=11:00&room=&reason=Room+repairs" "$BASE/series/$series")
check "moving answers 303" [ "$c" = 303 ]
check "the occurrence is moved to 11:00" [ "$(sql "select state from occurrences where series_id = $series and occ_date = '$d3'")" = moved ]
check "the series' sequence rose with each change" [ "$(sql "select sequence from series where id = $series")" = 2 ]
c=$(web coord --data "csrf=$csrf&action=move&date=$d3&new_date=$d3&new_start=08:00&reason=early" "$BASE/series/$series")
check "a move before the site opens is refused" [ "$c" = 409 ]
check "and says why" has "is not open"
c=$(web coord --data "csrf=$csrf&action=move&date=$d3&new_date=$d3&new_start=13:30&reason=late" "$BASE/series/$series")
check "a move outside Thea's hours is refused" [ "$c" = 409 ]
check "and says that" has "does not work at this site"

# The week grid shows all three states.
c=$(web coord "$BASE/schedule?by=therapist&id=$thea&week=$d2")
check "the week grid answers 200" [ "$c" = 200 ]
check "the cancelled session is marked" has "Cancelled"
c=$(web coord "$BASE/schedule?by=room&id=$room&week=$d3")
check "the room's week shows the moved session at 11:00" has "11:00"
check "and marks it moved" has "Moved"
c=$(web coord "$BASE/schedule?by=site&id=$centre&week=$wed")
fref=$(sql "select r.ref from clients c join referrals r on r.id = c.referral_id where c.id = $client")
check "the site's week shows Fiona's reference" has "$fref"

# A closure entered later shows which sessions it hits.
sql "insert into site_closures (site_id, first_day, last_day, reason) values ($centre, '$wed', '$wed', 'Boiler repair')"
c=$(web coord "$BASE/schedule")
check "the schedule lists sessions hit by a later closure" has "Boiler repair"

# Thea records attendance for a past session on /me.
c=$(staff_login thea therapist@tutti.example demo-therapist-2026)
check "Thea signs in" [ "$c" = 303 ]
c=$(web thea "$BASE/me")
check "/me shows Thea's caseload" has "Fiona"
check "/me asks for attendance to record" has "Record attendance"
s=$(grep -o 'name="series" value="[0-9]*"' "$TVAR/body" | head -n 1 | sed 's/.*value="//; s/"//')
d=$(grep -o 'name="date" value="[0-9-]*"' "$TVAR/body" | head -n 1 | sed 's/.*value="//; s/"//')
cl=$(grep -o 'name="client" value="[0-9]*"' "$TVAR/body" | head -n 1 | sed 's/.*value="//; s/"//')
csrf=$(csrf_of)
c=$(web thea --data "csrf=$csrf&series=$s&date=$d&client=$cl&status=attended&note=Sang+two+songs" "$BASE/attendance")
check "recording attendance answers 303" [ "$c" = 303 ]
check "the attendance is stored" [ "$(sql "select status || '|' || note from attendance where series_id = $s and occ_date = '$d'")" = "attended|Sang two songs" ]
c=$(web thea "$BASE/me")
# That session's form is gone (others on the same day may stay: Thea
# often has several sessions a day).
check "the recorded session leaves the list" sh -c "! tr '\\n' ' ' < '$TVAR/body' | sed 's/<form/\\n<form/g' | grep 'name=\"series\" value=\"$s\"' | grep -q 'name=\"date\" value=\"$d\"'"
theirs=$(sql "select id from series where therapist_id != $thea order by id limit 1")
c=$(web thea --data "csrf=$csrf&series=$theirs&date=$d&client=1&status=attended" "$BASE/attendance")
check "a therapist cannot record another therapist's session" [ "$c" = 403 ]
c=$(web thea "$BASE/schedule")
check "a therapist cannot open the coordinators' schedule" [ "$c" = 403 ]

# Ending the series offers the freed place to the waitlist.
c=$(web coord "$BASE/series/$series")
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=end&from=$d3&reason=Discharged" "$BASE/series/$series")
check "ending answers 303" [ "$c" = 303 ]
check "sessions from that date are gone" [ "$(sql "select count(*) from occurrences where series_id = $series and occ_date >= '$d3'")" = 0 ]
c=$(web coord "$BASE/series/$series")
check "the series page offers the freed place" has "Offer the freed place"
# Starting a group: every mistake in the summary, linked to its field.
c=$(web coord "$BASE/groups")
csrf=$(csrf_of)
g0=$(sql "select count(*) from groups")
c=$(web coord --data "csrf=$csrf&action=add&name=Choir%0ABcc&therapist=$thea&site=$centre&capacity=99" "$BASE/groups")
check "a group with mistakes answers 422" [ "$c" = 422 ]
check "the summary links to the name" has '<a href="#g-name">'
check "and to the places" has '<a href="#g-capacity">'
check "the places message names the limits" has "from 2 to 40"
check "the typed places are kept" has 'value="99"'
check "no group was stored" [ "$(sql "select count(*) from groups")" = "$g0" ]
check "PRAGMA integrity_check is ok" [ "$(sql 'pragma integrity_check')" = ok ]
check "no room is ever double-booked" [ "$(sql "select count(*) from occurrences a join occurrences b on a.room_id = b.room_id and a.id < b.id and a.state != 'cancelled' and b.state != 'cancelled' and a.start_utc < b.end_utc and b.start_utc < a.end_utc")" = 0 ]
finish
