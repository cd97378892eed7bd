#!/bin/bash
# Partner organisations end to end (issue 20): a partner user's page
# through nginx, what it must never show, the 403 on every other staff
# page, a closure reported and seen by a coordinator, and the impact
# report's figures against counts made here directly in SQL.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

PARTNER=partner@tutti.example;		PARTNER_PW=demo-partner-2026
COORD=coordinator@tutti.example;	COORD_PW=demo-coordinator-2026
ORG=$(sql "select organisation_id from users where email = '$PARTNER'")
has() { grep -qF -- "$1" "$TVAR/body"; }

# --- signing in lands on /partner
c=$(staff_login p "$PARTNER" "$PARTNER_PW")
check "partner signs in (303)" [ "$c" = 303 ]
check "partner lands on /partner" sh -c "grep -i '^location:' '$TVAR/head' | grep -q '/partner'"
c=$(web p "$BASE/partner")
check "GET /partner: 200" [ "$c" = 200 ]
check "/partner names the organisation" has "$(sql "select name from organisations where id = $ORG" | sed 's/&/\&amp;/g; s/'"'"'/\&#39;/g')"
cp "$TVAR/body" "$TVAR/partner.html"

# The week's sessions at the organisation's sites, and only theirs.
week_start=$(date -d "$(date +%F) -$(( ($(date +%u) + 6) % 7 )) days" +%s)
n_week=$(sql "select count(*) from occurrences o join sites s on s.id = o.site_id where s.organisation_id = $ORG and o.start_utc >= $week_start and o.start_utc < $week_start + 7*86400")
n_rows=$(sed -n '/id="table-week"/,/<\/table>/p' "$TVAR/partner.html" | grep -c '<tr[ >].*<th scope="row">')
check "the week's table has one row a session ($n_week)" [ "$n_rows" = "$n_week" ]

# Never a client's needs, notes, contact details or full name: every
# demo client's phone number, email, words about themselves and every
# need's label are searched for.
sql "select phone from referrals where phone != ''
     union select email from referrals where email != ''
     union select emergency_phone from referrals where emergency_phone != ''
     union select about from referrals where length(about) > 12
     union select access_needs from referrals where length(access_needs) > 6
     union select body from referral_notes where length(body) > 12
     union select given_name || ' ' || family_name from referrals" > "$TVAR/private"
check "private lines to look for: $(wc -l < "$TVAR/private")" [ "$(wc -l < "$TVAR/private")" -gt 100 ]
check "/partner shows no client's contact details, notes or name" \
    sh -c "! grep -qF -f '$TVAR/private' '$TVAR/partner.html'"
for need in Autism "Learning difficulties" "Mental health" "Neurological" Dementia "Palliative" "Parent and child"; do
	check "/partner does not show the need \"$need\"" sh -c "! grep -qi '$need' '$TVAR/partner.html'"
done

# --- every other staff page answers 403
sed -n 's/^[[:space:]]*{ "\(GET\|POST\)", *"\([^"]*\)",[[:space:]]*\(ACT_[A-Z_]*\).*/\1 \2 \3/p' \
    "$ROOT/cgi/route.c" > "$TVAR/routes"
