#!/bin/bash
# People act for themselves (issue 18), through nginx, with the real
# mailer sending to a real SMTP server (Debian's aiosmtpd):
#   - the office's contact details in page footers, emails and Reply-To;
#   - a booking email carries the personal /my link, which opens the
#     person's own page with their session, place and therapist;
#   - POST /my action=cant_come cancels that session and emails the
#     therapist and the client once, however often it is sent; with
#     less notice than late_cancel_hours it is a late cancellation;
#   - a waitlist check answered "no longer needed" withdraws the person;
#   - forged and revoked links get 404; no log holds a link's token;
#   - "stop my sessions" cancels every session to come with ONE email
#     to the client listing them (with the series' invitation), one to
#     the therapist and one to each coordinator, and frees the weekly
#     place for the coordinator to confirm on /places/ID.
set -u
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/smtp.sh"

has() { grep -qF -- "$1" "$TVAR/body"; }

# Booking confirmations wait the change grace period (Undo): none here.
smtp_stack_up TUTTI_CHANGE_GRACE=0
ctl() { "$B/tuttictl" "$@"; }

# ---- the office's contact details ----
ctl setting contact_phone "020 7946 0000" >/dev/null
ctl setting contact_email "office@tutti.test" >/dev/null
ctl setting contact_address "1 Music Street, London N1 1AA" >/dev/null
ctl setting office_hours "Monday to Friday, 9am to 5pm" >/dev/null
c=$(ctl setting contact_email "bad@x
Bcc: y@z" 2>/dev/null; echo $?)
check "an email setting with a line break is refused" [ "${c##*$'\n'}" = 2 ]
check "the contact email is kept" [ "$(ctl setting contact_email)" = "$(printf 'contact_email\toffice@tutti.test')" ]
c=$(web anon "$BASE/refer")
check "the public footer shows the office's phone" has "020 7946 0000"
check "the public footer shows the office's hours" has "Monday to Friday, 9am to 5pm"

# ---- a booking email carries the personal link ----
c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]
web coord "$BASE/referrals" >/dev/null
check "a staff page's footer shows the office's address" has "1 Music Street"
wed=$(date -d "next wednesday + 7 days" +%F)
d2=$(date -d "$wed + 7 days" +%F)
rid=$(sql "select id from referrals where given_name = 'Fiona'")
client=$(sql "select c.id from clients c where c.referral_id = $rid and c.ended_at is null")
thea=$(sql "select id from therapists where name = 'Thea Therapist'")
centre=$(sql "select id from sites where name like 'Tutti Centre%'")
room=$(sql "select id from rooms where site_id = $centre order by id limit 1")
sql "delete from site_closures where site_id = $centre; delete from therapist_leave where therapist_id = $thea"
web coord "$BASE/series/new?client=$client" >/dev/null
csrf=$(csrf_of)
# The demo's own emails to Fiona go first (on a loaded machine they can
# arrive late and be taken for this booking's).
wait_until 60 test "$(sql "select count(*) from outbox where referral_id = $rid and status in ('queued', 'sending') and not_before <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")" = 0
sleep 2
n0=$(count_to fiona@example.org 'are booked')
c=$(web coord --data "csrf=$csrf&client=$client&therapist=$thea&site=$centre&room=$room&first_date=$wed&start=10:00&length=45&end=count&count=4" "$BASE/series/new")
check "a series is booked for Fiona" [ "$c" = 303 ]
series=$(sql "select max(id) from series where client_id = $client")
# A booking's confirmation waits out its undo time: send it now.
sql "update outbox set not_before = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 second') where kind = 'booking_confirmation' and status = 'queued' and referral_id = $rid"
wait_until 20 test "$(count_to fiona@example.org 'are booked')" -gt "$n0"
f=$(last_file fiona@example.org 'are booked')
check "the booking confirmation arrives" [ -n "$f" ]
check "its Reply-To is the office" grep -q '^Reply-To: .*<office@tutti.test>' "$f"
link=$($PY - "$f" <<'PY'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
t = m.get_body(('plain',)).get_content()
h = m.get_body(('html',)).get_content()
a = re.findall(r'(http://[^\s"<>]*/my\?t=[A-Za-z0-9_-]+)', t)
b = re.findall(r'(http://[^\s"<>]*/my\?t=[A-Za-z0-9_-]+)', h)
ok = 'Phone 020 7946 0000' in t and '020 7946 0000' in h
print(a[0] if a and b and a[0] == b[0] and ok else '')
PY
)
check "the booking email carries the /my link and the office's phone" [ -n "$link" ]
token=${link##*t=}
check "the token is long" [ ${#token} -ge 40 ]
check "the link's token is stored hashed, not as it is" [ "$(sql "select count(*) from client_links where referral_id = $rid and token_hash = '$token'")" = 0 -a "$(sql "select length(token_hash) from client_links where referral_id = $rid")" = 32 ]

# ---- the person's own page ----
c=$(web me "$link")
check "GET /my opens the person's page" [ "$c" = 200 ]
check "it greets them by name" has "Hello Fiona"
check "it shows their reference" has "$(sql "select ref from referrals where id = $rid")"
wday=$(date -d "$wed" +"%A %-d %B %Y")
check "it shows the session's date" has "$wday at 10:00"
check "it shows the therapist's first name only" has "45 minutes with Thea</p>"
check "it shows the place's address" has "$(sql "select address from sites where id = $centre")"
check "the page is not cached" grep -qi '^cache-control: no-store' "$TVAR/head"

# ---- cannot come, with notice ----
fc0=$(count_to fiona@example.org 'Cancelled:')
tc0=$(count_to therapist@tutti.example 'Cannot come')
c=$(web me --data "t=$token&action=cant_come&series=$series&date=$wed" "$BASE/my")
check "POST cant_come answers 303" [ "$c" = 303 ]
c=$(web me --data "t=$token&action=cant_come&series=$series&date=$wed" "$BASE/my")
check "a second click answers 303 too" [ "$c" = 303 ]
check "the session is cancelled by the client" [ "$(sql "select by_whom from exceptions where series_id = $series and occ_date = '$wed'")" = client ]
check "one self-cancellation, not late" [ "$(sql "select count(*) || ':' || sum(late) from self_cancels where series_id = $series")" = "1:0" ]
check "audited as the person themselves" [ "$(sql "select count(*) from audit where action = 'self-cancel' and user_id is null and detail like 'the person themselves:%' and referral_id = $rid")" = 1 ]
c=$(web me "$link&done=cant_come")
check "the page says it is cancelled" has "That session is cancelled"
wait_until 20 test "$(count_to therapist@tutti.example 'Cannot come')" -gt "$tc0"
wait_until 20 test "$(count_to fiona@example.org 'Cancelled:')" -gt "$fc0"
sleep 2
check "the therapist is emailed once" [ "$(count_to therapist@tutti.example 'Cannot come')" = $((tc0 + 1)) ]
check "the client's confirmation is emailed once" [ "$(count_to fiona@example.org 'Cancelled:')" = $((fc0 + 1)) ]
check "the coordinator is told" [ "$(count_to coordinator@tutti.example 'Cannot come')" = 1 ]

# ---- a late cancellation ----
ctl setting late_cancel_hours 744 >/dev/null
c=$(web me --data "t=$token&action=cant_come&series=$series&date=$d2" "$BASE/my")
check "a late cant_come answers 303 to the late message" [ "$c" = 303 ] && check "it says late" [ "$(location)" = "/my?t=$token&done=late" ]
check "it is recorded as late" [ "$(sql "select late from self_cancels where series_id = $series and occ_date = '$d2'")" = 1 ]

# ---- another's session, forged and revoked links ----
other=$(sql "select s.id || '&date=' || o.occ_date from series s join occurrences o on o.series_id = s.id join clients c on c.id = s.client_id where c.referral_id != $rid and o.start_utc > strftime('%s','now') + 86400*3 and o.state = 'booked' limit 1")
c=$(web me --data "t=$token&action=cant_come&series=$other" "$BASE/my")
check "a link never cancels another person's session" [ "$c" = 422 ]
check "that session is untouched" [ "$(sql "select state from occurrences where series_id = ${other%%&*} and occ_date = '${other##*=}'")" = booked ]
bad=${token:0:20}$([ "${token:20:1}" = A ] && echo B || echo A)${token:21}
c=$(web x "$BASE/my?t=$bad")
check "a forged token gets 404" [ "$c" = 404 ]
c=$(web x --data "t=$bad&action=leave_waitlist&confirm=yes" "$BASE/my")
check "a forged token's POST gets 404" [ "$c" = 404 ]
new=$(ctl my-link "$rid" --revoke)
c=$(web x "$link")
check "a revoked link gets 404" [ "$c" = 404 ]
c=$(web x "$new")
check "the new link works" [ "$c" = 200 ]
check "no log holds a token" [ -n "$token" -a -z "$(grep -rl -- "$token" "$TVAR/log" 2>/dev/null)" ]

# ---- the waitlist check: "no longer needed" withdraws ----
w=$(sql "select id from referrals where status = 'waitlisted' and email != '' and consent_contact = 1 and id not in (select referral_id from waitlist_checks) order by id limit 1")
ctl setting waitlist_check_weeks 1 >/dev/null
c=$(ctl waitlist-checks)
check "waitlist checks are sent" [ "$(sql "select count(*) from waitlist_checks where referral_id = $w and answered_at is null")" = 1 ]
wl=$(ctl my-link "$w")
c=$(web w "$wl")
check "the waiting person's page asks whether they still want a place" has "Do you still want a place?"
c=$(web w --data "t=${wl##*t=}&action=still_waiting&answer=no&wellbeing=same" "$BASE/my")
check "the answer is taken" [ "$c" = 303 ]
check "\"no longer needed\" withdraws the referral" [ "$(sql "select status from referrals where id = $w")" = withdrawn ]
check "with that reason in the history" [ "$(sql "select reason from referral_events where referral_id = $w order by id desc limit 1")" = "no longer needed (waitlist check)" ]
c=$(web w --data "t=${wl##*t=}&action=still_waiting&answer=no&wellbeing=same" "$BASE/my")
check "a second answer changes nothing" [ "$c" = 303 -a "$(sql "select count(*) from referral_events where referral_id = $w and to_status = 'withdrawn'")" = 1 ]

# ---- "worse" flags the person to the coordinators ----
w2=$(sql "select id from referrals where status = 'waitlisted' and email != '' and id != $w order by id limit 1")
wl2=$(ctl my-link "$w2")
c=$(web w2 --data "t=${wl2##*t=}&action=still_waiting&answer=yes&wellbeing=worse" "$BASE/my")
check "a \"worse\" answer is taken" [ "$c" = 303 ]
c=$(web w2 "$BASE$(location)")
check "the person sees where to get urgent help" has "116 123"
check "the coordinators are told at once" [ "$(sql "select count(*) from outbox where kind = 'client_worse' and referral_id = $w2")" -ge 1 ]
check "the person stays on the list" [ "$(sql "select status from referrals where id = $w2")" = waitlisted ]

# ---- the queue says when each waiting person was last checked ----
ans=$(sql "select max(answered_at) from waitlist_checks where referral_id = $w2")
web coord "$BASE/referrals?status=waitlisted&q=$(sql "select ref from referrals where id = $w2")" >/dev/null
check "the queue shows the day the person answered" has "Checked $(date -d "${ans:0:10}" +"%-d %b %Y")"

# ---- /reports: hidden waits, offers, late cancellations and DNA ----
from=$(date -d "-1 year" +%F)
m=$(date -d "$d2" +"%B %Y")
sname=$(sql "select name from sites where id = $centre")
sess=$(sql "select count(*) from occurrences o where site_id = $centre and strftime('%Y-%m', start_utc, 'unixepoch', 'localtime') = '${d2:0:7}' and start_utc < strftime('%s', '$d2', '+1 day', 'utc') and (state != 'cancelled' or exists (select 1 from self_cancels c where c.series_id = o.series_id and c.occ_date = o.occ_date and c.late))")
late=$(sql "select count(*) from self_cancels c join occurrences o on o.series_id = c.series_id and o.occ_date = c.occ_date where c.late and o.site_id = $centre and strftime('%Y-%m', o.start_utc, 'unixepoch', 'localtime') = '${d2:0:7}'")
sent=$(sql "select count(*) from offers where sent_at >= '${from}' and sent_at < '$(date -d "$d2 + 1 day" +%F)'")
firsts=$(sql "select count(*) from first_sessions where first_utc >= strftime('%s', '$from') and first_utc < strftime('%s', '$d2', '+1 day')")
c=$(web coord "$BASE/reports?from=$from&to=$d2")
check "/reports opens for the period" [ "$c" = 200 ]
check "it shows the hidden waits" has "Hidden waits"
check "with the people who had a first session" has "<th scope=\"row\">Referral to first session</th><td>$firsts</td>"
check "it shows the place offers sent" has "<th scope=\"row\">Offers sent</th><td>$sent</td>"
check "the late cancellation is counted for its site and month" [ "$late" -ge 1 ] && check "as the page says" has "<th scope=\"row\">$sname</th><td>$m</td><td>$sess</td><td>$late</td>"
c=$(web coord "$BASE/reports.csv?table=late_and_dna&from=$from&to=$d2")
check "the late and DNA table is in the CSV" has "$m,$sess,$late,"


# ---- "stop my sessions": one email listing them, and a freed place ----
sl=$(ctl my-link "$rid")
st=${sl##*t=}
left=$(sql "select count(*) from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id where c.referral_id = $rid and o.state != 'cancelled' and o.start_utc > strftime('%s', 'now')")
check "Fiona has sessions left to stop ($left)" [ "$left" -ge 2 ]
ob0=$(sql "select count(*) from outbox")
obmax=$(sql "select max(id) from outbox")
c=$(web me --data "t=$st&action=stop" "$BASE/my")
check "stop asks once to confirm" [ "$c" = 200 ] && check "with a plain question" has "stop"
c=$(web me --data "t=$st&action=stop&confirm=yes" "$BASE/my")
check "stop answers 303" [ "$c" = 303 ]
c=$(web me --data "t=$st&action=stop&confirm=yes" "$BASE/my")
check "a second click answers 303 too" [ "$c" = 303 ]
check "every session to come is cancelled by her" [ "$(sql "select count(*) from exceptions where by_whom = 'client' and reason = 'the client stopped their sessions' and series_id in (select s.id from series s join clients c on c.id = s.client_id where c.referral_id = $rid)")" = "$left" ]
check "no session cancellation email a session" [ "$(sql "select count(*) from outbox where id > $obmax and kind = 'session_cancelled'")" = 0 ]
check "one summary to Fiona" [ "$(sql "select count(*) from outbox where kind = 'sessions_stopped' and referral_id = $rid")" = 1 ]
check "one notice to the therapist and one a coordinator" [ "$(sql "select count(*) from outbox where kind = 'client_stopped' and referral_id = $rid")" = "$(($(sql "select count(*) from users where active = 1 and role = 'coordinator'") + 1))" ]
check "nothing else was queued" [ "$(sql "select count(*) from outbox")" = "$((ob0 + 1 + $(sql "select count(*) from outbox where kind = 'client_stopped' and referral_id = $rid")))" ]
wait_until 30 test "$(count_to fiona@example.org 'sessions are cancelled')" -ge 1
sleep 2
check "Fiona gets one email" [ "$(count_to fiona@example.org 'sessions are cancelled')" = 1 ]
f=$(last_file fiona@example.org 'sessions are cancelled')
body=$($PY - "$f" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
print(m.get_body(('plain',)).get_content())
for p in m.walk():
    if p.get_content_type() == 'text/calendar':
        print('CALENDAR', p.get_param('method'))
PY
)
d3=$(date -d "$wed + 14 days" +"%A %-d %B %Y")
check "it lists the sessions" grep -qF "$d3 at 10:00" <<<"$body"
check "it counts them" grep -qF "these $left sessions" <<<"$body"
check "it carries the series' invitation" grep -q "CALENDAR REQUEST" <<<"$body"
check "it carries her own link" grep -q "/my?t=" <<<"$body"
wait_until 30 test "$(count_to therapist@tutti.example 'has stopped their sessions')" -ge 1
f=$(last_file therapist@tutti.example 'has stopped their sessions')
check "the therapist's notice lists the sessions" grep -qF "$d3 at 10:00" "$f"
place=$(sql "select id from places where from_series_id = $series")
check "her weekly time is a freed place" [ -n "$place" ]
check "waiting for the coordinator (auto_offers is off)" [ "$(sql "select status || ':' || coalesce(confirmed_at, '') from places where id = $place")" = "open:" ]
c=$(web coord "$BASE/places/$place")
check "the coordinator sees it to confirm" has "Freed place: Wednesdays at 10:00"

finish
