#!/bin/bash
# The family and partner staff surveys (issue 20), through nginx, with
# the real mailer sending to a real SMTP server (Debian's aiosmtpd):
#   - a therapist records a client's N-th attended session (setting
#     family_survey_after): the client's contact who agreed to be
#     contacted gets one email, queued with the attendance, with a
#     once-only /survey link; one who did not agree gets none;
#   - the link shows the question with the client's first name, stores
#     one answer, thanks a second one and stores nothing more; a forged
#     link is 404; the token is in no log;
#   - a partner user's "Ask our staff for feedback" emails them their
#     own link; both questions answered;
#   - the impact report's family and partner figures match counts made
#     here in SQL, and grew by the answers given.
set -u
. "$(dirname "$0")/../lib/stack.sh"
. "$(dirname "$0")/../lib/smtp.sh"

# The /survey link in email file $1 (text and HTML parts agree), or "".
survey_link() { mail_link "$1" survey; }
has() { grep -qF -- "$1" "$TVAR/body"; }

smtp_stack_up

THERA=therapist@tutti.example;	THERA_PW=demo-therapist-2026
PARTNER=partner@tutti.example;	PARTNER_PW=demo-partner-2026
COORD=coordinator@tutti.example; COORD_PW=demo-coordinator-2026
from=$(date -d "$(date +%Y)-01-01 -1 year" +%F)
to=$(date -d "$(date +%Y)-12-31" +%F)
upto=$(date -d "$to +1 day" +%F)

# The impact report's CSV (as the coordinator) into $TVAR/impact.csv.
impact() {
	web co "$BASE/reports/impact.csv?from=$from&to=$to" >/dev/null
	cp "$TVAR/body" "$TVAR/impact.csv"
}
# A figure of the CSV: cell KIND GROUP-AND-LABEL-START.
cell() { grep -F "$1,$2" "$TVAR/impact.csv" | head -n 1 | cut -d, -f3; }
answered_sql() { sql "select count(*) from surveys where kind = '$1' and answered_at >= '$from' and answered_at < '$upto' and $2 is not null"; }
agreed_sql() { sql "select count(*) from surveys where kind = '$1' and answered_at >= '$from' and answered_at < '$upto' and $2 = 'agree'"; }
FAM='Families and carers who'
SKILLS="Partner organisations' staff who said it enhanced"
ATMOS="Partner organisations' staff who said it changed"

c=$(staff_login co "$COORD" "$COORD_PW")
check "the coordinator signs in" [ "$c" = 303 ]
impact
fam0=$(cell 'Outcomes (answered)' "$FAM")
check "before: families' answers = SQL ($fam0)" [ "$fam0" = "$(answered_sql family q1)" ]

# ---- Tui, Thea's client, two sessions last week and the week before;
# her mother agreed to be contacted, her key worker did not.
thea=$(sql "select t.id from therapists t join users u on u.id = t.user_id where u.email = '$THERA'")
site=$(sql "select id from sites where active = 1 order by id limit 1")
rid=$(sql "insert into referrals (ref, status, given_name, family_name, email, phone, postcode, date_of_birth, preferred_contact, needs, about, session_type, consent_data, created_at, updated_at) values ('SURV-TEST', 'active', 'Tui', 'Survey', 'tui@example.org', '', 'SW1A 1AA', '2014-03-03', 'email', 1, '', 'individual', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') returning id")
cid=$(sql "insert into clients (referral_id, therapist_id, started_at) values ($rid, $thea, '2026-01-01') returning id")
d1=$(date -u -d '14 days ago' +%F); d2=$(date -u -d '7 days ago' +%F)
s=$(sql "insert into series (uid, therapist_id, client_id, site_id, first_date, start_local, created_at, updated_at) values ('surv-test@tutti', $thea, $cid, $site, '$d1', '10:00', '$d1', '$d1') returning id")
for d in "$d1" "$d2"; do
	t=$(date -u -d "$d 10:00" +%s)
	sql "insert into occurrences (series_id, occ_date, start_utc, end_utc, therapist_id, site_id) values ($s, '$d', $t, $((t + 2700)), $thea, $site)"
