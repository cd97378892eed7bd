#!/bin/bash
# Login CSRF, double submit (issue 13): GET /login sets a random
# HttpOnly SameSite=Lax pre-login cookie and binds the form token to it.
# A token with another browser's cookie (as a site that fetched its own
# form and posts it from the visitor's browser would have) or with no
# cookie is refused with a clear message and the email kept; the
# matching pair signs in.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

COORD=coordinator@tutti.example;	COORD_PW=demo-coordinator-2026

web mine "$BASE/login" >/dev/null
check "GET /login sets a pre-login cookie, HttpOnly and SameSite=Lax" \
    grep -qi '^set-cookie: tutti-login=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Lax' "$TVAR/head"
mine=$(form_token "$TVAR/body")
web theirs "$BASE/login" >/dev/null
theirs=$(form_token "$TVAR/body")
check "each browser gets its own token" [ -n "$mine" -a "$mine" != "$theirs" ]

# post JAR TOKEN: the sign-in form with the coordinator's password.
post() {
	web "$1" --data-urlencode "form_token=$2" --data-urlencode "email=$COORD" \
	    --data-urlencode "password=$COORD_PW" "$BASE/login"
}
c=$(post mine "$theirs")
check "another browser's token with my cookie: 422" [ "$c" = 422 ]
check "it says why, plainly" grep -q 'not opened in this browser' "$TVAR/body"
check "the email is kept" grep -q "value=\"$COORD\"" "$TVAR/body"
check "the password is not" sh -c "! grep -q '$COORD_PW' '$TVAR/body'"
check "no session was made" [ "$(sql "select count(*) from sessions")" = 0 ]
c=$(curl -s -o "$TVAR/body" -w '%{http_code}' --data-urlencode "form_token=$mine" \
    --data-urlencode "email=$COORD" --data-urlencode "password=$COORD_PW" "$BASE/login")
check "a token with no cookie: 422" [ "$c" = 422 ]
c=$(post theirs "$theirs")
check "the token with its own cookie signs in (303)" [ "$c" = 303 ]
check "and the pre-login cookie is ended" grep -qi '^set-cookie: tutti-login=;' "$TVAR/head"
c=$(post mine "$mine")
check "so does the other browser with its own pair" [ "$c" = 303 ]
finish
