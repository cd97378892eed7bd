#!/bin/bash
# The kept week through the real stack (issue 21, migration 042): a
# worker keeps the whole service's week until a record changes, not
# until anything at all is written.  One worker, which logs every
# statement it runs (TUTTI_SQL_SLOW_MS=0), so that each build of the
# week shows as one run of its grid's query in the log: no timing.
# Viewing the queue and a referral (their audit lines), the mailer's
# outbox and a sign-in touched by another process leave the week kept;
# a session cancelled through the page, and a therapist renamed by
# another process, show on the very next view.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

has() { grep -qF -- "$1" "$TVAR/body"; }
LOG=$TVAR/log/tutti-fcgi.log
# The week's grid query (db/week.c sql_week_grid), one line a build.
builds() { grep -cF "o.site_id, '', coalesce(o.room_id, 0), ''" "$LOG"; }

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# Again with one worker that logs its statements.
VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
WORKERS=1 TUTTI_SQL_SLOW_MS=0 VAR=$TVAR PORT=$PORT \
    sh "$ROOT/ctl/stack.sh" start >"$TVAR/start2.log" 2>&1
check "the stack starts again with one worker" [ $? = 0 ]
# The mailer sends the demo's emails as it starts, and the first email
# with a person's own link stores that link (client_links, a record):
# wait until it has sent what is due, so that only this test's steps
# change records (under the sanitizers on a loaded machine it was still
# sending while the week was viewed).
for i in $(seq 120); do
	[ "$(sql "select count(*) from outbox where status in ('queued', 'sending') and coalesce(not_before, '') <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")" = 0 ] && break
	sleep 0.5
done

# The week of the next session still to come (this week's, unless it
# is late on a Sunday).
row=$(sql "select series_id || ' ' || occ_date from occurrences where state = 'booked' and start_utc > unixepoch() + 600 order by start_utc limit 1")
series=${row% *}
d=${row#* }
WEEK=$BASE/schedule?week=$d
c=$(web coord "$WEEK")
check "/schedule answers 200" [ "$c" = 200 ]
b0=$(builds)
check "the first view builds the week ($b0)" [ "$b0" -ge 1 ]
cp "$TVAR/body" "$TVAR/week1"
c=$(web coord "$WEEK")
check "the next view finds it kept" [ "$c" = 200 -a "$(builds)" = "$b0" ]
check "the same page" cmp -s "$TVAR/body" "$TVAR/week1"

a0=$(sql "select count(*) from audit")
c=$(web coord "$BASE/referrals")
check "viewing the queue answers 200" [ "$c" = 200 ]
r=$(sql "select id from referrals where status = 'waitlisted' limit 1")
c=$(web coord "$BASE/referrals/$r")
check "viewing a referral answers 200" [ "$c" = 200 ]
check "both wrote their audit lines" [ "$(sql "select count(*) from audit")" -ge $((a0 + 2)) ]
sql "update outbox set attempts = attempts + 1 where id = (select max(id) from outbox); update sessions set last_seen = last_seen + 1"
c=$(web coord "$WEEK")
check "after them the week is still kept" [ "$c" = 200 -a "$(builds)" = "$b0" ]
check "and the same" cmp -s "$TVAR/body" "$TVAR/week1"

# A session still to come, cancelled through its page.
check "a booked session to come ($series on $d)" [ -n "$series" ]
check "shown booked" grep -qF "<a class=\"card\" href=\"/series/$series\">" "$TVAR/body"
c=$(web coord "$BASE/series/$series")
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$TVAR/body" | head -n 1 | sed 's/.*value="//; s/"$//')
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d&by=service&reason=Snow" "$BASE/series/$series")
check "cancelling it answers 303" [ "$c" = 303 ]
c=$(web coord "$WEEK")
check "the next view builds the week again" [ "$c" = 200 -a "$(builds)" = $((b0 + 1)) ]
check "and shows it cancelled" has "<a class=\"card cancelled\" href=\"/series/$series\">"

# A record changed by another process: on the next view.
t=$(sql "select id from therapists where active = 1 order by id limit 1")
sql "update therapists set name = 'Renamed Therapist' where id = $t"
c=$(web coord "$WEEK")
check "a therapist renamed elsewhere shows at once" has "Renamed Therapist</a>"
check "built once more" [ "$(builds)" = $((b0 + 2)) ]

finish