done
sql "insert into contacts (referral_id, name, email, role, consent, created_at) values ($rid, 'Hine Survey', 'hine@example.org', 'parent', 1, 'x'), ($rid, 'Kev Worker', 'kev@example.org', 'key_worker', 0, 'x')"
"$B/tuttictl" setting family_survey_after 2 >/dev/null
check "family_survey_after is 2" [ "$("$B/tuttictl" setting family_survey_after | cut -f2)" = 2 ]

c=$(staff_login thea "$THERA" "$THERA_PW")
check "Thea signs in" [ "$c" = 303 ]
web thea "$BASE/me" >/dev/null
csrf=$(csrf_of)
c=$(web thea --data "csrf=$csrf&series=$s&date=$d1&status=attended" "$BASE/attendance")
check "the first session is recorded (303)" [ "$c" = 303 ]
check "nobody is asked after one" [ "$(sql "select count(*) from surveys where referral_id = $rid")" = 0 ]
c=$(web thea --data "csrf=$csrf&series=$s&date=$d2&status=attended" "$BASE/attendance")
check "the second session is recorded (303)" [ "$c" = 303 ]
check "her mother is asked, once" [ "$(sql "select count(*) from surveys where referral_id = $rid and kind = 'family' and to_addr = 'hine@example.org'")" = 1 ]
check "the key worker, who did not agree, is not" [ "$(sql "select count(*) from surveys where referral_id = $rid and to_addr = 'kev@example.org'")" = 0 ]
check "its email was queued with it" [ "$(sql "select count(*) from outbox where kind = 'family_survey' and referral_id = $rid and dedupe_key = 'survey:' || (select id from surveys where referral_id = $rid)")" = 1 ]

