#!/bin/bash
# Email end to end: the real stack (nginx, workers, tutti-mailer) sending
# over SMTP to a test server on loopback (tests/lib/smtpd.py, Debian's
# aiosmtpd) that saves what it receives.
#
#   1. a self-referral's acknowledgement and the coordinators' notices
#      arrive with the right text and headers;
#   2. with the SMTP server stopped, messages stay queued (held, due,
#      their tries uncounted) and arrive once it is back;
#   3. the mailer killed with SIGKILL in the middle of a batch of 500:
#      after a restart all 500 arrive, and no more than one twice;
#   4. hostile names: encoded correctly, or refused (CR/LF) and never
#      sent; 5xx is failed at once, 4xx deferred;
#   5. with no SMTP URL, messages are written as .eml files; SIGTERM
#      stops the mailer cleanly.
#
# Waiting five minutes for a retry or a lease is simulated by moving
# not_before or lease_until into the past with sqlite3.
set -u
. "$(dirname "$0")/../lib/stack.sh"

SMTP_PORT=$(free_port)
SWORK=$(mktemp -d /tmp/tutti-smtp.XXXXXX)
SMAIL=$SWORK/received
SMTPD_PID=

smtpd_start() {
	rm -f "$SMAIL/ready"
	$PY "$ROOT/tests/lib/smtpd.py" --port "$SMTP_PORT" --dir "$SMAIL" \
	    "$@" >>"$SWORK/smtpd.log" 2>&1 &
	SMTPD_PID=$!
	for _ in $(seq 100); do
		[ -f "$SMAIL/ready" ] && return 0
		sleep 0.1
	done
	echo "Bail out! the test SMTP server did not start:"
	sed 's/^/# /' "$SWORK/smtpd.log"
	exit 1
}

smtpd_stop() {
	[ -n "$SMTPD_PID" ] || return 0
	kill "$SMTPD_PID" 2>/dev/null
	wait "$SMTPD_PID" 2>/dev/null
	SMTPD_PID=
}

cleanup() {
	stack_down
	smtpd_stop
	if [ "$T_FAIL" -gt 0 ] || [ -n "${KEEP:-}" ]; then
		echo "# SMTP server's folder kept in $SWORK"
	else
		rm -rf "$SWORK"
	fi
}

# wait_until SECONDS command...: 0 as soon as the command succeeds.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

queued_or_sending() { sql "select count(*) from outbox where status in ('queued', 'sending') and not_before <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"; }
nothing_due() { [ "$(queued_or_sending)" = 0 ]; }
received() { cat "$SMAIL/index.txt" 2>/dev/null | wc -l; }
# The saved file of the first message to recipient $1 ("" if none).
file_to() {
	local n
	n=$(grep -m1 " $1\$" "$SMAIL/index.txt" 2>/dev/null | cut -d' ' -f1)
	[ -n "$n" ] && echo "$SMAIL/$n.eml"
}
mailer_pid() { cat "$TVAR/run/tutti-mailer.pid" 2>/dev/null; }
mailer_restart() {
	rm -f "$TVAR/run/tutti-mailer.pid"
	TUTTI_TEMPLATES=$ROOT/templates TUTTI_MAIL_DIR=$TVAR/mail \
	    "$B/tutti-mailer" -p "$TVAR/run/tutti-mailer.pid" \
	    >>"$TVAR/log/tutti-mailer.log" 2>&1 &
	wait_until 10 test -s "$TVAR/run/tutti-mailer.pid"
}

