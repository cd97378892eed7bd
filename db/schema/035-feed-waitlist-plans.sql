-- More triggers whose reads grew with all the rows kept rather than
-- with the row written (as 033 did for the outcome survey).  The app
-- keeps no ANALYZE statistics, so SQLite picks a plan from the indexes
-- alone; these read what they need by the written row's own keys.

-- A session cancelled, moved or put back (004): the feeds of the
-- series' therapist and site are made stale.  004 matched (kind,
-- owner_id) IN a list, which SQLite answers by stepping over every feed
-- (SCAN feeds).  Now the one place that says which feeds show a series,
-- series_feeds: read for one series, it takes that series (its key) and
-- finds each of its two feeds by UNIQUE (kind, owner_id).  The same
-- feeds, at most two, as before.  A session handed to a cover therapist
-- has its own triggers on occurrences (026, 028), unchanged.
CREATE VIEW series_feeds AS
SELECT s.id AS series_id, f.id AS feed_id
  FROM series s JOIN feeds f
    ON (f.kind = 'therapist' AND f.owner_id = s.therapist_id)
    OR (f.kind = 'site' AND f.owner_id = s.site_id);

DROP TRIGGER exceptions_feed;
CREATE TRIGGER exceptions_feed AFTER INSERT ON exceptions BEGIN
	UPDATE feeds SET stale = 1 WHERE id IN (SELECT feed_id
	  FROM series_feeds WHERE series_id = NEW.series_id);
END;
DROP TRIGGER exceptions_feed_upd;
CREATE TRIGGER exceptions_feed_upd AFTER UPDATE ON exceptions BEGIN
	UPDATE feeds SET stale = 1 WHERE id IN (SELECT feed_id
	  FROM series_feeds WHERE series_id = NEW.series_id);
END;
DROP TRIGGER exceptions_feed_del;
CREATE TRIGGER exceptions_feed_del AFTER DELETE ON exceptions BEGIN
	UPDATE feeds SET stale = 1 WHERE id IN (SELECT feed_id
	  FROM series_feeds WHERE series_id = OLD.series_id);
END;

-- A referral deleted takes its part of the waitlist summary with it
-- (017).  Its joins were counted through the index on to_status, that
-- is every line of the service that ever moved to 'waitlisted', once
-- for each hour the referral has a line in.  The unary + keeps to_status
-- out of the index choice, so the count reads the referral's own lines
-- (by referral_id).  The same rule and numbers as 017.
DROP TRIGGER waitlist_hours_forget;
CREATE TRIGGER waitlist_hours_forget BEFORE DELETE ON referrals BEGIN
	UPDATE waitlist_hours
	   SET joined = joined - (SELECT count(*) FROM referral_events e
	        WHERE e.referral_id = OLD.id AND +e.to_status = 'waitlisted'
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
