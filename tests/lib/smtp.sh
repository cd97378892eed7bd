# tests/lib/smtp.sh: a real SMTP server (Debian's aiosmtpd, smtpd.py)
# for the integration scripts whose emails matter, and the helpers that
# read what it received.  Source it after stack.sh:
#   smtp_up          starts the server, exports TUTTI_SMTP_URL and
#                    TUTTI_MAIL_FROM for stack_up
#   smtp_down        stops it (its files are kept when a test failed)
#   smtp_stack_up [NAME=VALUE]...
#                    smtp_up, then stack_up with those variables in its
#                    environment only; both are stopped when the script
#                    exits
#   wait_until S CMD...        runs CMD every 0.1 s until it succeeds,
#                              for at most S seconds
#   count_to ADDR PART         messages to ADDR whose Subject holds PART
#   last_file ADDR PART        the newest such message's file
#   mail_link FILE PATH        the /PATH?t= link in an email, or ""
#   mail_text FILE             its Subject and plain text
SMTPD_PID=

smtp_up() {
	SMTP_PORT=$(free_port)
	SWORK=$(mktemp -d /tmp/tutti-smtp.XXXXXX)
	SMAIL=$SWORK/received
	mkdir -p "$SMAIL"
	$PY "$ROOT/tests/lib/smtpd.py" --port "$SMTP_PORT" --dir "$SMAIL" \
	    >"$SWORK/smtpd.log" 2>&1 &
	SMTPD_PID=$!
	wait_until 10 test -f "$SMAIL/ready" || {
		echo "Bail out! no SMTP server"
		exit 1
	}
	export TUTTI_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
	export TUTTI_MAIL_FROM='Tutti <noreply@tutti.test>'
}

smtp_down() {
	[ -n "$SMTPD_PID" ] && kill "$SMTPD_PID" 2>/dev/null
	wait 2>/dev/null
	SMTPD_PID=
	[ "$T_FAIL" -gt 0 ] || rm -rf "$SWORK"
}

smtp_stack_up() {
	local a
	for a in "$@"; do
		local -x "$a"
	done
	smtp_up
	trap smtp_down EXIT
	stack_up
	trap smtp_stack_down EXIT
}

smtp_stack_down() {
	stack_down
	smtp_down
}

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

count_to() {
	local n=0 f
	for f in $(grep " $1\$" "$SMAIL/index.txt" 2>/dev/null | cut -d' ' -f1); do
		grep -q "^Subject: .*$2" "$SMAIL/$f.eml" && n=$((n + 1))
	done
	echo $n
}

last_file() {
	local f
	for f in $(grep " $1\$" "$SMAIL/index.txt" 2>/dev/null | cut -d' ' -f1 | sort -r); do
		grep -q "^Subject: .*$2" "$SMAIL/$f.eml" && { echo "$SMAIL/$f.eml"; return; }
	done
}

# mail_link FILE PATH: the link to /PATH?t=TOKEN in email file FILE when
# its text and HTML parts carry the same one, else "".
mail_link() {
	$PY - "$1" "$2" <<'PY'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
t = m.get_body(('plain',)).get_content()
h = m.get_body(('html',)).get_content()
r = r'(http://[^\s"<>]*/' + sys.argv[2] + r'\?t=[A-Za-z0-9_-]+)'
a = re.findall(r, t)
b = re.findall(r, h)
print(a[0] if a and b and a[0] == b[0] else '')
PY
}

# mail_text FILE: the Subject and plain text of email file FILE.
mail_text() {
	$PY - "$1" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
print(m['Subject'])
print(m.get_body(('plain',)).get_content())
PY
}
