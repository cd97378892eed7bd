#!/bin/bash
# Online sessions (issue 17) through nginx on the demo: the demo's online
# series carries a video call link, set by a coordinator on the series
# page (an https address; anything else is refused with the typing
# kept); the booking email (text and HTML) carries it, its attached
# invitation does not; the client's own page shows it; the therapist's
# calendar feed never does.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }

series=$(sql "select s.id from series s join sites si on si.id = s.site_id where si.kind = 'online' and s.video_url != '' and s.status = 'active' order by s.id limit 1")
check "the demo has an online series with a video link" [ -n "$series" ]
url=$(sql "select video_url from series where id = $series")
rid=$(sql "select c.referral_id from series s join clients c on c.id = s.client_id where s.id = $series")

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]
c=$(web coord "$BASE/series/$series")
check "the series page answers 200" [ "$c" = 200 ]
check "it shows the link" has "<a href=\"$url\">"
check "with a form to change it" has 'name="video_url"'
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=video&video_url=meet.example.org/x" "$BASE/series/$series")
check "an address without https:// is refused (422)" [ "$c" = 422 ]
check "with the problem in the summary" has 'href="#v-video-url"'
check "and the typing kept" has 'value="meet.example.org/x"'
check "nothing changed" [ "$(sql "select video_url from series where id = $series")" = "$url" ]
new="https://meet.example.org/tutti/r-$series?pwd=a1"
c=$(web coord --data-urlencode "csrf=$csrf" --data "action=video" --data-urlencode "video_url=$new" "$BASE/series/$series")
check "an https address is saved (303)" [ "$c" = 303 ]
check "it is stored" [ "$(sql "select video_url from series where id = $series")" = "$new" ]
check "with an audit line" [ "$(sql "select count(*) from audit where action = 'video link set' and detail = 'series $series'")" -ge 1 ]

# The demo's booking email: the mailer writes it to a file.
for _ in $(seq 100); do
	[ "$(sql "select count(*) from outbox where kind = 'booking_confirmation' and dedupe_key like 'booking_confirmation:$series:%' and status = 'sent'")" -ge 1 ] && break
	sleep 0.2
done
f=$(grep -l "^Subject: Your music therapy sessions are booked" -r "$TVAR/mail" 2>/dev/null | xargs -r grep -l "${url#https://}" | head -n 1)
check "the booking email was sent" [ -n "$f" ]
out=$($PY - "$f" "$url" <<'PY'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
url = sys.argv[2]
t = m.get_body(('plain',)).get_content()
h = m.get_body(('html',)).get_content()
cal = ''.join(p.get_content() if isinstance(p.get_content(), str) else p.get_content().decode()
    for p in m.walk() if p.get_content_type() == 'text/calendar')
link = re.findall(r'(http://[^\s"<>]*/my\?t=[A-Za-z0-9_-]+)', t)
print('text' if 'Join the video call: ' + url in t else '-',
      'html' if 'href="' + url.replace('&', '&amp;') + '"' in h else '-',
      'cal' if url in cal or 'video.' in cal else ('nocal' if 'BEGIN:VCALENDAR' in cal else '-'),
      link[0] if link else '-')
PY
)
set -- $out
check "the text part carries the link" [ "${1:-}" = text ]
check "the HTML part links it" [ "${2:-}" = html ]
check "the attached invitation does not carry it" [ "${3:-}" = nocal ]
my=${4:--}
c=$(web anon "$my")
check "the client's own page answers 200" [ "$c" = 200 ]
check "it shows the link to join" has "<a href=\"$new\">Join the video call"

# The therapist's calendar feed never carries it.
email=$(sql "select u.email from series s join therapists t on t.id = s.therapist_id join users u on u.id = t.user_id where s.id = $series and u.active = 1")
if [ -n "$email" ]; then
	feed=$("$B/tuttictl" feed-url --email "$email" | grep -o '/calendar/[^[:space:]]*' | head -n 1)
	c=$(curl -s -o "$TVAR/feed.ics" -w '%{http_code}' "$BASE$feed")
	check "the therapist's feed answers 200" [ "$c" = 200 ]
	check "it has the series" grep -q "BEGIN:VEVENT" "$TVAR/feed.ics"
	check "it never carries the video link" [ "$(grep -c 'meet.example.org\|video\.' "$TVAR/feed.ics")" = 0 ]
else
	skip "the therapist's feed" "the series' therapist has no log-in"
fi
finish
