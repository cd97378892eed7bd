#!/bin/bash
# Term dates (issue 20) through nginx, on the demo: the demo school's
# term-time series skips its holidays; a coordinator adds terms to a
# site on its term dates page; a series booked there as N sessions skips
# the holiday and runs on until N are delivered, and the booking page,
# the series page, the email and the calendar feed say so; changing the
# term dates lists the sessions they now put in a holiday, which the
# closure flow cancels.
set -u
. "$(dirname "$0")/../lib/stack.sh"
# Booking confirmations wait the change grace period (Undo): none here.
TUTTI_CHANGE_GRACE=0 stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
# "Wednesday 9 December 2026" for a date.
words() { date -d "$1" '+%A %-d %B %Y'; }
# Sessions of series $1 on a day no term of its site holds.
outside() {
	sql "select count(*) from occurrences o join series s on s.id = o.series_id
	     join sites si on si.id = o.site_id where o.series_id = $1 and not exists (
	     select 1 from terms h where (h.site_id = o.site_id or (h.organisation_id =
	     si.organisation_id and not exists (select 1 from terms h2 where
	     h2.site_id = o.site_id))) and o.occ_date between h.first_day and h.last_day)"
}

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# --- the demo school's term-time series
demo=$(sql "select id from series where term_time = 1 order by id limit 1")
check "the demo has a term-time series" [ -n "$demo" ]
check "none of its sessions is in a holiday" [ "$(outside "$demo")" = 0 ]
check "it passes over holiday weeks" [ "$(sql "select count(*) from series_skips where series_id = $demo")" -gt 0 ]
check "it has its 12 sessions" [ "$(sql "select count(*) from occurrences where series_id = $demo")" = 12 ]
c=$(web coord "$BASE/series/$demo")
check "its series page answers 200" [ "$c" = 200 ]
check "it says term time only" has "12 sessions, term time only, last session"
skip=$(sql "select occ_date from series_skips where series_id = $demo order by occ_date limit 1")
check "it names a holiday week it skips ($skip)" has "No session on $(words "$skip")"
week=$(date -d "$skip -$(( ($(date -d "$skip" +%u) + 6) % 7 )) days" +%F)
tid=$(sql "select therapist_id from series where id = $demo")
c=$(web coord "$BASE/schedule?by=therapist&id=$tid&week=$week")
check "the therapist's holiday week answers 200" [ "$c" = 200 ]
check "and shows no session of the series" sh -c "! grep -q 'href=\"/series/$demo[\"?#]' '$TVAR/body'"
wk0=$(sql "select occ_date from occurrences where series_id = $demo order by occ_date limit 1")
wk0=$(date -d "$wk0 -$(( ($(date -d "$wk0" +%u) + 6) % 7 )) days" +%F)
c=$(web coord "$BASE/schedule?by=therapist&id=$tid&week=$wk0")
check "while a term week shows it" grep -q "href=\"/series/$demo[\"?#]" "$TVAR/body"

# --- a coordinator adds terms to a site
sql "delete from site_closures; delete from therapist_leave"
rid=$(sql "select id from referrals where given_name = 'Emeka' and family_name = 'Obi'")
c=$(web coord "$BASE/referrals/$rid/matches")
form=$(awk '/<form method="get" action="\/referrals\/[0-9]+\/book">/{f=1} f{print} /<\/form>/{if(f) exit}' "$TVAR/body")
# A hidden field's value, or the chosen option of a select (start times).
field() {
	local v
	v=$(echo "$form" | grep -o "name=\"$1\" value=\"[^\"]*\"" | sed 's/.*value="//; s/"$//')
	[ -n "$v" ] || v=$(echo "$form" | tr '>' '\n' | sed -n "/<select[^>]*name=\"$1\"/,/<\/select/p" |
	    grep -o 'value="[^"]*" selected' | sed 's/value="//; s/" selected//')
	echo "$v"
}
site=$(field site_id)
q="from=$(field from)&therapist_id=$(field therapist_id)&site_id=$site&room_id=$(field room_id)&day=$(field day)&start_min=$(field start_min)&length_min=$(field length_min)"
check "a suggestion for Emeka Obi ($site)" [ -n "$site" ]
sql "delete from terms where site_id = $site or organisation_id = (select organisation_id from sites where id = $site)"
c=$(web coord "$BASE/referrals/$rid/book?$q")
first=$(grep -o 'name="first_date" value="[^"]*"' "$TVAR/body" | sed 's/.*value="//; s/"$//')
check "the booking page names no term time at a site without terms" sh -c "! grep -q 'term time only' '$TVAR/body'"
# Terms around the first session: three weeks, a two-week holiday, more.
t1a=$(date -d "$first -1 day" +%F); t1b=$(date -d "$first +20 days" +%F)
t2a=$(date -d "$first +35 days" +%F); t2b=$(date -d "$first +200 days" +%F)

