#!/bin/bash
# The kept reports through the real stack (issue 21): a worker keeps a
# period's figures, and its /reports page, until a record changes (or
# the period's end passes), so that the page, each of its CSV tables and
# the page again share one build; and the impact report's two periods,
# which its page and its CSV share.  First one worker that logs every
# statement it runs (TUTTI_SQL_SLOW_MS=0), so that each build of a
# report shows as one read of its outcome answers, and each build of the
# impact figures as two reads of the surveys (a period each): no timing.
# Then two workers: once both keep the figures, a referral received,
# attendance recorded and a session cancelled show on the very next
# request, whichever worker answers it.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

LOG=$TVAR/log/tutti-fcgi.log
# The lines of a report's build that read its outcomes (db/reports.c:
# sql_outcomes at the period's ends, sql_answer_months for its whole
# months), and of an impact report's that read its survey answers
# (db/partner.c: sql_impact_surveys, sql_impact_months): each build of
# a period adds the same number of them, at least one, so a count that
# stands still says nothing was built.
builds() { grep -cF -e "SELECT positive, quality_of_life, social, relationship FROM outcomes" -e "FROM report_answer_months WHERE kind = " "$LOG"; }
impacts() { grep -cF -e "coalesce(sum(kind = 'family' AND q1 = 'agree'), 0)" -e "FROM report_answer_months WHERE kind IN (0, 1, 2)" "$LOG"; }

# fig FILE TABLE ROW COL: in a page (FILE ends .html: the table whose id
# is table-TABLE) or a CSV, the cell COL (0: the row's heading) of the
# first row headed ROW; with ROW '*', COL summed over every row.  -1
# when there is no such row or the cells are not numbers.
fig() {
	$PY - "$@" <<'EOF'
import csv, html, re, sys
f, table, row, col = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
text = open(f, encoding="utf-8").read()
if f.endswith(".html"):
    m = re.search(r'<table id="table-%s">(.*?)</table>' % re.escape(table),
        text, re.S)
    rows = [[html.unescape(re.sub(r"<[^>]*>", "", c)) for c in
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1) if m else "",
        re.S)][1:]
else:
    rows = list(csv.reader(text.splitlines()))[1:]
try:
    if row == "*":
        print(sum(int(r[col]) for r in rows))
    else:
        print(int(next(r[col] for r in rows if r and r[0] == row)))
except (StopIteration, IndexError, ValueError):
    print(-1)
EOF
}
# get JAR URL NAME: GET URL into $TVAR/NAME; prints the status.
get() {
	local c
	c=$(web "$1" "$BASE$2")
	cp "$TVAR/body" "$TVAR/$3"
	echo "$c"
}

c=$(staff_login coord coordinator@tutti.example demo-coordinator-2026)
check "the coordinator signs in" [ "$c" = 303 ]

# Again with one worker that logs its statements.
VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
WORKERS=1 TUTTI_SQL_SLOW_MS=0 VAR=$TVAR PORT=$PORT \
    sh "$ROOT/ctl/stack.sh" start >"$TVAR/start2.log" 2>&1
check "the stack starts again with one worker" [ $? = 0 ]
# Until the mailer has sent what is due (the first email with a
# person's own link stores the link, a record), as week_kept.sh waits.
settle() {
	for i in $(seq 120); do
		[ "$(sql "select count(*) from outbox where status in ('queued', 'sending') and coalesce(not_before, '') <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")" = 0 ] && break
		sleep 0.5
	done
}
settle

# --- one build for the page, again and every CSV table of its period
c=$(get coord /reports year1.html)
b0=$(builds)
check "/reports answers 200 and builds the report ($b0)" [ "$c" = 200 -a "$b0" -ge 1 ]
from=$(grep -o 'name="from" value="[^"]*"' "$TVAR/year1.html" | sed 's/.*value="//; s/"$//')
to=$(grep -o 'name="to" value="[^"]*"' "$TVAR/year1.html" | sed 's/.*value="//; s/"$//')
check "the default period is shown ($from to $to)" [ -n "$from" -a "$to" = "$(date +%F)" ]
c=$(get coord /reports year2.html)
check "the next view finds it kept" [ "$c" = 200 -a "$(builds)" = "$b0" ]
check "the same page" cmp -s "$TVAR/year1.html" "$TVAR/year2.html"
web coord "$BASE/referrals" >/dev/null
check "the staff layout around it is this coordinator's" grep -qF \
    "name=\"csrf\" value=\"$(csrf_of)\"" "$TVAR/year2.html"