check "the route table was read" [ "$(wc -l < "$TVAR/routes")" -gt 30 ]
bad=
csrf=$(csrf_of)
while read -r method path act; do
	case $act in ACT_PUBLIC|ACT_PARTNER|ACT_SIGN_OUT|ACT_OWN_ACCOUNT) continue ;; esac
	path=${path//:id/1}
	if [ "$method" = GET ]; then
		c=$(web p "$BASE$path")
	else
		c=$(web p --data-urlencode "csrf=$csrf" "$BASE$path")
	fi
	[ "$c" = 403 ] || bad="$bad $method:$path:$c"
done < "$TVAR/routes"
check "every other staff route answers 403 to a partner${bad:+ (not:$bad)}" [ -z "$bad" ]
c=$(web p "$BASE/partner")
check "a partner's header links to their own password page" \
    grep -q 'href="/me/password"' "$TVAR/body"
check "which a partner may open" [ "$(web p "$BASE/me/password")" = 200 ]

# --- reporting a closure
c=$(web p "$BASE/partner")
csrf=$(csrf_of)
site=$(sql "select id from sites where organisation_id = $ORG order by name, id limit 1")
day=$(sql "select occ_date from occurrences where site_id = $site and state != 'cancelled' and occ_date > date('now', 'localtime') order by occ_date limit 1")
hits=$(sql "select count(*) from occurrences where site_id = $site and occ_date = '$day' and state != 'cancelled'")
before=$(sql "select count(*) from closure_reports")
c=$(web p --data-urlencode "csrf=$csrf" -d action=closure -d "site=$site" \
    -d "first_day=$day" -d reason=exam -d "detail=Mock exams" "$BASE/partner")
check "a closure is sent (303)" [ "$c" = 303 ]
check "it is stored as proposed" [ "$(sql "select count(*) from closure_reports where status = 'proposed' and site_id = $site and first_day = '$day' and reason = 'exam'")" = 1 ]
check "no site closure is made before a coordinator acts" [ "$(sql "select count(*) from site_closures where site_id = $site and first_day = '$day'")" = 0 ]
c=$(web p --data-urlencode "csrf=$csrf" -d action=closure -d "site=$site" \
    -d "first_day=31-12-2026" -d "detail=Kept words" "$BASE/partner")
check "a bad date answers 422" [ "$c" = 422 ]
check "with an error summary" has "There is a problem"
check "and the typing kept" has "Kept words"
check "and nothing stored" [ "$(sql "select count(*) from closure_reports")" = $((before + 1)) ]

c=$(staff_login co "$COORD" "$COORD_PW")
c=$(web co "$BASE/closures")
check "a coordinator sees /closures (200)" [ "$c" = 200 ]
check "with the reported closure" has "Exams: Mock exams"
if [ "$hits" = 1 ]; then word="1 session would"; else word="$hits sessions would"; fi
check "and the $hits session(s) it falls on" has "$word be cancelled"

# --- a coordinator enters the report as a site closure (issue 17)
rid=$(sql "select id from closure_reports where site_id = $site and first_day = '$day' and status = 'proposed'")
check "the waiting report links to the site's closure flow" has "/sites/$site/closures?report=$rid"
c=$(web co "$BASE/sites/$site/closures?report=$rid")
check "the closure flow opens on the report (200)" [ "$c" = 200 ]
check "with its first day prefilled" grep -q "name=\"first_day\" value=\"$day\"" "$TVAR/body"
check "and its last day" grep -q "name=\"last_day\" value=\"$day\"" "$TVAR/body"
check "and its reason" has 'value="Exams: Mock exams"'
if [ "$hits" = 1 ]; then word="1 session falls"; else word="$hits sessions fall"; fi
check "and the $hits session(s) it hits listed" has "$word in it"
csrf=$(csrf_of)
c=$(web co --data-urlencode "csrf=$csrf" -d action=closure_add -d "report=$rid" \
    -d "first_day=$day" -d "last_day=$day" --data-urlencode "reason=Exams: Mock exams" "$BASE/sites/$site")
check "entering it answers 303" [ "$c" = 303 ]
check "on to the sessions it hits, with their choices" [ "$(location)" = "/sites/$site/closures?done=added" ]
check "the site closure is stored" [ "$(sql "select count(*) from site_closures where site_id = $site and first_day = '$day' and last_day = '$day'")" = 1 ]
check "the report is handled, as that closure" [ "$(sql "select status || ':' || (closure_id = (select id from site_closures where site_id = $site and first_day = '$day')) from closure_reports where id = $rid")" = "accepted:1" ]
c=$(web co "$BASE/sites/$site/closures?done=added")
n=$(grep -c "name=\"s\" value=\"[0-9]*:$day\"" "$TVAR/body")
check "the sessions it hits are listed to rearrange ($n of $hits)" [ "$n" = "$hits" ]
c=$(web co "$BASE/closures")
check "it no longer shows as waiting on /closures" sh -c "! grep -qF 'closures?report=$rid' '$TVAR/body'"
check "it shows as accepted" has "Accepted as a site closure"
c=$(web co --data-urlencode "csrf=$csrf" -d action=closure_add -d "report=$rid" \
    -d "first_day=$day" -d "last_day=$day" -d "reason=again" "$BASE/sites/$site")
check "entering it twice answers 409" [ "$c" = 409 ]
check "saying it was handled" has "already handled"
check "and stores no second closure" [ "$(sql "select count(*) from site_closures where site_id = $site and first_day = '$day'")" = 1 ]
c=$(web co "$BASE/sites/$site/closures?report=$rid")
check "the flow opened on a handled report says so" has "was handled already"

# --- the impact report against SQL
from=$(date -d "$(date +%Y)-01-01 -1 year" +%F)
to=$(date -d "$(date +%Y)-12-31" +%F)
c=$(web co "$BASE/reports/impact.csv?from=$from&to=$to")
check "impact CSV: 200" [ "$c" = 200 ]
check "impact CSV: text/csv" sh -c "grep -qi '^content-type: text/csv' '$TVAR/head'"
cp "$TVAR/body" "$TVAR/impact.csv"
f_utc=$(date -d "$from" +%s); t_utc=$(date -d "$to +1 day" +%s)
D="from occurrences o join sites s on s.id = o.site_id where o.start_utc >= $f_utc and o.start_utc < $t_utc and o.state != 'cancelled' and exists (select 1 from attendance a where a.series_id = o.series_id and a.occ_date = o.occ_date and a.status = 'attended')"
cell() { grep -F ",$1," "$TVAR/impact.csv" | head -n 1 | cut -d, -f3; }
check "sessions delivered = SQL" [ "$(cell 'Sessions delivered')" = "$(sql "select count(*) $D")" ]
check "own centres = SQL" [ "$(cell 'of which in our own centres')" = "$(sql "select count(*) $D and s.organisation_id is null")" ]
check "partner sites = SQL" [ "$(cell 'of which at partner organisations')" = "$(sql "select count(*) $D and s.organisation_id is not null")" ]
check "partner organisations = SQL" [ "$(cell 'Partner organisations worked with')" = "$(sql "select count(distinct s.organisation_id) $D")" ]
check "hours = SQL" [ "$(cell 'Hours of music therapy')" = "$(sql "select printf('%.1f', sum(o.end_utc - o.start_utc) / 3600.0) $D")" ]
check "people = SQL" [ "$(cell 'People who accessed the service')" = "$(sql "select count(distinct c.referral_id) from attendance a join occurrences o on o.series_id = a.series_id and o.occ_date = a.occ_date join clients c on c.id = a.client_id where a.status = 'attended' and o.state != 'cancelled' and o.start_utc >= $f_utc and o.start_utc < $t_utc")" ]
check "sessions delivered is not zero" [ "$(cell 'Sessions delivered')" -gt 0 ]
fa=$(sql "select count(*) from surveys where kind = 'family' and answered_at >= '${from}' and answered_at < '$(date -d "$to +1 day" +%F)' and q1 = 'agree'")
check "families agreeing = SQL ($fa)" sh -c "grep -F 'Outcomes (agreed),Families and carers who' '$TVAR/impact.csv' | cut -d, -f3 | grep -qx '$fa'"
pa=$(sql "select count(*) from surveys where kind = 'partner' and answered_at is not null and q2 = 'agree'")
check "partner staff surveys answered in the demo" [ "$pa" -gt 0 ]

c=$(web co "$BASE/reports/impact")
check "impact page: 200" [ "$c" = 200 ]
check "impact page says how figures are counted" has "How it is counted"
c=$(web co "$BASE/reports/impact?from=2026-13-01&to=2026-12-31")
check "impact page: a bad date is 422" [ "$c" = 422 ]
c=$(web co "$BASE/reports/impact?print=1")
check "printable page has no filter form" sh -c "! grep -q 'Show the period' '$TVAR/body'"

# --- the partner's calendar feed of their site, through nginx
c=$(staff_login p "$PARTNER" "$PARTNER_PW")
c=$(web p "$BASE/partner")
csrf=$(csrf_of)
fsite=$(sql "select s.id from sites s where s.organisation_id = $ORG and exists (select 1 from occurrences o where o.site_id = s.id and o.state != 'cancelled' and o.start_utc > strftime('%s', 'now')) order by s.id limit 1")
c=$(web p --data-urlencode "csrf=$csrf" -d action=feed -d "site=$fsite" "$BASE/partner")
check "a partner makes a calendar link for their site (200)" [ "$c" = 200 ]
feed=$(grep -o '/calendar/[A-Za-z0-9_-]*\.ics' "$TVAR/body" | head -n 1)
check "the link is shown once ($feed)" [ -n "$feed" ]
c=$(web p "$BASE/partner")
check "and not again" sh -c "! grep -qF '$feed' '$TVAR/body'"
c=$(web anon "$BASE$feed")
check "the feed answers 200" [ "$c" = 200 ]
cp "$TVAR/body" "$TVAR/feed.ics"
check "with an event at the site" sh -c "grep -q '^BEGIN:VEVENT' '$TVAR/feed.ics' && grep -qF \"\$(sqlite3 '$TUTTI_DB' \"select name from sites where id = $fsite\" | cut -c1-20)\" '$TVAR/feed.ics'"
check "the feed shows no client's name, contact details or notes" \
    sh -c "! grep -qF -f '$TVAR/private' '$TVAR/feed.ics'"
for need in Autism "Learning difficulties" "Mental health" Dementia; do
	check "the feed does not show the need \"$need\"" sh -c "! grep -qi '$need' '$TVAR/feed.ics'"
done
c=$(web p "$BASE/partner")
csrf=$(csrf_of)
c=$(web p --data-urlencode "csrf=$csrf" -d action=feed -d "site=$fsite" "$BASE/partner")
check "a new link can be made" [ "$c" = 200 ]
check "and the old one stops working (404)" [ "$(web anon "$BASE$feed")" = 404 ]
other_site=$(sql "select id from sites where organisation_id != $ORG and organisation_id is not null limit 1")
c=$(web p "$BASE/partner"); csrf=$(csrf_of)
c=$(web p --data-urlencode "csrf=$csrf" -d action=feed -d "site=$other_site" "$BASE/partner")
check "another organisation's site is refused (422)" [ "$c" = 422 ]

# --- an admin adds a partner's account from /admin/users
ADMIN=admin@tutti.example;		ADMIN_PW=demo-admin-pass-2026
ORG2=$(sql "select id from organisations where id != $ORG and exists (select 1 from sites s join occurrences o on o.site_id = s.id where s.organisation_id = organisations.id) order by id limit 1")
c=$(staff_login ad "$ADMIN" "$ADMIN_PW")
c=$(web ad "$BASE/admin/users")
check "admin's users page offers the organisations" grep -q "<option value=\"$ORG2\"" "$TVAR/body"
csrf=$(csrf_of)
NEWP=newpartner@example.org;	NEWP_PW='four unrelated words here'
c=$(web ad --data-urlencode "csrf=$csrf" -d action=add -d "email=$NEWP" \
    -d "name=Nell Partner" -d role=partner -d organisation= \
    --data-urlencode "password=$NEWP_PW" "$BASE/admin/users")
check "a partner without an organisation is refused (422)" [ "$c" = 422 ]
check "with a clear message" has "Choose the partner organisation this person works for"
check "and the typing kept" has 'value="Nell Partner"'
check "nothing is stored" [ "$(sql "select count(*) from users where email = '$NEWP'")" = 0 ]
c=$(web ad --data-urlencode "csrf=$csrf" -d action=add -d "email=$NEWP" \
    -d "name=Nell Partner" -d role=partner -d "organisation=$ORG2" \
    --data-urlencode "password=$NEWP_PW" "$BASE/admin/users")
check "admin adds a partner for organisation $ORG2 (303)" [ "$c" = 303 ]
check "stored as a partner of it" [ "$(sql "select count(*) from users where email = '$NEWP' and role = 'partner' and organisation_id = $ORG2")" = 1 ]
c=$(staff_login np "$NEWP" "$NEWP_PW")
check "the new partner signs in (303)" [ "$c" = 303 ]
c=$(web np "$BASE/partner")
check "and sees /partner (200)" [ "$c" = 200 ]
site2=$(sql "select name from sites where organisation_id = $ORG2 and active = 1 order by name limit 1" | sed 's/&/\&amp;/g; s/'"'"'/\&#39;/g')
check "with their organisation's site ($site2)" has "$site2"
other=$(sql "select name from sites where organisation_id = $ORG and active = 1 order by name limit 1" | sed 's/&/\&amp;/g; s/'"'"'/\&#39;/g')
check "and not another organisation's ($other)" sh -c "! grep -qF '$other' '$TVAR/body'"

finish
