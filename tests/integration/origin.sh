#!/bin/bash
# Forms are not taken from another website (issue 13, finding 6): a
# POST whose Sec-Fetch-Site says cross-site, or whose Origin is not the
# site's own, gets 403 and changes nothing; sign-in included (login
# CSRF: another site signing a visitor in as the attacker).
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

COORD=coordinator@tutti.example;	COORD_PW=demo-coordinator-2026
W=$TVAR/work
mkdir -p "$W"
curl -s -c "$W/pre.jar" -o "$W/login" "$BASE/login"
tok=$(form_token "$W/login")
login() {
	curl -s -b "$W/pre.jar" -o "$W/body" -D "$W/head" -w '%{http_code}' "$@" \
	    --data-urlencode "form_token=$tok" --data-urlencode "email=$COORD" \
	    --data-urlencode "password=$COORD_PW" "$BASE/login"
}
c=$(login -H 'Origin: https://evil.example')
check "sign-in posted from another site's page: 403" [ "$c" = 403 ]
check "and no session cookie" sh -c "! grep -qi '^set-cookie: tutti=' '$W/head'"
c=$(login -H 'Sec-Fetch-Site: cross-site')
check "sign-in with Sec-Fetch-Site: cross-site: 403" [ "$c" = 403 ]
c=$(login -H 'Sec-Fetch-Site: same-site' -H "Origin: $BASE")
check "Sec-Fetch-Site: same-site (a sibling subdomain) is refused too" [ "$c" = 403 ]
check "the page says what happened" grep -q 'sent from another website' "$W/body"
c=$(login -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin')
check "sign-in from the site's own page: 303" [ "$c" = 303 ]
c=$(login -H "Origin: $BASE")
check "an Origin of the site itself, without Sec-Fetch-Site: 303" [ "$c" = 303 ]
r0=$(sql "select count(*) from referrals")
curl -s -o "$W/form" "$BASE/refer"
rt=$(form_token "$W/form")
c=$(curl -s -o "$W/body" -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' --data "form_token=$rt&given_name=Ann&family_name=Lee&email=a%40example.com&preferred_contact=email&about=x&availability=mon_am&session_type=group&consent_data=yes&website=" "$BASE/refer")
check "a referral posted from another site: 403, nothing stored" [ "$c" = 403 -a "$(sql "select count(*) from referrals")" = "$r0" ]
c=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: null' --data "x=1" "$BASE/logout")
check "Origin: null (a sandboxed page) is refused" [ "$c" = 403 ]
finish
