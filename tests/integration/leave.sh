#!/bin/bash
# Leave that acts on what it hits (issue 17) through nginx, on the demo:
# adding leave over booked sessions lists them with ready choices;
# "cancel and tell" for all, in one confirmation, cancels each and queues
# one email a client and one for the therapist; the same confirmation
# sent twice at once by two coordinators gives one result; a move to a
# suggested free time and a hand-over to a suggested cover work too.
set -u
. "$(dirname "$0")/../lib/stack.sh"
TUTTI_CHANGE_GRACE=600 stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }
# feed_token TID [KIND]: a new calendar feed token for therapist TID (or
# the KIND site's, a partner's), only its SHA-256 stored, as tuttictl
# feed-url stores it.
feed_token() {
	local tok hash
	tok=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	hash=$(printf %s "$tok" | sha256sum | cut -c1-64)
	sql "insert into feeds (kind, owner_id, token_hash, created_at) values ('${2:-therapist}', $1, X'$hash', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) on conflict (kind, owner_id) do update set token_hash = excluded.token_hash"
	echo "$tok"
}
# event_of NAME UIDPART: the VEVENT of feed NAME whose UID holds UIDPART.
event_of() {
	awk -v u="$2" '/^BEGIN:VEVENT/{e=""} {e=e $0 "\n"} /^END:VEVENT/ && index(e, "UID:" u) {printf "%s", e}' "$TVAR/feed.$1"
}
# feed_get TOKEN NAME [curl args]: the feed into $TVAR/feed.NAME, its
# headers into $TVAR/feedh.NAME; prints the status.
feed_get() {
	local tok=$1 name=$2
	shift 2
	curl -s -o "$TVAR/feed.$name" -D "$TVAR/feedh.$name" -w '%{http_code}' \
	    "$@" "$BASE/calendar/$tok.ics"
	tr -d '\r' < "$TVAR/feed.$name" > "$TVAR/feed.$name.lf" && mv "$TVAR/feed.$name.lf" "$TVAR/feed.$name"
}
etag_of() { grep -i '^etag:' "$TVAR/feedh.$1" | tr -d '\r' | sed 's/^[Ee][Tt][Aa][Gg]: //'; }

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]
c=$(staff_login kofi kofi@tutti.example demo-coordinator-2026)
check "a second coordinator signs in" [ "$c" = 303 ]

# Thea (who signs in, so she can be emailed), from the day after
# tomorrow for a week; the demo's own leave and closures there cleared.
thea=$(sql "select id from therapists where name = 'Thea Therapist'")
from=$(date -d "+2 days" +%F)
to=$(date -d "+8 days" +%F)
sql "delete from therapist_leave where therapist_id = $thea; delete from site_closures where last_day >= '$from' and first_day <= '$to'"
hits=$(sql "select count(*) from occurrences where therapist_id = $thea and occ_date between '$from' and '$to' and state != 'cancelled'")
check "Thea has sessions in that week ($hits)" [ "$hits" -gt 0 ]

web coord "$BASE/therapists/$thea" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=leave_add&first_day=$from&last_day=$to&reason=Off+sick" "$BASE/therapists/$thea")
check "adding leave answers 303" [ "$c" = 303 ]
check "on to the sessions it hits" [ "$(location)" = "/therapists/$thea/leave?done=added" ]
c=$(web coord "$BASE/therapists/$thea/leave?done=added")
check "the page answers 200" [ "$c" = 200 ]
check "it says the leave was added" has "The leave was added."
n=$(grep -c 'name="s" value=' "$TVAR/body")
check "it lists every session the leave hits ($n of $hits)" [ "$n" = "$hits" ]
check "each with cancel and tell the client" has "Cancel it and tell the client"
check "the reason is not shown to the client" has "Clients are not shown it."

# The form as sent: cancel and tell, for every one.
body="csrf=$csrf&reason=Therapist+unwell"
for s in $(grep -o 'name="s" value="[^"]*"' "$TVAR/body" | sed 's/.*value="//; s/"$//'); do
	k=${s/:/-}
	body="$body&s=$s&do-$k=cancel"
