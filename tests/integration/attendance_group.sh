#!/bin/bash
# Attendance for a group series is for its members only (issue 13,
# finding 3): a therapist posting /attendance for their own group with
# another therapist's client, or a client id that does not exist, gets
# the same 422 and nothing is stored.
set -u
. "$(dirname "$0")/../lib/stack.sh"
stack_up

THERA=therapist@tutti.example;	THERA_PW=demo-therapist-2026
thea=$(sql "select t.id from therapists t join users u on u.id = t.user_id where u.email = '$THERA'")
site=$(sql "select id from sites order by id limit 1")
# A group of Thea's that met last week, with one member of her own, and
# a client of another therapist.
mine=$(sql "select id from clients where therapist_id = $thea and ended_at is null order by id limit 1")
other=$(sql "select id from clients where therapist_id != $thea order by id limit 1")
d=$(date -u -d '7 days ago' +%F)
start=$(date -u -d "$d 10:00" +%s)
g=$(sql "insert into groups (name, therapist_id, site_id) values ('Drumming', $thea, $site) returning id")
sql "insert into group_members (group_id, client_id, joined_at) values ($g, $mine, '2020-01-01T00:00:00Z')"
s=$(sql "insert into series (uid, therapist_id, group_id, site_id, first_date, start_local, created_at, updated_at) values ('grp-test@tutti', $thea, $g, $site, '$d', '10:00', '$d', '$d') returning id")
sql "insert into occurrences (series_id, occ_date, start_utc, end_utc, therapist_id, site_id) values ($s, '$d', $start, $((start + 2700)), $thea, $site)"
check "the setting: a member of Thea's, and another therapist's client" [ -n "$mine" -a -n "$other" -a "$mine" != "$other" ]

c=$(staff_login thea "$THERA" "$THERA_PW")
check "Thea signs in" [ "$c" = 303 ]
web thea "$BASE/me" >/dev/null
csrf=$(csrf_of)
attend() { web thea --data "csrf=$csrf&series=$s&date=$d&client=$1&status=attended&note=Played+$1" "$BASE/attendance"; }

c=$(attend "$other")
b_other=$(grep -o '<p>[^<]*</p>' "$TVAR/body" | head -n 3)
check "another therapist's client in her group: 422" [ "$c" = 422 ]
check "nothing is stored for them" [ "$(sql "select count(*) from attendance where client_id = $other and series_id = $s")" = 0 ]
c=$(attend 999999)
b_unknown=$(grep -o '<p>[^<]*</p>' "$TVAR/body" | head -n 3)
check "a client id that does not exist: the same 422 and the same words" [ "$c" = 422 -a "$b_unknown" = "$b_other" ]
c=$(attend "$mine")
check "her own member's attendance is stored (303)" [ "$c" = 303 -a \
    "$(sql "select status || '|' || note from attendance where client_id = $mine and series_id = $s")" = "attended|Played $mine" ]
# Membership counts from the day a person joined.
sql "update group_members set joined_at = '$(date -u +%FT%TZ)' where group_id = $g"
sql "delete from attendance where series_id = $s"
c=$(attend "$mine")
check "not for a session before they joined (422)" [ "$c" = 422 -a "$(sql "select count(*) from attendance where series_id = $s")" = 0 ]
finish
