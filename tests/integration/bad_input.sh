#!/bin/bash
# Bad input sweep through the real nginx and workers: malformed bodies to
# every public route, invalid UTF-8, NUL bytes, huge fields, fields by the
# thousand, wrong content types, missing/forged/expired tokens, bad percent
# escapes, other methods, over-long URLs and headers, broken requests.
#
# Each must get the expected 4xx with a clear message a person can read:
# the exact sentence for the workers' pages, and for the pages nginx makes
# itself (400, 405, 413, 414, a missing static file) a page of ours with a
# lead sentence instead of nginx's bare one.  None may get a 5xx, no
# response body may be invalid UTF-8, and no worker may die (same pids
# afterwards, nothing in the worker log about a death).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/stack.sh

stack_up
parent=$(cat "$TVAR/run/tutti-fcgi.pid")
workers0=$(pgrep -P "$parent" | sort -n | tr '\n' ' ')
D=$TVAR/bad
mkdir -p "$D"
N5XX=0
NREQ=0

# The workers' messages (cgi/*.c), one sentence each.
S_405_OPEN="This page can only be opened."
S_405_FORM="This page can only be opened or sent as a form."
S_404="This page does not exist."
S_415="This form must be sent from its web page."
S_GARBLED="The form arrived garbled."
S_TOOMANY="The form arrived with far too many answers."
S_UNREADABLE="contains characters we cannot read: please type it again"
S_TOKEN="We could not check that this form came from our website."
S_EXPIRED="This form was open for a long time"
S_HONEYPOT="Leave the last field"
S_CHOOSE="choose only from the options shown"
S_ADDR_LONG="This address is too long."
S_NOREF="We cannot find that reference."
S_413="What you sent is larger than this form accepts."
S_ERRORS="There is a problem"

# A lead sentence of our own layout, not nginx's bare error page.
human() {
	grep -qE '<p class="lead">[^<]*[A-Za-z]+ [a-z]+ [^<]*\.' "$1" &&
	    ! grep -q '<center>nginx</center>' "$1"
}

# The first message on a page, for failure reports.
said() {
	{ grep -o '<p class="lead">[^<]*' "$1" | sed 's/<p class="lead">//'
	  grep -o '<li><a href="#[^"]*">[^<]*' "$1" | sed 's/.*">//'
	  grep -o '<title>[^<]*' "$1" | sed 's/<title>//'; } | head -n 3 |
	    tr '\n' '|'
}

# expect STATUS TEXT DESC CURL-ARGS...: one request with curl; ok when
# the status is STATUS and the body holds TEXT (a fixed string), or, for
# TEXT "@human", a lead sentence of ours.  Every 5xx is counted.
expect() {
	local want=$1 text=$2 desc=$3 code
	shift 3
	NREQ=$((NREQ + 1))
	code=$(curl -s -g --max-time 20 -o "$D/body" -w '%{http_code}' "$@")
	case $code in 5*) N5XX=$((N5XX + 1)) ;; esac
	if [ "$code" != "$want" ]; then
		not_ok "$desc: $want" "got $code: $(said "$D/body")"
		return
	fi
	if ! iconv -f UTF-8 -t UTF-8 "$D/body" >/dev/null 2>&1 ||
	    [ "$(tr -d '\000' < "$D/body" | wc -c)" != "$(wc -c < "$D/body")" ]
	then
		not_ok "$desc: $want" "the answer is not clean UTF-8 text"
		return
	fi
	if [ "$text" = @human ]; then
		if ! human "$D/body"; then
			not_ok "$desc: $want with a message" \
			    "no lead sentence of ours: $(head -c 300 "$D/body" | tr '\n' ' ')"
			return
		fi
	elif [ -n "$text" ] && ! grep -qF -- "$text" "$D/body"; then
		not_ok "$desc: $want with \"$text\"" "said: $(said "$D/body")"
		return
	fi
	ok "$desc: $code"
}

