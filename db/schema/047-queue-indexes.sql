-- Issue 21: the queue (GET /referrals) reads what it shows from indexes.
--
-- Its "Work ended: close or book again" list and its count read
-- referrals_work alone.  039's booked_until was the latest
-- of each series' last session by date, not always the referral's last
-- session: a session moved earlier than its date can be a series' last
-- while another is to come, and one moved later than the last date
-- runs past it.  So db_client_work_ended still asked the sessions of
-- every referral the index gave it, and its count did that for all of
-- them (382 people at ten times the service over six years, about half
-- of the queue's 7.5 ms of CPU).  booked_until is now exact: the latest
-- start of any session still booked (not cancelled) of the referral's
-- series (039's referral_series), or NULL when there is none.  039's
-- triggers keep it, in the same transaction as every change, through
-- the view below; an active referral's work is over exactly when it is
-- not after now, and its last session held is the one that started
-- then.

-- Each series' sessions still booked by their start: a series' latest
-- is one step from the end of its range.  One more index entry for
-- each session written (a session cancelled leaves it, put back comes
-- in): 20 MB at N=10, Y=6 beside the table's 66 MB.
CREATE INDEX occurrences_series_start ON occurrences (series_id, start_utc)
	WHERE state != 'cancelled';

-- Each of a referral's series with the start of its latest session
-- still booked: 039's view, now by start rather than by date.  Read for
-- one referral by 039's work_redo_do (and db/bulk.c's fill, for all).
DROP VIEW referral_series_until;
CREATE VIEW referral_series_until AS
SELECT rs.referral_id,
    (SELECT max(o.start_utc) FROM occurrences o
      WHERE o.series_id = rs.series_id AND o.state != 'cancelled') AS until
  FROM referral_series rs;

-- 039's index of the active referrals by when their booked work runs
-- until, holding too what the list shows of each (reference and name):
-- the list reads these few index pages, not a page of the referrals
-- table for each person shown (some 40 of them, read again after every
-- write by another connection).  The last session held is the one that
-- started at booked_until.
DROP INDEX referrals_work;
CREATE INDEX referrals_work ON referrals (coalesce(booked_until, 0), id,
    ref, given_name, family_name) WHERE status = 'active';

-- Every referral's worked out again, written only where it changes (a
-- series with a moved session): the triggers keep closed referrals'
-- too, and one reopened must not bring back an old value (039 filled
-- only the open ones).  Some 3 s at N=10, Y=6.
UPDATE referrals SET booked_until = (SELECT max(b.until)
    FROM referral_series_until b WHERE b.referral_id = referrals.id)
 WHERE booked_until IS NOT (SELECT max(b.until)
    FROM referral_series_until b WHERE b.referral_id = referrals.id);

-- The queue's page of open referrals, oldest first (db/staff.c,
-- db_queue): 023's referrals_open holding every column the page shows
-- and its filters read, so that the page reads a few pages of the index
-- rather than a page of the referrals table for nearly each of its 50
-- rows, open referrals from across the years (some 50 pages, read again
-- after every write by another connection; and a name searched for
-- reads the index, not every open referral's row).  68,726 open
-- referrals at N=10, Y=6.  Same name, the same columns first.
DROP INDEX referrals_open;
CREATE INDEX referrals_open ON referrals (created_at, id, status, ref,
    given_name, family_name, postcode, needs, source)
	WHERE status IN ('new', 'triaged', 'waitlisted', 'matched', 'active');
