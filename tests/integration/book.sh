#!/bin/bash
# Assign and book in one flow (issue 17) through nginx, on the demo: a
# suggestion chosen on the matches page opens a page to check the
# answers (the usual number of sessions filled in); confirming stores the
# client, the series and the emails together; a clash is named with the
# form kept and nothing stored; the plan's Accept opens the same page.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]
rid=$(sql "select id from referrals where given_name = 'Emeka' and family_name = 'Obi'")
check "Emeka Obi is waitlisted" [ "$(sql "select status from referrals where id = $rid")" = waitlisted ]
sql "delete from site_closures; delete from therapist_leave"

c=$(web coord "$BASE/referrals/$rid/matches")
check "the matches page answers 200" [ "$c" = 200 ]
check "it gives reasons, not scores" [ "$(grep -c 'of 1000' "$TVAR/body")" = 0 ]
check "timing figures are not shown to a coordinator" [ "$(grep -c ' ms ' "$TVAR/body")" = 0 ]
# Suggestions that differ only in their start time are one row with a
# choice of times (a select), not a row each.
keys=$(awk '/action="\/referrals\/[0-9]+\/book"/ { f = 1; k = "" }
    f && /name="(therapist_id|site_id|room_id|day|length_min)"/ {
	match($0, /name="[a-z_]*" value="[^"]*"/); k = k substr($0, RSTART, RLENGTH) }
    f && /<\/form>/ { print k; f = 0 }' "$TVAR/body")
check "there are suggestions" [ -n "$keys" ]
check "no two rows differ only in their start time" [ "$(echo "$keys" | sort | uniq -d | wc -l)" = 0 ]
check "a row with several start times offers them in a list" grep -q '<label for="start-[0-9]*">Start time</label><select id="start-[0-9]*" name="start_min">' "$TVAR/body"
form=$(awk '/<form method="get" action="\/referrals\/[0-9]+\/book">/{f=1} f{print} /<\/form>/{if(f) exit}' "$TVAR/body")
# A hidden field's value, or the chosen option of a select (the start
# times of suggestions that differ only in their start collapse into one).
field() {
	local v
	v=$(echo "$form" | grep -o "name=\"$1\" value=\"[^\"]*\"" | sed 's/.*value="//; s/"$//')
	[ -n "$v" ] || v=$(echo "$form" | tr '>' '\n' | sed -n "/<select[^>]*name=\"$1\"/,/<\/select/p" |
	    grep -o 'value="[^"]*" selected' | sed 's/value="//; s/" selected//')
	echo "$v"
}
q="from=$(field from)&therapist_id=$(field therapist_id)&site_id=$(field site_id)&room_id=$(field room_id)&day=$(field day)&start_min=$(field start_min)&length_min=$(field length_min)"
check "each suggestion opens the booking check" [ -n "$(field therapist_id)" ]
c=$(web coord "$BASE/referrals/$rid/book?$q")
check "the check-your-answers page answers 200" [ "$c" = 200 ]
check "it names the client" has "Emeka Obi"
check "the usual 12 sessions are filled in" has 'name="count" value="12"'
check "with the dates they run" has "Dates</dt>"
first=$(grep -o 'name="first_date" value="[^"]*"' "$TVAR/body" | sed 's/.*value="//; s/"$//')
check "the first date is the next such day ($first)" [ "$(( ($(date -d "$first" +%u) + 6) % 7 ))" = "$(field day)" ]
csrf=$(csrf_of)

# A clash: the room taken by someone else on the third week.
tid=$(field therapist_id); room=$(field room_id); site=$(field site_id)
third=$(date -d "$first + 14 days" +%F)
s0=$(sql "select count(*) from series"); o0=$(sql "select count(*) from outbox"); c0=$(sql "select count(*) from clients")
start=$(printf '%02d:%02d' $(( $(field start_min) / 60 )) $(( $(field start_min) % 60 )))
other=$(sql "select id from therapists where id != $tid and active = 1 limit 1")
g=$(sql "insert into groups (name, therapist_id, site_id) values ('Clash test', $other, $site) returning id")
sql "insert into series (uid, therapist_id, group_id, site_id, room_id, first_date, start_local, created_at, updated_at) values ('clash@test', $other, $g, $site, $room, '$third', '$start', '', '')"
sid=$(sql "select id from series where uid = 'clash@test'")
sql "insert into occurrences (series_id, occ_date, start_utc, end_utc, therapist_id, room_id, site_id) values ($sid, '$third', strftime('%s', '$third $start', 'utc'), strftime('%s', '$third $start', 'utc') + 2700, $other, $room, $site)"
s0=$((s0 + 1))
c=$(web coord --data "csrf=$csrf&$q&first_date=$first&count=6" "$BASE/referrals/$rid/book")
check "a clash answers 409" [ "$c" = 409 ]
check "and is named" has "is already booked then"
check "the form is kept" has "value=\"$first\""
check "nothing was stored: no client" [ "$(sql "select count(*) from clients")" = "$c0" ]
check "no series" [ "$(sql "select count(*) from series")" = "$s0" ]
check "no email" [ "$(sql "select count(*) from outbox")" = "$o0" ]
check "the referral is still waitlisted" [ "$(sql "select status from referrals where id = $rid")" = waitlisted ]
sql "delete from occurrences where series_id = $sid; delete from series where id = $sid; delete from groups where id = $g"
s0=$((s0 - 1))

c=$(web coord --data "csrf=$csrf&$q&first_date=$first&count=abc" "$BASE/referrals/$rid/book")
check "a bad number of sessions answers 422" [ "$c" = 422 ]
check "with the problem in the summary" has 'href="#count"'

c=$(web coord --data "csrf=$csrf&$q&first_date=$first&count=2" "$BASE/referrals/$rid/book")
check "two sessions book (303)" [ "$c" = 303 ]
series=$(location); series=${series#/series/}; series=${series%%\?*}
check "to the series page" [ -n "$series" ]
client=$(sql "select id from clients where referral_id = $rid and ended_at is null")
check "the client is stored" [ -n "$client" ]
check "the series is theirs" [ "$(sql "select client_id from series where id = $series")" = "$client" ]
check "with two sessions" [ "$(sql "select count(*) from occurrences where series_id = $series")" = 2 ]
check "the confirmation is queued" [ "$(sql "select count(*) from outbox where kind = 'booking_confirmation' and dedupe_key like 'booking_confirmation:$series:%'")" = 1 ]
login=$(sql "select count(*) from therapists t join users u on u.id = t.user_id where t.id = $tid and u.active = 1")
want=1; [ "$login" = 0 ] && want=0
check "the therapist's email is queued when they sign in ($want)" [ "$(sql "select count(*) from outbox where kind = 'therapist_assigned' and dedupe_key like 'therapist-assigned:$client%'")" = "$want" ]
st=$(sql "select status from referrals where id = $rid")
check "the referral is matched or active ($st)" [ "$st" = matched -o "$st" = active ]
c=$(web coord --data "csrf=$csrf&$q&first_date=$first&count=2" "$BASE/referrals/$rid/book")
check "confirming twice books once (409)" [ "$c" = 409 ]
check "one series for Emeka" [ "$(sql "select count(*) from series where client_id in (select id from clients where referral_id = $rid)")" = 1 ]

# The plan's Accept opens the same check.
c=$(web coord "$BASE/referrals/plan")
check "the plan answers 200" [ "$c" = 200 ]
check "its Accept opens the booking check" has 'method="get" action="/referrals/'
c=$(staff_login thea therapist@tutti.example demo-therapist-2026)
c=$(web thea "$BASE/referrals/$rid/book?$q")
check "a therapist cannot book" [ "$c" = 403 ]
finish