wait_until 30 test "$(count_to hine@example.org 'One question about music therapy')" -ge 1
check "the email reaches her" [ "$(count_to hine@example.org 'One question about music therapy')" = 1 ]
f=$(last_file hine@example.org 'One question about music therapy')
mail_text "$f" > "$TVAR/mail.txt"
check "it asks about Tui by her first name" grep -qF 'Has music therapy improved your relationship with Tui?' "$TVAR/mail.txt"
check "it does not name her in full" sh -c "! grep -q 'Tui Survey' '$TVAR/mail.txt'"
check "it carries her own unsubscribe link" grep -q '/unsubscribe?t=' "$TVAR/mail.txt"
link=$(survey_link "$f")
check "it carries a /survey link, the same in both parts" [ -n "$link" ]
path=${link#http://*/}
sleep 1
check "no email to the key worker" [ "$(count_to kev@example.org '')" = 0 ]

# ---- the link: once
c=$(web anon "$BASE/$path")
check "GET the survey: 200" [ "$c" = 200 ]
check "it asks the question" has 'Has music therapy improved your relationship with Tui?'
check "and says not to store it (no-store)" grep -qi '^cache-control: no-store' "$TVAR/head"
tok=${path#survey?t=}
c=$(web anon --data "t=$tok&comment=Not+answered" "$BASE/survey")
check "no answer: 422 with the summary" [ "$c" = 422 ] 
check "the comment is kept" has '>Not answered</textarea>'
c=$(web anon --data "t=$tok&q1=agree&comment=We+sing+together+now" "$BASE/survey")
loc=$(location)
check "answered: 303 to the thank-you" [ "$c" = 303 -a "$loc" = "/survey?t=$tok&sent=1" ]
check "stored once" [ "$(sql "select q1 || '|' || comment from surveys where referral_id = $rid")" = "agree|We sing together now" ]
c=$(web anon --data "t=$tok&q1=disagree" "$BASE/survey")
check "a second answer: 200" [ "$c" = 200 ]
check "which says it was answered" has 'You have already answered, thank you'
check "and changes nothing" [ "$(sql "select q1 from surveys where referral_id = $rid")" = agree ]
bad=$(echo "$tok" | sed 's/^./X/; s/^XX/Y/')
[ "$bad" = "$tok" ] && bad=$(echo "$tok" | sed 's/^./Z/')
c=$(web anon "$BASE/survey?t=$bad")
check "a forged link: 404" [ "$c" = 404 ]
c=$(web anon "$BASE/outcome?t=$tok")
check "a survey link opens no outcome survey: 404" [ "$c" = 404 ]

# ---- partner staff, on demand.  The demo's partner user asked their
# staff already (and so is not asked again for 30 days): a colleague
# of theirs with a new account asks.
ORG=$(sql "select organisation_id from users where email = '$PARTNER'")
PARTNER=ana.staff@example.org; PARTNER_PW='a long partner passphrase here'
printf '%s\n' "$PARTNER_PW" | "$B/tuttictl" user add --email "$PARTNER" \
    --name 'Ana Staff' --role partner --organisation "$ORG" --password-stdin >/dev/null
c=$(staff_login p "$PARTNER" "$PARTNER_PW")
check "a partner signs in" [ "$c" = 303 ]
c=$(web p "$BASE/partner")
check "/partner offers to ask the staff" has 'Ask our staff for feedback'
csrf=$(csrf_of)
c=$(web p --data-urlencode "csrf=$csrf" -d action=survey "$BASE/partner")
loc=$(location)
check "asking: 303, one member of staff asked ($loc)" [ "$c" = 303 -a "$loc" = '/partner?asked=1#feedback' ]
c=$(web p --data-urlencode "csrf=$csrf" -d action=survey "$BASE/partner")
loc=$(location)
check "asking again at once asks nobody ($loc)" [ "$loc" = '/partner?asked=0#feedback' ]
c=$(web p "$BASE/partner?asked=0")
check "and the page says so" has 'Nobody was asked again'
check "the survey is audited" [ "$(sql "select count(*) from audit where action = 'partner-survey' and detail like '%organisation $ORG,%'")" -ge 2 ]
wait_until 30 test "$(count_to "$PARTNER" 'Two questions about music therapy')" -ge 1
check "the partner's email arrives, once" [ "$(count_to "$PARTNER" 'Two questions about music therapy')" = 1 ]
f=$(last_file "$PARTNER" 'Two questions about music therapy')
plink=$(survey_link "$f")
check "with a /survey link" [ -n "$plink" ]
ptok=${plink#*/survey?t=}
c=$(web anon "$BASE/survey?t=$ptok")
check "the partner survey: 200, both questions" sh -c "[ '$c' = 200 ] && grep -q 'enhanced staff skills' '$TVAR/body' && grep -q 'atmosphere of' '$TVAR/body'"
c=$(web anon --data "t=$ptok&q1=agree&q2=agree&comment=Calmer+days" "$BASE/survey")
check "answered: 303" [ "$c" = 303 ]
c=$(web anon --data "t=$ptok&q1=disagree&q2=disagree" "$BASE/survey")
check "a second answer changes nothing" [ "$(sql "select q1 || q2 from surveys where id = (select max(id) from surveys where kind = 'partner')")" = agreeagree ]

# ---- the impact report against SQL
impact
check "families answered = SQL, one more ($(answered_sql family q1))" [ "$(cell 'Outcomes (answered)' "$FAM")" = "$(answered_sql family q1)" -a "$(answered_sql family q1)" = $((fam0 + 1)) ]
check "families agreed = SQL" [ "$(cell 'Outcomes (agreed)' "$FAM")" = "$(agreed_sql family q1)" ]
check "partner skills answered = SQL" [ "$(cell 'Outcomes (answered)' "$SKILLS")" = "$(answered_sql partner q1)" ]
check "partner skills agreed = SQL" [ "$(cell 'Outcomes (agreed)' "$SKILLS")" = "$(agreed_sql partner q1)" ]
check "partner atmosphere agreed = SQL" [ "$(cell 'Outcomes (agreed)' "$ATMOS")" = "$(agreed_sql partner q2)" ]
check "family surveys sent = SQL" [ "$(cell 'Outcomes (sent)' "$FAM")" = "$(sql "select count(*) from surveys where kind = 'family' and sent_at >= '$from' and sent_at < '$upto'")" ]

# ---- the tokens are in no log
check "no log holds a survey token" sh -c "! grep -rqF -e '$tok' -e '$ptok' '$TVAR/log'"

finish
