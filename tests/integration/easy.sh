#!/bin/bash
# The Easy Read self-referral (issue 19) through nginx, by POSTs as a
# browser without JavaScript sends them: one question a page, Back keeps
# the answers, a changed carried field is refused, the check page's
# Change buttons, and on Send the same stored referral as /refer (source
# easy_read, the acknowledgement queued), under both rate limits.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W"
code() { curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@"; }
has() { grep -qF -- "$1" "$W/body"; }
hidden() { grep -o "name=\"$1\" value=\"[^\"]*\"" "$W/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }
refs() { sql "select count(*) from referrals"; }
location_of() { grep -i "^location:" "$W/head" | tr -d "\r" | sed "s/^[Ll]ocation: //"; }

# step N [curl args...]: posts page N with the carried answers and token
# of the last page; prints the status.
step() {
	local n=$1 tok ans
	shift
	tok=$(hidden form_token)
	ans=$(hidden answers)
	code --data-urlencode "form_token=$tok" --data-urlencode "answers=$ans" \
	    --data "step=$n" "$@" "$BASE/refer/easy"
}

# --- the demo (issue 19's step): the three referrals in the queue and
# on their records
staff_login c coordinator@tutti.example demo-coordinator-2026 >/dev/null
web c "$BASE/referrals?status=new" >/dev/null
check "the demo's child, care-home resident and Easy Read referral are in the queue" \
    sh -c "grep -q 'Lily Price' '$TVAR/body' && grep -q 'Margaret Hale' '$TVAR/body' && grep -q 'Sam Carter' '$TVAR/body' && grep -q 'Self-referral (Easy Read)' '$TVAR/body'"
lily=$(sql "select id from referrals where given_name = 'Lily' and family_name = 'Price'")
web c "$BASE/clients/$lily" >/dev/null
check "the child's record: referred by her father, who arranges sessions" \
    sh -c "grep -q 'Daniel Price' '$TVAR/body' && grep -q 'Parent or guardian' '$TVAR/body' && grep -q 'arranges sessions' '$TVAR/body'"
edith=$(sql "select id from referrals where given_name = 'Margaret' and family_name = 'Hale'")
web c "$BASE/clients/$edith" >/dev/null
check "the resident's record: the nurse, her care home, her key-worker contact" \
    sh -c "grep -q 'Grace Okafor' '$TVAR/body' && grep -q 'Elm House Care Home' '$TVAR/body' && grep -q 'Key worker' '$TVAR/body'"
check "the demo's Easy Read referral has its acknowledgement" \
    [ "$(sql "select count(*) from outbox o join referrals r on r.id = o.referral_id where r.source = 'easy_read' and o.kind = 'referral_ack'")" -ge 1 ]

# --- the first page
c=$(code "$BASE/refer/easy")
check "GET /refer/easy answers 200" [ "$c" = 200 ]
check "it says what the form is, in plain words" \
    sh -c "grep -q 'Refer yourself for music therapy</h1>' '$W/body' && grep -q 'There are 9 questions' '$W/body'"
check "one h1 on the page" [ "$(grep -c '<h1' "$W/body")" = 1 ]
check "a picture with alt text" grep -q '<svg class="easy-pic"[^>]*role="img" aria-labelledby="pic-title"><title id="pic-title">[A-Z]' "$W/body"
check "a Back link and a Start button" sh -c "grep -q '>Back</a>' '$W/body' && grep -q 'value=\"next\"[^>]*>Start</button>' '$W/body'"
check "a form token" [ -n "$(hidden form_token)" ]
c=$(code "$BASE/")
check "the home page links to it" has '<a href="/refer/easy">Easy Read: a simpler form with pictures</a>'

# --- question by question
code "$BASE/refer/easy" >/dev/null
c=$(step 0 --data go=next)
check "Start opens question 1 of 9" sh -c "[ $c = 200 ] && grep -q 'Question 1 of 9' '$W/body' && grep -q 'What is your name?' '$W/body'"
check "the question names the group of boxes" grep -q '<fieldset aria-labelledby="question">' "$W/body"
c=$(step 1 --data go=next --data given_name= --data family_name=Lee)
check "an empty first name: 422 on the same page" sh -c "[ $c = 422 ] && grep -q 'Question 1 of 9' '$W/body'"
check "with the error summary and the message by the box" \
    sh -c "grep -q 'There is a problem' '$W/body' && grep -q 'href=\"#given_name\">Enter your first name' '$W/body' && grep -q 'id=\"given_name-error\"' '$W/body'"
check "and the typing kept" has 'value="Lee"'
c=$(step 1 --data go=next --data given_name=Ann --data family_name=Lee)
check "a name: question 2" sh -c "[ $c = 200 ] && grep -q 'Question 2 of 9' '$W/body'"
check "the question is the box's label" grep -q '<h1 id="question"><label for="date_of_birth">When were you born?</label></h1>' "$W/body"
c=$(step 2 --data go=back --data date_of_birth=27+3+1984)
check "Back: question 1 again, with the name kept" \
    sh -c "[ $c = 200 ] && grep -q 'Question 1 of 9' '$W/body' && grep -q 'value=\"Ann\"' '$W/body'"
step 1 --data go=next --data given_name=Ann --data family_name=Lee >/dev/null
check "and what was typed on the page left is kept too" has 'value="27 3 1984"'
c=$(step 2 --data go=next --data date_of_birth=$(date -d '-12 years' +%d/%m/%Y))
check "a child's date of birth: 422, this form is for adults" sh -c "[ $c = 422 ] && grep -q 'This form is for adults' '$W/body'"
c=$(step 2 --data go=next --data date_of_birth=27+3+1984)
check "a date of birth: question 3" sh -c "[ $c = 200 ] && grep -q 'Question 3 of 9' '$W/body'"
c=$(step 3 --data go=next --data postcode=nope)
check "a wrong postcode: 422 in plain words" sh -c "[ $c = 422 ] && grep -q 'Enter a real UK postcode' '$W/body'"
c=$(step 3 --data go=next --data postcode=sw1a1aa)
check "a postcode: question 4" sh -c "[ $c = 200 ] && grep -q 'Question 4 of 9' '$W/body'"
c=$(step 4 --data go=next --data email= --data phone=)
check "no email and no phone: 422, one of them please" sh -c "[ $c = 422 ] && grep -q 'Write your email address or your phone number' '$W/body'"
c=$(step 4 --data go=next --data email=ann%40example.com --data phone=)
check "an email: question 5" sh -c "[ $c = 200 ] && grep -q 'Question 5 of 9' '$W/body'"
c=$(step 5 --data go=next)
check "no area of life: 422" sh -c "[ $c = 422 ] && grep -q 'Choose at least one area of life' '$W/body'"
c=$(step 5 --data go=next --data needs=learning_difficulties --data needs=mental_health)
check "areas of life: question 6" sh -c "[ $c = 200 ] && grep -q 'Question 6 of 9' '$W/body'"
c=$(step 6 --data go=next --data-urlencode 'about=I like drums & <singing>.')
check "what would help: question 7" sh -c "[ $c = 200 ] && grep -q 'Question 7 of 9' '$W/body'"
c=$(step 7 --data go=next --data when=tuesday)
check "a time we did not offer is refused" sh -c "[ $c = 422 ] && grep -q 'choose only from the options shown' '$W/body'"
c=$(step 7 --data go=next --data when=weekday_pm --data when=weekend)
check "times: question 8" sh -c "[ $c = 200 ] && grep -q 'Question 8 of 9' '$W/body'"
c=$(step 8 --data go=next --data session_type=group)
check "on your own or a group: question 9" sh -c "[ $c = 200 ] && grep -q 'Question 9 of 9' '$W/body'"
check "emails are asked about, as there is an address" has 'name="consent_contact"'
c=$(step 9 --data go=next --data consent_contact=yes)
check "no agreement to keep the answers: 422" sh -c "[ $c = 422 ] && grep -q 'we cannot take a referral without it' '$W/body'"
c=$(step 9 --data go=next --data consent_data=yes --data consent_contact=yes)
check "agreed: the check page" sh -c "[ $c = 200 ] && grep -q '<h1 id=\"question\">Check your answers</h1>' '$W/body'"
check "it shows every answer, escaped" \
    sh -c "grep -q 'Ann Lee' '$W/body' && grep -q 'SW1A 1AA\|sw1a1aa' '$W/body' && grep -q 'Email: ann@example.com' '$W/body' && grep -q 'A learning disability' '$W/body' && grep -q 'I like drums &amp; &lt;singing&gt;.' '$W/body' && grep -q 'Saturday or Sunday' '$W/body' && grep -q 'In a small group' '$W/body'"
check "with a Change button for each of the 9 questions" [ "$(grep -c 'name="change" value="[1-9]"' "$W/body")" = 9 ]
check "and a hidden honeypot" has 'name="website"'
cp "$W/body" "$W/check.html"

# --- Change from the check page returns there
c=$(step 10 --data change=3)
check "Change opens that question" sh -c "[ $c = 200 ] && grep -q 'Question 3 of 9' '$W/body' && grep -q 'name=\"from_check\" value=\"1\"' '$W/body'"
c=$(step 3 --data from_check=1 --data go=next --data postcode=NW1+0AB)
check "Next goes back to the check page, with the new answer" \
    sh -c "[ $c = 200 ] && grep -q 'Check your answers' '$W/body' && grep -q 'NW1 0AB' '$W/body'"
cp "$W/body" "$W/check.html"

# --- a changed carried field is refused, and nothing is stored
r0=$(refs)
ans=$(hidden answers)
tok=$(hidden form_token)
bad=$(printf '%s' "$ans" | sed 's/^\(e1\...........\)\(.\)/\1Q/; s/^\(e1\...........\)QQ/\1R/')
[ "$bad" = "$ans" ] && bad="${ans%?}A"
c=$(code --data-urlencode "form_token=$tok" --data-urlencode "answers=$bad" --data step=10 --data go=send "$BASE/refer/easy")
check "a changed answers field: 400" [ "$c" = 400 ]
check "with a plain message and a way to start again" \
    sh -c "grep -q 'We could not read your answers' '$W/body' && grep -q 'href=\"/refer/easy\"' '$W/body'"
check "nothing was stored" [ "$(refs)" = "$r0" ]
c=$(code --data-urlencode "form_token=$tok" --data-urlencode "answers=e1.garbage" --data step=3 --data go=next "$BASE/refer/easy")
check "a made-up answers field: 400" [ "$c" = 400 ]

# --- the honeypot
cp "$W/check.html" "$W/body"
c=$(step 10 --data go=send --data website=http://spam.example)
check "a filled honeypot: 422 on the check page, nothing stored" \
    sh -c "[ $c = 422 ] && grep -q 'Check your answers' '$W/body' && grep -q 'Leave the last field' '$W/body' && [ $(refs) = $r0 ]"

# --- Back from the check page
cp "$W/check.html" "$W/body"
c=$(step 10 --data go=back)
check "Back from the check page: question 9, answers kept" \
    sh -c "[ $c = 200 ] && grep -q 'Question 9 of 9' '$W/body' && grep -q 'id=\"consent_data\" name=\"consent_data\" value=\"yes\" checked' '$W/body'"

# --- Send
cp "$W/check.html" "$W/body"
o0=$(sql "select count(*) from outbox where kind = 'referral_ack'")
c=$(step 10 --data go=send --data website=)
loc=$(location_of)
ref=${loc#/refer/thanks?ref=}
ref=${ref%%&*}
check "Send: 303 to the thanks page, in Easy Read" sh -c "[ '$c' = 303 ] && echo '$loc' | grep -q '^/refer/thanks?ref=.*&easy$'"
c=$(code "$BASE$loc")
check "it gives the code and says what happens next in short sentences" \
    sh -c "[ $c = 200 ] && grep -q '$ref' '$W/body' && grep -q 'We have your answers' '$W/body'"
check "one referral is stored" [ "$(refs)" = $((r0 + 1)) ]
check "with source easy_read and the answers as /refer stores them" \
    [ "$(sql "select source, given_name, family_name, date_of_birth, postcode, email, preferred_contact, session_type, consent_data, consent_contact, about from referrals where ref = '$ref'")" = "easy_read|Ann|Lee|1984-03-27|NW1 0AB|ann@example.com|email|group|1|1|I like drums & <singing>." ]
# needs: learning_difficulties (bit 1) and mental_health (bit 2); times:
# Monday to Friday afternoons (bits 1, 4, 7, 10, 13) and the weekend
# (bits 15 to 20).
check "the areas of life and the times as bits" \
    [ "$(sql "select needs, availability from referrals where ref = '$ref'")" = "6|$(( (1<<1)|(1<<4)|(1<<7)|(1<<10)|(1<<13)|(63<<15) ))" ]
check "the acknowledgement is queued once" \
    [ "$(sql "select count(*) from outbox where kind = 'referral_ack'")" = $((o0 + 1)) -a \
      "$(sql "select to_addr from outbox where kind = 'referral_ack' order by id desc limit 1")" = ann@example.com ]
cp "$W/check.html" "$W/body"
c=$(step 10 --data go=send --data website=)
check "sending twice stores one referral (the form token)" \
    sh -c "[ '$c' = 303 ] && [ '$(location_of)' = '$loc' ] && [ $(refs) = $((r0 + 1)) ]"

# --- the application's own limit
sql "insert or replace into rate_hits (key, hits, first_at) values ('refer-addr:127.0.0.1', 100000000, strftime('%s', 'now'))"
code "$BASE/refer/easy" >/dev/null
step 0 --data go=next >/dev/null
cp "$W/check.html" "$W/old.html"
# A fresh form token, the same answers.
tok=$(hidden form_token)
ans=$(grep -o 'name="answers" value="[^"]*"' "$W/old.html" | sed 's/.*value="//; s/"$//')
c=$(code --data-urlencode "form_token=$tok" --data-urlencode "answers=$ans" --data step=10 --data go=send --data website= "$BASE/refer/easy")
check "over the application's limit: 429 on the check page, in plain words" \
    sh -c "[ $c = 429 ] && grep -q 'Check your answers' '$W/body' && grep -q 'several referrals from here in the last hour' '$W/body'"
check "nothing more was stored" [ "$(refs)" = $((r0 + 1)) ]
sql "delete from rate_hits"
stack_down

# --- nginx's limit covers /refer/easy
REFER_RATE=6r/m REFER_BURST=3 stack_up
codes=
for i in $(seq 8); do
	codes="$codes $(curl -s -o "$TVAR/body" -w '%{http_code}' --data 'step=0&go=next' "$BASE/refer/easy")"
done
check "posting /refer/easy too fast gets nginx's 429" sh -c "echo '$codes' | grep -q 429"
gets=
for i in $(seq 6); do gets="$gets $(curl -s -o /dev/null -w '%{http_code}' "$BASE/refer/easy")"; done
check "GET /refer/easy is not limited" [ "$(echo $gets | tr ' ' '\n' | sort -u)" = 200 ]
finish
