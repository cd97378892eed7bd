#!/bin/bash
# Sessions and one's own password (issue 13, "Also"): signing in again
# leaves the older session alive until the person signs out everywhere
# else or changes their password; then the old cookie is sent to the
# sign-in page and the current one keeps working.  A wrong current
# password is 422; an administrator's reset ends every session; the
# login_guessed email's link (/me/password) answers 200 when signed in.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

THERA=therapist@tutti.example;	THERA_PW=demo-therapist-2026
NEW_PW="copper kettle meadow 42"
ADMIN=admin@tutti.example;	ADMIN_PW=demo-admin-pass-2026

# gone JAR: the jar's session has ended (GET /me sends it to /login).
gone() { [ "$(web "$1" "$BASE/me")" = 303 ] && [ "$(location)" = /login ]; }
alive() { [ "$(web "$1" "$BASE/me")" = 200 ]; }
# is CODE LOCATION: the last status was CODE and it redirected there.
is() { [ "$c" = "$1" ] && [ "$(location)" = "$2" ]; }

# --- sign out everywhere else
check "signed in on a laptop" [ "$(staff_login laptop "$THERA" "$THERA_PW")" = 303 ]
check "and again on a phone" [ "$(staff_login phone "$THERA" "$THERA_PW")" = 303 ]
alive laptop; check "the laptop's session works" [ $? = 0 ]
alive phone; check "the phone's too" [ $? = 0 ]
web phone "$BASE/me" >/dev/null
check "/me offers sign out everywhere else" grep -q 'action="/me/sessions"' "$TVAR/body"
csrf=$(csrf_of)
c=$(web phone --data-urlencode "csrf=$csrf" -d back=me "$BASE/me/sessions")
check "sign out everywhere else: 303 to /me" is 303 "/me?done=signedout"
check "the laptop's old cookie is sent to sign in" gone laptop
check "the phone, where it was done, stays signed in" alive phone
check "it is audited" [ "$(sql "select count(*) from audit where action = 'sign-out-everywhere' and detail = 'ended 1 other session'")" = 1 ]

# --- the email's link
c=$(web phone "$BASE/me/password")
check "the login_guessed email's link answers 200 when signed in" [ "$c" = 200 ]
check "the guessing email links there" grep -q '/me/password' "$(dirname "$0")/../../templates/mail_login_guessed.txt"
c=$(curl -s -o /dev/null -D "$TVAR/head" -w '%{http_code}' "$BASE/me/password")
check "signed out it goes to sign in" is 303 /login

# --- change one's password
check "signed in on the laptop again" [ "$(staff_login laptop "$THERA" "$THERA_PW")" = 303 ]
web phone "$BASE/me/password" >/dev/null
csrf=$(csrf_of)
c=$(web phone --data-urlencode "csrf=$csrf" --data-urlencode "current_password=not-my-password-x" \
    --data-urlencode "new_password=$NEW_PW" --data-urlencode "confirm_password=$NEW_PW" \
    "$BASE/me/password")
check "a wrong current password: 422" [ "$c" = 422 ]
check "with the error summary" grep -q 'There is a problem' "$TVAR/body"
check "no password is shown again" sh -c "! grep -q -e 'not-my-password' -e 'copper kettle' '$TVAR/body'"
check "the laptop still works" alive laptop
c=$(web phone --data-urlencode "csrf=$csrf" --data-urlencode "current_password=$THERA_PW" \
    --data-urlencode "new_password=$NEW_PW" --data-urlencode "confirm_password=other words here 42" \
    "$BASE/me/password")
check "two different new passwords: 422" [ "$c" = 422 ]
check "they are told so" grep -q 'are not the same' "$TVAR/body"
c=$(web phone --data-urlencode "csrf=$csrf" --data-urlencode "current_password=$THERA_PW" \
    --data-urlencode "new_password=$NEW_PW" --data-urlencode "confirm_password=$NEW_PW" \
    "$BASE/me/password")
check "the right one: 303" is 303 "/me/password?done=changed"
check "the laptop's old cookie is sent to sign in" gone laptop
check "the phone, where it was changed, stays signed in" alive phone
check "the old password no longer signs in" [ "$(staff_login old "$THERA" "$THERA_PW")" = 422 ]
check "the new one does" [ "$(staff_login laptop "$THERA" "$NEW_PW")" = 303 ]
check "the change is audited" [ "$(sql "select count(*) from audit where action = 'password-change'")" = 1 ]

# --- an administrator's reset ends every session of the person
check "the admin signs in" [ "$(staff_login admin "$ADMIN" "$ADMIN_PW")" = 303 ]
web admin "$BASE/admin/users" >/dev/null
csrf=$(csrf_of)
id=$(sql "select id from users where email = '$THERA'")
c=$(web admin --data-urlencode "csrf=$csrf" -d action=reset -d "id=$id" \
    --data-urlencode "password=plum orchard violin 77" "$BASE/admin/users")
check "the admin resets the password (303)" [ "$c" = 303 ]
check "the laptop is signed out" gone laptop
check "and the phone" gone phone
finish
