-- Issue 21: the caseloads at the end of a past period read from two
-- indexes alone.
--
-- A /reports period ending in the past counts each therapist's places
-- open at its end: started before it, not ended by then, whose
-- referral was matched or active then (db/reports.c, sql_caseload).
-- Through clients_caseload (therapist_id, ended_at, referral_id) that
-- read the row of every place ended after the instant for its
-- started_at (41,523 rows for an end a year ago at ten times the
-- service over six years, all 137,441 for one five years ago), and the
-- row of each open place's referral's last history line before it for
-- its to_status: 49-136 ms of the caseload table alone.  With started_at
-- in the one and to_status in the other both read only index entries
-- (14-24 ms).  Each keeps its name, columns and order before the added
-- one: every query that read them reads their prefix here.
DROP INDEX IF EXISTS clients_caseload;
CREATE INDEX clients_caseload ON clients (therapist_id, ended_at,
    started_at, referral_id);
DROP INDEX IF EXISTS referral_events_at;
CREATE INDEX referral_events_at ON referral_events (referral_id, at, id,
    to_status);