# pycheck FILE WHAT ARGS...: runs the checks WHAT on one saved message and
# prints "PASS|desc" or "FAIL|desc|why" lines, turned into TAP here.
pycheck() {
	local line
	while IFS= read -r line; do
		case $line in
		PASS\|*) ok "${line#PASS|}" ;;
		FAIL\|*) line=${line#FAIL|}; not_ok "${line%%|*}" "${line#*|}" ;;
		*) not_ok "message check crashed" "$line" ;;
		esac
	done < <($PY - "$@" 2>&1 <<'EOF'
import email, email.header, email.policy, email.utils, re, sys, time
path, what = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
raw = open(path, 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)

def check(desc, cond, why=''):
    why = str(why).replace('\r', '\\r').replace('\n', '\\n')
    print(('PASS|%s' % desc) if cond else ('FAIL|%s|%s' % (desc, why)))

def body(kind):
    p = m.get_body((kind,))
    return p.get_content() if p is not None else ''

check(what + ': every line ends in CRLF',
      b'\n' not in raw.replace(b'\r\n', b'') and b'\r' not in raw.replace(b'\r\n', b''))
check(what + ': the message is 7-bit', all(b < 128 for b in raw))
head = raw.split(b'\r\n\r\n', 1)[0].decode('ascii', 'replace')
check(what + ': header lines within 78 columns',
      max(len(l) for l in head.split('\r\n')) <= 78, head)
mid = m['Message-ID']
check(what + ': one Message-ID', len(m.get_all('Message-ID', [])) == 1)
d = email.utils.parsedate_to_datetime(m['Date'])
check(what + ': a Date', d is not None and abs(d.timestamp() - time.time()) < 600, m['Date'])
check(what + ': MIME-Version 1.0', m['MIME-Version'] == '1.0')
check(what + ': multipart/alternative of text and HTML',
      m.get_content_type() == 'multipart/alternative' and
      [p.get_content_type() for p in m.iter_parts()] == ['text/plain', 'text/html'] and
      all(p.get_content_charset() == 'utf-8' for p in m.iter_parts()),
      str([p.get_content_type() for p in m.iter_parts()]))
check(what + ': From is the setting', str(m['From']) == 'Tutti Music Therapy <hello@tutti.test>', str(m['From']))
check(what + ': no Bcc or Cc', m['Bcc'] is None and m['Cc'] is None)
to = m['To'].addresses
plain, html = body('plain'), body('html')
# The text a person reads, without the random link tokens (a token can
# hold any letters, "Ng" or "ramp" too).
both = re.sub(r'([?&]t=)[A-Za-z0-9_-]+', r'\1', plain + html)

if what == 'ack':
    ref, msgid, name, addr, base, rid = args
    check('ack: Subject carries the reference', m['Subject'] == 'We have your referral: ' + ref, m['Subject'])
    check('ack: To is the person, name decoded',
          len(to) == 1 and to[0].display_name == name and to[0].addr_spec == addr, str(m['To']))
    check('ack: the Message-ID is the one queued', mid == msgid, '%s != %s' % (mid, msgid))
    check('ack: the text has the reference', ref in plain and ref in html)
    check('ack: the text says what happens next', 'What happens next' in plain and 'What happens next' in html)
    check('ack: the text has the crisis numbers',
          all(n in plain and n in html for n in ('999', 'NHS 111', '116 123')))
    check('ack: no health details or other answers',
          not any(s in both for s in ('calmer', 'Autism', 'autism', 'Dementia', 'dementia',
                                      'Park Surgery', 'SW1A', '07700', 'ramp', 'Ng')))
    u = re.findall(re.escape(base) + r'/unsubscribe\?t=([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])', plain)
    check('ack: an unsubscribe link with a signed token', len(u) == 1, repr(plain[-300:]))
    check('ack: the same link in the HTML', u and (base + '/unsubscribe?t=' + u[0]) in html)
    check('ack: List-Unsubscribe with one-click POST',
          u and str(m['List-Unsubscribe']).strip() == '<%s/unsubscribe?t=%s>' % (base, u[0]) and
          m['List-Unsubscribe-Post'] == 'List-Unsubscribe=One-Click', str(m['List-Unsubscribe']))
elif what == 'new':
    ref, base, rid, client = args
    check('notice: Subject has the reference, not the name',
          m['Subject'] == 'New referral ' + ref, m['Subject'])
    check('notice: a link to the referral', '%s/referrals/%s' % (base, rid) in plain and
          '%s/referrals/%s' % (base, rid) in html)
    check('notice: no client name or health details',
          client not in both and 'calmer' not in both and 'ementia' not in both)
    check('notice: no unsubscribe header (staff)', m['List-Unsubscribe'] is None)
elif what == 'hostile':
    name, addr = args
    check('hostile name: exactly one recipient, the right one',
          len(to) == 1 and to[0].addr_spec == addr, str(m['To']))
    # Python's address parser keeps the blanks between encoded words of a
    # display name (RFC 2047 says to drop them): decode the phrase with
    # email.header, which follows the RFC.
    hdr = raw.split(b'\r\n\r\n', 1)[0].decode('ascii')
    unfolded = re.sub(r'\r\n(?=[ \t])', '', hdr).split('\r\n')
    tol = [l[3:].strip() for l in unfolded if l.startswith('To:')][0]
    mm = re.match(r'^(.*) <([^<>]+)>$', tol)
    phrase = mm.group(1) if mm else ''
    decoded = str(email.header.make_header(email.header.decode_header(phrase)))
    check('hostile name: decodes to what was stored', decoded == name, repr(decoded))
    check('hostile name: written as encoded words only',
          re.fullmatch(r'(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= ?)+', phrase) is not None, phrase)
    check('hostile name: greeted by name in the text', ('Hello ' + name) in plain, plain[:200])
    check('hostile name: escaped in the HTML',
          '<evil@' not in html and '&lt;evil@example.com&gt;' in html, html[:800])
EOF
)
}