# raw DESC STATUS REQUEST: sends the request (a printf format) as it is to
# nginx, for requests curl will not make, and checks the status line and
# a message of ours.
raw() {
	local desc=$1 want=$2 code
	NREQ=$((NREQ + 1))
	(
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		# shellcheck disable=SC2059
		printf "$3" >&3
		timeout 10 cat <&3
	) >"$D/raw" 2>/dev/null
	code=$(head -n 1 "$D/raw" | awk '{print $2}')
	sed '1,/^\r\{0,1\}$/d' "$D/raw" >"$D/body"
	case $code in 5*) N5XX=$((N5XX + 1)) ;; esac
	if [ "$code" != "$want" ]; then
		not_ok "$desc: $want" "got ${code:-no answer}: $(head -n 1 "$D/raw")"
	elif ! human "$D/body"; then
		not_ok "$desc: $want with a message" \
		    "no lead sentence of ours: $(head -c 300 "$D/body" | tr '\n' ' ')"
	else
		ok "$desc: $code"
	fi
}

fresh_token() {
	curl -s --max-time 20 -o "$D/form.html" "$BASE/refer"
	form_token "$D/form.html"
}

# A form token signed with the real key but made at time $1 (seconds).
signed_token() {
	local key
	key=$(sql "SELECT hex(value) FROM settings WHERE key = 'form_key'")
	"$PY" - "$key" "$1" <<'EOF'
import base64, hashlib, hmac, os, sys
key = bytes.fromhex(sys.argv[1])
msg = int(sys.argv[2]).to_bytes(8, "big") + os.urandom(16)
mac = hmac.new(key, msg, hashlib.sha256).digest()[:16]
print(base64.urlsafe_b64encode(msg + mac).decode().rstrip("="))
EOF
}

# A valid referral, without its token.
V='given_name=Bad&family_name=Input&date_of_birth=1980-01-02'
V="$V&email=bad.input%40example.com&preferred_contact=email"
V="$V&postcode=SW1A+1AA&about=Testing&needs=autism&availability=mon_am"
V="$V&session_type=either&consent_data=yes"
FORM_CT=(-H 'Content-Type: application/x-www-form-urlencoded')

# post_refer STATUS TEXT DESC BODY-BEFORE: a fresh token, then BODY-BEFORE
# (which wins: a field's first value counts), then the valid fields.
post_refer() {
	local tok
	tok=$(fresh_token)
	expect "$1" "$2" "$3" "${FORM_CT[@]}" --data-binary \
	    "$4&form_token=$tok&$V" "$BASE/refer"
}

# Bodies.
head -c 65400 /dev/zero | tr '\0' a >"$D/a64k"
{ printf 'about='; head -c 65000 "$D/a64k"; } >"$D/about64k"
{ printf 'given_name='; head -c 65000 "$D/a64k"; } >"$D/name64k"
{ printf 'needs='; head -c 65000 "$D/a64k"; } >"$D/needs64k"
{ printf '%s=1' "$(head -c 200 "$D/a64k")"; } >"$D/longkey"
for i in $(seq 5000); do printf 'needs=autism&'; done >"$D/rep5000"
printf 'given_name=x&' >"$D/rep_tail"
for i in $(seq 600); do printf 'a=%d&' "$i"; done >"$D/rep600"
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/about=/' >"$D/over64k"
echo "# body sizes: about64k $(wc -c <"$D/about64k"), rep5000" \
    "$(wc -c <"$D/rep5000"), over64k $(wc -c <"$D/over64k")"

# ---- 1. Malformed bodies to every public route -------------------------
BODIES=(
	"utf8|given_name=%FF%FEbad"
	"nul|given_name=ab%00cd"
	"nulkey|given%00name=x"
	"escape|given_name=%G1"
	"escape-end|about=100%"
	"escape-short|about=%4"
)
for route in / /refer/thanks /healthz; do
	for b in "${BODIES[@]}"; do
		expect 405 "$S_405_OPEN" "POST $route ${b%%|*}" "${FORM_CT[@]}" \
		    --data-binary "${b#*|}" "$BASE$route"
	done
	expect 405 "$S_405_OPEN" "POST $route json" -H \
	    'Content-Type: application/json' -d '{"given_name":"x"}' "$BASE$route"
	expect 405 "$S_405_OPEN" "POST $route 5000 fields" "${FORM_CT[@]}" \
	    --data-binary @"$D/rep5000" "$BASE$route"
	expect 405 "$S_405_OPEN" "POST $route 64 KiB field" "${FORM_CT[@]}" \
	    --data-binary @"$D/about64k" "$BASE$route"
	expect 413 "$S_413" "POST $route over 64 KiB (nginx)" "${FORM_CT[@]}" \
	    --data-binary @"$D/over64k" "$BASE$route"
