-- Fewer index pages written by each referral (issue 21).
--
-- POST /refer writes a referral, its history line and three outbox rows,
-- and every index on those tables is one more B-tree page in the WAL.
-- EXPLAIN QUERY PLAN over every statement in db/ showed which indexes
-- the queries read:
--
-- referrals_postcode: none (the search matches replace(postcode, ...)
-- LIKE, which no index serves); only count(*) picked it as the smallest.
-- referral_events_to: none.
-- referral_events_referral (referral_id, id): referral_events_at
-- (referral_id, at, id) finds the same rows; the export then sorts one
-- referral's few lines by id.
-- outbox_kind_created (kind, created_at): only the counts of outcome
-- surveys sent in a period read it, so it keeps only those rows; other
-- emails (the referral's three) no longer write it.  The reminders'
-- session_cancelled lookup reads the dedupe_key range instead.
DROP INDEX IF EXISTS referrals_postcode;
DROP INDEX IF EXISTS referral_events_to;
DROP INDEX IF EXISTS referral_events_referral;
DROP INDEX IF EXISTS outbox_kind_created;
CREATE INDEX outbox_surveys ON outbox (kind, created_at)
    WHERE kind = 'outcome_survey';
