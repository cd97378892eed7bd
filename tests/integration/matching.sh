#!/bin/bash
# Records and matching end to end, through nginx: a coordinator opens the
# matches for a demo referral, assigns the best suggestion, and the
# caseload, the referral's history and the outbox show it; the records
# pages' forms refuse bad input with 422 and keep it; a therapist sees
# only their own record; the whole waitlist is planned and a proposal
# accepted.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W"

# code JAR curl-args...: the status; body in $W/body, headers in $W/head.
code() {
	jar=$1
	shift
	curl -s -o "$W/body" -D "$W/head" -b "$jar" -c "$jar" \
	    -w '%{http_code}' "$@"
}
location() { grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[Ll]ocation: //'; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$W/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }

# login JAR EMAIL PASSWORD: signs in, leaving the session in JAR.
login() {
	code "$1" "$BASE/login" >/dev/null
	t=$(form_token "$W/body")
	code "$1" --data-urlencode "form_token=$t" --data-urlencode "email=$2" \
	    --data-urlencode "password=$3" "$BASE/login"
}

C=$W/coordinator.jar
c=$(login "$C" coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# --- the records pages
c=$(code "$C" "$BASE/therapists")
check "GET /therapists answers 200" [ "$c" = 200 ]
check "the staff menu links to the therapists and sites" \
    grep -q 'href="/sites">Sites' "$W/body"
check "the therapists list shows the demo therapists" \
    sh -c "grep -q 'Thea Therapist' '$W/body' && grep -q 'Tom Becker' '$W/body'"
check "each caseload is shown against its places" grep -q '1 of 1' "$W/body"
check "a full caseload is marked full" grep -q 'Full' "$W/body"
c=$(code "$C" "$BASE/sites")
check "GET /sites answers 200" [ "$c" = 200 ]
check "the sites list shows partner organisations" \
    grep -q 'St Luke&#39;s Hospice Trust' "$W/body"
hospice=$(sql "select id from sites where name = 'St Luke''s Hospice'")
c=$(code "$C" "$BASE/sites/$hospice")
check "a site's page answers 200" [ "$c" = 200 ]
check "it shows the rooms" grep -q 'Day room' "$W/body"
check "it shows the opening hours" grep -q '09:00 to 20:00' "$W/body"
check "it shows the districts served" grep -q 'SE15' "$W/body"

# --- matches for a demo referral
rid=$(sql "select id from referrals where given_name = 'Dolores'")
c=$(code "$C" "$BASE/referrals/$rid")
check "the referral links to its matches" \
    grep -q "href=\"/referrals/$rid/matches\">Find matches" "$W/body"
c=$(code "$C" "$BASE/referrals/$rid/matches")
check "GET /referrals/ID/matches answers 200" [ "$c" = 200 ]
cp "$W/body" "$W/matches.html"
check "the best suggestion is Maria Rossi at St Luke's" \
    sh -c "grep -m1 '<h3>' '$W/body' | grep -q 'Maria Rossi'"
check "the reasons are in plain words" \
    grep -q 'works with neurological rehabilitation; Wednesday evenings' "$W/body"
check "the reasons name the free places" grep -q '5 of 6 places free' "$W/body"
check "the reasons name the district" grep -q 'same postcode district' "$W/body"
check "a full therapist is left out with the reason" \
    grep -q 'Tom Becker</a>: no free caseload' "$W/body"
check "a therapist on leave is left out with the reason" \
    grep -q 'Aisha Rahman</a>: on leave' "$W/body"
check "a therapist who does not work then is left out" \
    grep -q 'not available when the person is' "$W/body"
check "viewing matches is audited" \
    [ "$(sql "select count(*) from audit where action = 'matches' and referral_id = $rid")" -ge 1 ]

# The first suggestion's form, as the browser would post it.
form=$(awk '/<form method="get" action="\/referrals\/[0-9]+\/book">/{f=1} f{print} /<\/form>/{if(f) exit}' "$W/matches.html")
# A hidden field's value, or the chosen option of a select (the start
# times of suggestions that differ only in their start collapse into one).
field() {
	local v
	v=$(echo "$form" | grep -o "name=\"$1\" value=\"[^\"]*\"" | sed 's/.*value="//; s/"$//')
	[ -n "$v" ] || v=$(echo "$form" | tr '>' '\n' | sed -n "/<select[^>]*name=\"$1\"/,/<\/select/p" |
	    grep -o 'value="[^"]*" selected' | sed 's/value="//; s/" selected//')
	echo "$v"
}
tok=$(csrf_of)
post="csrf=$tok&action=assign&from=$(field from)&therapist_id=$(field therapist_id)&site_id=$(field site_id)&room_id=$(field room_id)&day=$(field day)&start_min=$(field start_min)&length_min=$(field length_min)"
tid=$(field therapist_id)
check "the suggestion's form names Maria Rossi" \
    [ "$tid" = "$(sql "select id from therapists where name = 'Maria Rossi'")" ]

# Without the CSRF token nothing happens.
c=$(code "$C" --data "${post#csrf=$tok&}" "$BASE/referrals/$rid/matches")
check "an assignment without the CSRF token gets 403" [ "$c" = 403 ]
check "and stores nothing" [ "$(sql "select count(*) from clients where referral_id = $rid")" = 0 ]

o0=$(sql "select count(*) from outbox")
c=$(code "$C" --data "$post" "$BASE/referrals/$rid/matches")
loc=$(location)
check "assigning answers 303" [ "$c" = 303 ]
check "it goes to the therapist's caseload" \
    sh -c "echo '$loc' | grep -q '^/therapists/$tid?done=assigned&client='"
check "the referral is matched" [ "$(sql "select status from referrals where id = $rid")" = matched ]
check "the client joins the therapist's caseload" \
    [ "$(sql "select count(*) from clients where referral_id = $rid and therapist_id = $tid and ended_at is null")" = 1 ]
check "the history says who it was assigned to, and the time" \
    [ "$(sql "select count(*) from referral_events where referral_id = $rid and from_status = 'waitlisted' and to_status = 'matched' and reason like 'assigned to Maria Rossi: suggested Wednesdays%St Luke''s Hospice%'")" = 1 ]
check "the assignment is audited" \
    [ "$(sql "select count(*) from audit where action = 'assign' and referral_id = $rid")" = 1 ]
cid=$(sql "select id from clients where referral_id = $rid")
check "an email to the therapist is in the outbox" \
    [ "$(sql "select count(*) from outbox where kind = 'therapist_assigned' and to_addr = 'maria@tutti.example' and referral_id = $rid and dedupe_key = 'therapist-assigned:$cid'")" = 1 ]
check "exactly one email was queued" [ "$(sql "select count(*) from outbox")" = $((o0 + 1)) ]

c=$(code "$C" "$BASE$loc")
check "the caseload page answers 200" [ "$c" = 200 ]
check "the caseload shows the new client" grep -q 'Dolores Santos' "$W/body"
check "the caseload counts them" grep -q '2 of 6 places taken' "$W/body"
check "it says the email is queued" grep -q 'An email to the therapist is queued' "$W/body"
check "it offers to book the weekly sessions" \
    grep -q "href=\"/series/new?client=$cid&amp;therapist=$tid&amp;site=" "$W/body"
c=$(code "$C" "$BASE/therapists")
check "the therapists list counts the new client" \
    grep -q '2 of 6' "$W/body"

# The same form again: the referral moved on, nothing more is stored.
c=$(code "$C" --data "$post" "$BASE/referrals/$rid/matches")
check "assigning twice gets 409" [ "$c" = 409 ]
check "the 409 says someone changed it" grep -q 'changed this referral' "$W/body"
check "assigning twice stores nothing more" \
    [ "$(sql "select count(*) from clients where referral_id = $rid")" = 1 -a \
      "$(sql "select count(*) from outbox")" = $((o0 + 1)) ]

# A full therapist cannot be given another client.
emeka=$(sql "select id from referrals where given_name = 'Emeka'")
tom=$(sql "select id from therapists where name = 'Tom Becker'")
c=$(code "$C" --data "csrf=$tok&action=assign&from=waitlisted&therapist_id=$tom" "$BASE/referrals/$emeka/matches")
check "assigning to a full therapist gets 409" [ "$c" = 409 ]
check "the 409 says they have no free place" grep -q 'no free place' "$W/body"
check "and the referral stays waitlisted" \
    [ "$(sql "select status from referrals where id = $emeka")" = waitlisted ]
c=$(code "$C" --data "csrf=$tok&action=assign&from=waitlisted&therapist_id=$tid&site_id=x" "$BASE/referrals/$emeka/matches")
check "a forged suggestion gets 400" [ "$c" = 400 ]

# --- the whole waitlist
c=$(code "$C" "$BASE/referrals/plan")
check "GET /referrals/plan answers 200" [ "$c" = 200 ]
check "the plan proposes a place for Emeka Obi" \
    sh -c "grep -q 'Emeka Obi' '$W/body' && grep -q 'Accept<span class=\"vh\"> Ravi Patel' '$W/body'"
form=$(awk '/<form method="get" action="\/referrals\/[0-9]+\/book">/{f=1} f{print} /<\/form>/{if(f) exit}' "$W/body")
prid=$(field referral_id)
post="csrf=$tok&action=accept&referral_id=$prid&from=waitlisted&therapist_id=$(field therapist_id)&site_id=$(field site_id)&room_id=$(field room_id)&day=$(field day)&start_min=$(field start_min)&length_min=$(field length_min)"
c=$(code "$C" --data "$post" "$BASE/referrals/plan")
check "accepting a proposal answers 303 back to the plan" \
    [ "$c" = 303 -a "$(location)" = "/referrals/plan?done=accepted&referral=$prid" ]
check "the accepted referral is matched" [ "$(sql "select status from referrals where id = $prid")" = matched ]
c=$(code "$C" "$BASE/referrals/plan?done=accepted&referral=$prid")
check "the plan says who was assigned" grep -q 'was assigned to' "$W/body"
check "and is made again without them" sh -c "! grep -q \"name=\\\"referral_id\\\" value=\\\"$prid\\\"\" '$W/body'"

# --- forms: 422 with values kept, nothing stored
n0=$(sql "select count(*) from therapists")
c=$(code "$C" --data "csrf=$tok&name=%3Cb%3EZed&user_id=&specialisms=dementia&specialisms=juggling&languages=English&max_caseload=lots&max_hours=99&active=yes&av_site=$hospice&av_day=tue&av_start=10:00&av_end=09:00" "$BASE/therapists/new")
check "a bad therapist form gets 422" [ "$c" = 422 ]
check "the summary names the caseload problem" grep -q 'a whole number from 0 to 200' "$W/body"
check "the summary names the hours problem" grep -q 'from 0 to 60' "$W/body"
check "the summary names the bad specialism" grep -q 'only from the list' "$W/body"
check "the summary names the bad time row" grep -q 'Row 1: the end time must come after the start time' "$W/body"
check "the summary links to the row's field" grep -q 'href="#av-end-1"' "$W/body"
check "the typed name is kept, escaped" grep -q 'value="&lt;b&gt;Zed"' "$W/body"
check "the typed times are kept" grep -q 'value="09:00"' "$W/body"
check "the ticked specialism stays ticked" grep -q 'value="dementia" checked' "$W/body"
check "nothing is stored for a bad form" [ "$(sql "select count(*) from therapists")" = "$n0" ]
c=$(code "$C" --data "csrf=$tok&name=Zed+Ng&user_id=&specialisms=dementia&languages=English,+Welsh&max_caseload=5&max_hours=10&active=yes&av_site=$hospice&av_day=tue&av_start=10:00&av_end=13:00&av_site=&av_day=mon&av_start=&av_end=" "$BASE/therapists/new")
check "a good therapist form answers 303" [ "$c" = 303 ]
zid=$(sql "select id from therapists where name = 'Zed Ng'")
check "the therapist is stored" [ -n "$zid" ]
check "their availability is stored, blank rows skipped" \
    [ "$(sql "select group_concat(site_id || ':' || day || ':' || start_min || '-' || end_min) from therapist_availability where therapist_id = $zid")" = "$hospice:1:600-780" ]
check "adding a therapist is audited" \
    [ "$(sql "select count(*) from audit where action = 'therapist-add'")" -ge 1 ]
c=$(code "$C" --data "csrf=$tok&action=leave_add&first_day=2031-05-10&last_day=2031-05-01&reason=" "$BASE/therapists/$zid")
check "leave ending before it starts gets 422" [ "$c" = 422 ]
check "the leave dates are kept" grep -q 'value="2031-05-10"' "$W/body"
c=$(code "$C" --data "csrf=$tok&action=leave_add&first_day=2031-05-01&last_day=2031-05-10&reason=Holiday" "$BASE/therapists/$zid")
check "good leave answers 303" [ "$c" = 303 ]
check "the leave is stored" [ "$(sql "select count(*) from therapist_leave where therapist_id = $zid")" = 1 ]

s0=$(sql "select count(*) from sites")
c=$(code "$C" --data "csrf=$tok&name=Oak+School&kind=school&organisation=Oak+Trust&address=1+Oak+Road&postcode=XX1+1XX&serves=N1,+banana&step_free=yes&active=yes&oh_day=mon&oh_start=09:00&oh_end=15:00" "$BASE/sites/new")
check "a bad site form gets 422" [ "$c" = 422 ]
check "the postcode problem is named" grep -q 'Enter a real UK postcode' "$W/body"
check "the districts problem is named" grep -q 'postcode districts like' "$W/body"
check "the typed organisation is kept" grep -q 'value="Oak Trust"' "$W/body"
check "nothing is stored for a bad site" [ "$(sql "select count(*) from sites")" = "$s0" ]
c=$(code "$C" --data "csrf=$tok&name=Oak+School&kind=school&organisation=Oak+Trust&address=1+Oak+Road&postcode=n16+0as&serves=N1,+e8&step_free=yes&active=yes&oh_day=mon&oh_start=09:00&oh_end=15:00" "$BASE/sites/new")
check "a good site form answers 303" [ "$c" = 303 ]
sid=$(sql "select id from sites where name = 'Oak School'")
check "the site is stored with its district and organisation" \
    [ "$(sql "select s.postcode || '|' || s.district || '|' || o.name from sites s join organisations o on o.id = s.organisation_id where s.id = $sid")" = "N16 0AS|N16|Oak Trust" ]
check "its districts and hours are stored" \
    [ "$(sql "select group_concat(district) from (select district from site_districts where site_id = $sid order by district)")|$(sql "select day || ':' || start_min || '-' || end_min from site_hours where site_id = $sid")" = "E8,N1|0:540-900" ]
c=$(code "$C" --data "csrf=$tok&action=room_add&room_name=Hall&capacity=0" "$BASE/sites/$sid")
check "a room with no seats gets 422" [ "$c" = 422 ]
check "the typed room name is kept" grep -q 'value="Hall"' "$W/body"
c=$(code "$C" --data "csrf=$tok&action=room_add&room_name=Hall&capacity=30&piano=yes&accessible=yes" "$BASE/sites/$sid")
check "a good room answers 303" [ "$c" = 303 ]
c=$(code "$C" --data "csrf=$tok&action=room_add&room_name=Hall&capacity=3" "$BASE/sites/$sid")
check "a second room of the same name gets 422" [ "$c" = 422 ]
check "the rooms are stored once" [ "$(sql "select count(*) || ':' || capacity || ':' || piano from rooms where site_id = $sid")" = "1:30:1" ]
c=$(code "$C" --data "csrf=$tok&action=closure_add&first_day=2031-13-01&last_day=&reason=" "$BASE/sites/$sid")
check "a closure on an impossible date gets 422" [ "$c" = 422 ]
c=$(code "$C" --data "csrf=$tok&action=closure_add&first_day=2031-12-24&last_day=2032-01-02&reason=Holidays" "$BASE/sites/$sid")
check "a good closure answers 303" [ "$c" = 303 ]
check "the closure is stored" [ "$(sql "select first_day || '/' || last_day from site_closures where site_id = $sid")" = "2031-12-24/2032-01-02" ]

# --- a therapist sees their own record only
T=$W/therapist.jar
c=$(login "$T" maria@tutti.example demo-therapist-2026)
check "a therapist signs in" [ "$c" = 303 ]
c=$(code "$T" "$BASE/therapists/$tid")
check "a therapist opens their own caseload" [ "$c" = 200 ]
check "their caseload shows the new client" grep -q 'Dolores Santos' "$W/body"
check "a therapist gets no edit link" sh -c "! grep -q '/edit\"' '$W/body'"
thea=$(sql "select id from therapists where name = 'Thea Therapist'")
c=$(code "$T" "$BASE/therapists/$thea")
check "a therapist cannot open another's caseload" [ "$c" = 403 ]
c=$(code "$T" "$BASE/therapists")
check "a therapist cannot list the therapists" [ "$c" = 403 ]
c=$(code "$T" "$BASE/therapists/$tid/edit")
check "a therapist cannot edit their record" [ "$c" = 403 ]
c=$(code "$T" "$BASE/referrals/$emeka/matches")
check "a therapist cannot see matches" [ "$c" = 403 ]
c=$(code "$T" "$BASE/referrals/plan")
check "a therapist cannot plan" [ "$c" = 403 ]

c=$(code "$C" "$BASE/therapists/999999")
check "an unknown therapist gets 404" [ "$c" = 404 ]
c=$(code "$C" "$BASE/sites/12x")
check "a bad site address gets 404" [ "$c" = 404 ]
check "PRAGMA integrity_check is ok" [ "$(sql 'pragma integrity_check')" = ok ]

finish