done
for route in /calendar/x.ics /no/such/page /refer/nope; do
	for b in "${BODIES[@]}"; do
		expect 404 "$S_404" "POST $route ${b%%|*}" "${FORM_CT[@]}" \
		    --data-binary "${b#*|}" "$BASE$route"
	done
	expect 404 "$S_404" "POST $route multipart" -F given_name=x \
	    "$BASE$route"
	expect 404 "$S_404" "POST $route 5000 fields" "${FORM_CT[@]}" \
	    --data-binary @"$D/rep5000" "$BASE$route"
	expect 404 "$S_404" "GET $route" "$BASE$route"
done

# ---- 2. POST /refer: the body itself ------------------------------------
expect 400 "$S_GARBLED" "POST /refer NUL byte in a key" "${FORM_CT[@]}" \
    --data-binary "given%00name=x&$V" "$BASE/refer"
for e in '%G1' '%4' '%' '%%41' '%zz' '%+1'; do
	expect 400 "$S_GARBLED" "POST /refer bad escape $e" "${FORM_CT[@]}" \
	    --data-binary "given_name=$e&$V" "$BASE/refer"
done
expect 400 "$S_GARBLED" "POST /refer bad escape in a key" "${FORM_CT[@]}" \
    --data-binary "giv%en_name=x&$V" "$BASE/refer"
expect 400 "$S_GARBLED" "POST /refer key over 128 bytes" "${FORM_CT[@]}" \
    --data-binary @"$D/longkey" "$BASE/refer"
expect 400 "$S_TOOMANY" "POST /refer needs=autism x 5000" "${FORM_CT[@]}" \
    --data-binary @"$D/rep5000" "$BASE/refer"
expect 400 "$S_TOOMANY" "POST /refer 600 fields with a token" "${FORM_CT[@]}" \
    --data-binary "form_token=$(fresh_token)&$V&$(cat "$D/rep600")" \
    "$BASE/refer"
expect 413 "$S_413" "POST /refer over 64 KiB (nginx)" "${FORM_CT[@]}" \
    --data-binary @"$D/over64k" "$BASE/refer"
expect 413 "$S_413" "POST /refer over 64 KiB chunked (nginx)" \
    "${FORM_CT[@]}" -H 'Transfer-Encoding: chunked' \
    --data-binary @"$D/over64k" "$BASE/refer"
expect 400 "$S_GARBLED" "POST /refer chunked body with a bad escape" \
    "${FORM_CT[@]}" -H 'Transfer-Encoding: chunked' \
    --data-binary "given_name=%G1&$V" "$BASE/refer"

# Content types.
expect 415 "$S_415" "POST /refer application/json" \
    -H 'Content-Type: application/json' \
    -d '{"given_name":"x","consent_data":"yes"}' "$BASE/refer"
expect 415 "$S_415" "POST /refer multipart/form-data" \
    -F "form_token=$(fresh_token)" -F given_name=x -F consent_data=yes \
    "$BASE/refer"
expect 415 "$S_415" "POST /refer text/plain" -H 'Content-Type: text/plain' \
    --data-binary "form_token=$(fresh_token)&$V" "$BASE/refer"
expect 415 "$S_415" "POST /refer text/xml" -H 'Content-Type: text/xml' \
    --data-binary '<a>x</a>' "$BASE/refer"
expect 415 "$S_415" "POST /refer a 5000-byte content type" \
    -H "Content-Type: $(head -c 5000 "$D/a64k")" --data-binary "$V" \
    "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer no content type" -H 'Content-Type:' \
    --data-binary "$V" "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer empty body" "${FORM_CT[@]}" \
    --data-binary '' "$BASE/refer"

# ---- 3. POST /refer: the fields, with a valid token ---------------------
for f in given_name family_name email phone postcode about gp_practice \
    access_needs language; do
	post_refer 422 "$S_UNREADABLE" "POST /refer invalid UTF-8 in $f" \
	    "$f=%FF%FEx"
