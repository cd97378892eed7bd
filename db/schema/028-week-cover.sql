-- Issue 17.  The week grid (GET /schedule, db/week.c) reads every
-- session of the service starting in a week: with this index it reads
-- them in time order from the index alone, without a look-up of each
-- session's row and without sorting them (300 therapists' week: some 11%
-- fewer instructions a request).  It starts with start_utc, so it serves
-- every range of times occurrences_start served (the reminders' windows,
-- mail/remind.c), which goes: one index fewer to write a booking into.
CREATE INDEX occurrences_week ON occurrences (start_utc, series_id,
	occ_date, end_utc, state, therapist_id, site_id, room_id);
DROP INDEX occurrences_start;

-- A partner site's calendar feed names the therapist taking each
-- session, so a session handed to a cover therapist (026) changes it:
-- mark it stale in the same transaction, as 004's triggers do for a
-- change to a series or its sessions.
CREATE TRIGGER occurrences_cover_site_feed AFTER UPDATE OF therapist_id
ON occurrences WHEN OLD.therapist_id != NEW.therapist_id
BEGIN
	UPDATE feeds SET stale = 1
	 WHERE kind = 'site' AND owner_id = (SELECT site_id FROM series
	                                      WHERE id = NEW.series_id);
END;