trap cleanup EXIT
smtpd_start
export TUTTI_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export TUTTI_MAIL_FROM='Tutti Music Therapy <hello@tutti.test>'
# The demo's history holds emails sent before today: only those sent from
# now on reach this server.
T0=$(date -u +%FT%TZ)
stack_up
trap cleanup EXIT

W=$TVAR/work
mkdir -p "$W"
code() { curl -s -o "$W/body" -D "$W/head" -w '%{http_code}' "$@"; }

# The form as a person fills it in; $1 the token, $2 given name, $3 email.
refer() {
	code "$BASE/refer" >/dev/null
	local tok
	tok=$(form_token "$W/body")
	code --data "form_token=$tok&given_name=$1&family_name=Ng&email=$2&phone=07700+900+982&postcode=sw1a1aa&date_of_birth=1980-05-01&preferred_contact=email&needs=autism&needs=dementia&about=I+hope+to+feel+calmer&availability=mon_am&session_type=group&access_needs=A+ramp&gp_practice=Park+Surgery&emergency_name=Sam&emergency_phone=07700900111&consent_data=yes&consent_contact=yes&website=" "$BASE/refer" >/dev/null
	grep -i '^location:' "$W/head" | tr -d '\r' | sed 's/.*ref=//'
}

# The supervisor writes the mailer's pid once it has started it: under
# the sanitizers that can come after stack_up returns.
wait_until 10 test -s "$TVAR/run/tutti-mailer.pid"
check "the mailer is running" kill -0 "$(mailer_pid)"
# The demo data's emails go out first.
wait_until 30 nothing_due
# Every kind of email is known now: those due are all sent (a move or
# cancellation notice waits out its grace period first).
check "the demo data's emails were all sent" \
    [ "$(sql "select count(*) from outbox where status != 'sent' and not_before <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")" = 0 ]
check "the demo data's emails arrived" [ "$(received)" = "$(sql "select count(*) from outbox where status = 'sent' and sent_at >= '$T0'")" ]
check "no demo email failed" \
    [ "$(sql "select count(*) from outbox where status = 'failed'")" = 0 ]

# --- 1. the acknowledgement and the notices
ref=$(refer 'Zo%C3%AB' 'zoe%40example.com')
check "a referral is stored" [ -n "$ref" ]
rid=$(sql "select id from referrals where ref = '$ref'")
wait_until 20 nothing_due
ack=$(file_to zoe@example.com)
check "the acknowledgement arrived" [ -n "$ack" ]
if [ -n "$ack" ]; then
	msgid=$(sql "select message_id from outbox where referral_id = $rid and kind = 'referral_ack'")
	pycheck "$ack" ack "$ref" "$msgid" "Zoë" zoe@example.com "$BASE" "$rid"