done
post_refer 422 "$S_UNREADABLE" "POST /refer overlong UTF-8 (C0 AF)" \
    "given_name=%C0%AF"
post_refer 422 "$S_UNREADABLE" "POST /refer UTF-16 surrogate (ED A0 80)" \
    "given_name=%ED%A0%80"
post_refer 422 "$S_UNREADABLE" "POST /refer truncated UTF-8 (E2 82)" \
    "family_name=Smith%E2%82"
post_refer 422 "$S_UNREADABLE" "POST /refer above U+10FFFF (F4 90 80 80)" \
    "about=%F4%90%80%80"
post_refer 422 "$S_UNREADABLE" "POST /refer escape character (1B)" \
    "given_name=a%1Bb"
post_refer 422 "$S_UNREADABLE" "POST /refer invalid UTF-8 in a choice" \
    "preferred_contact=%FF"
post_refer 422 "$S_UNREADABLE" "POST /refer invalid UTF-8 in a check box" \
    "consent_data=%FF"
post_refer 422 "$S_CHOOSE" "POST /refer invalid UTF-8 in needs" \
    "needs=%FF"
post_refer 422 "$S_UNREADABLE" "POST /refer NUL in a name" \
    "given_name=ab%00cd"
post_refer 422 "$S_UNREADABLE" "POST /refer NUL first in a name" \
    "given_name=%00"
post_refer 422 "$S_UNREADABLE" "POST /refer NUL in about" \
    "about=line%0D%0A%00more"
post_refer 422 "$S_UNREADABLE" "POST /refer NUL in a choice" \
    "preferred_contact=email%00"
post_refer 422 "$S_CHOOSE" "POST /refer NUL in needs (autism%00x)" \
    "needs=autism%00x"
post_refer 422 "$S_CHOOSE" "POST /refer NUL in availability" \
    "availability=mon_am%00"
post_refer 422 "$S_CHOOSE" "POST /refer NUL in site" "site=1%00"
post_refer 422 "$S_CHOOSE" "POST /refer unknown need" "needs=astrology"
post_refer 422 "$S_CHOOSE" "POST /refer unknown site" "site=99999999999999999999"
post_refer 422 "must be 4000 characters or fewer" \
    "POST /refer 64 KiB about" "$(cat "$D/about64k")"
post_refer 422 "must be 100 characters or fewer" \
    "POST /refer 64 KiB first name" "$(cat "$D/name64k")"
post_refer 422 "$S_CHOOSE" "POST /refer 64 KiB need" "$(cat "$D/needs64k")"
post_refer 422 "$S_HONEYPOT" "POST /refer honeypot filled" "website=x"
post_refer 422 "Enter an email address in the right format" \
    "POST /refer CR LF in the email" "email=a%40example.com%0D%0ABcc:+x%40example.com"

# Issue 13 item 7: a line break (or any control character) in a one-line
# field is refused with a clear message, the typing kept, nothing stored.
# Before the fix given_name=Ann%0D%0ABcc:x was stored, and every email to
# that person then failed for good.
S_LINE="use letters, numbers and punctuation only; no line breaks"
nref0=$(sql "SELECT count(*) FROM referrals")
post_refer 422 "$S_LINE" "POST /refer CR LF in the first name (issue 13.7)" \
    "given_name=Ann%0D%0ABcc:x"
check "the CR LF first name is kept in the form" \
    grep -qF 'value="Ann' "$D/body"
check "the message links to the field" \
    grep -qF 'href="#given_name"' "$D/body"
for f in family_name gp_practice emergency_name language; do
	post_refer 422 "$S_LINE" "POST /refer LF in $f" "$f=a%0Ab"
done
post_refer 422 "$S_LINE" "POST /refer tab in the first name" \
    "given_name=Ann%09B"
post_refer 422 "$S_LINE" "POST /refer DEL in the last name" \
    "family_name=Smith%7F"
post_refer 422 "$S_LINE" "POST /refer C1 control (U+0085) in a name" \
    "given_name=Ann%C2%85"
