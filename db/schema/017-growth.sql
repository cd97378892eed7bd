-- Reads that grew with all the history kept (six years of a large
-- service) rather than with what the page shows: a summary kept in the
-- same transaction as every change, and indexes.

-- The waitlist over time (/reports): how many referrals joined and how
-- many left the waitlist in each UTC hour ("2026-11-24T22"), kept by
-- triggers with every history line.  A line joins when it moves to
-- 'waitlisted'; it departs when the line before it (by time, then id:
-- the order /reports reads a referral's state in) had.  The number
-- waitlisted at an instant is then the sum of joined - departed over
-- the hours before it: one small row an hour, instead of the state of
-- every referral ever waitlisted.  History lines are added in time
-- order and never deleted but with their referral.
CREATE TABLE waitlist_hours (
	hour		TEXT PRIMARY KEY,
	joined		INTEGER NOT NULL DEFAULT 0,
	departed	INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO waitlist_hours (hour, joined, departed)
	SELECT substr(at, 1, 13), sum(to_status = 'waitlisted'),
	    sum(prev IS 'waitlisted')
	  FROM (SELECT e.at, e.to_status, (SELECT p.to_status
	          FROM referral_events p WHERE p.referral_id = e.referral_id
	           AND (p.at < e.at OR (p.at = e.at AND p.id < e.id))
	         ORDER BY p.at DESC, p.id DESC LIMIT 1) AS prev
	          FROM referral_events e)
	 WHERE to_status = 'waitlisted' OR prev IS 'waitlisted'
	 GROUP BY substr(at, 1, 13);

CREATE TRIGGER waitlist_hours_ins AFTER INSERT ON referral_events BEGIN
	INSERT INTO waitlist_hours (hour, joined, departed)
	SELECT substr(NEW.at, 1, 13), NEW.to_status = 'waitlisted',
	    prev IS 'waitlisted'
	  FROM (SELECT (SELECT p.to_status FROM referral_events p
	         WHERE p.referral_id = NEW.referral_id AND p.id != NEW.id
	           AND (p.at < NEW.at OR (p.at = NEW.at AND p.id < NEW.id))
	         ORDER BY p.at DESC, p.id DESC LIMIT 1) AS prev)
	 WHERE NEW.to_status = 'waitlisted' OR prev IS 'waitlisted'
	ON CONFLICT (hour) DO UPDATE SET joined = joined + excluded.joined,
	    departed = departed + excluded.departed;
END;

-- A referral deleted takes its history's part with it (before its lines
-- go, while the order of them can still be read).
CREATE TRIGGER waitlist_hours_forget BEFORE DELETE ON referrals BEGIN
	UPDATE waitlist_hours
	   SET joined = joined - (SELECT count(*) FROM referral_events e
	        WHERE e.referral_id = OLD.id AND e.to_status = 'waitlisted'
	          AND substr(e.at, 1, 13) = waitlist_hours.hour),
	       departed = departed - (SELECT count(*) FROM referral_events e
	        WHERE e.referral_id = OLD.id
	          AND substr(e.at, 1, 13) = waitlist_hours.hour
	          AND (SELECT p.to_status FROM referral_events p
	               WHERE p.referral_id = e.referral_id
	                 AND (p.at < e.at OR (p.at = e.at AND p.id < e.id))
	               ORDER BY p.at DESC, p.id DESC LIMIT 1) IS 'waitlisted')
	 WHERE hour IN (SELECT substr(at, 1, 13) FROM referral_events
	        WHERE referral_id = OLD.id);
END;

-- The part of an hour before an instant, read from the history itself.
CREATE INDEX referral_events_time ON referral_events (at);

-- Outcome surveys sent in a period (/reports), not every email ever.
CREATE INDEX outbox_kind_created ON outbox (kind, created_at);