c=$(get coord "/reports?from=$from&to=$to" year3.html)
check "the same period by its dates: the same kept page" [ "$c" = 200 -a "$(builds)" = "$b0" ]
check "and the same" cmp -s "$TVAR/year1.html" "$TVAR/year3.html"
c=$(get coord "/reports?from=2026-13-01&to=$to" bad.html)
check "a period with a problem: 422, from the kept figures" [ "$c" = 422 -a "$(builds)" = "$b0" ]
check "with what was entered, and the default period's figures" [ \
    "$(grep -c 'value="2026-13-01"' "$TVAR/bad.html")" = 1 -a \
    "$(fig "$TVAR/bad.html" summary "Sessions delivered" 1)" = "$(fig "$TVAR/year1.html" summary "Sessions delivered" 1)" ]
c=$(get coord /reports year6.html)
check "and the kept page stays as it was" cmp -s "$TVAR/year1.html" "$TVAR/year6.html"
for t in summary outcomes caseload attendance; do
	c=$(get coord "/reports.csv?table=$t&from=$from&to=$to" "$t.csv")
	check "the $t CSV of the period is built from the kept figures" [ "$c" = 200 -a "$(builds)" = "$b0" ]
done
n=$(fig "$TVAR/year1.html" summary "Sessions delivered" 1)
check "the summary CSV says what the page says ($n sessions)" [ "$n" -gt 0 -a "$(fig "$TVAR/summary.csv" x "Sessions delivered" 1)" = "$n" ]
check "and the attendance CSV" [ "$(fig "$TVAR/attendance.csv" x Attended 1)" = "$(fig "$TVAR/year1.html" attendance Attended 1)" ]

# --- another period: its own figures, never the year's
m0=$(date -d "$(date +%Y-%m-01) -1 month" +%F)
m1=$(date -d "$(date +%Y-%m-01) -1 day" +%F)
c=$(get coord "/reports?from=$m0&to=$m1" month.html)
check "last month's page is built for it" [ "$c" = 200 -a "$(builds)" -gt "$b0" ]
b=$(builds)
nm=$(fig "$TVAR/month.html" summary "Sessions delivered" 1)
check "with its own figures ($nm sessions, not $n)" [ "$nm" -gt 0 -a "$nm" -lt "$n" ]
c=$(get coord "/reports.csv?table=summary&from=$m0&to=$m1" month.csv)
check "its CSV has them too" [ "$c" = 200 -a "$(fig "$TVAR/month.csv" x "Sessions delivered" 1)" = "$nm" ]
c=$(get coord /reports year4.html)
check "the year's page again: kept, the year's" [ "$c" = 200 -a "$(builds)" = "$b" ]
check "and the same as before" cmp -s "$TVAR/year1.html" "$TVAR/year4.html"
c=$(get coord "/reports.csv?table=summary&from=$from&to=$to" summary2.csv)
check "the year's CSV: the year's" cmp -s "$TVAR/summary.csv" "$TVAR/summary2.csv"
# A CSV of a period whose page was not viewed: its own table's figures,
# kept for the next download.
w0=$(date -d '-20 days' +%F)
c=$(get coord "/reports.csv?table=outcomes&from=$w0&to=$to" w1.csv)
check "a CSV alone builds its table's figures" [ "$c" = 200 -a "$(builds)" -gt "$b" ]
b=$(builds)
c=$(get coord "/reports.csv?table=outcomes&from=$w0&to=$to" w2.csv)
check "the next download finds them kept" [ "$c" = 200 -a "$(builds)" = "$b" ]
check "the same CSV" cmp -s "$TVAR/w1.csv" "$TVAR/w2.csv"
# The summary's figures hold every table's but the offers' and the late
# table's: the next CSVs of its period are built from them.
v0=$(date -d '-40 days' +%F)
c=$(get coord "/reports.csv?table=summary&from=$v0&to=$to" v1.csv)
check "the summary CSV alone builds its figures" [ "$c" = 200 -a "$(builds)" -gt "$b" ]
b=$(builds)
c=$(get coord "/reports.csv?table=outcomes&from=$v0&to=$to" v2.csv)
check "the outcomes CSV of its period is built from them" [ "$c" = 200 -a "$(builds)" = "$b" ]
# A record changed (to the same): that table read alone says the same.
sql "update sites set name = name where id = (select min(id) from sites)"
c=$(get coord "/reports.csv?table=outcomes&from=$v0&to=$to" v3.csv)
check "read alone after a change" [ "$c" = 200 -a "$(builds)" -gt "$b" ]
b=$(builds)
check "it is the same CSV" cmp -s "$TVAR/v2.csv" "$TVAR/v3.csv"