post_refer 422 "line breaks only" "POST /refer tab in about" \
    "about=one%09two"
nref1=$(sql "SELECT count(*) FROM referrals")
check "no referral stored for a control character ($nref0 = $nref1)" \
    [ "$nref0" = "$nref1" ]

# ---- 4. Tokens ----------------------------------------------------------
expect 422 "$S_TOKEN" "POST /refer token missing" "${FORM_CT[@]}" \
    --data-binary "$V" "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer token empty" "${FORM_CT[@]}" \
    --data-binary "form_token=&$V" "$BASE/refer"
forged=$("$PY" -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("="))')
expect 422 "$S_TOKEN" "POST /refer token forged (random, right length)" \
    "${FORM_CT[@]}" --data-binary "form_token=$forged&$V" "$BASE/refer"
tok=$(fresh_token)
last=${tok: -1}
[ "$last" = A ] && flip=B || flip=A
expect 422 "$S_TOKEN" "POST /refer token with its last symbol changed" \
    "${FORM_CT[@]}" --data-binary "form_token=${tok%?}$flip&$V" \
    "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer token cut short" "${FORM_CT[@]}" \
    --data-binary "form_token=${tok:0:20}&$V" "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer token 2000 bytes long" "${FORM_CT[@]}" \
    --data-binary "form_token=$(head -c 2000 "$D/a64k")&$V" "$BASE/refer"
expect 422 "$S_TOKEN" "POST /refer token with invalid UTF-8" \
    "${FORM_CT[@]}" --data-binary "form_token=%FF%FE&$V" "$BASE/refer"
now=$(date +%s)
expect 422 "$S_EXPIRED" "POST /refer token expired (2 days old, signed)" \
    "${FORM_CT[@]}" --data-binary \
    "form_token=$(signed_token $((now - 2 * 86400)))&$V" "$BASE/refer"
expect 422 "$S_EXPIRED" "POST /refer token from the future (signed)" \
    "${FORM_CT[@]}" --data-binary \
    "form_token=$(signed_token $((now + 3600)))&$V" "$BASE/refer"
expect 303 "" "POST /refer token signed now (the forger's check works)" \
    "${FORM_CT[@]}" --data-binary \
    "form_token=$(signed_token "$now")&$V" "$BASE/refer"
# A used token gives the first answer again, never a second row.
tok=$(fresh_token)
n0=$(sql "SELECT count(*) FROM referrals")
loc1=$(curl -s -o /dev/null -w '%{redirect_url}' "${FORM_CT[@]}" \
    --data-binary "form_token=$tok&$V" "$BASE/refer")
loc2=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
    "${FORM_CT[@]}" --data-binary "form_token=$tok&given_name=Other&$V" \
    "$BASE/refer")
check "a used token answers 303 with the first ref ($loc2)" \
    [ "$loc2" = "303 $loc1" ]
check "and stores no second row" \
    [ "$(sql "SELECT count(*) FROM referrals")" = $((n0 + 1)) ]

# ---- 5. Methods ---------------------------------------------------------
for m in PUT DELETE PATCH OPTIONS; do
	expect 405 "$S_405_FORM" "$m /refer" -X "$m" --data-binary "$V" \
	    "$BASE/refer"
	for route in / /refer/thanks /healthz; do
		expect 405 "$S_405_OPEN" "$m $route" -X "$m" "$BASE$route"
	done
	expect 404 "$S_404" "$m /calendar/x.ics" -X "$m" "$BASE/calendar/x.ics"
	expect 404 "$S_404" "$m /no/such/page" -X "$m" "$BASE/no/such/page"
done
expect 405 "$S_405_FORM" "BREW /refer (made-up method)" -X BREW \
    "$BASE/refer"
expect 405 @human "TRACE / (nginx)" -X TRACE "$BASE/"

# ---- 6. Addresses and queries -------------------------------------------
long=$(head -c 2000 "$D/a64k")
expect 400 "$S_ADDR_LONG" "GET a 2000-byte path" "$BASE/$long"
expect 400 "$S_ADDR_LONG" "POST /refer/<2000 bytes>" -X POST \
    --data-binary "$V" "$BASE/refer/$long"
