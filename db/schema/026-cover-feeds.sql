-- A session handed to a cover therapist (db_occ_cover) is that
-- therapist's for the day: it shows in their calendar feed and leaves
-- the series' own therapist's.  When it was handed over is kept, for the
-- feeds' LAST-MODIFIED, and the feeds of both therapists are made stale
-- in the same transaction as the hand-over (as 004's triggers do for a
-- series and its exceptions).  A covered session that changes or goes
-- (its state, or the occurrences rewritten) makes its cover's feed stale
-- too; the series' own feeds are marked by 004's triggers then.

ALTER TABLE occurrences ADD COLUMN covered_at TEXT;	-- ISO 8601 UTC

CREATE TRIGGER occurrences_cover_feed AFTER UPDATE ON occurrences
WHEN OLD.therapist_id != NEW.therapist_id
  OR NEW.therapist_id != (SELECT therapist_id FROM series
                           WHERE id = NEW.series_id)
BEGIN
	UPDATE feeds SET stale = 1
	 WHERE kind = 'therapist' AND owner_id IN (OLD.therapist_id,
	       NEW.therapist_id);
END;

CREATE TRIGGER occurrences_cover_feed_del AFTER DELETE ON occurrences
WHEN OLD.therapist_id != (SELECT therapist_id FROM series
                           WHERE id = OLD.series_id)
BEGIN
	UPDATE feeds SET stale = 1
	 WHERE kind = 'therapist' AND owner_id = OLD.therapist_id;
END;
