#!/bin/bash
# Place offers (issue 18), through nginx, with the real mailer sending
# to a real SMTP server (Debian's aiosmtpd):
#   - a series ended on its page frees a place: "Offer this place" ranks
#     the waiting people who fit, with the reasons; the coordinator
#     sends the offers;
#   - each offer email carries a working /offer link (what, where, when,
#     from when); accepting books the place (assigned, booked, the
#     booking confirmation sent); a later acceptor sees it taken and
#     stays waiting; a double click changes once;
#   - an offer past offer_hours is handed on to the next person;
#   - forged and revoked offer links get 404;
#   - two people accepting the same place at once: exactly one gets it,
#     50 times out of 50;
#   - the offers' state shows on the series page and the client record;
#   - closing a client's referral frees their weekly place at once, for
#     the coordinator to confirm; offers_live sets how many go at once;
#   - raising a therapist's caseload limit on their form makes a place at
#     their free weekly time (offered at once with auto_offers), the page
#     after saving says so, and /places lists every open place with its
#     offers' states (the demo's: open, said no, no answer in time);
#   - saying yes to a place whose site is closed one week books it with
#     no session that week; so does one whose therapist is on leave one
#     week (a week more at the end), and the confirmation leaves it out;
#   - saying yes to a place that really clashes books nothing: the page
#     says it could not be booked, that they stay waiting and that the
#     office will be in touch (phone, email); the coordinators are told.
set -u
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/smtp.sh"

# The /offer link in email file $1 (text and HTML parts agree), or "".
offer_link() { mail_link "$1" offer; }
has() { grep -qF -- "$1" "$TVAR/body"; }

# offered PLACE REFERRAL REF NAME EMAIL HHMM: NAME (REF, waiting in ZZ9;
# by phone when EMAIL is "") is offered PLACE, Olive's Mondays at HHMM
# in the Music Room from $mon, alone.  Prints the offer's link.
offered() {
	local how=email consent=1
	[ -z "$5" ] && how=phone consent=0
	sql "INSERT INTO referrals (id, ref, status, given_name, family_name, email,
  postcode, date_of_birth, preferred_contact, session_type, needs,
  availability, consent_data, consent_contact, created_at, updated_at) VALUES
 ($2, '$3', 'waitlisted', '$4', 'Offered', '$5', 'ZZ9 1AB',
  '1980-01-01', '$how', 'individual', 16, 2097151, 1, $consent, '2025-01-01T00:00:00Z', 'x');
INSERT INTO places (id, therapist_id, site_id, room_id, weekday, start_local,
  length_min, first_date, status, created_at, confirmed_at)
  VALUES ($1, 9001, 9001, 9001, 0, '$6', 45, '$mon', 'open', 'x', 'x');
INSERT INTO offers (place_id, referral_id, rank, status, sent_at, expires_at)
  VALUES ($1, $2, 1, 'sent', 'x', '2999-01-01T00:00:00Z');"
	ctl offers link "$(sql "select id from offers where place_id = $1")"
}

smtp_stack_up
ctl() { "$B/tuttictl" "$@"; }

# ---- a place of its own: a hall in ZZ9 only our people can reach ----
# Olive (therapist 9001) at the Offer Test Hall (site 9001, room 9001);
# Xena (referral 90000) is her client; four people wait in ZZ9, any
# time of the week, the longest waiting first: Wyn, Wes, Wil, Wat.
sql "INSERT INTO sites (id, name, kind, address, postcode) VALUES
  (9001, 'Offer Test Hall', 'community_venue', '9 Test Road', 'ZZ9 9ZZ');
INSERT INTO rooms (id, site_id, name, capacity) VALUES (9001, 9001, 'Music Room', 1);
INSERT INTO therapists (id, name, specialisms, max_caseload, max_hours)
  VALUES (9001, 'Olive Offers', 255, 200, 200);
WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 6)
INSERT INTO site_hours (site_id, day, start_min, end_min) SELECT 9001, n, 420, 1260 FROM d;
WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 6)
INSERT INTO therapist_availability (therapist_id, site_id, day, start_min, end_min)
  SELECT 9001, 9001, n, 420, 1260 FROM d;
INSERT INTO referrals (id, ref, status, given_name, family_name, email,
  postcode, date_of_birth, preferred_contact, session_type, needs,
  availability, consent_data, consent_contact, created_at, updated_at) VALUES
 (90000, 'OFFX-0000', 'active', 'Xena', 'Ex', 'xena@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-01-01T00:00:00Z', 'x'),
 (90001, 'OFFW-0001', 'waitlisted', 'Wyn', 'One', 'wyn@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-02-01T00:00:00Z', 'x'),
 (90002, 'OFFW-0002', 'waitlisted', 'Wes', 'Two', 'wes@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-03-01T00:00:00Z', 'x'),
 (90003, 'OFFW-0003', 'waitlisted', 'Wil', 'Three', 'wil@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-04-01T00:00:00Z', 'x'),
 (90004, 'OFFW-0004', 'waitlisted', 'Wat', 'Four', 'wat@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-05-01T00:00:00Z', 'x');
INSERT INTO clients (referral_id, therapist_id, started_at) VALUES (90000, 9001, '2025-06-01');"
client=$(sql "select id from clients where referral_id = 90000")

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# ---- the demo: a client stopped through their link, their place offered ----
dseries=$(sql "select min(e.series_id) from exceptions e where e.by_whom = 'client' and e.reason = 'the client stopped their sessions'")
check "the demo has a client who stopped their sessions" [ -n "$dseries" ]
dplace=$(sql "select id from places where from_series_id = ${dseries:-0} and status = 'open'")
check "the place they freed is open" [ -n "$dplace" ]
check "it has an offer still open" [ "$(sql "select count(*) from offers where place_id = ${dplace:-0} and status = 'sent'")" -ge 1 ]
check "and one declined, handed on" [ "$(sql "select count(*) from offers where place_id = ${dplace:-0} and status = 'declined'")" = 1 ]
c=$(web coord "$BASE/places/${dplace:-0}")
check "the coordinator sees the freed place" has "Freed place"

# ---- a series ends: "Offer this place" ----
tue=$(date -d "next tuesday + 7 days" +%F)
web coord "$BASE/series/new?client=$client" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&client=$client&therapist=9001&site=9001&room=9001&first_date=$tue&start=10:00&length=45&end=count&count=4" "$BASE/series/new")
check "Xena's Tuesday series is booked" [ "$c" = 303 ]
series=$(sql "select max(id) from series where client_id = $client")
web coord "$BASE/series/$series" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=end&from=$tue&reason=Xena+moved+away" "$BASE/series/$series")
check "the series is ended" [ "$c" = 303 ]
c=$(web coord "$BASE/series/$series")
check "the ended series offers its place" has "Offer this place"
c=$(web coord --data "csrf=$csrf&series=$series" "$BASE/places")
check "POST /places answers 303" [ "$c" = 303 ]
place=$(sql "select id from places where from_series_id = $series")
check "to the place's page" [ "$(location)" = "/places/$place" ]
c=$(web coord --data "csrf=$csrf&series=$series" "$BASE/places")
check "a second click gives the same place" [ "$(sql "select count(*) from places where from_series_id = $series")" = 1 ]
c=$(web coord "$BASE/places/$place")
check "the place page opens" [ "$c" = 200 ]
check "it names the weekly time" has "Freed place: Tuesdays at 10:00"
check "it lists the waiting people who fit" has "OFFW-0001"
check "with plain reasons" has "works with dementia"
check "the longest waiting first among equals" [ "$(sql "select referral_id from offers where place_id = $place and rank = 1")" = 90001 ]
check "only our four fit this hall" [ "$(sql "select count(*) from offers where place_id = $place")" = 4 ]
check "nothing is sent before the coordinator confirms" [ "$(sql "select count(*) from offers where place_id = $place and status != 'proposed'")" = 0 ]
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=send" "$BASE/places/$place")
check "sending the offers answers 303" [ "$c" = 303 ]
check "the first three are offered" [ "$(sql "select group_concat(referral_id) from (select referral_id from offers where place_id = $place and status = 'sent' order by rank)")" = "90001,90002,90003" ]
c=$(web coord "$BASE/series/$series")
check "the series page shows the offers' state" has "offers sent"