expect 414 @human "GET a 9000-byte address (nginx)" \
    "$BASE/$(head -c 9000 "$D/a64k")"
expect 404 "$S_NOREF" "GET /refer/thanks with a bad escape" \
    "$BASE/refer/thanks?ref=%ZZ"
expect 404 "$S_NOREF" "GET /refer/thanks with invalid UTF-8" \
    "$BASE/refer/thanks?ref=%FF%FE"
expect 404 "$S_NOREF" "GET /refer/thanks with a NUL" \
    "$BASE/refer/thanks?ref=ABCD%00-EFGH"
expect 404 "$S_NOREF" "GET /refer/thanks with a 6000-byte ref" \
    "$BASE/refer/thanks?ref=$(head -c 6000 "$D/a64k")"
expect 404 "$S_NOREF" "GET /refer/thanks with 600 query fields" \
    "$BASE/refer/thanks?$(cat "$D/rep600")ref=ABCD-EFGH"
expect 404 "$S_NOREF" "GET /refer/thanks without ref" "$BASE/refer/thanks"
expect 400 @human "GET /%00 (nginx)" "$BASE/%00"
expect 400 @human "GET /%zz (nginx)" "$BASE/%zz"
expect 400 @human "GET /static/../../etc/passwd (nginx)" --path-as-is \
    "$BASE/static/../../etc/passwd"
expect 404 @human "GET /static/no-such-file.css (nginx)" \
    "$BASE/static/no-such-file.css"
expect 404 "$S_404" "GET /%C0%AF (overlong slash)" "$BASE/%C0%AF"
expect 404 "$S_404" "GET /refer%0D%0ALocation:x" "$BASE/refer%0D%0ALocation:x"

# ---- 7. Headers and broken requests --------------------------------------
expect 400 @human "GET / with a 9000-byte header (nginx)" \
    -H "X-Big: $(head -c 9000 "$D/a64k")" "$BASE/"
expect 400 @human "GET / with a 20000-byte cookie (nginx)" \
    -H "Cookie: a=$(head -c 20000 "$D/a64k")" "$BASE/"
expect 400 @human "POST /refer with Content-Length: abc (nginx)" \
    -H 'Content-Length: abc' -X POST "$BASE/refer"
expect 400 @human "POST /refer with Content-Length: -1 (nginx)" \
    -H 'Content-Length: -1' -X POST "$BASE/refer"
expect 422 "$S_ERRORS" "POST /refer with a 6000-byte cookie" \
    -H "Cookie: s=$(head -c 6000 "$D/a64k")" "${FORM_CT[@]}" \
    --data-binary "form_token=$(fresh_token)&given_name=Cookie" \
    "$BASE/refer"
raw "GET / HTTP/1.1 without Host (nginx)" 400 'GET / HTTP/1.1\r\n\r\n'
raw "a garbage request line (nginx)" 400 'GARBAGE\r\n\r\n'
raw "a header without a colon (nginx)" 400 \
    'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n'
# Nothing is sent after the point nginx rejects: unread bytes would make
# its close a reset, which can lose the answer.
raw "POST /refer with a bad chunk size (nginx)" 400 \
    'POST /refer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n'
raw "POST /refer with Content-Length and chunked both (nginx)" 400 \
    'POST /refer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'

# ---- After the sweep -----------------------------------------------------
check "no 5xx among $NREQ requests ($N5XX)" [ "$N5XX" = 0 ]
expect 200 "ok" "GET /healthz still answers" "$BASE/healthz"
workers1=$(pgrep -P "$parent" | sort -n | tr '\n' ' ')
check "the workers are the same processes ($workers0)" \
    [ "$workers0" = "$workers1" ]
if grep -qE 'killed by signal|exited with|Assertion' \
    "$TVAR/log/tutti-fcgi.log"; then
	not_ok "the worker log shows no crash" "$(grep -E \
	    'killed by signal|exited with|Assertion' \
	    "$TVAR/log/tutti-fcgi.log" | head -n 3)"
else
	ok "the worker log shows no crash"
fi
ic=$(sql "PRAGMA integrity_check")
check "PRAGMA integrity_check is ok ($ic)" [ "$ic" = ok ]

finish