c=$(web coord "$BASE/sites/$site/terms")
check "the term dates page answers 200" [ "$c" = 200 ]
check "it says the site has none" has "This site has no term dates"
csrf=$(csrf_of)
c=$(web coord --data-urlencode "csrf=$csrf" -d action=add -d school_year=2026-27 \
    --data-urlencode "name=Test term one" -d "first_day=$t1b" -d "last_day=$t1a" \
    -d owner=site "$BASE/sites/$site/terms")
check "a term ending before it begins answers 422" [ "$c" = 422 ]
check "with the problem in the summary" has 'href="#last_day"'
check "the typing is kept" has 'value="Test term one"'
check "nothing is stored" [ "$(sql "select count(*) from terms where site_id = $site")" = 0 ]
for t in "Test term one|$t1a|$t1b" "Test term two|$t2a|$t2b"; do
	IFS='|' read -r name a b <<< "$t"
	c=$(web coord --data-urlencode "csrf=$csrf" -d action=add -d school_year=2026-27 \
	    --data-urlencode "name=$name" -d "first_day=$a" -d "last_day=$b" \
	    -d owner=site "$BASE/sites/$site/terms")
	check "$name is added (303)" [ "$c" = 303 ]
done
c=$(web coord "$BASE/sites/$site/terms")
check "the page lists both terms" sh -c "grep -q 'Test term one' '$TVAR/body' && grep -q 'Test term two' '$TVAR/body'"
check "with their days in words" has "$(words "$t2a")"

# --- a series of 6 sessions there runs on past the holiday
last=$(date -d "$first +49 days" +%F)
c=$(web coord "$BASE/referrals/$rid/book?$q&first_date=$first&count=6")
check "the booking page answers 200" [ "$c" = 200 ]
check "it says: 6 sessions, term time only, last session $(words "$last")" \
    has "6 sessions, term time only, last session $(words "$last")"
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&$q&first_date=$first&count=6" "$BASE/referrals/$rid/book")
check "booking it answers 303" [ "$c" = 303 ]
sid=$(sql "select s.id from series s join clients c on c.id = s.client_id where c.referral_id = $rid and s.term_time = 1")
check "a term-time series is stored" [ -n "$sid" ]
check "with 6 sessions" [ "$(sql "select count(*) from occurrences where series_id = $sid")" = 6 ]
check "none in the holiday" [ "$(outside "$sid")" = 0 ]
check "the last on $last" [ "$(sql "select max(occ_date) from occurrences where series_id = $sid")" = "$last" ]
check "the two holiday weeks are passed over" \
    [ "$(sql "select group_concat(occ_date) from series_skips where series_id = $sid")" = "$(date -d "$first +21 days" +%F),$(date -d "$first +28 days" +%F)" ]
c=$(web coord "$BASE/series/$sid")
check "the series page says term time only" has "6 sessions, term time only, last session $(words "$last")"

# The confirmation email says so too.
mid=$(sql "select message_id from outbox where kind = 'booking_confirmation' and dedupe_key like 'booking_confirmation:$sid:%' limit 1")
eml="$TVAR/mail/$(echo "$mid" | tr -d '<>').eml"
wait_until 30 test -s "$eml"
check "the booking confirmation is sent" test -s "$eml"
check "it says 6 sessions, term time only" sh -c "tr -d '\r' < '$eml' | tr '\n' ' ' | grep -q '6 sessions, term time only, last session'"

# The site's calendar feed skips the holiday weeks (EXDATE).
c=$(web coord "$BASE/me")
csrf=$(csrf_of)
c=$(web coord --data-urlencode "csrf=$csrf" "$BASE/sites/$site/feed")
url=$(grep -o "$BASE/calendar/[A-Za-z0-9_-]*\.ics" "$TVAR/body" | head -n 1)
check "a site calendar link is made" [ -n "$url" ]
curl -s "$url" | tr -d '\r' > "$TVAR/feed.ics"
hol=$(date -d "$first +21 days" +%Y%m%d)
check "the feed marks the holiday week as no session" grep -q "^EXDATE.*$hol" "$TVAR/feed.ics"

# --- changing the term dates lists the sessions now in a holiday
t1=$(sql "select id from terms where site_id = $site and name = 'Test term two'")
c=$(web coord "$BASE/sites/$site/terms")
csrf=$(csrf_of)
c=$(web coord --data-urlencode "csrf=$csrf" -d action=remove -d "term=$t1" "$BASE/sites/$site/terms")
check "removing a term answers 303" [ "$c" = 303 ]
c=$(web coord "$BASE/sites/$site/terms")
check "the page lists the 3 sessions now in a holiday" has "3 booked term-time sessions now fall"
check "and links to the closure flow" has "/sites/$site/closures"
c=$(web coord "$BASE/sites/$site/closures")
check "the closure flow lists them" [ "$(grep -c "href=\"/series/$sid\"" "$TVAR/body")" -ge 3 ]

finish