fi
check "the acknowledgement row is marked sent once" \
    [ "$(sql "select status || attempts from outbox where referral_id = $rid and kind = 'referral_ack'")" = sent1 ]
ncoord=$(sql "select count(*) from users where role = 'coordinator' and active = 1")
nnew=$(grep -c . <(for n in $(sql "select to_addr from outbox where referral_id = $rid and kind = 'referral_new' and status = 'sent'"); do file_to "$n"; done))
check "each coordinator's notice arrived" [ "$nnew" = "$ncoord" ] && [ "$ncoord" -gt 0 ]
caddr=$(sql "select to_addr from outbox where referral_id = $rid and kind = 'referral_new' limit 1")
# The coordinator's notice for this referral (the newest message to them).
cfile=$(grep " $caddr\$" "$SMAIL/index.txt" | tail -n 1 | cut -d' ' -f1)
[ -n "$cfile" ] && pycheck "$SMAIL/$cfile.eml" new "$ref" "$BASE" "$rid" "Zoë"

# --- 2. the SMTP server stopped
smtpd_stop
before=$(received)
ref2=$(refer 'Sam' 'sam%40example.com')
rid2=$(sql "select id from referrals where ref = '$ref2'")
n2=$(sql "select count(*) from outbox where referral_id = $rid2")
tried2() { [ "$(sql "select count(*) from outbox where referral_id = $rid2 and last_error like 'SMTP%'")" -gt 0 ]; }
wait_until 20 tried2
sleep 1
check "server down: nothing is marked sent" \
    [ "$(sql "select count(*) from outbox where referral_id = $rid2 and status = 'sent'")" = 0 ]
check "server down: every message stays queued" \
    [ "$(sql "select count(*) from outbox where referral_id = $rid2 and status = 'queued'")" = "$n2" ]
# Issue 14: not the message's fault: its try is not counted and it
# stays due, to go as soon as the server is back.
row=$(sql "select attempts, last_error like 'SMTP%', not_before <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now') from outbox where referral_id = $rid2 and last_error like 'SMTP%' limit 1")
check "server down: a tried message is held, due, its try uncounted" [ "$row" = "0|1|1" ]
check "server down: the mailer keeps running" kill -0 "$(mailer_pid)"
check "server down: the mailer logs it" grep -q 'mail server is unavailable' "$TVAR/log/tutti-mailer.log"
smtpd_start
# No clock moved: the held messages go once the mailer's pause ends.
wait_until 90 nothing_due
check "server back: every queued message is sent" \
    [ "$(sql "select count(*) from outbox where referral_id = $rid2 and status = 'sent'")" = "$n2" ]
check "server back: each arrived once" [ "$(($(received) - before))" = "$n2" ]
check "server back: the acknowledgement arrived" [ -n "$(file_to sam@example.com)" ]

# --- 3. SIGKILL in the middle of a batch of 500
smtpd_stop
smtpd_start --delay 0.004
sql "with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)
insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at)
select 'batch:' || i, 'referral_new', 'c' || i || '@example.com', 'Coordinator ' || i, $rid,
       '<batch-' || i || '@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') from n"
batch_in() { grep -c ' c[0-9]*@example.com$' "$SMAIL/index.txt"; }
hundred_in() { [ "$(batch_in)" -ge 100 ]; }
wait_until 60 hundred_in
pid=$(mailer_pid)
kill -KILL "$pid"
wait_until 5 sh -c "! kill -0 $pid 2>/dev/null"
at_kill=$(batch_in)
check "the mailer was killed mid-batch ($at_kill of 500 in)" [ "$at_kill" -ge 100 ] && [ "$at_kill" -lt 500 ]
held=$(sql "select coalesce(group_concat(id), '0') from outbox where dedupe_key like 'batch:%' and status = 'sending'")
sending=$(sql "select count(*) from outbox where id in ($held)")
check "at most one message was in hand ($sending)" [ "$sending" -le 1 ]
nsent=$(sql "select count(*) from outbox where dedupe_key like 'batch:%' and status = 'sent'")
check "every message marked sent had arrived" [ "$nsent" -le "$at_kill" ]
# The dead mailer's lease ends (five minutes pass).
sql "update outbox set lease_until = '2000-01-01T00:00:00Z' where id in ($held) and status = 'sending'"
smtpd_stop
smtpd_start
# Issue 14: the stack restarts a mailer that died.
restarted() { p=$(mailer_pid); [ -n "$p" ] && [ "$p" != "$pid" ] && kill -0 "$p" 2>/dev/null; }
wait_until 10 restarted
check "the stack restarted the killed mailer" restarted
batch_sent() { [ "$(sql "select count(*) from outbox where dedupe_key like 'batch:%' and status = 'sent'")" = 500 ]; }
wait_until 120 batch_sent
check "after a restart all 500 are marked sent" \
    [ "$(sql "select count(*) from outbox where dedupe_key like 'batch:%' and status = 'sent'")" = 500 ]