# --- the impact report: one build for its page, printable page and CSV
i0=$(impacts)
c=$(get coord /reports/impact impact1.html)
check "/reports/impact builds both periods' figures" [ "$c" = 200 -a "$(impacts)" -ge $((i0 + 2)) ]
i=$(impacts)
li=$((i - i0))
c=$(get coord /reports/impact impact2.html)
check "the next view finds them kept" [ "$c" = 200 -a "$(impacts)" = "$i" ]
check "the same page" cmp -s "$TVAR/impact1.html" "$TVAR/impact2.html"
ifrom=$(grep -o 'name="from" value="[^"]*"' "$TVAR/impact1.html" | sed 's/.*value="//; s/"$//')
ito=$(grep -o 'name="to" value="[^"]*"' "$TVAR/impact1.html" | sed 's/.*value="//; s/"$//')
c=$(get coord "/reports/impact.csv?from=$ifrom&to=$ito" impact.csv)
check "its CSV of the same periods too" [ "$c" = 200 -a "$(impacts)" = "$i" ]
c=$(get coord "/reports/impact?from=$ifrom&to=$ito&print=1" print.html)
check "and its printable page" [ "$c" = 200 -a "$(impacts)" = "$i" ]
isess=$(grep -A1 '<tr id="fig-0">' "$TVAR/impact1.html" | grep -o '<td class="num">[0-9]*' | head -n 1 | sed 's/.*>//')
check "the CSV says what the page says ($isess sessions)" [ -n "$isess" -a "$(grep '^Headline,Sessions delivered,' "$TVAR/impact.csv" | cut -d, -f3)" = "$isess" ]
c=$(get coord "/reports/impact?from=$m0&to=$m1" impact3.html)
check "another period is built for it" [ "$c" = 200 -a "$(impacts)" -gt "$i" ]

# --- a record changed: on the very next request
sql "insert into settings (key, value) values ('outcome_after', '7') on conflict (key) do update set value = excluded.value"
c=$(get coord /reports year5.html)
check "a setting changed elsewhere: the page is built again" [ "$c" = 200 -a "$(builds)" -gt "$b" ]
check "and shows it" grep -qF "When a client has attended 7 sessions" "$TVAR/year5.html"

# --- a long period: its page asks for the late rows one a site; its
# CSVs are built from those figures, all but the late table's by month
l0=$(date -d '-800 days' +%F)
bl=$(builds)
c=$(get coord "/reports?from=$l0&to=$to" long.html)
check "a period of over 13 months is built for it" [ "$c" = 200 -a "$(builds)" -gt "$bl" ]
bl=$(builds)
check "with its late table a site" grep -qF "This period is longer than 13 months" "$TVAR/long.html"
for t in summary sessions_by_site outcomes; do
	c=$(get coord "/reports.csv?table=$t&from=$l0&to=$to" "long-$t.csv")
	check "its $t CSV is built from the page's figures" [ "$c" = 200 -a "$(builds)" = "$bl" ]
