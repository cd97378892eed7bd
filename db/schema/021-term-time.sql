-- Term time (issue 20): a series at a site with terms (migration 015)
-- has no sessions in the holidays.  term_time marks it; its rule then
-- runs to its last session (until_date) and series_skips lists the
-- holiday weeks the rule passes over, which calendars show as no
-- session (EXDATE) and the series page as a holiday.
ALTER TABLE series ADD COLUMN term_time INTEGER NOT NULL DEFAULT 0
	CHECK (term_time IN (0, 1));
CREATE TABLE series_skips (
	series_id	INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,		-- YYYY-MM-DD local
	PRIMARY KEY (series_id, occ_date)
) WITHOUT ROWID;
