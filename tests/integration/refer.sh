#!/bin/bash
# The self-referral form end to end: curl -> nginx -> workers -> SQLite.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

W=$TVAR/work
mkdir -p "$W"

code() { curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@"; }
refs() { sql "select count(*) from referrals"; }
outbox() { sql "select count(*) from outbox"; }

# The valid answers a person gives; $1 is the form token.
valid_form() {
	printf '%s' "form_token=$1&given_name=Zo%C3%AB&family_name=Ng&email=zoe%40example.com&phone=07700+900+982&postcode=sw1a1aa&date_of_birth=1980-05-01&preferred_contact=email&voicemail_ok=yes&needs=autism&needs=dementia&about=I+hope+to+feel+calmer&availability=mon_am&availability=fri_eve&session_type=group&online_ok=yes&site=1&site=2&access_needs=A+ramp&language=English&gp_practice=Park+Surgery&emergency_name=Sam&emergency_phone=07700900111&consent_data=yes&consent_contact=yes&website="
}

# --- GET /refer
c=$(code "$BASE/refer")
check "GET /refer answers 200" [ "$c" = 200 ]
check "the form says it is not for emergencies" grep -q '999' "$W/body"
check "the form names Samaritans 116 123" grep -q '116 123' "$W/body"
check "GET /refer sends a Content-Security-Policy without inline script" \
    grep -qi "^content-security-policy: .*script-src 'self'" "$W/head"
check "GET /refer sends frame-ancestors 'none'" grep -qi "frame-ancestors 'none'" "$W/head"
check "GET /refer sends nosniff" grep -qi '^x-content-type-options: nosniff' "$W/head"
check "GET /refer sends a Referrer-Policy" grep -qi '^referrer-policy:' "$W/head"
for f in given_name family_name email phone postcode date_of_birth \
    preferred_contact needs about availability session_type online_ok \
    site access_needs language interpreter voicemail_ok gp_practice \
    emergency_name emergency_phone consent_data consent_contact; do
	grep -q "name=\"$f\"" "$W/body" || missing="${missing:-} $f"
done
check "the form has every contract field" [ -z "${missing:-}" ]
check "every text input has a label" \
    sh -c "! grep -o '<input type=\"text\" id=\"[a-z_]*\"' '$W/body' | sed 's/.*id=\"//;s/\"//' | while read i; do grep -q \"for=\\\"\$i\\\"\" '$W/body' || echo \$i; done | grep -q ."
tok=$(form_token "$W/body")
check "the form carries a signed token" [ ${#tok} -ge 40 ]

# --- a valid referral
r0=$(refs)
o0=$(outbox)
c=$(code --data "$(valid_form "$tok")" "$BASE/refer")
loc=$(grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[Ll]ocation: //')
ref=${loc#/refer/thanks?ref=}
check "a valid POST answers 303" [ "$c" = 303 ]
check "it redirects to the thanks page with a reference" \
    sh -c "echo '$loc' | grep -qE '^/refer/thanks\?ref=[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$'"
check "one referral is stored" [ "$(refs)" = $((r0 + 1)) ]
row=$(sql "select given_name, family_name, postcode, phone, needs, availability, session_type, online_ok, consent_contact, status, source from referrals where ref = '$ref'")
check "the stored row holds what was typed, normalised" \
    [ "$row" = "Zoë|Ng|SW1A 1AA|07700900982|17|16385|group|1|1|new|self" ]
check "its sites are stored" [ "$(sql "select group_concat(site_id) from referral_sites join referrals r on r.id = referral_id where r.ref = '$ref'")" = "1,2" ]
ack=$(sql "select count(*) from outbox o join referrals r on r.id = o.referral_id where r.ref = '$ref' and o.kind = 'referral_ack' and o.to_addr = 'zoe@example.com'")
check "an acknowledgement is queued in the outbox" [ "$ack" = 1 ]
ncoord=$(sql "select count(*) from users where role = 'coordinator' and active = 1")
nnew=$(sql "select count(*) from outbox o join referrals r on r.id = o.referral_id where r.ref = '$ref' and o.kind = 'referral_new'")
check "each coordinator gets a new-referral notice" [ "$nnew" = "$ncoord" -a "$ncoord" -gt 0 ]
check "every outbox row has a Message-ID" [ "$(sql "select count(*) from outbox where message_id not like '<%@%>'")" = 0 ]

c=$(code "$BASE$loc")
check "the thanks page shows the reference" grep -q "$ref" "$W/body"
check "the thanks page says what happens next" grep -q 'What happens next' "$W/body"

# --- a double submit: the same token again
r1=$(refs)
c=$(code --data "$(valid_form "$tok")" "$BASE/refer")
loc2=$(grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[Ll]ocation: //')
check "a double submit answers 303 to the same reference" [ "$c" = 303 -a "$loc2" = "$loc" ]
check "a double submit stores nothing more" [ "$(refs)" = "$r1" ]

# --- invalid input: 422, values kept, nothing stored
r1=$(refs)
o1=$(outbox)
code "$BASE/refer" >/dev/null
tok=$(form_token "$W/body")
bad="form_token=$tok&given_name=%3Cb%3EAnn%22&family_name=&email=not-an-email&postcode=zz9&date_of_birth=2015-02-30&preferred_contact=email&needs=autism&needs=bogus&about=Some+words&availability=tue_pm&session_type=either&site=1&consent_contact=yes"
c=$(code --data "$bad" "$BASE/refer")
check "an invalid POST answers 422" [ "$c" = 422 ]
check "the error summary is shown" grep -q 'There is a problem' "$W/body"
check "the summary links to the field" grep -q 'href="#family_name"' "$W/body"
check "a message says how to fix the email" grep -q 'like name@example.com' "$W/body"
check "a message says how to fix the postcode" grep -q 'Enter a real UK postcode' "$W/body"
check "an impossible date is refused" grep -q 'day, month and year' "$W/body"
check "unknown needs are refused" grep -q 'choose only from the options shown' "$W/body"
check "consent to keep data is required" grep -q 'we cannot take a referral without' "$W/body"
check "the typed name is kept, escaped" grep -q 'value="&lt;b&gt;Ann&quot;"' "$W/body"
check "the typed postcode is kept" grep -q 'value="zz9"' "$W/body"
check "the typed about text is kept" grep -q '>Some words</textarea>' "$W/body"
check "ticked needs stay ticked" grep -q 'value="autism" checked' "$W/body"
check "ticked availability stays ticked" grep -q 'value="tue_pm" checked' "$W/body"
check "the chosen radio stays chosen" grep -q 'value="either" checked' "$W/body"
check "ticked consent to email stays ticked" grep -q 'name="consent_contact" value="yes" checked' "$W/body"
check "nothing is stored for an invalid POST" [ "$(refs)" = "$r1" -a "$(outbox)" = "$o1" ]

# A date of birth typed as day, month and year is understood.
code "$BASE/refer" >/dev/null
tok=$(form_token "$W/body")
c=$(code --data "$(valid_form "$tok" | sed 's|date_of_birth=1980-05-01|date_of_birth=27%2F3%2F1980|')" "$BASE/refer")
loc=$(grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/^[Ll]ocation: //')
check "a date of birth typed 27/3/1980 is accepted" [ "$c" = 303 ]
check "it is stored as 1980-03-27" [ "$(sql "select date_of_birth from referrals where ref = '${loc#/refer/thanks?ref=}'")" = 1980-03-27 ]
r1=$(refs)

# Under 18: a message saying how under-18s are referred.
code "$BASE/refer" >/dev/null
tok=$(form_token "$W/body")
young=$(valid_form "$tok" | sed "s/date_of_birth=1980-05-01/date_of_birth=$(date -d '-17 years' +%F)/")
c=$(code --data "$young" "$BASE/refer")
check "a person under 18 gets 422" [ "$c" = 422 ]
check "the message says how under-18s are referred" grep -q 'If you are under 18' "$W/body"

# A forged token, a missing token, an expired one.
c=$(code --data "$(valid_form AAAAAGsGCzM5A1DRzhzIxyH9mOwps8M_9IjrFb15jSctVwRePPTBpQ)" "$BASE/refer")
check "a forged token gets 422" [ "$c" = 422 ]
check "the answers are kept after a forged token" grep -q 'value="Ng"' "$W/body"
check "the page explains the token problem" grep -q 'could not check that this form came from' "$W/body"
c=$(code --data "$(valid_form '' )" "$BASE/refer")
check "a missing token gets 422" [ "$c" = 422 ]
old=$($PY - "$TUTTI_DB" <<'PY'
import base64, hmac, hashlib, os, sqlite3, struct, sys, time
key = sqlite3.connect(sys.argv[1]).execute("select value from settings where key='form_key'").fetchone()[0]
msg = struct.pack(">Q", int(time.time()) - 3 * 86400) + os.urandom(16)
mac = hmac.new(key, msg, hashlib.sha256).digest()[:16]
print(base64.urlsafe_b64encode(msg + mac).decode().rstrip("="))
PY
)
c=$(code --data "$(valid_form "$old")" "$BASE/refer")
check "an expired token gets 422" [ "$c" = 422 ]
check "the page says the form was open too long" grep -q 'open for a long time' "$W/body"
check "none of those stored anything" [ "$(refs)" = "$r1" ]

# The honeypot.
code "$BASE/refer" >/dev/null
tok=$(form_token "$W/body")
c=$(code --data "$(valid_form "$tok")http%3A%2F%2Fspam.example" "$BASE/refer")
check "a filled honeypot is refused" [ "$c" = 422 ]
check "nothing is stored for a bot" [ "$(refs)" = "$r1" ]

# --- a body over 64 KiB is refused by nginx
head -c 66560 /dev/zero | tr '\0' 'a' | sed 's/^/about=/' > "$W/big"
c=$(code --data-binary @"$W/big" "$BASE/refer")
check "a 65 KiB body gets 413" [ "$c" = 413 ]
check "the 413 page says what to do" grep -q 'shorten the longest answers' "$W/body"

# --- health
c=$(code "$BASE/healthz")
check "GET /healthz answers 200 ok" [ "$c" = 200 -a "$(cat "$W/body")" = ok ]
c=$(code "$BASE/no-such-page")
check "an unknown page gets 404" [ "$c" = 404 ]
check "the 404 page has a human message" grep -q 'does not exist' "$W/body"
c=$(code "$BASE/static/tutti.css")
check "nginx serves the stylesheet" [ "$c" = 200 ]

# --- a killed worker is replaced
parent=$(cat "$TVAR/run/tutti-fcgi.pid")
before=$(pgrep -P "$parent" | sort | tr '\n' ' ')
victim=$(pgrep -P "$parent" | head -n 1)
kill -KILL "$victim"
for i in $(seq 50); do
	n=$(pgrep -P "$parent" | wc -l)
	[ "$n" -ge "$(echo $before | wc -w)" ] && ! pgrep -P "$parent" | grep -qx "$victim" && break
	sleep 0.1
done
after=$(pgrep -P "$parent" | sort | tr '\n' ' ')
check "the supervisor starts a new worker" [ "$(echo $after | wc -w)" = "$(echo $before | wc -w)" -a "$after" != "$before" ]
ok_all=1
for i in 1 2 3 4 5 6; do
	c=$(code "$BASE/refer")
	[ "$c" = 200 ] || ok_all=0
done
check "requests succeed after the kill" [ $ok_all = 1 ]
check "the worker log says it was replaced" grep -q 'killed by signal 9' "$TVAR/log/tutti-fcgi.log"

# Each worker keeps the form rendered (cgi/app_cache.c): a change made by
# another process shows on every worker's next answer, with no wait.
for i in 1 2 3 4 5 6; do code "$BASE/refer" >/dev/null; done
sql "UPDATE sites SET name = 'Riverside Annexe' WHERE id = 1;
    INSERT OR REPLACE INTO settings (key, value)
    VALUES ('contact_phone', '01632 960 777')"
seen=0
for i in 1 2 3 4 5 6; do
	c=$(code "$BASE/refer")
	[ "$c" = 200 ] && grep -q 'Riverside Annexe' "$W/body" &&
	    grep -q '01632 960 777' "$W/body" && seen=$((seen + 1))
done
check "a site and phone changed elsewhere show at once on every answer" [ $seen = 6 ]
tok1=$(grep -o 'name="form_token" value="[^"]*"' "$W/body")
code "$BASE/refer" >/dev/null
check "each answer of the kept form has its own token" \
    [ -n "$tok1" -a "$tok1" != "$(grep -o 'name="form_token" value="[^"]*"' "$W/body")" ]
check "PRAGMA integrity_check is ok" [ "$(sql 'pragma integrity_check')" = ok ]

finish
