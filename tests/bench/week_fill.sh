#!/bin/bash
# Grows a database to the matching bench's service (tests/bench/
# match_bench.c): 300 therapists, 60 sites, 200 rooms, each therapist
# with 8 weekly sessions booked for four weeks from this Monday (a month
# of bookings, about 9,600 sessions), each an individual client with an
# active referral.  What is already there counts towards the totals;
# what is added has ids from 100000 (1000000 for clients and series).
#
#   bash tests/bench/week_fill.sh DBFILE
#
# tests/bench/run.sh calls it before measuring /schedule (setup week300).
set -euo pipefail
DB=${1:?usage: week_fill.sh DBFILE}
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$@"; }

NT=$((300 - $(q 'SELECT count(*) FROM therapists WHERE active = 1')))
NS=$((60 - $(q 'SELECT count(*) FROM sites')))
NR=$((200 - $(q 'SELECT count(*) FROM rooms')))
[ "$NT" -gt 0 ] || NT=0
[ "$NS" -gt 0 ] || NS=1
[ "$NR" -gt 0 ] || NR=1
q "
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NS)
INSERT INTO sites (id, name, kind, postcode, step_free)
SELECT 100000 + i, 'Bench site ' || i, 'care_home', 'N' || (i % 40 + 1) ||
    ' 1AA', i % 2 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NR)
INSERT INTO rooms (id, site_id, name, capacity)
SELECT 100000 + i, 100000 + (i - 1) % $NS + 1, 'Room ' || i, 2 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NT)
INSERT INTO therapists (id, name, specialisms, max_caseload, max_hours)
SELECT 100000 + i, printf('Bench Therapist %03d', i), (i * 37) % 255 + 1,
    8 + i % 8, 30 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NT),
    d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 4)
INSERT INTO therapist_availability (therapist_id, site_id, day, start_min,
    end_min)
SELECT 100000 + i, 100000 + (i * 7 + k) % $NS + 1, k, 540, 1080 FROM n, d;
-- k: therapist i's c-th client, i * 8 + c.
CREATE TEMP TABLE wk AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NT),
    c(c) AS (SELECT 0 UNION ALL SELECT c + 1 FROM c WHERE c < 7)
SELECT i * 8 + c AS k, 100000 + i AS t, (i + c) % 5 AS day,
    9 + c % 6 AS hour, 100000 + (i * 8 + c) % $NR + 1 AS room FROM n, c;
INSERT INTO referrals (id, ref, status, source, given_name, family_name,
    postcode, date_of_birth, preferred_contact, needs, availability,
    session_type, consent_data, created_at, updated_at)
SELECT 1000000 + k, printf('W%03X-%04X', k / 65536, k % 65536), 'active',
    'self', 'Week' || k, 'Bench', 'N1 1AA', '1980-01-01', 'phone', 1,
    1, 'individual', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
FROM wk;
INSERT INTO clients (id, referral_id, therapist_id, started_at)
SELECT 1000000 + k, 1000000 + k, t, '2026-01-01T00:00:00Z' FROM wk;
INSERT INTO series (id, uid, therapist_id, client_id, site_id, room_id,
    first_date, start_local, count, created_at, updated_at)
SELECT 1000000 + k, 'bench-week-' || k, t, 1000000 + k,
    (SELECT site_id FROM rooms WHERE id = room), room,
    date('now', 'weekday 0', '-6 days', '+' || day || ' days'),
    printf('%02d:00', hour), 4, '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00Z' FROM wk;
WITH w(w) AS (VALUES (0), (1), (2), (3))
INSERT INTO occurrences (series_id, occ_date, start_utc, end_utc,
    therapist_id, room_id, site_id)
SELECT 1000000 + k, date('now', 'weekday 0', '-6 days',
    '+' || (w * 7 + day) || ' days'),
    CAST(strftime('%s', date('now', 'weekday 0', '-6 days',
    '+' || (w * 7 + day) || ' days'), '+' || hour || ' hours') AS INTEGER),
    CAST(strftime('%s', date('now', 'weekday 0', '-6 days',
    '+' || (w * 7 + day) || ' days'), '+' || hour || ' hours',
    '+45 minutes') AS INTEGER),
    t, room, (SELECT site_id FROM rooms WHERE id = room) FROM wk, w;
DROP TABLE wk;
COMMIT;
PRAGMA optimize;"
echo "week-fill: $(q "SELECT count(*) FROM therapists WHERE active = 1") therapists, $(q 'SELECT count(*) FROM sites') sites, $(q 'SELECT count(*) FROM rooms') rooms, $(q "SELECT count(*) FROM occurrences WHERE start_utc >= strftime('%s', date('now', 'weekday 0', '-6 days')) AND start_utc < strftime('%s', date('now', 'weekday 0', '-6 days', '+28 days'))") sessions in the four weeks from this Monday"