done
clients=$(sql "select count(distinct r.id) from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id join referrals r on r.id = c.referral_id where o.therapist_id = $thea and o.occ_date between '$from' and '$to' and o.state != 'cancelled' and r.consent_contact = 1 and r.email != ''")
notices=$(sql "select count(*) from occurrences o join series s on s.id = o.series_id join clients c on c.id = s.client_id join referrals r on r.id = c.referral_id where o.therapist_id = $thea and o.occ_date between '$from' and '$to' and o.state != 'cancelled' and r.consent_contact = 1 and r.email != ''")
before=$(sql "select count(*) from outbox where kind = 'session_cancelled'")
csrf2=$(web kofi "$BASE/therapists/$thea/leave" >/dev/null; csrf_of)
body2=${body/csrf=$csrf/csrf=$csrf2}
# Two coordinators confirm the same choices at the same moment.
(curl -s -b "$TVAR/coord.jar" -o /dev/null -w '%{http_code}\n' --data "$body" "$BASE/therapists/$thea/leave" > "$TVAR/r1") &
(curl -s -b "$TVAR/kofi.jar" -o /dev/null -w '%{http_code}\n' --data "$body2" "$BASE/therapists/$thea/leave" > "$TVAR/r2") &
wait
r=$(cat "$TVAR/r1" "$TVAR/r2" | sort | tr '\n' ' ')
check "one confirmation applies and the other is refused ($r)" [ "$r" = "303 409 " ]
check "every session hit is cancelled" [ "$(sql "select count(*) from occurrences where therapist_id = $thea and occ_date between '$from' and '$to' and state != 'cancelled'")" = 0 ]
check "each with its reason" [ "$(sql "select count(*) from exceptions x join series s on s.id = x.series_id where s.therapist_id = $thea and x.occ_date between '$from' and '$to' and x.kind = 'cancelled' and x.reason = 'Therapist unwell' and x.by_whom = 'therapist'")" = "$hits" ]
after=$(sql "select count(*) from outbox where kind = 'session_cancelled'")
check "one cancellation notice a session a client ($((after - before)) of $notices, $clients clients)" [ "$((after - before))" = "$notices" ]
check "one email for Thea" [ "$(sql "select count(*) from outbox where kind = 'therapist_changes' and dedupe_key like 'therapist-changes:$thea:%'")" = 1 ]
check "the emails wait for the grace period" [ "$(sql "select count(*) from outbox where kind in ('session_cancelled', 'therapist_changes') and not_before <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+300 seconds') and status = 'queued'")" = 0 ]
c=$(web coord "$BASE/therapists/$thea/leave?done=applied")
check "afterwards nothing is left to rearrange" has "No booked session still to come falls on it."
check "and the banner says when the emails go" has "will be emailed in 10 minutes"

# When the grace period is over, Thea's one email lists the changes.
sql "update outbox set not_before = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 seconds') where kind = 'therapist_changes'"
for i in $(seq 1 30); do
	[ "$(sql "select status from outbox where kind = 'therapist_changes' and dedupe_key like 'therapist-changes:$thea:%'")" = sent ] && break
	sleep 0.5
done
check "Thea's email is sent" [ "$(sql "select status from outbox where kind = 'therapist_changes' and dedupe_key like 'therapist-changes:$thea:%'")" = sent ]
eml=$(grep -l "Subject: Changes to your sessions" -r "$TVAR/mail" 2>/dev/null | head -n 1)
check "it is the changes to her sessions" [ -n "$eml" ]
[ -n "$eml" ] && check "it lists each cancelled session" [ "$(grep -c ': cancelled' "$eml")" -ge "$hits" ]

# A second therapist: move one session to a suggested free time and
# hand another to a suggested cover, in one confirmation.
t2=$(sql "select o.therapist_id from occurrences o join therapists t on t.id = o.therapist_id where o.occ_date between '$from' and '$to' and o.state = 'booked' and o.therapist_id != $thea group by o.therapist_id having count(*) >= 2 order by count(*) desc limit 1")
sql "delete from therapist_leave where therapist_id = $t2; insert into therapist_leave (therapist_id, first_day, last_day, reason) values ($t2, '$from', '$to', 'Training')"
c=$(web coord "$BASE/therapists/$t2/leave")
check "another therapist's leave lists their sessions" [ "$c" = 200 ]
moves=$(grep -o '<select id="move-[^"]*" name="move-[^"]*"><option value="[^"]*"' "$TVAR/body" | head -n 1)
mkey=$(echo "$moves" | sed 's/.*name="move-\([^"]*\)".*/\1/')
mval=$(echo "$moves" | sed 's/.*option value="\([^"]*\)"/\1/')
check "a free time is suggested for a move ($mval)" [ -n "$mval" ]
body="csrf=$csrf&reason=Training"
for s in $(grep -o 'name="s" value="[^"]*"' "$TVAR/body" | sed 's/.*value="//; s/"$//'); do
	k=${s/:/-}
	if [ "$k" = "$mkey" ]; then
		body="$body&s=$s&do-$k=move&move-$k=$(echo "$mval" | sed 's/ /+/')"
	else
		body="$body&s=$s&do-$k=later"
	fi
done
c=$(web coord --data "$body" "$BASE/therapists/$t2/leave")
check "moving to a suggested free time answers 303" [ "$c" = 303 ]
series=${mkey%%-*}
odate=${mkey#*-}
check "the session is moved to that time" [ "$(sql "select state from occurrences where series_id = $series and occ_date = '$odate'")" = moved ]
# Cover: the first suggestion for the first session that has one.
c=$(web coord "$BASE/therapists/$t2/leave")
cov=$(grep -o '<select id="cover-[^"]*" name="cover-[^"]*"><option value="[^"]*"' "$TVAR/body" | head -n 1)
if [ -n "$cov" ]; then
	ckey=$(echo "$cov" | sed 's/.*name="cover-\([^"]*\)".*/\1/')
	cval=$(echo "$cov" | sed 's/.*option value="\([^"]*\)"/\1/')
	check "a cover suggestion gives its reasons" has "works here then and is free"
else
	# No suggestion in this week's data: any therapist free then.
	s1=$(grep -o 'name="s" value="[^"]*"' "$TVAR/body" | sed 's/.*value="//; s/"$//' | grep -v "^$series:$odate\$" | head -n 1)
	ckey=${s1/:/-}
	cval=$(sql "select t.id from therapists t, occurrences o where o.series_id = ${ckey%%-*} and o.occ_date = '${ckey#*-}' and t.active = 1 and t.id != $t2 and not exists (select 1 from occurrences b where b.therapist_id = t.id and b.state != 'cancelled' and b.start_utc < o.end_utc and b.end_utc > o.start_utc) and not exists (select 1 from therapist_leave l where l.therapist_id = t.id and o.occ_date between l.first_day and l.last_day) order by t.id limit 1")
fi
if [ -n "$ckey" ] && [ -n "$cval" ]; then
	# An online link on the series: it must never reach a feed.
	sql "update series set video_url = 'https://meet.example/cover-test' where id = ${ckey%%-*}"
	# Both therapists' calendar feeds, read once before the hand-over.
	ftok_o=$(feed_token "$t2")
	ftok_c=$(feed_token "$cval")
	c=$(feed_get "$ftok_o" orig0)
	etag_o=$(etag_of orig0)
	c=$(feed_get "$ftok_c" cover0)
	etag_c=$(etag_of cover0)
	check "both feeds answer before the hand-over" [ -n "$etag_o" ] && [ -n "$etag_c" ]
	# And the partner site's feed of the session's site.
	csite=$(sql "select site_id from series where id = ${ckey%%-*}")
	ftok_s=$(feed_token "$csite" site)
	c=$(feed_get "$ftok_s" site0)
	etag_s=$(etag_of site0)
	c=$(web coord --data "csrf=$csrf&reason=Training&s=${ckey/-/:}&do-$ckey=cover&cover-$ckey=$cval" "$BASE/therapists/$t2/leave")
	check "handing to cover answers 303" [ "$c" = 303 ]
	check "the session is now the cover therapist's" [ "$(sql "select therapist_id from occurrences where series_id = ${ckey%%-*} and occ_date = '${ckey#*-}'")" = "$cval" ]
	cday=${ckey#*-}
	c=$(feed_get "$ftok_c" cover1 -H "If-None-Match: $etag_c")
	check "the cover's feed changed: 200, not 304, with the old ETag ($c)" [ "$c" = 200 ]
	check "with a new ETag" [ "$(etag_of cover1)" != "$etag_c" ]
	check "the cover's feed has the session on that date" grep -q "^DTSTART;TZID=[^:]*:${cday//-/}T" "$TVAR/feed.cover1"
	check "as an event of its own" grep -q "^UID:cover-$cday-" "$TVAR/feed.cover1"
	check "named by initials and reference only" bash -c "awk '/^BEGIN:VEVENT/{e=\"\"} {e=e \$0 \"\\n\"} /^END:VEVENT/ && e ~ /UID:cover-$cday-/ {print e}' '$TVAR/feed.cover1' | grep -Eq '^SUMMARY:Music therapy: ([A-Z]\\.)+( \\(|$)'"
	check "with no video link" bash -c "! grep -q 'meet.example' '$TVAR/feed.cover1'"
	c=$(feed_get "$ftok_o" orig1 -H "If-None-Match: $etag_o")
	check "the original's feed changed: 200, not 304, with the old ETag ($c)" [ "$c" = 200 ]
	check "with a new ETag" [ "$(etag_of orig1)" != "$etag_o" ]
	check "the original's feed no longer has that session live" grep -q "^EXDATE;TZID=[^:]*:${cday//-/}T" "$TVAR/feed.orig1"
	# The site's feed names who takes the session: the cover.
	cname=$(sql "select name from therapists where id = $cval")
	oname=$(sql "select name from therapists where id = $t2")
	c=$(feed_get "$ftok_s" site1 -H "If-None-Match: $etag_s")
	check "the site's feed changed: 200, not 304, with the old ETag ($c)" [ "$c" = 200 ]
	# Unfolded (RFC 5545 3.1): a long UID is folded onto a second line.
	sed -i -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' "$TVAR/feed.site1"
	check "the site's feed has the covered session as an event of its own" grep -q "^UID:site-cover-$cday-" "$TVAR/feed.site1"
	event_of site1 "site-cover-$cday-" > "$TVAR/ev.site1"
	check "named by its cover therapist, $cname" grep -q "^SUMMARY:Music therapy \(group \)\?with $cname" "$TVAR/ev.site1"
	check "not by $oname" bash -c "! grep -q '^SUMMARY:.*with $oname' '$TVAR/ev.site1'"
	check "with a group's name or the client's initials only" grep -Eq '^SUMMARY:Music therapy (with [^:]*: ([A-Z]\.)+|group with [^:]*: .+)$' "$TVAR/ev.site1"
	check "the series' own session that day is left out" grep -q "^EXDATE;TZID=[^:]*:${cday//-/}T" "$TVAR/feed.site1"
	check "no reference or description in the site's feed" bash -c "! grep -Eq '^DESCRIPTION|^SUMMARY:.*[A-Z0-9]{4}-[A-Z0-9]{4}' '$TVAR/feed.site1'"
fi
# A choice that no longer holds: nothing changes, the problem is named.
c=$(web coord --data "csrf=$csrf&reason=x&s=$series:$odate&do-$series-$odate=cover&cover-$series-$odate=$t2" "$BASE/therapists/$t2/leave")
check "a refused choice answers 409" [ "$c" = 409 ]
check "and says nothing was changed" has "Nothing was changed."
c=$(web coord --data "csrf=$csrf&reason=&s=$series:$odate&do-$series-$odate=cancel" "$BASE/therapists/$t2/leave")
check "a missing reason answers 422" [ "$c" = 422 ]
check "with the error summary" has "There is a problem"
c=$(staff_login thea therapist@tutti.example demo-therapist-2026)
c=$(web thea "$BASE/therapists/$thea/leave")
check "a therapist cannot open the leave flow" [ "$c" = 403 ]
check "PRAGMA integrity_check is ok" [ "$(sql 'pragma integrity_check')" = ok ]
finish
