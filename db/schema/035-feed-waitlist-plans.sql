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
-- (017).  017 counted its joins through the index on to_status, that is
-- every line of the service that ever moved to 'waitlisted', once for
-- each hour the referral has a line in.  Now the one place that says
-- what a referral's lines add to each hour, referral_waitlist_hours,
-- read for one referral, reads its lines by referral_id only
-- (referral_events_at) and the trigger takes its hours away.  The same
-- rule and numbers as 017: a line joins when it moves to 'waitlisted';
-- it departs when the line before it (by time, then id) had.
CREATE VIEW referral_waitlist_hours AS
SELECT e.referral_id, substr(e.at, 1, 13) AS hour,
    sum(e.to_status = 'waitlisted') AS joined,
    sum((SELECT p.to_status FROM referral_events p
         WHERE p.referral_id = e.referral_id
           AND (p.at < e.at OR (p.at = e.at AND p.id < e.id))
         ORDER BY p.at DESC, p.id DESC LIMIT 1) IS 'waitlisted') AS departed
  FROM referral_events e GROUP BY e.referral_id, substr(e.at, 1, 13);

DROP TRIGGER waitlist_hours_forget;
CREATE TRIGGER waitlist_hours_forget BEFORE DELETE ON referrals BEGIN
	UPDATE waitlist_hours SET joined = waitlist_hours.joined - v.joined,
	    departed = waitlist_hours.departed - v.departed
	  FROM (SELECT hour, joined, departed FROM referral_waitlist_hours
	        WHERE referral_id = OLD.id) AS v
	 WHERE waitlist_hours.hour = v.hour;
END;