done
c=$(get coord "/reports.csv?table=late_and_dna&from=$l0&to=$to" long-late.csv)
check "its late table's CSV has a row a site and month" [ "$c" = 200 -a \
    "$(cut -d, -f2 "$TVAR/long-late.csv" | sort -u | wc -l)" -gt 13 ]

# The next session still to come, and the period from today to its day:
# what one build of its page and of the year's adds (for two workers).
row=$(sql "select series_id || ' ' || occ_date from occurrences where state = 'booked' and start_utc > unixepoch() + 600 order by start_utc limit 1")
series=${row% *}
d=${row#* }
P="from=$to&to=$d"
bp=$(builds)
c=$(get coord "/reports?$P" next.html)
lp=$(($(builds) - bp))
check "the period to the next session is built for it ($lp lines; the year's $b0)" [ "$c" = 200 -a "$lp" -gt 0 ]

# --- two workers: a write shows on the next request to either
VAR=$TVAR PORT=$PORT sh "$ROOT/ctl/stack.sh" stop >/dev/null 2>&1
WORKERS=2 TUTTI_SQL_SLOW_MS=0 VAR=$TVAR PORT=$PORT \
    sh "$ROOT/ctl/stack.sh" start >"$TVAR/start3.log" 2>&1
check "the stack starts again with two workers" [ $? = 0 ]
settle
# An individual session of last month that its client attended: in the
# year's reports and in the impact report's year (the twelve full
# months before this one).
row=$(sql "select o.series_id || ' ' || o.occ_date from occurrences o join series s on s.id = o.series_id join attendance a on a.series_id = o.series_id and a.occ_date = o.occ_date where s.client_id is not null and o.state != 'cancelled' and a.status = 'attended' and o.occ_date between '$m0' and '$m1' order by o.start_utc limit 1")
aser=${row% *}
adate=${row#* }
check "a session to come ($series on $d) and one attended ($aser on $adate)" [ -n "$series" -a -n "$aser" ]
# Both workers keep each page's figures: the pages two at a time, three
# rounds at least, until each is built twice (once by each worker: none
# is built again without a change), then every CSV, which either worker
# builds from them.
b1=$(builds)
i1=$(impacts)
for k in $(seq 30); do
	for u in /reports "/reports?$P" /reports/impact; do
		curl -s -o /dev/null -b "$TVAR/coord.jar" "$BASE$u" &
		curl -s -o /dev/null -b "$TVAR/coord.jar" "$BASE$u" &
		wait
	done
	[ "$k" -ge 3 -a "$(builds)" -ge $((b1 + 2 * (b0 + lp))) -a \
	    "$(impacts)" -ge $((i1 + 2 * li)) ] && break
done
check "both workers keep the pages' figures ($(($(builds) - b1)) reports, $(($(impacts) - i1)) impact reads)" \
    [ "$(builds)" = $((b1 + 2 * (b0 + lp))) -a "$(impacts)" = $((i1 + 2 * li)) ]
for k in 1 2 3; do
	for u in "/reports.csv?table=summary&from=$from&to=$to" "/reports.csv?table=attendance&from=$from&to=$to" "/reports/impact.csv?from=$ifrom&to=$ito" "/reports.csv?table=late_and_dna&$P"; do
		curl -s -o /dev/null -b "$TVAR/coord.jar" "$BASE$u" &
		curl -s -o /dev/null -b "$TVAR/coord.jar" "$BASE$u" &
		wait
	done
done
check "and build their CSVs from them" [ "$(builds)" = $((b1 + 2 * (b0 + lp))) -a "$(impacts)" = $((i1 + 2 * li)) ]

# each N URL NAME COMMAND...: N requests of URL one after the other and
# two at once; COMMAND (with the body in $TVAR/NAME) holds for each.
each() {
	local n=$1 u=$2 name=$3 k
	shift 3
	for k in $(seq "$n"); do
		curl -s -o "$TVAR/$name.a" -b "$TVAR/coord.jar" "$BASE$u" &
		curl -s -o "$TVAR/$name.b" -b "$TVAR/coord.jar" "$BASE$u" &
		wait
		for f in a b; do
			cp "$TVAR/$name.$f" "$TVAR/$name"
			"$@" || return 1
		done
	done
}
c=$(get coord /reports y.html)
c=$(get coord "/reports.csv?table=summary&from=$from&to=$to" y.csv)
refs=$(fig "$TVAR/y.html" summary "Referrals received" 1)
check "the year's referrals, on the page and in the CSV ($refs)" [ "$refs" -gt 0 -a "$(fig "$TVAR/y.csv" x "Referrals received" 1)" = "$refs" ]

# A referral received.
web anon "$BASE/refer" >/dev/null
tok=$(form_token "$TVAR/body")
c=$(web anon --data "form_token=$tok&given_name=Kept&family_name=Report&email=kept%40example.com&phone=07700+900+983&postcode=sw1a1aa&date_of_birth=1980-05-01&preferred_contact=email&needs=autism&about=Music&availability=mon_am&session_type=group&site=1&consent_data=yes&consent_contact=yes&website=" "$BASE/refer")
check "a referral is received (303)" [ "$c" = 303 ]
has_refs() { [ "$(fig "$TVAR/$1" "$2" "Referrals received" 1)" = $((refs + 1)) ]; }
check "the next /reports show it, on either worker" each 3 /reports p.html has_refs p.html summary
check "so do the next CSVs" each 3 "/reports.csv?table=summary&from=$from&to=$to" p.csv has_refs p.csv x

# Attendance recorded: the attended session was missed after all.
c=$(get coord /reports/impact ib.html)
isess=$(grep -A1 '<tr id="fig-0">' "$TVAR/ib.html" | grep -o '<td class="num">[0-9]*' | head -n 1 | sed 's/.*>//')
c=$(get coord /reports d.html)
dna=$(fig "$TVAR/d.html" attendance "Did not attend" 1)
check "the year's did-not-attend, on the page ($dna)" [ "$c" = 200 -a "$dna" -ge 0 ]
web coord "$BASE/series/$aser" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&series=$aser&date=$adate&client=$(sql "select client_id from series where id = $aser")&status=did_not_attend&note=Kept" "$BASE/attendance")
check "attendance is recorded (303)" [ "$c" = 303 -a "$(sql "select a.status from attendance a join series s on s.id = a.series_id and s.client_id = a.client_id where a.series_id = $aser and a.occ_date = '$adate'")" = did_not_attend ]
has_dna() { [ "$(fig "$TVAR/$1" "$2" "Did not attend" 1)" = $((dna + 1)) ]; }
check "the next /reports show it, on either worker" each 3 /reports a.html has_dna a.html attendance
check "so do the next CSVs" each 3 "/reports.csv?table=attendance&from=$from&to=$to" a.csv has_dna a.csv x
has_isess() { [ "$(grep -A1 '<tr id="fig-0">' "$TVAR/i.html" | grep -o '<td class="num">[0-9]*' | head -n 1 | sed 's/.*>//')" = $((isess - 1)) ]; }
check "and the next impact reports" each 3 /reports/impact i.html has_isess
has_icsv() { [ "$(grep '^Headline,Sessions delivered,' "$TVAR/i.csv" | cut -d, -f3)" = $((isess - 1)) ]; }
check "and their CSV" each 3 "/reports/impact.csv?from=$ifrom&to=$ito" i.csv has_icsv

# A session to come cancelled.
c=$(get coord "/reports.csv?table=late_and_dna&$P" late.csv)
late=$(fig "$TVAR/late.csv" x '*' 2)
check "the sessions to come in the late table ($late)" [ "$late" -gt 0 ]
web coord "$BASE/series/$series" >/dev/null
csrf=$(csrf_of)
c=$(web coord --data "csrf=$csrf&action=cancel&date=$d&by=service&reason=Snow" "$BASE/series/$series")
check "cancelling one answers 303" [ "$c" = 303 ]
has_late() { [ "$(fig "$TVAR/$1" late_and_dna '*' "$2")" = $((late - 1)) ]; }
check "the next /reports of the period show it, on either worker" each 3 "/reports?$P" l.html has_late l.html 2
check "so do the next CSVs" each 3 "/reports.csv?table=late_and_dna&$P" l.csv has_late l.csv 2

finish