# ---- the offer email and page ----
wait_until 30 test "$(count_to wes@example.org 'A music therapy place for you')" -ge 1
f=$(last_file wyn@example.org 'A music therapy place for you')
check "Wyn's offer email arrives" [ -n "$f" ]
link1=$(offer_link "$f")
check "it carries an /offer link" [ -n "$link1" ]
mail_text "$f" >"$TVAR/mail.txt"
check "it says when" grep -q "When: Tuesdays at 10:00" "$TVAR/mail.txt"
check "it says where" grep -q "Where: Offer Test Hall, Music Room" "$TVAR/mail.txt"
check "it says from when" grep -q "From: $(date -d "$tue" +"%A %-d %B %Y")" "$TVAR/mail.txt"
check "it says by when to answer" grep -q "Please answer by" "$TVAR/mail.txt"
f=$(last_file wes@example.org 'A music therapy place for you')
link2=$(offer_link "$f")
check "Wes's offer email carries another link" [ -n "$link2" -a "$link2" != "$link1" ]
c=$(web wyn "$link1")
check "GET /offer opens" [ "$c" = 200 ]
check "it offers the place" has "Yes, I want this place"
check "it is not cached" grep -qi '^cache-control: no-store' "$TVAR/head"
tok2=${link2##*t=}
tok1=${link1##*t=}

# ---- accept: the first gets it, the later one sees it taken ----
c=$(web wes --data "t=$tok2&action=accept" "$BASE/offer")
check "Wes accepts: 303" [ "$c" = 303 ]
c=$(web wes --data "t=$tok2&action=accept" "$BASE/offer")
check "a double click answers 303 too" [ "$c" = 303 ]
c=$(web wes "$link2")
check "Wes sees the place is his" has "This place is yours"
check "the place is filled by Wes" [ "$(sql "select status || ':' || filled_by from places where id = $place")" = "filled:90002" ]
check "one series is booked for Wes" [ "$(sql "select count(*) from series s join clients c on c.id = s.client_id where c.referral_id = 90002 and s.status = 'active'")" = 1 ]
check "Wes is on Olive's caseload" [ "$(sql "select therapist_id from clients where referral_id = 90002 and ended_at is null")" = 9001 ]
check "audited as the person themselves" [ "$(sql "select count(*) from audit where action = 'offer-accept' and user_id is null and referral_id = 90002")" = 1 ]
wait_until 30 test "$(count_to wes@example.org 'booked')" -ge 1
check "Wes gets the booking confirmation" [ "$(count_to wes@example.org 'booked')" = 1 ]
wait_until 30 test "$(count_to coordinator@tutti.example 'accepted a place offer')" -ge 1
check "the coordinator is told" [ "$(count_to coordinator@tutti.example 'accepted a place offer')" = 1 ]
c=$(web wyn --data "t=$tok1&action=accept" "$BASE/offer")
check "Wyn accepts later: 303" [ "$c" = 303 ]
c=$(web wyn "$link1")
check "Wyn sees the place has been taken" has "This place has been taken"
check "Wyn stays on the waiting list" [ "$(sql "select status from referrals where id = 90001")" = waitlisted ]
c=$(web coord "$BASE/clients/90001")
check "Wyn's client record shows the offer" has "Said yes after someone else"

# ---- /my: Wes stops his sessions, asked once ----
my=$(ctl my-link 90002)
mt=${my##*t=}
c=$(web wes "$my")
check "Wes's own page offers to stop his sessions" has "Stop my sessions"
c=$(web wes --data "t=$mt&action=stop" "$BASE/my")
check "stopping asks once" has "Stop all your sessions?"
check "and changes nothing yet" [ "$(sql "select count(*) from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id where c.referral_id = 90002 and o.state = 'cancelled'")" = 0 ]
c=$(web wes --data "t=$mt&action=stop&confirm=yes" "$BASE/my")
check "confirmed: 303" [ "$c" = 303 ]
c=$(web wes --data "t=$mt&action=stop&confirm=yes" "$BASE/my")
check "a double click: 303" [ "$c" = 303 ]
check "every session still to come is cancelled by him" [ "$(sql "select count(*) from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id where c.referral_id = 90002 and o.state != 'cancelled' and o.start_utc > strftime('%s', 'now')")" = 0 ]
check "audited once as the person themselves" [ "$(sql "select count(*) from audit where action = 'self-stop' and user_id is null and referral_id = 90002")" = 1 ]
wait_until 30 test "$(count_to coordinator@tutti.example 'OFFW-0002 has stopped their sessions')" -ge 1
sleep 1
check "the coordinator is told once" [ "$(count_to coordinator@tutti.example 'OFFW-0002 has stopped their sessions')" = 1 ]

# ---- forged and revoked links ----
bad=${tok1:0:10}$( [ "${tok1:10:1}" = A ] && echo B || echo A )${tok1:11}
c=$(web anon "$BASE/offer?t=$bad")
check "a forged offer link gets 404" [ "$c" = 404 ]
c=$(web anon --data "t=$bad&action=accept" "$BASE/offer")
check "a forged POST gets 404" [ "$c" = 404 ]
f=$(last_file wil@example.org 'A music therapy place for you')
link3=$(offer_link "$f")
c=$(web wil "$link3")
check "Wil's link works" [ "$c" = 200 ]
ctl my-link 90003 --revoke >/dev/null
c=$(web wil "$link3")
check "after revoking Wil's own link, the offer link gets 404" [ "$c" = 404 ]
check "no log holds an offer token" [ -z "$(grep -rl -- "$tok1" "$TVAR/log" 2>/dev/null)" ]

# ---- expiry hands on to the next ----
wed=$(date -d "next wednesday + 7 days" +%F)
web coord "$BASE/series/new?client=$client" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&client=$client&therapist=9001&site=9001&room=9001&first_date=$wed&start=15:00&length=45&end=count&count=2" "$BASE/series/new")
series2=$(sql "select max(id) from series where client_id = $client")
c=$(ctl offers place "$series2" 2>&1)
check "tuttictl says an active series frees no place" grep -q 'has not ended' <<<"$c"
place2=$(sql "select id from places where from_series_id = $series2")
check "and makes none" [ -z "$place2" ]
web coord "$BASE/series/$series2" >/dev/null
csrf=$(csrf_of)
web coord --data "csrf=$csrf&action=end&from=$wed&reason=ended" "$BASE/series/$series2" >/dev/null
# Wen joins the list, last: fourth for the second place.
sql "INSERT INTO referrals (id, ref, status, given_name, family_name, email,
  postcode, date_of_birth, preferred_contact, session_type, needs,
  availability, consent_data, consent_contact, created_at, updated_at) VALUES
 (90005, 'OFFW-0005', 'waitlisted', 'Wen', 'Five', 'wen@example.org', 'ZZ9 1AB',
  '1980-01-01', 'email', 'individual', 16, 2097151, 1, 1, '2025-06-01T00:00:00Z', 'x')"
c=$(ctl offers place "$series2" --send)
place2=$(sql "select id from places where from_series_id = $series2")
check "the second place is offered to those still waiting" [ "$(sql "select group_concat(referral_id) from (select referral_id from offers where place_id = $place2 and status = 'sent' order by rank)")" = "90001,90003,90004" ]
wait_until 30 test "$(count_to wyn@example.org 'A music therapy place for you')" -ge 2
f=$(last_file wyn@example.org 'A music therapy place for you')
l=$(offer_link "$f")
check "Wyn's second offer email carries its own link" [ -n "$l" -a "$l" != "$link1" ]
sql "update offers set expires_at = '2000-01-01T00:00:00Z' where place_id = $place2 and referral_id = 90001"
c=$(ctl offers tick)
check "tuttictl offers tick ends the offer past its time" [ "$(sql "select status from offers where place_id = $place2 and referral_id = 90001")" = expired ]
check "the next person, Wen, is offered" [ "$(sql "select status from offers where place_id = $place2 and referral_id = 90005")" = sent ]
wait_until 30 test "$(count_to wen@example.org 'A music therapy place for you')" -ge 1
check "Wen's offer email arrives" [ "$(count_to wen@example.org 'A music therapy place for you')" = 1 ]
c=$(web wyn "$l")
check "Wyn's expired offer says it has ended" has "This offer has ended"

# Every sent offer ends: with nobody left, nothing is sent.
sql "update offers set expires_at = '2000-01-01T00:00:00Z' where place_id = $place2 and status = 'sent'"
c=$(ctl offers tick)
check "every offer of the place has ended" [ "$(sql "select count(*) from offers where place_id = $place2 and status = 'sent'")" = 0 ]
check "with nobody left the place stays open" [ "$(sql "select status from places where id = $place2")" = open ]
c=$(web coord "$BASE/places/$place2")
check "the place page says nobody is left" has "Nobody on this list can be offered"

# ---- a client taken off the caseload frees their place; offers_live ----
thu=$(date -d "next thursday + 7 days" +%F)
web coord "$BASE/series/new?client=$client" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&client=$client&therapist=9001&site=9001&room=9001&first_date=$thu&start=12:00&length=45&end=count&count=4" "$BASE/series/new")
series3=$(sql "select max(id) from series where client_id = $client")
check "Xena's Thursday series is booked" [ "$c" = 303 -a "$(sql "select start_local from series where id = $series3")" = 12:00 ]
web coord "$BASE/referrals/90000" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=move&from=$(sql "select status from referrals where id = 90000")&to=closed&reason=Finished+her+work" "$BASE/referrals/90000")
check "the coordinator closes Xena's referral" [ "$c" = 303 ]
place3=$(sql "select id from places where from_series_id = $series3")
check "her Thursday place is freed at once" [ -n "$place3" ]
check "for Olive at 12:00 in the Music Room" [ "$(sql "select therapist_id || ':' || start_local || ':' || room_id || ':' || weekday from places where id = $place3")" = "9001:12:00:9001:3" ]
check "waiting for the coordinator to confirm" [ "$(sql "select count(*) from offers where place_id = $place3 and status != 'proposed'")" = 0 -a "$(sql "select count(*) from offers where place_id = $place3")" -ge 2 ]
check "offers_live is 3 by default" [ "$(ctl setting offers_live)" = "$(printf 'offers_live\t3')" ]
c=$(ctl setting offers_live 11 2>&1; echo "rc=$?")
check "offers_live refuses 11" grep -q "from 1 to 10" <<<"$c"
check "with status 2" grep -q "rc=2" <<<"$c"
check "tuttictl setting offers_live 1" [ "$(ctl setting offers_live 1)" = "$(printf 'offers_live\t1')" ]
c=$(web coord "$BASE/places/$place3")
check "the place page says one at a time" has "1 person at a time"
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=send" "$BASE/places/$place3")
check "with offers_live 1 one offer goes" [ "$(sql "select count(*) from offers where place_id = $place3 and status = 'sent'")" = 1 ]
ctl setting offers_live 3 >/dev/null

# ---- a therapist's caseload opens: places are made, /places lists them ----
# Cass (therapist 9002) works at the hall on Fridays 09:00-10:00 only,
# with no room on her caseload.
sql "INSERT INTO therapists (id, name, specialisms, max_caseload, max_hours)
  VALUES (9002, 'Cass Caseload', 16, 0, 20);
INSERT INTO therapist_availability (therapist_id, site_id, day, start_min, end_min)
  VALUES (9002, 9001, 4, 540, 600);"
cass="name=Cass+Caseload&user_id=&specialisms=dementia&languages=English&max_hours=20&active=yes&av_site=9001&av_day=fri&av_start=09:00&av_end=10:00"
web coord "$BASE/therapists/9002/edit" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&$cass&max_caseload=1" "$BASE/therapists/9002/edit")
check "raising Cass's caseload limit saves: 303" [ "$c" = 303 ]
cplace=$(sql "select id from places where therapist_id = 9002")
check "one place is made for her" [ -n "$cplace" -a "$(sql "select count(*) from places where therapist_id = 9002")" = 1 ]
check "at her free weekly time: Fridays 09:00 in the Music Room" [ "$(sql "select weekday || ':' || start_local || ':' || room_id || ':' || coalesce(from_series_id, 0) from places where id = ${cplace:-0}")" = "4:09:00:9001:0" ]
check "the page after saving names it" [ "$(location)" = "/therapists/9002?done=saved&opened=1&place=$cplace" ]
c=$(web coord "$BASE$(location)")
check "it says a place was made" has "1 place was made for Cass Caseload:"
check "when and where" has "Fridays at 09:00 at Offer Test Hall, Music Room"
check "and that it waits for the coordinator" has "Waiting for you to confirm the list"
check "the waiting people are ranked" [ "$(sql "select count(*) from offers where place_id = ${cplace:-0} and status = 'proposed'")" -ge 1 ]
check "nothing is sent yet" [ "$(sql "select count(*) from offers where place_id = ${cplace:-0} and status != 'proposed'")" = 0 ]
c=$(web coord "$BASE/places")
check "GET /places opens" [ "$c" = 200 ]
check "it lists Cass's place" has "<a href=\"/places/$cplace\">Fridays at 09:00</a>"
check "saying how it was freed" has "The therapist can take more clients"
check "and the demo's stopped client's place" has "The client stopped their sessions"
check "with its offers: said no" has "Said no on"
check "offered, with the time to answer by" has "Offered: answer by"
check "and the demo's caseload place: no answer in time" has "No answer in time"
check "the demo made a place by a raised caseload" [ "$(sql "select count(*) from places where from_series_id is null and therapist_id < 9000")" -ge 1 ]
c=$(web coord "$BASE/me")
check "the coordinator's page links to the list" has 'href="/places"'
th=$(staff_login thea therapist@tutti.example demo-therapist-2026)
c=$(web thea "$BASE/places")
check "a therapist may not open /places" [ "$c" = 403 ]
ctl setting auto_offers 1 >/dev/null
web coord "$BASE/therapists/9002/edit" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&${cass/av_end=10:00/av_end=11:00}&max_caseload=2" "$BASE/therapists/9002/edit")
cplace2=$(sql "select max(id) from places where therapist_id = 9002")
check "with auto_offers on, one more raise makes a second place" [ "$cplace2" != "$cplace" -a "$(sql "select count(*) from places where therapist_id = 9002")" = 2 ]
check "clear of the first: Fridays at 09:45" [ "$(sql "select start_local from places where id = ${cplace2:-0}")" = 09:45 ]
check "and its offers go at once" [ "$(sql "select count(*) from offers where place_id = ${cplace2:-0} and status = 'sent'")" -ge 1 ]
ctl setting auto_offers 0 >/dev/null

# ---- the site is closed one week of the place: yes still books it ----
# Cal waits; Olive's Monday 10:00 place at the hall is offered to him;
# the hall is closed on the place's third Monday.
mon=$(date -d "next monday + 7 days" +%F)
shut=$(date -d "$mon + 14 days" +%F)
sql "INSERT INTO site_closures (site_id, first_day, last_day, reason)
  VALUES (9001, '$shut', '$shut', 'Boiler repair');"
lc=$(offered 8100 90006 OFFW-0006 Cal '' 10:00)
c=$(web cal --data "t=${lc##*t=}&action=accept" "$BASE/offer")
check "Cal says yes to a place with a closed week: 303" [ "$c" = 303 ]
c=$(web cal "$lc")
check "the place is his" has "This place is yours"
cs=$(sql "select series_id from places where id = 8100")
check "every session is booked" [ "$(sql "select count(*) from occurrences where series_id = ${cs:-0}")" = 12 ]
check "none on the closed day" [ "$(sql "select count(*) from occurrences where series_id = ${cs:-0} and occ_date = '$shut'")" = 0 ]
check "which the calendar shows as no session" [ "$(sql "select count(*) from series_skips where series_id = ${cs:-0} and occ_date = '$shut'")" = 1 ]

# ---- two people accept the same place at once, 50 times ----
sql "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 99)
INSERT INTO referrals (id, ref, status, given_name, family_name, email,
  postcode, date_of_birth, preferred_contact, session_type, needs,
  availability, consent_data, consent_contact, created_at, updated_at)
SELECT 91000 + n, printf('RACE-%04d', n), 'waitlisted', 'Racer', 'R' || n, '',
  'ZZ9 1AB', '1980-01-01', 'phone', 'individual', 16, 2097151, 1, 0,
  '2025-01-01T00:00:00Z', 'x' FROM k"
won=0
for i in $(seq 0 49); do
	day=$((i % 7))
	# 13:00 to 20:00: clear of Wes's Tuesdays at 10:00.
	hh=$(printf '%02d' $((13 + i / 7)))
	first=$(date -d "today + 8 days" +%F)
	a=$((91000 + 2 * i))
	b=$((a + 1))
	sql "INSERT INTO places (id, therapist_id, site_id, room_id, weekday,
	  start_local, length_min, first_date, status, created_at, confirmed_at)
	  VALUES (8000 + $i, 9001, 9001, 9001, $day, '$hh:00', 45, '$first',
	  'open', 'x', 'x');
	INSERT INTO offers (place_id, referral_id, rank, status, sent_at, expires_at)
	  VALUES (8000 + $i, $a, 1, 'sent', 'x', '2999-01-01T00:00:00Z'),
	         (8000 + $i, $b, 2, 'sent', 'x', '2999-01-01T00:00:00Z')"
	ta=$(ctl offers link "$(sql "select id from offers where referral_id = $a")")
	tb=$(ctl offers link "$(sql "select id from offers where referral_id = $b")")
	curl -s -o /dev/null -w '%{http_code}\n' --data "t=${ta##*t=}&action=accept" "$BASE/offer" >"$TVAR/ra" &
	pa=$!
	curl -s -o /dev/null -w '%{http_code}\n' --data "t=${tb##*t=}&action=accept" "$BASE/offer" >"$TVAR/rb" &
	pb=$!
	wait $pa $pb
	got=$(sql "select count(*) from offers where place_id = 8000 + $i and status = 'accepted'")
	lost=$(sql "select count(*) from offers where place_id = 8000 + $i and status = 'taken'")
	booked=$(sql "select count(*) from series s join clients c on c.id = s.client_id where c.referral_id in ($a, $b)")
	[ "$got:$lost:$booked:$(cat "$TVAR/ra"):$(cat "$TVAR/rb")" = "1:1:1:303:303" ] && won=$((won + 1))
done
check "exactly one of two gets the place, 50 times out of 50 ($won)" [ "$won" = 50 ]

# ---- the therapist has a day of leave in the place: yes still books it ----
# Lia waits; Olive's Monday 11:00 place is offered to her; Olive is on
# leave on the place's second Monday (and the hall is closed on the
# third, above).  Those weeks are weeks off, as many more at the end,
# and her confirmation lists the dates without them.
away=$(date -d "$mon + 7 days" +%F)
sql "INSERT INTO therapist_leave (therapist_id, first_day, last_day, reason)
  VALUES (9001, '$away', '$away', 'Training day');"
ll=$(offered 8200 90007 OFFW-0007 Lia lia@example.org 11:00)
c=$(web lia --data "t=${ll##*t=}&action=accept" "$BASE/offer")
check "Lia says yes to a place whose therapist is on leave one week: 303" [ "$c" = 303 ]
c=$(web lia "$ll")
check "the place is hers" has "This place is yours"
ls=$(sql "select series_id from places where id = 8200")
check "every session is booked" [ "$(sql "select count(*) from occurrences where series_id = ${ls:-0}")" = 12 ]
check "none on the leave day" [ "$(sql "select count(*) from occurrences where series_id = ${ls:-0} and occ_date = '$away'")" = 0 ]
check "that week is a week off" [ "$(sql "select count(*) from series_skips where series_id = ${ls:-0} and occ_date = '$away'")" = 1 ]
check "two weeks more at the end (the leave and the closed day)" [ "$(sql "select max(occ_date) from occurrences where series_id = ${ls:-0}")" = "$(date -d "$mon + 91 days" +%F)" ]
wait_until 30 test "$(count_to lia@example.org 'booked')" -ge 1
f=$(last_file lia@example.org 'booked')
check "Lia gets her booking confirmation" [ -n "$f" ]
mail_text "$f" >"$TVAR/mail.txt"
check "it lists her first Monday" grep -q "$(date -d "$mon" +"%-d %B %Y")" "$TVAR/mail.txt"
check "and the Monday after the leave and the closed day" grep -q "$(date -d "$mon + 21 days" +"%-d %B %Y")" "$TVAR/mail.txt"
check "not the leave day" [ "$(grep -c "$(date -d "$away" +"%-d %B %Y")" "$TVAR/mail.txt")" = 0 ]

# ---- a real clash stays refused: the person is told plainly ----
# Lou is offered Olive's Monday 11:00 place too, which Lia has now.
lu=$(offered 8201 90008 OFFW-0008 Lou lou@example.org 11:00)
c=$(web lou --data "t=${lu##*t=}&action=accept" "$BASE/offer")
check "Lou says yes to a place that clashes: 303" [ "$c" = 303 ]
check "nothing is booked for Lou" [ "$(sql "select count(*) from clients where referral_id = 90008")" = 0 ]
check "Lou stays on the waiting list" [ "$(sql "select status from referrals where id = 90008")" = waitlisted ]
c=$(web lou "$lu")
check "Lou's page says the place could not be booked" has "We could not book this place"
check "not that someone else took it" [ "$(grep -c "Someone else said yes first" "$TVAR/body")" = 0 ]
check "that Lou stays on the waiting list" has "You stay on the waiting list"
check "that the office will be in touch" has "The Tutti office will be in touch with you soon"
check "with the office's phone number" has "If you want to talk to us first, phone <a href=\"tel:"
c=$(web lou --data "t=${lu##*t=}&action=accept" "$BASE/offer")
check "a second click: 303" [ "$c" = 303 ]
wait_until 30 test "$(count_to coordinator@tutti.example 'OFFW-0008 said yes to a place that could not be booked')" -ge 1
sleep 1
check "the coordinator is told once" [ "$(count_to coordinator@tutti.example 'OFFW-0008 said yes to a place that could not be booked')" = 1 ]
c=$(web coord "$BASE/places/8201")
check "the place page shows it" has "but the place could not be booked: contact them"

finish
