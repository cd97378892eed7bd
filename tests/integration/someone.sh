#!/bin/bash
# Referrals on someone's behalf (issue 19): /refer/someone stores the
# referrer and the contact who arranges sessions; a child needs a parent
# or guardian; referrers get one update a state; contacts get copies of
# what they chose, once each.
set -u
. "$(dirname "$0")/../lib/stack.sh"
# Booking confirmations wait the change grace period (Undo): none here.
TUTTI_CHANGE_GRACE=0 stack_up

W=$TVAR/work
mkdir -p "$W"

code() { curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@"; }
has() { grep -qF -- "$1" "$W/body"; }
refs() { sql "select count(*) from referrals"; }

# A care-home nurse refers a resident and arranges sessions herself.
adult_form() {
	printf '%s' "form_token=$1&referrer_name=Nia+Nurse&referrer_relationship=health_professional&referrer_organisation=Elm+House+Care+Home&referrer_email=nia%40elmhouse.example&referrer_phone=01632+960+001&referrer_updates=yes&person_agrees=yes&arranger=referrer&given_name=Edith&family_name=Moss&postcode=sw1a1aa&date_of_birth=1938-04-02&preferred_contact=phone&needs=dementia&about=She+loves+singing&availability=tue_pm&session_type=either&consent_data=yes&website="
}
# A parent's child, with the parent as "someone else" when $2 is other.
child_form() {
	printf '%s' "form_token=$1&referrer_name=Mo+Teacher&referrer_relationship=teacher&referrer_organisation=Hill+School&referrer_email=mo%40hill.example&person_agrees=yes&arranger=$2&contact_name=Pat+Parent&contact_role=${3:-parent}&contact_email=pat%40example.com&given_name=Kit&family_name=Lee&postcode=sw1a1aa&date_of_birth=$(date -d '-9 years' +%F)&preferred_contact=email&needs=parent_child&about=Kit+finds+school+hard&availability=wed_pm&session_type=individual&consent_data=yes&consent_contact=yes&website="
}

# --- the form
c=$(code "$BASE/refer/someone")
check "GET /refer/someone answers 200" [ "$c" = 200 ]
for f in referrer_name referrer_email referrer_phone referrer_relationship \
    referrer_organisation person_agrees arranger referrer_updates \
    given_name family_name date_of_birth postcode about needs \
    availability session_type consent_data; do
	grep -q "name=\"$f\"" "$W/body" || missing="${missing:-} $f"
done
check "the form has every contract field" [ -z "${missing:-}" ]
check "the form asks about the person, not 'you'" has 'About them'
c=$(code "$BASE/refer/someone?referrer_organisation=Oak+Hospice&referrer_relationship=partner_staff")
check "a partner's link fills in the organisation" has 'value="Oak Hospice"'
check "and the relationship" grep -q 'value="partner_staff" checked' "$W/body"
c=$(code "$BASE/")
check "the home page links to the form" has 'href="/refer/someone"'

# --- a valid referral on someone's behalf
code "$BASE/refer/someone" >/dev/null
tok=$(form_token "$W/body")
r0=$(refs)
c=$(code --data "$(adult_form "$tok")" "$BASE/refer/someone")
loc=$(grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[Ll]ocation: //')
ref=${loc#/refer/thanks?ref=}
check "a valid POST answers 303 to the thanks page" \
    sh -c "[ '$c' = 303 ] && echo '$loc' | grep -q '^/refer/thanks?ref='"
check "one referral is stored" [ "$(refs)" = $((r0 + 1)) ]
rid=$(sql "select id from referrals where ref = '$ref'")
check "its source comes from the relationship" \
    [ "$(sql "select source, source_detail from referrals where id = $rid")" = "professional|Elm House Care Home" ]
check "the referrer is stored" \
    [ "$(sql "select name, email, phone, relationship, arranger, wants_updates from referrers where referral_id = $rid")" = "Nia Nurse|nia@elmhouse.example|01632960001|health_professional|referrer|1" ]
check "the referrer is the contact who arranges sessions" \
    [ "$(sql "select name, role, arranges, gets_confirmations, consent from contacts where referral_id = $rid")" = "Nia Nurse|key_worker|1|1|1" ]
check "the referrer's 'received' update is queued once" \
    [ "$(sql "select count(*) from outbox where kind = 'referrer_update' and referral_id = $rid and to_addr = 'nia@elmhouse.example'")" = 1 ]
c=$(code --data "$(adult_form "$tok")" "$BASE/refer/someone")
check "a double submit stores nothing more" [ "$(refs)" = $((r0 + 1)) ]

# --- a child with no parent or guardian who arranges sessions
code "$BASE/refer/someone" >/dev/null
tok=$(form_token "$W/body")
r0=$(refs)
c=$(code --data "$(child_form "$tok" person)" "$BASE/refer/someone")
check "a child without a parent contact answers 422" [ "$c" = 422 ]
check "the summary says a parent or guardian is needed" has 'under 18'
check "nothing is stored" [ "$(refs)" = "$r0" ]
check "the typing is kept" sh -c "grep -q 'value=\"Kit\"' '$W/body' && grep -q 'value=\"Mo Teacher\"' '$W/body' && grep -q 'Kit finds school hard' '$W/body' && grep -q 'value=\"Hill School\"' '$W/body'"
c=$(code --data "$(child_form "$tok" other carer)" "$BASE/refer/someone")
check "a carer who is not the parent is not enough" [ "$c" = 422 ]
c=$(code --data "$(child_form "$tok" other parent)" "$BASE/refer/someone")
check "with the parent as contact it answers 303" [ "$c" = 303 ]
kid=$(sql "select max(id) from referrals")
check "the child's emails go to the parent" \
    [ "$(sql "select email from referrals where id = $kid")" = "pat@example.com" ]
check "the parent is the contact who arranges sessions" \
    [ "$(sql "select name, role, arranges from contacts where referral_id = $kid")" = "Pat Parent|parent|1" ]

# --- the queue and the referral page show the referrer and source
c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]
c=$(web coord "$BASE/referrals?q=Moss")
check "the queue shows where it came from" grep -q 'Professional' "$TVAR/body"
c=$(web coord "$BASE/referrals/$rid")
check "the referral page names the referrer" grep -q 'Nia Nurse' "$TVAR/body"
check "and their organisation" grep -q 'Elm House Care Home' "$TVAR/body"

# --- referrer updates: one a state change, once
csrf=$(csrf_of)
for to in triaged waitlisted; do
	web coord --data "csrf=$csrf&action=move&from=$(sql "select status from referrals where id = $rid")&to=$to&reason=test" "$BASE/referrals/$rid" >/dev/null
done
check "waitlisting queues one update" \
    [ "$(sql "select count(*) from outbox where dedupe_key = 'referrer-update:$rid:waitlisted'")" = 1 ]
check "triage sends none" \
    [ "$(sql "select count(*) from outbox where dedupe_key = 'referrer-update:$rid:triaged'")" = 0 ]
sql "update referrals set status = 'triaged' where id = $rid; update referrals set status = 'waitlisted' where id = $rid"
check "waitlisted again sends no second one" \
    [ "$(sql "select count(*) from outbox where dedupe_key like 'referrer-update:$rid:waitlisted%'")" = 1 ]

# --- contacts on a client's record get copies of what they chose
fiona=$(sql "select r.id from clients c join referrals r on r.id = c.referral_id where r.given_name = 'Fiona' and c.ended_at is null")
client=$(sql "select id from clients where referral_id = $fiona and ended_at is null")
c=$(web coord "$BASE/referrals/$fiona/contacts")
check "the add-a-contact form opens" [ "$c" = 200 ]
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=add&name=&role=carer&email=bad" "$BASE/referrals/$fiona/contacts")
check "a contact with mistakes answers 422" [ "$c" = 422 ]
check "with the typing kept" grep -q 'value="bad"' "$TVAR/body"
c=$(web coord --data "csrf=$csrf&action=add&name=Cal+Carer&role=carer&email=cal%40example.com&gets_confirmations=yes&gets_changes=yes&consent=yes" "$BASE/referrals/$fiona/contacts")
check "a carer is added" [ "$c" = 303 ]
web coord --data "csrf=$csrf&action=add&name=Rae+Relative&role=family&email=rae%40example.com&gets_reminders=yes&consent=yes" "$BASE/referrals/$fiona/contacts" >/dev/null
web coord --data "csrf=$csrf&action=add&name=Kim+Keyworker&role=key_worker&email=kim%40example.com&gets_confirmations=yes&consent=yes" "$BASE/referrals/$fiona/contacts" >/dev/null
kim=$(sql "select id from contacts where name = 'Kim Keyworker'")
c=$(web coord "$BASE/referrals/$fiona")
check "the record lists its contacts" grep -q 'Cal Carer' "$TVAR/body"
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=remove&contact=$kim" "$BASE/referrals/$fiona/contacts")
check "a coordinator removes a contact" [ "$c" = 303 ]
thea=$(sql "select therapist_id from clients where id = $client")
centre=$(sql "select id from sites where name like 'Tutti Centre%'")
room=$(sql "select id from rooms where site_id = $centre order by id limit 1")
sql "delete from site_closures where site_id = $centre; delete from therapist_leave where therapist_id = $thea"
wed=$(date -d "next wednesday + 14 days" +%F)
c=$(web coord "$BASE/series/new?client=$client")
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&client=$client&therapist=$thea&site=$centre&room=$room&first_date=$wed&start=10:00&length=45&end=count&count=6" "$BASE/series/new")
check "Fiona's sessions are booked" [ "$c" = 303 ]
check "the carer's copy of the confirmation is queued once" \
    [ "$(sql "select count(*) from outbox where kind = 'booking_confirmation' and to_addr = 'cal@example.com'")" = 1 ]
check "the relative chose only reminders: no confirmation" \
    [ "$(sql "select count(*) from outbox where kind = 'booking_confirmation' and to_addr = 'rae@example.com'")" = 0 ]
check "the removed contact gets nothing" \
    [ "$(sql "select count(*) from outbox where to_addr = 'kim@example.com'")" = 0 ]

# The mailer writes each email as a file in VAR/mail (no SMTP URL here).
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
mid=$(sql "select message_id from outbox where dedupe_key = 'referrer-update:$rid:waitlisted'")
eml="$TVAR/mail/$(echo "$mid" | tr -d '<>').eml"
wait_until 20 test -s "$eml"
check "the waitlisted update is sent" grep -q 'waiting list' "$eml"
check "it carries the reference" grep -q "$ref" "$eml"
check "and no health details or names" sh -c "! grep -qiE 'dementia|singing|Edith|Moss' '$eml'"
mid=$(sql "select message_id from outbox where kind = 'booking_confirmation' and to_addr = 'cal@example.com'")
eml="$TVAR/mail/$(echo "$mid" | tr -d '<>').eml"
wait_until 30 test -s "$eml"
check "the carer's copy is sent" grep -q 'You get this copy' "$eml"
check "it never carries the person's own link" sh -c "! grep -q '/my?t=' '$eml'"
own=$(grep -o 'unsubscribe?t=[A-Za-z0-9_-]*' "$eml" | head -n 1)
c=$(code "$BASE/$own")
check "the copy's unsubscribe link is the carer's own" [ "$c" = 200 ]
curl -s -o /dev/null --data "t=${own#unsubscribe?t=}" "$BASE/unsubscribe"
check "following it stops the carer's copies" \
    [ "$(sql "select unsubscribed_at is not null from contacts where name = 'Cal Carer'")" = 1 ]
check "and not the client's own emails" \
    [ "$(sql "select count(*) from unsubscribes where referral_id = $fiona")" = 0 ]

finish
