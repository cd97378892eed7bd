#!/bin/bash
# Staff sign-in, the coordinator's queue, the referral page and the admin
# pages end to end: curl with a cookie jar -> nginx -> workers -> SQLite.
# Each person has their own jar; every response is kept for the leak check.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W"
: > "$W/all"		# every response, headers and body
: > "$W/secrets"	# every password and session token used

ADMIN=admin@tutti.example;		ADMIN_PW=demo-admin-pass-2026
COORD=coordinator@tutti.example;	COORD_PW=demo-coordinator-2026
THERA=therapist@tutti.example;		THERA_PW=demo-therapist-2026
KOFI=kofi@tutti.example;		KOFI_PW=demo-coordinator-2026
printf '%s\n' "$ADMIN_PW" "$COORD_PW" "$THERA_PW" >> "$W/secrets"

# req JAR curl-args...: prints the status; body in $W/body, headers in
# $W/head.  JAR "none" sends no cookies.
req() {
	local jar=$1 c
	shift
	if [ "$jar" = none ]; then
		c=$(curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@")
	else
		c=$(curl -s -o "$W/body" -D "$W/head" -b "$W/$jar.jar" \
		    -c "$W/$jar.jar" -w '%{http_code}' "$@")
	fi
	cat "$W/head" "$W/body" >> "$W/all"
	echo "$c"
}
location() { grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[^:]*: //'; }
header() { grep -i "^$1:" "$W/head" | tr -d '\r' | sed 's/^[^:]*: //'; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$W/body" | head -n 1 | sed 's/.*value="//; s/"$//'; }
cookie_of() { awk '$6 == "tutti" { print $7 }' "$W/$1.jar"; }
rows() { grep -c '^<tr><td><a href="/referrals/' "$W/body"; }
# How many referrals the database holds under an SQL condition; the
# queue's default is the open ones.  (Demo data grows with the product:
# the expected counts come from the database, not from this file.)
OPEN="status in ('new', 'triaged', 'waitlisted', 'matched', 'active')"
count() { sql "select count(*) from referrals where $1"; }
# The rows the first page of the queue shows: 50 at most.
page() { local n; n=$(count "$1"); [ "$n" -gt 50 ] && n=50; echo "$n"; }
has() { grep -qF -- "$1" "$W/body"; }
# hb TEXT...: "y" when the body holds every TEXT, else "n".
hb() {
	local p
	for p in "$@"; do
		grep -qF -- "$p" "$W/body" || { echo n; return; }
	done
	echo y
}

# sign_in JAR EMAIL PASSWORD: GET /login for its form token, then POST.
sign_in() {
	local tok
	rm -f "$W/$1.jar"
	req "$1" "$BASE/login" >/dev/null
	tok=$(form_token "$W/body")
	req "$1" --data-urlencode "form_token=$tok" --data-urlencode "email=$2" \
	    --data-urlencode "password=$3" "$BASE/login"
}

# The headers every staff page sends.
staff_headers() {
	local csp
	csp=$(header content-security-policy)
	check "$1: CSP allows scripts from this site only" \
	    sh -c "echo \"$csp\" | grep -q \"script-src 'self'\" && ! echo \"$csp\" | grep -qi 'unsafe-inline\|unsafe-eval'"
	check "$1: CSP forbids framing" sh -c "echo \"$csp\" | grep -q \"frame-ancestors 'none'\""
	check "$1: nosniff" [ "$(header x-content-type-options)" = nosniff ]
	check "$1: a Referrer-Policy" [ -n "$(header referrer-policy)" ]
	check "$1: not cached" [ "$(header cache-control)" = no-store ]
	check "$1: no inline script" sh -c "! grep -qiE '<script[^>]*>[^<]|<script>|on(click|load|submit)=' '$W/body'"
}

# --- signing in
c=$(req none "$BASE/login")
check "GET /login answers 200 with a form token" [ "$c" = 200 -a -n "$(form_token "$W/body")" ]
staff_headers "GET /login"

c=$(sign_in coord "$COORD" "$COORD_PW")
check "a coordinator signs in: 303 to the queue" [ "$c" = 303 -a "$(location)" = /referrals ]
setc=$(header set-cookie)
check "the session cookie is HttpOnly" sh -c "echo '$setc' | grep -q '; HttpOnly'"
check "the session cookie is SameSite=Lax" sh -c "echo '$setc' | grep -q '; SameSite=Lax'"
check "the session cookie has Path=/" sh -c "echo '$setc' | grep -q '; Path=/'"
check "the session cookie ends with the session (Max-Age 12 h)" sh -c "echo '$setc' | grep -q '; Max-Age=43200'"
COORD_COOKIE=$(cookie_of coord)
echo "$COORD_COOKIE" >> "$W/secrets"
check "the session token is 64 random hex digits" sh -c "echo '$COORD_COOKIE' | grep -qE '^[0-9a-f]{64}$'"
check "the database keeps only the token's hash" \
    [ "$(sql "select count(*) from sessions where hex(token_hash) = upper('$COORD_COOKIE') or token_hash = '$COORD_COOKIE'")" = 0 ]
COORD_ID=$(sql "select id from users where email = '$COORD'")
check "a sign-in is audited" [ "$(sql "select count(*) from audit where action = 'login' and user_id = $COORD_ID")" = 1 ]

c=$(req coord "$BASE/login")
check "GET /login when signed in goes to the queue" [ "$c" = 303 -a "$(location)" = /referrals ]

# --- the queue
c=$(req coord "$BASE/referrals")
check "the coordinator sees the queue" [ "$c" = 200 -a "$(hb '<h1>Referrals</h1>')" = y ]
staff_headers "GET /referrals"
check "the header names who is signed in" has 'Cora Coordinator (Coordinator)'
check "the header has a sign-out button with the CSRF token" grep -q 'name="csrf" value="[0-9a-f]\{64\}"' "$W/body"
check "the queue shows the open referrals by default" [ "$(rows)" = "$(page "$OPEN")" -a "$(rows)" -gt 3 ]
check "closed ones are not shown by default" sh -c "! grep -q 'Kobayashi' '$W/body'"
check "the queue has status tabs with counts" has ">New <span class=\"count\">$(count "status = 'new'")</span>"

req coord "$BASE/referrals?status=new" >/dev/null
check "status=new shows the new referrals" [ "$(rows)" = "$(count "status = 'new'")" -a "$(hb 'Amira Haddad' 'Brian O&#39;Connell')" = y ]
req coord "$BASE/referrals?status=closed" >/dev/null
check "status=closed shows the closed ones" [ "$(rows)" = "$(page "status = 'closed'")" ]
req coord "$BASE/referrals?status=closed&q=Kobayashi" >/dev/null
check "status=closed finds Hana among them" [ "$(hb 'Hana Kobayashi')" = y ]
req coord "$BASE/referrals?status=all" >/dev/null
check "status=all shows every referral" [ "$(rows)" = "$(page 1)" -a "$(count 1)" -gt "$(count "$OPEN")" ]
req coord "$BASE/referrals?need=dementia" >/dev/null
check "need=dementia shows the open ones about dementia" \
    [ "$(rows)" = "$(page "$OPEN and needs & 16")" -a "$(hb "Brian O&#39;Connell")" = y -a "$(hb 'Amira Haddad')" = n ]
req coord "$BASE/referrals?status=waitlisted&need=learning_difficulties" >/dev/null
check "status and need together" \
    [ "$(rows)" = "$(count "status = 'waitlisted' and needs & 2")" -a "$(hb 'Emeka Obi')" = y -a "$(hb 'Dolores Santos')" = n ]
CHEN_REF=$(sql "select ref from referrals where family_name = 'Wei'")
req coord "$BASE/referrals?q=$CHEN_REF" >/dev/null
check "q=reference code finds that referral" [ "$(rows)" = 1 -a "$(hb 'Chen Wei')" = y ]
lower=$(echo "$CHEN_REF" | tr 'A-Z' 'a-z' | tr -d -)
req coord "$BASE/referrals?q=$lower" >/dev/null
check "q=code in lower case without the dash finds it too" [ "$(rows)" = 1 -a "$(hb 'Chen Wei')" = y ]
req coord "$BASE/referrals?q=haddad" >/dev/null
check "q=family name finds the person" [ "$(rows)" = "$(count "$OPEN and family_name = 'Haddad'")" -a "$(hb 'Amira Haddad')" = y ]
req coord "$BASE/referrals?q=Amira+Haddad" >/dev/null
check "q=full name finds the person" [ "$(rows)" -ge 1 -a "$(hb 'Amira Haddad')" = y -a "$(hb 'Brian')" = n ]
req coord "$BASE/referrals?q=NW1+8NH" >/dev/null
check "q=postcode finds the person" [ "$(rows)" = "$(count "$OPEN and postcode = 'NW1 8NH'")" -a "$(hb 'Amira Haddad')" = y ]
req coord "$BASE/referrals?q=nw18nh" >/dev/null
check "q=postcode without its space finds the person" [ "$(rows)" = "$(count "$OPEN and postcode = 'NW1 8NH'")" -a "$(hb 'Amira Haddad')" = y ]
req coord "$BASE/referrals?q=SE5" >/dev/null
check "q=outward code finds those in it (SE5, not SE15)" \
    [ "$(rows)" = "$(count "$OPEN and postcode like 'SE5 %'")" -a "$(hb 'Dolores Santos')" = y ]
req coord "$BASE/referrals?q=nobody+at+all" >/dev/null
check "a search with no match says so" [ "$(rows)" = 0 -a "$(hb 'No referrals match')" = y ]
c=$(req coord "$BASE/referrals?status=bogus&from=2026-13-45")
check "bad filters are named, not an error page" [ "$c" = 200 -a "$(hb 'Some filters were not understood')" = y ]
check "queue searches are audited, without the search text" \
    [ "$(sql "select count(*) from audit where action = 'queue' and detail = 'searched the queue'")" -ge 5 -a \
      "$(sql "select count(*) from audit where detail like '%haddad%' or detail like '%nw18nh%'")" = 0 ]

# --- one referral: triage it with a reason
ID=$(sql "select id from referrals where family_name = 'Haddad'")
REF=$(sql "select ref from referrals where id = $ID")
c=$(req coord "$BASE/referrals/$ID")
check "the referral page opens" [ "$c" = 200 -a "$(hb 'Amira Haddad' "$REF")" = y ]
staff_headers "GET /referrals/$ID"
check "the page offers the moves from new" has '<option value="triaged">Triaged</option>'
check "opening it is audited" [ "$(sql "select count(*) from audit where action = 'view' and referral_id = $ID and user_id = $COORD_ID")" = 1 ]
CSRF=$(csrf_of)
ev0=$(sql "select count(*) from referral_events where referral_id = $ID")

c=$(req coord --data "csrf=$CSRF&action=move&from=new&to=triaged&reason=" "$BASE/referrals/$ID")
check "a move without a reason gets 422" [ "$c" = 422 -a "$(hb 'Give a reason')" = y ]
c=$(req coord --data "csrf=$CSRF&action=move&from=new&to=active&reason=skip" "$BASE/referrals/$ID")
check "an impossible move gets 422" [ "$c" = 422 -a "$(hb 'not possible from here')" = y ]
check "neither changed anything" [ "$(sql "select status from referrals where id = $ID")" = new -a \
    "$(sql "select count(*) from referral_events where referral_id = $ID")" = "$ev0" ]

c=$(req coord --data-urlencode "csrf=$CSRF" --data "action=move&from=new&to=triaged" \
    --data-urlencode "reason=Spoke on the phone: wants individual sessions <soon>" "$BASE/referrals/$ID")
check "the move answers 303 back to the referral" [ "$c" = 303 -a "$(location)" = "/referrals/$ID?done=moved" ]
check "the referral is triaged in the database" [ "$(sql "select status from referrals where id = $ID")" = triaged ]
check "the history row holds the reason and who" \
    [ "$(sql "select from_status || '>' || to_status || '|' || reason || '|' || user_id from referral_events where referral_id = $ID order by id desc limit 1")" = \
      "new>triaged|Spoke on the phone: wants individual sessions <soon>|$COORD_ID" ]
req coord "$BASE/referrals/$ID?done=moved" >/dev/null
check "the page confirms the change" has 'The status was changed.'
check "the status badge says Triaged" has '<span class="status status-triaged">Triaged</span>'
check "the history shows the move and the reason, escaped" \
    [ "$(hb '<strong>New → Triaged</strong>' 'by Cora Coordinator: Spoke on the phone: wants individual sessions &lt;soon&gt;')" = y ]
check "the referral's audit table shows the change" has '<td>Cora Coordinator</td><td>127.0.0.1</td><td>status: status new -&gt; triaged</td>'

c=$(req coord --data "csrf=$CSRF&action=move&from=new&to=triaged&reason=again" "$BASE/referrals/$ID")
check "the same move from a stale page gets 409" [ "$c" = 409 -a "$(hb 'Someone else changed')" = y ]
check "a stale move stores nothing" [ "$(sql "select count(*) from referral_events where reason = 'again'")" = 0 ]

# --- a note
c=$(req coord --data-urlencode "csrf=$CSRF" --data "action=note" \
    --data-urlencode "body=Prefers mornings & <b>quiet</b> rooms" "$BASE/referrals/$ID")
check "adding a note answers 303" [ "$c" = 303 -a "$(location)" = "/referrals/$ID?done=noted" ]
check "the note is stored with its author" \
    [ "$(sql "select body || '|' || user_id from referral_notes where referral_id = $ID")" = "Prefers mornings & <b>quiet</b> rooms|$COORD_ID" ]
req coord "$BASE/referrals/$ID" >/dev/null
check "the note is shown, escaped" has 'Prefers mornings &amp; &lt;b&gt;quiet&lt;/b&gt; rooms'
c=$(req coord --data "csrf=$CSRF&action=note&body=" "$BASE/referrals/$ID")
check "an empty note gets 422" [ "$c" = 422 -a "$(hb 'Write the note')" = y ]
check "the summary links to the note" has '<a href="#body">'
check "the message is by the note" has 'aria-describedby="body-error"'
c=$(req coord --data "csrf=$CSRF&action=note&body=a%09b" "$BASE/referrals/$ID")
check "a tab in a note gets 422" [ "$c" = 422 -a "$(hb 'line breaks only')" = y ]
c=$(req coord --data "csrf=$CSRF&action=move&from=triaged&to=&reason=" "$BASE/referrals/$ID")
check "a move with no status and no reason lists both" [ "$c" = 422 -a \
    "$(hb '<a href="#to">' '<a href="#reason">')" = y ]
check "no note or move was stored for them" [ "$(sql "select count(*) from referral_notes where referral_id = $ID")" = 1 ]

# --- a referral entered by phone
c=$(req coord "$BASE/referrals/new")
check "a coordinator opens Add a referral" [ "$c" = 200 -a "$(hb 'Add a referral' 'name="source" value="phone"')" = y ]
phone_form="csrf=$(csrf_of)&given_name=Adwoa&family_name=Boateng&email=&phone=07700+900+461&postcode=e8+2la&date_of_birth=1961-02-03&preferred_contact=phone&needs=dementia&about=Her+daughter+phoned%3A+she+loved+the+choir&availability=wed_pm&session_type=group&consent_data=yes"
r0=$(sql "select count(*) from referrals")
c=$(req coord --data "$phone_form" "$BASE/referrals/new")
check "without a source it gets 422" [ "$c" = 422 -a "$(hb 'Choose where this referral came from')" = y ]
check "nothing stored without a source" [ "$(sql "select count(*) from referrals")" = "$r0" ]
c=$(req coord --data "$phone_form&source=phone&source_detail=Her+daughter+Ama" "$BASE/referrals/new")
NEW_ID=$(location | sed -n 's|^/referrals/\([0-9][0-9]*\)$|\1|p')
check "the phone referral answers 303 to its page" [ "$c" = 303 -a -n "$NEW_ID" -a "$(count 1)" = $((r0 + 1)) ]
NEW_ID=${NEW_ID:-0}
check "its source is recorded as phone, with who referred" \
    [ "$(sql "select source || '|' || source_detail || '|' || status || '|' || postcode from referrals where id = $NEW_ID")" = "phone|Her daughter Ama|new|E8 2LA" ]
check "its first history line names the coordinator" \
    [ "$(sql "select user_id || '|' || reason from referral_events where referral_id = $NEW_ID")" = "$COORD_ID|referral received (phone)" ]
check "entering it is audited" [ "$(sql "select count(*) from audit where action = 'create' and referral_id = $NEW_ID and user_id = $COORD_ID")" = 1 ]
# A double click on "Add the referral": the form's token makes it one.
req coord "$BASE/referrals/new" >/dev/null
twice="csrf=$(csrf_of)&form_token=$(form_token "$W/body")&given_name=Kwame&family_name=Asante&phone=07700+900+462&postcode=e8+2la&date_of_birth=1958-04-05&preferred_contact=phone&needs=dementia&about=Phoned&availability=wed_pm&session_type=group&consent_data=yes&source=phone"
r1=$(sql "select count(*) from referrals")
c1=$(req coord --data "$twice" "$BASE/referrals/new")
l1=$(location)
c2=$(req coord --data "$twice" "$BASE/referrals/new")
l2=$(location)
check "a staff form sent twice answers 303 both times, to one referral" \
    [ "$c1" = 303 -a "$c2" = 303 -a "$l1" = "$l2" ]
check "a staff form sent twice stores one referral" [ "$(sql "select count(*) from referrals")" = $((r1 + 1)) ]

# --- CSRF: a POST without the token, or with another's, changes nothing
n0=$(sql "select count(*) from referral_notes")
c=$(req coord --data "action=note&body=forged" "$BASE/referrals/$ID")
check "a POST without a CSRF token gets 403" [ "$c" = 403 -a "$(hb 'nothing was changed')" = y ]
c=$(req coord --data "csrf=0000000000000000000000000000000000000000000000000000000000000000&action=move&from=triaged&to=declined&reason=forged" "$BASE/referrals/$ID")
check "a POST with a wrong CSRF token gets 403" [ "$c" = 403 ]
c=$(req coord --data "action=move&from=triaged&to=declined&reason=forged" "$BASE/referrals/$ID")
check "a move without a CSRF token gets 403" [ "$c" = 403 ]
check "none of them changed the database" [ "$(sql "select count(*) from referral_notes")" = "$n0" -a \
    "$(sql "select status from referrals where id = $ID")" = triaged -a \
    "$(sql "select count(*) from referral_events where reason = 'forged'")" = 0 ]
c=$(req coord --data "action=move&from=triaged&to=declined&reason=forged" "$BASE/logout")
check "sign-out without a CSRF token gets 403 and keeps the session" \
    [ "$c" = 403 -a "$(sql "select count(*) from sessions where user_id = $COORD_ID")" = 1 ]
c=$(req none --data "csrf=$CSRF&action=note&body=anon" "$BASE/referrals/$ID")
check "a POST with no session gets 403" [ "$c" = 403 -a "$(sql "select count(*) from referral_notes where body = 'anon'")" = 0 ]
c=$(req none "$BASE/referrals")
check "the queue with no session sends you to sign in" [ "$c" = 303 -a "$(location)" = /login ]

# --- roles
c=$(req coord "$BASE/admin/users")
check "a coordinator gets 403 on /admin/users" [ "$c" = 403 ]
c=$(req coord "$BASE/admin/audit")
check "a coordinator gets 403 on /admin/audit" [ "$c" = 403 ]

c=$(sign_in thera "$THERA" "$THERA_PW")
check "a therapist signs in: 303 to /me" [ "$c" = 303 -a "$(location)" = /me ]
echo "$(cookie_of thera)" >> "$W/secrets"
c=$(req thera "$BASE/me")
check "the therapist sees their page, without a link to the queue" \
    [ "$c" = 200 -a "$(hb 'Thea Therapist')" = y -a "$(hb 'href="/referrals"')" = n ]
THERA_CSRF=$(csrf_of)
for p in /referrals "/referrals/$ID" /referrals/1 /referrals/new /admin/users /admin/audit; do
	c=$(req thera "$BASE$p")
	check "a therapist gets 403 on $p" [ "$c" = 403 ]
done
c=$(req thera --data "csrf=$THERA_CSRF&action=note&body=therapist+note" "$BASE/referrals/$ID")
check "a therapist's POST to a referral gets 403 and stores nothing" \
    [ "$c" = 403 -a "$(sql "select count(*) from referral_notes where body = 'therapist note'")" = 0 ]
check "a therapist's 403 page does not show the referral" sh -c "! grep -q 'Haddad' '$W/body'"

# --- signing out
old=$(cookie_of coord)
req coord "$BASE/me" >/dev/null
c=$(req coord --data "csrf=$(csrf_of)" "$BASE/logout")
check "sign-out answers 303 to /login" [ "$c" = 303 -a "$(location)" = "/login?out=1" ]
check "sign-out clears the cookie" sh -c "echo '$(header set-cookie)' | grep -q '^tutti=;.*Max-Age=0'"
check "sign-out removes the session" [ "$(sql "select count(*) from sessions where user_id = $COORD_ID")" = 0 ]
c=$(req none -H "Cookie: tutti=$old" "$BASE/referrals")
check "the old cookie no longer works: 303 to /login" [ "$c" = 303 -a "$(location)" = /login ]
c=$(req none -H "Cookie: tutti=$old" "$BASE/referrals/$ID")
check "nor on a referral page" [ "$c" = 303 -a "$(location)" = /login ]

# --- the administrator
c=$(sign_in admin "$ADMIN" "$ADMIN_PW")
check "the administrator signs in" [ "$c" = 303 ]
echo "$(cookie_of admin)" >> "$W/secrets"
c=$(req admin "$BASE/admin/audit")
check "the administrator reads the audit log" [ "$c" = 200 -a "$(hb '<h1>Audit log</h1>')" = y ]
staff_headers "GET /admin/audit"
check "the audit log shows the status change with its referral" \
    [ "$(hb "<td>Cora Coordinator</td><td>127.0.0.1</td><td>status</td><td>$REF</td><td>status new -&gt; triaged</td>")" = y ]
check "the audit log shows the note and the sign-out" [ "$(hb '<td>note</td>' '<td>logout</td>')" = y ]
check "the audit log never holds a note's or a reason's text" \
    [ "$(sql "select count(*) from audit where detail like '%mornings%' or detail like '%Spoke%'")" = 0 ]

c=$(req admin "$BASE/admin/users")
check "the administrator sees the users" [ "$c" = 200 -a "$(hb 'kofi@tutti.example' 'Thea Therapist')" = y ]
staff_headers "GET /admin/users"
ACSRF=$(csrf_of)
u0=$(sql "select count(*) from users")
add_user() {
	req admin --data "csrf=$ACSRF&action=add&role=therapist" --data-urlencode "email=$1" \
	    --data-urlencode "name=$2" --data-urlencode "password=$3" "$BASE/admin/users"
}
c=$(add_user nia.jones@tutti.example "Nia Jones" "short pw")
check "a short password is refused with a message" [ "$c" = 422 -a "$(hb 'at least 12 characters')" = y ]
check "the typed email and name are kept" [ "$(hb 'value="nia.jones@tutti.example"' 'value="Nia Jones"')" = y ]
check "the summary links to the password" has '<a href="#new-password">'
check "the message is by the password" has 'id="new-password-error"'
c=$(add_user nia.jones@tutti.example "$(printf 'Nia\rBcc: x')" "copper lantern meadow")
check "a line break in a name is refused" [ "$c" = 422 -a "$(hb 'no line breaks' '<a href="#new-name">')" = y ]
c=$(add_user nia.jones@tutti.example "Nia Jones" "Password1234")
check "a common password is refused with a message" [ "$c" = 422 -a "$(hb 'most common')" = y ]
c=$(add_user nia.jones@tutti.example "Nia Jones" "nia.jones on harp")
check "a password holding the email is refused" [ "$c" = 422 -a "$(hb 'must not contain your email')" = y ]
c=$(add_user nia.j@tutti.example "Nia Jones" "harp for jones")
check "a password holding the name is refused" [ "$c" = 422 -a "$(hb 'must not contain your name')" = y ]
c=$(add_user nia.jones@tutti.example "Nia Jones" "aaaaaaaaaaaaaaa")
check "a repeated password is refused" [ "$c" = 422 ]
c=$(add_user "$KOFI" "Kofi Again" "copper lantern meadow")
check "a second account with the same email is refused" [ "$c" = 422 -a "$(hb 'already an account')" = y ]
check "no account was added by those" [ "$(sql "select count(*) from users")" = "$u0" ]

NIA_PW="copper lantern meadow"
echo "$NIA_PW" >> "$W/secrets"
c=$(add_user nia.jones@tutti.example "Nia Jones" "$NIA_PW")
check "a good password adds the account" [ "$c" = 303 -a "$(location)" = "/admin/users?done=added" ]
NIA_ID=$(sql "select id from users where email = 'nia.jones@tutti.example'")
check "the account is stored with its role and an Argon2id hash" \
    [ "$(sql "select role || '|' || active || '|' || substr(password_hash, 1, 10) from users where id = $NIA_ID")" = 'therapist|1|$argon2id$' ]
check "adding is audited" [ "$(sql "select count(*) from audit where action = 'user-add' and subject_user_id = $NIA_ID")" = 1 ]

c=$(sign_in nia nia.jones@tutti.example "$NIA_PW")
check "the new account can sign in" [ "$c" = 303 -a "$(location)" = /me ]
echo "$(cookie_of nia)" >> "$W/secrets"
c=$(req admin --data "csrf=$ACSRF&action=deactivate&id=$NIA_ID" "$BASE/admin/users")
check "deactivating answers 303" [ "$c" = 303 -a "$(location)" = "/admin/users?done=deactivated" ]
check "the account is inactive with no sessions" \
    [ "$(sql "select active from users where id = $NIA_ID")" = 0 -a "$(sql "select count(*) from sessions where user_id = $NIA_ID")" = 0 ]
c=$(req nia "$BASE/me")
check "the deactivated person's session stops working" [ "$c" = 303 -a "$(location)" = /login ]
c=$(sign_in nia nia.jones@tutti.example "$NIA_PW")
check "a deactivated account cannot sign in (422, the usual words)" [ "$c" = 422 -a "$(hb 'The email address or the password is not right')" = y ]
ADMIN_ID=$(sql "select id from users where email = '$ADMIN'")
c=$(req admin --data "csrf=$ACSRF&action=deactivate&id=$ADMIN_ID" "$BASE/admin/users")
check "an administrator cannot deactivate themselves" [ "$c" = 422 -a "$(sql "select active from users where id = $ADMIN_ID")" = 1 ]

KOFI_ID=$(sql "select id from users where email = '$KOFI'")
c=$(sign_in kofi "$KOFI" "$KOFI_PW")
check "Kofi signs in with his old password" [ "$c" = 303 ]
c=$(req admin --data "csrf=$ACSRF&action=reset&id=$KOFI_ID&password=kofi" "$BASE/admin/users")
check "a reset to a weak password is refused" [ "$c" = 422 -a "$(hb 'at least 12 characters')" = y ]
KOFI_NEW="saffron tugboat echo"
echo "$KOFI_NEW" >> "$W/secrets"
h0=$(sql "select password_hash from users where id = $KOFI_ID")
c=$(req admin --data "csrf=$ACSRF&action=reset&id=$KOFI_ID" --data-urlencode "password=$KOFI_NEW" "$BASE/admin/users")
check "a reset answers 303" [ "$c" = 303 -a "$(location)" = "/admin/users?done=reset" ]
check "the hash changed and Kofi's sessions ended" \
    [ "$(sql "select password_hash from users where id = $KOFI_ID")" != "$h0" -a "$(sql "select count(*) from sessions where user_id = $KOFI_ID")" = 0 ]
c=$(req kofi "$BASE/referrals")
check "Kofi's old session no longer works" [ "$c" = 303 -a "$(location)" = /login ]
c=$(sign_in kofi "$KOFI" "$KOFI_NEW")
check "Kofi signs in with the new password" [ "$c" = 303 -a "$(location)" = /referrals ]
echo "$(cookie_of kofi)" >> "$W/secrets"
c=$(req admin --data "action=add&role=admin&email=evil%40example.org&name=Evil&password=copper+lantern+meadow" "$BASE/admin/users")
check "adding a user without the CSRF token gets 403 and adds nothing" \
    [ "$c" = 403 -a "$(sql "select count(*) from users where email = 'evil@example.org'")" = 0 ]

# --- repeated wrong passwords
# The checks above failed twice from this address; count afresh.
sql "delete from login_failures"
wrong() { sign_in x "$1" "not-the-password-$2"; }
c1=$(wrong "$THERA" 1); m1=$(grep -o 'The email address or the password is not right[^<]*' "$W/body")
c2=$(wrong "$THERA" 2); c3=$(wrong "$THERA" 3)
check "three wrong passwords get 422 each" [ "$c1$c2$c3" = 422422422 ]
echo not-the-password-1 not-the-password-2 not-the-password-3 | tr ' ' '\n' >> "$W/secrets"
c=$(sign_in x "$THERA" "$THERA_PW")
check "then even the right password is refused with 429, no cookie" \
    [ "$c" = 429 -a -z "$(header set-cookie)" ]
# The wait in the message depends on the clock; the words must not.
same_words() { grep -o 'Too many failed sign-ins[^<]*' "$W/body" | sed -E 's/[0-9]+ (second|minute)s?/N \1s/g'; }
known=$(same_words)
check "the 429 page says to wait" [ -n "$known" ]
# An unknown email: the same answers (the address's own count cleared).
sql "delete from login_failures where key like 'a:%'"
c1=$(wrong nobody@tutti.example 1); m2=$(grep -o 'The email address or the password is not right[^<]*' "$W/body")
c2=$(wrong nobody@tutti.example 2); c3=$(wrong nobody@tutti.example 3)
check "an unknown email gets the same 422s" [ "$c1$c2$c3" = 422422422 -a -n "$m1" -a "$m1" = "$m2" ]
c=$(wrong nobody@tutti.example 4)
unknown=$(same_words)
check "and then the same 429 and message" [ "$c" = 429 -a "$unknown" = "$known" ] || echo "#   '$known' / '$unknown'"
check "failures are counted under the email, known or not" \
    [ "$(sql "select failures from login_failures where key = 'u:$THERA'")" = 3 -a \
      "$(sql "select failures from login_failures where key = 'u:nobody@tutti.example'")" = 3 ]

# --- the demo's series each begin on a date, their first session's
# (two groups' began on a date read from before the demo's days: empty)
bad=$(sqlite3 "$TUTTI_DB" "SELECT count(*) FROM series s WHERE first_date NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' OR first_date != (SELECT min(occ_date) FROM occurrences o WHERE o.series_id = s.id)")
check "every demo series begins on its first session's date ($bad do not)" [ "$bad" = 0 ]

# --- nothing leaks: no password or token in a response (other than the
# Set-Cookie that carries it), a log, or the database
sort -u "$W/secrets" | grep -v '^$' > "$W/secrets.u"
leak=$(grep -vi '^set-cookie:' "$W/all" | grep -oFf "$W/secrets.u" | sort -u | head -n 5)
check "no response holds a password or a session token" [ -z "$leak" ] || echo "#   found: $leak"
leak=$(cat "$TVAR"/log/*.log | grep -oFf "$W/secrets.u" | sort -u | head -n 5)
check "no log holds a password or a session token" [ -z "$leak" ] || echo "#   found: $leak"
check "the logs are there to search" [ -s "$TVAR/log/tutti-fcgi.log" ]
leak=$(sqlite3 "$TUTTI_DB" .dump | grep -oFf "$W/secrets.u" | sort -u | head -n 5)
check "the database holds no password or session token" [ -z "$leak" ] || echo "#   found: $leak"

finish