total=$(batch_in)
distinct=$(grep ' c[0-9]*@example.com$' "$SMAIL/index.txt" | cut -d' ' -f1 | sed "s|^|$SMAIL/|; s|\$|.eml|" | xargs cat | grep '^Message-ID: <batch-' | sort -u | wc -l)
check "all 500 arrived ($distinct distinct)" [ "$distinct" = 500 ]
check "no more than one arrived twice ($total received)" [ "$total" -le 501 ]

# --- 4. hostile names, refusals
hostile='Zoë "Eve" <evil@example.com>, Bcc: victim@example.com =?utf-8?q?x?='
sql "insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at) values
 ('hostile:1', 'referral_ack', 'hostile1@example.com', '$(printf '%s' "$hostile" | sed "s/'/''/g")', $rid, '<hostile-1@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
 ('hostile:2', 'referral_ack', 'hostile2@example.com', 'Eve' || char(13) || char(10) || 'Bcc: victim@example.com', $rid, '<hostile-2@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
 ('hostile:3', 'referral_ack', 'hostile3@example.com', 'Eve' || char(10) || 'To: victim@example.com', $rid, '<hostile-3@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
 ('reject:1', 'referral_ack', 'reject@example.com', 'R', $rid, '<reject-1@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
 ('later:1', 'referral_ack', 'later@example.com', 'L', $rid, '<later-1@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
settled() { [ "$(sql "select count(*) from outbox where dedupe_key in ('hostile:1', 'hostile:2', 'hostile:3', 'reject:1', 'later:1') and attempts > 0 and status != 'sending'")" = 5 ]; }
wait_until 20 settled
h=$(file_to hostile1@example.com)
check "a hostile name (quotes, brackets, comma, =?) is sent" [ -n "$h" ]
[ -n "$h" ] && pycheck "$h" hostile "$hostile" hostile1@example.com
check "a name with CR LF is refused, never sent" \
    [ "$(sql "select status || '|' || (last_error like '%refused%') from outbox where dedupe_key = 'hostile:2'")" = "failed|1" ]
check "a name with LF is refused, never sent" \
    [ "$(sql "select status from outbox where dedupe_key = 'hostile:3'")" = failed ]
check "no message went to the refused rows or an injected address" \
    sh -c "! grep -qE 'hostile2|hostile3|victim' '$SMAIL/index.txt'"
check "a 5xx rejection is failed at once" \
    [ "$(sql "select status || '|' || attempts || '|' || (last_error like '%550%') from outbox where dedupe_key = 'reject:1'")" = "failed|1|1" ]
row=$(sql "select status, attempts, last_error like '%451%', (julianday(not_before) - julianday('now')) * 86400 between 250 and 305 from outbox where dedupe_key = 'later:1'")
check "a 4xx refusal is deferred by five minutes" [ "$row" = "queued|1|1|1" ]
sleep 2
check "a 5xx rejection is not retried" \
    [ "$(sql "select attempts from outbox where dedupe_key = 'reject:1'")" = 1 ]

# --- 5. SIGTERM mid-batch; STARTTLS; no SMTP URL: .eml files
# The server keeps each message 0.2 s before it answers, so the stop
# comes while one is taken but not yet answered: the mailer must wait
# for that answer and record the message as sent.
smtpd_stop
smtpd_start --delay 0.2
sql "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300)
insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at)
select 'term:' || i, 'referral_new', 't' || i || '@example.com', 'T', $rid,
       '<term-' || i || '@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') from n"
term_in() { grep -c ' t[0-9]*@example.com$' "$SMAIL/index.txt"; }
twenty_in() { [ "$(term_in)" -ge 20 ]; }
wait_until 30 twenty_in
pid=$(mailer_pid)
kill -TERM "$pid"
wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
check "SIGTERM stops the mailer mid-batch" sh -c "! kill -0 $pid 2>/dev/null"
check "the mailer says it stopped and removes its pid file" \
    sh -c "tail -n 3 '$TVAR/log/tutti-mailer.log' | grep -q 'stopped' && [ ! -e '$TVAR/run/tutti-mailer.pid' ]"
tin=$(term_in)
check "it finished the message in hand: none left sending" \
    [ "$(sql "select count(*) from outbox where dedupe_key like 'term:%' and status = 'sending'")" = 0 ]
check "every message that arrived is marked sent ($tin)" \
    [ "$(sql "select count(*) from outbox where dedupe_key like 'term:%' and status = 'sent'")" = "$tin" ]
check "the rest wait, queued" [ "$tin" -lt 300 ] && \
    [ "$(sql "select count(*) from outbox where dedupe_key like 'term:%' and status = 'queued' and attempts = 0")" = $((300 - tin)) ]
sql "delete from outbox where dedupe_key like 'term:%' and status = 'queued'"
smtpd_stop
smtpd_start
# STARTTLS is required to any host but a loopback one: the test server
# offers none, so nothing may be sent to it by a name that is not
# "localhost" or an address in 127.0.0.0/8, even when it resolves there.
h=$(hostname)
if [ -n "$h" ] && [ "$h" != localhost ] && getent hosts "$h" | grep -q '^127\.0\.0\.1[[:space:]]'; then
	(TUTTI_SMTP_URL=smtp://$h:$SMTP_PORT; mailer_restart)
	sql "insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at) values
	 ('tls:1', 'referral_new', 'tls@example.com', 'T', $rid, '<tls-1@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	tls_tried() { [ "$(sql "select attempts from outbox where dedupe_key = 'tls:1'")" -gt 0 ]; }
	wait_until 20 tls_tried
	check "to a non-loopback host STARTTLS is required: not sent, deferred" \
	    [ "$(sql "select status || '|' || (last_error like '%STARTTLS%' or last_error like '%SSL%') from outbox where dedupe_key = 'tls:1'")" = "queued|1" ]
	check "nothing went out in plain text" sh -c "! grep -q tls@example.com '$SMAIL/index.txt'"
	pid=$(mailer_pid)
	kill -TERM "$pid"
	wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
else
	ok "STARTTLS required to a non-loopback host # SKIP $h does not resolve to 127.0.0.1"
	ok "nothing went out in plain text # SKIP"
fi
(unset TUTTI_SMTP_URL; mailer_restart)
sql "insert into outbox (dedupe_key, kind, to_addr, to_name, referral_id, message_id, not_before, created_at) values
 ('file:1', 'referral_new', 'file@example.com', 'F', $rid, '<file-1@tutti.test>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
wait_until 20 test -s "$TVAR/mail/file-1@tutti.test.eml"
check "with no SMTP URL the message is a file in VAR/mail" test -s "$TVAR/mail/file-1@tutti.test.eml"
check "the file is the message, CRLF and all" \
    grep -qxF "Message-ID: <file-1@tutti.test>$(printf '\r')" "$TVAR/mail/file-1@tutti.test.eml"
check "its row is marked sent" [ "$(sql "select status from outbox where dedupe_key = 'file:1'")" = sent ]
check "no sanitizer or other error in the mailer's log" \
    sh -c "! grep -qE 'ERROR|runtime error|Sanitizer' '$TVAR/log/tutti-mailer.log'"
finish
