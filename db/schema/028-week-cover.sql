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

