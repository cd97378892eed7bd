#!/bin/bash
# Failed sign-ins are counted before the password is checked, atomically
# (issue 13, finding 4): 16 wrong passwords for one account sent at once
# to 8 workers get exactly 3 checked (422) and the rest told to wait
# (429), where counting after the slow hash let most of them through.
# And the right password, after the wait, signs in and clears the count.
set -u
. "$(dirname "$0")/../lib/stack.sh"
WORKERS=8 stack_up

THERA=therapist@tutti.example;	THERA_PW=demo-therapist-2026
W=$TVAR/work
mkdir -p "$W"
curl -s -c "$W/pre.jar" -o "$W/login" "$BASE/login"
tok=$(form_token "$W/login")
for i in $(seq 16); do
	curl -s -b "$W/pre.jar" -o /dev/null -w '%{http_code}\n' \
	    --data-urlencode "form_token=$tok" --data-urlencode "email=$THERA" \
	    --data-urlencode "password=wrong-guess-$i" "$BASE/login" > "$W/code.$i" &
done
wait
checked=$(cat "$W"/code.* | grep -c 422)
waited=$(cat "$W"/code.* | grep -c 429)
check "16 at once: exactly 3 passwords checked (got $checked)" [ "$checked" = 3 ]
check "the other 13 are told to wait (429)" [ "$waited" = 13 ]
check "the account's count is 3" [ "$(sql "select failures from login_failures where key = 'u:$THERA'")" = 3 ]
check "each checked failure is audited" [ "$(sql "select count(*) from audit where action = 'login-failed'")" = 3 ]
# The wait after three is 2 seconds.
sleep 2.2
c=$(staff_login thea "$THERA" "$THERA_PW")
check "after the wait the right password signs in (303)" [ "$c" = 303 ]
check "and the account's count is cleared" [ "$(sql "select count(*) from login_failures where key = 'u:$THERA'")" = 0 ]

# Issue 13, finding 5: guessing from one address does not lock the
# owner out.  Wrong passwords from 127.0.0.1 until it must wait; the
# right one from 127.0.0.2 (no failures there) still signs in.
for i in $(seq 12); do
	curl -s -b "$W/pre.jar" -o /dev/null -w '%{http_code} ' --data-urlencode "form_token=$tok" \
	    --data-urlencode "email=$THERA" --data-urlencode "password=guess-$i" \
	    "$BASE/login"
done > "$W/codes12"
# As if they had kept going for a while: ten failures from this address.
sql "update login_failures set failures = 10 where key = 'p:127.0.0.1|$THERA'"
c=$(curl -s -b "$W/pre.jar" -o "$W/body" -w '%{http_code}' --data-urlencode "form_token=$tok" \
    --data-urlencode "email=$THERA" --data-urlencode "password=$THERA_PW" "$BASE/login")
check "the guessing address is told to wait, even with the right password" [ "$c" = 429 ] || echo "# $(cat "$W/codes12")"
c=$(curl -s -b "$W/pre.jar" --interface 127.0.0.2 -o "$W/body" -w '%{http_code}' --data-urlencode "form_token=$tok" \
    --data-urlencode "email=$THERA" --data-urlencode "password=$THERA_PW" "$BASE/login")
check "the right password from another address signs in (303)" [ "$c" = 303 ]
# The owner is told when their account is being guessed at.
check "no email yet" [ "$(sql "select count(*) from outbox where kind = 'login_guessed'")" = 0 ]
sql "insert or replace into login_failures (key, failures, first_at, last_at) values ('u:$THERA', 9, strftime('%s'), strftime('%s'))"
curl -s -b "$W/pre.jar" --interface 127.0.0.3 -o /dev/null --data-urlencode "form_token=$tok" \
    --data-urlencode "email=$THERA" --data-urlencode "password=guess-x" "$BASE/login"
check "the tenth failure emails the account's owner" \
    [ "$(sql "select count(*) from outbox where kind = 'login_guessed' and to_addr = '$THERA'")" = 1 ]
finish
