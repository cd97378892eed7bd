#!/bin/bash
# The application keeps its own limit on public referrals (issue 13,
# finding 1): a few an hour from one address and for one email address,
# stored in SQLite, so that an nginx without its limit does not open the
# form to floods.  nginx's limit is off here; TUTTI_REFER_LIMIT is 2.
set -u
. "$(dirname "$0")/../lib/stack.sh"
TUTTI_REFER_LIMIT=2 stack_up

W=$TVAR/work
mkdir -p "$W"
code() { curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@"; }
refs() { sql "select count(*) from referrals"; }

# refer PATH EMAIL: a complete referral from a fresh form; prints the status.
refer() {
	curl -s -o "$W/form" "$BASE/refer"
	tok=$(form_token "$W/form")
	code --data "form_token=$tok&given_name=Ann&family_name=Lee&email=$2&phone=07700+900+982&postcode=sw1a1aa&date_of_birth=1980-05-01&preferred_contact=email&needs=autism&about=Calmer&availability=mon_am&session_type=group&consent_data=yes&website=" "$BASE$1"
}

r0=$(refs)
c1=$(refer /refer a1%40example.com)
c2=$(refer /refer/ a2%40example.com)
check "two referrals from one address are taken (303, 303)" [ "$c1$c2" = 303303 -a "$(refs)" = $((r0 + 2)) ]
o0=$(sql "select count(*) from outbox")
c3=$(refer /refer/ a3%40example.com)
check "a third in the hour from that address gets 429" [ "$c3" = 429 ]
check "nothing was stored and no email queued" [ "$(refs)" = $((r0 + 2)) -a "$(sql "select count(*) from outbox")" = "$o0" ]
check "the page says why, in plain words, and keeps the answers" \
    sh -c "grep -q 'several referrals from here in the last hour' '$W/body' && grep -q 'value=\"Ann\"' '$W/body'"
c4=$(refer /refer a4%40example.com)
check "and through /refer too" [ "$c4" = 429 -a "$(refs)" = $((r0 + 2)) ]
# The hits are counted in the referral's own write: a refused one
# stores nothing, its hit neither.
check "the counts are kept in the database, per address and per email" \
    [ "$(sql "select hits from rate_hits where key = 'refer-addr:127.0.0.1'")" = 2 -a \
      "$(sql "select hits from rate_hits where key = 'refer-email:a1@example.com'")" = 1 ]
# Per email address: another address would be counted apart, but the
# same email is refused from anywhere once over the limit.
sql "delete from rate_hits where key like 'refer-addr:%'"
c5=$(refer /refer A1%40Example.com)
c6=$(refer /refer a1%40example.com)
check "the same email (any case) a third time in the hour gets 429" [ "$c5$c6" = 303429 ]
# Reading the form is never limited.
gets=
for i in $(seq 5); do gets="$gets $(curl -s -o /dev/null -w '%{http_code}' "$BASE/refer")"; done
check "GET /refer is not limited" [ "$(echo $gets | tr ' ' '\n' | sort -u)" = 200 ]
finish
