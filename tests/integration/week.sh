#!/bin/bash
# The coordinator's week (issue 17) through nginx on the demo service:
# /schedule with no parameters is this week of every active therapist,
# with this week's sessions as cards; rooms and sites as rows, one day,
# other weeks and one site; leave and closures shaded.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

c=$(web coord "$BASE/schedule")
check "/schedule answers 200" [ "$c" = 200 ]
check "it is this week" has "Schedule: week of"
missing=0
while IFS= read -r name; do
	grep -qF -- "$name" "$TVAR/body" || { echo "# missing therapist: $name"; missing=$((missing + 1)); }
done < <(sql "select replace(name, '''', '&#39;') from therapists where active = 1")
check "every active therapist has a row" [ "$missing" = 0 ]
n=$(sql "select count(*) from therapists where active = 1")
rows=$(grep -c '<th scope="row"' "$TVAR/body")
check "one row a therapist ($rows of $n)" [ "$rows" = "$n" ]
# This week's sessions, Monday to Sunday, London time.
mon=$(date -d "$(date +%F) -$(( ($(date +%u) + 6) % 7 )) days" +%F)
sun=$(date -d "$mon + 6 days" +%F)
refs=$(sql "select distinct r.ref from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id join referrals r on r.id = c.referral_id where o.occ_date between '$mon' and '$sun' and o.state = 'booked' and r.ref != ''")
nref=0; miss=0
for r in $refs; do
	nref=$((nref + 1))
	has "$r" || miss=$((miss + 1))
done
check "this week's demo sessions are on the grid ($nref clients)" [ "$nref" -gt 0 -a "$miss" = 0 ]
cards=$(grep -o 'class="card' "$TVAR/body" | wc -l)
occ=$(sql "select count(*) from occurrences where occ_date between '$mon' and '$sun'")
check "one card a session this week ($cards of $occ)" [ "$cards" -ge "$occ" ]
check "cards link to their series" grep -q 'class="card[^"]*" href="/series/[0-9]*"' "$TVAR/body"
check "each therapist's hours and caseload head the row" has " clients</span>"

# A leave this week and a closure: shaded, and its sessions flagged.
t=$(sql "select therapist_id from occurrences where occ_date between '$mon' and '$sun' and state = 'booked' and end_utc > unixepoch() group by therapist_id order by count(*) desc limit 1")
[ -n "$t" ] || t=$(sql "select id from therapists where active = 1 limit 1")
sql "insert into therapist_leave (therapist_id, first_day, last_day, reason) values ($t, '$mon', '$sun', 'Test leave')"
c=$(web coord "$BASE/schedule")
check "leave shades the therapist's days" has 'class="away"><span class="away-label">On leave'
if [ -n "$(sql "select 1 from occurrences where therapist_id = $t and occ_date <= '$sun' and state = 'booked' and end_utc > unixepoch() limit 1")" ]; then
	check "sessions still to come on leave are flagged" has "Needs a decision"
fi

c=$(web coord "$BASE/schedule?by=room")
check "rooms as rows" has '<th scope="col" class="who">Rooms</th>'
c=$(web coord "$BASE/schedule?by=site")
check "sites as rows" has '<th scope="col" class="who">Sites</th>'
site=$(sql "select site_id from occurrences where occ_date between '$mon' and '$sun' group by site_id order by count(*) desc limit 1")
sname=$(sql "select name from sites where id = $site")
c=$(web coord "$BASE/schedule?site=$site")
check "filtering by site answers 200" [ "$c" = 200 ]
other=$(sql "select name from sites where id != $site and active = 1 and id in (select site_id from occurrences where occ_date between '$mon' and '$sun') limit 1")
if [ -n "$other" ]; then
	check "and shows no other site's sessions" [ "$(grep -c "<span class=\"where\">[^<]*, $other</span>" "$TVAR/body")" = 0 ]
fi
c=$(web coord "$BASE/schedule?day=$mon")
check "one day answers 200" [ "$c" = 200 ]
check "with one day's column" [ "$(grep -o '<th scope="col"' "$TVAR/body" | wc -l)" = 2 ]
next=$(date -d "$mon + 7 days" +%F)
c=$(web coord "$BASE/schedule?week=$next")
check "next week opens on its Monday" has "week of $(LC_ALL=C date -d "$next" '+%A %-d %B %Y')"
c=$(web coord "$BASE/schedule?week=not-a-date")
check "a bad week shows this week" [ "$c" = 200 ]
c=$(staff_login thea therapist@tutti.example demo-therapist-2026)
c=$(web thea "$BASE/schedule")
check "a therapist cannot open the service's week" [ "$c" = 403 ]

finish
