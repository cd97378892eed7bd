-- Issue 21: /reports for six years read one row a session from
-- report_sessions and one a person a session from report_people (031):
-- its cost grew with every session of the period (156 ms of CPU for six
-- years of a service of DESIGN.md's size, ten times that at ten times
-- the size).  Two coarser summaries, kept by triggers on those two in
-- the same transaction as every write:
--
-- report_months: report_sessions added up by UTC calendar month, site,
-- therapist and individual/group.  A report reads whole UTC months from
-- here and report_sessions only for the hours at the period's ends and
-- between each UTC month's start and the local month's (db/reports.c):
--   month        year * 12 + month - 1, of start_utc in UTC
--   sessions, seconds
--                the delivered sessions (not cancelled, attended > 0)
--                and their lengths
--   attended, dna, cancelled_client, cancelled_therapist
--                attendance lines by status, of every session
--   shown, late, dna_sessions
--                the late-cancellation table: sessions not cancelled or
--                cancelled late by the client; of them, those cancelled
--                late, and those with someone who did not attend
CREATE TABLE report_months (
	month			INTEGER NOT NULL,
	site_id			INTEGER NOT NULL,
	therapist_id		INTEGER NOT NULL,
	grp			INTEGER NOT NULL,
	sessions		INTEGER NOT NULL,
	seconds			INTEGER NOT NULL,
	attended		INTEGER NOT NULL,
	dna			INTEGER NOT NULL,
	cancelled_client	INTEGER NOT NULL,
	cancelled_therapist	INTEGER NOT NULL,
	shown			INTEGER NOT NULL,
	late			INTEGER NOT NULL,
	dna_sessions		INTEGER NOT NULL,
	PRIMARY KEY (month, site_id, therapist_id, grp)
) WITHOUT ROWID;

-- A report_sessions row's figures to add to its month (w = 1) or take
-- off (w = -1), and (report_month_of) what they add.  Each trigger below
-- writes one here, and report_months_add_run adds it up and removes it:
-- the one place the rule is written.
CREATE TABLE report_months_add (
	start_utc		INTEGER NOT NULL,
	site_id			INTEGER NOT NULL,
	therapist_id		INTEGER NOT NULL,
	grp			INTEGER NOT NULL,
	cancelled		INTEGER NOT NULL,
	seconds			INTEGER NOT NULL,
	attended		INTEGER NOT NULL,
	dna			INTEGER NOT NULL,
	cancelled_client	INTEGER NOT NULL,
	cancelled_therapist	INTEGER NOT NULL,
	late			INTEGER NOT NULL,
	w			INTEGER NOT NULL
);
CREATE VIEW report_month_of AS
SELECT rowid AS id,
       CAST(strftime('%Y', start_utc, 'unixepoch') AS INTEGER) * 12 +
       CAST(strftime('%m', start_utc, 'unixepoch') AS INTEGER) - 1
	   AS month,
       site_id, therapist_id, grp,
       w * (NOT cancelled AND attended > 0) AS sessions,
       w * (NOT cancelled AND attended > 0) * seconds AS seconds,
       w * attended AS attended, w * dna AS dna,
       w * cancelled_client AS cancelled_client,
       w * cancelled_therapist AS cancelled_therapist,
       w * (NOT cancelled OR late) AS shown,
       w * (late != 0) AS late,
       w * ((NOT cancelled OR late) AND dna > 0) AS dna_sessions
  FROM report_months_add;

-- Every session's row so far, added up once (before the trigger).
INSERT INTO report_months_add
SELECT start_utc, site_id, therapist_id, grp, cancelled, seconds,
       attended, dna, cancelled_client, cancelled_therapist, late, 1
  FROM report_sessions;
INSERT INTO report_months
SELECT month, site_id, therapist_id, grp, sum(sessions), sum(seconds),
       sum(attended), sum(dna), sum(cancelled_client),
       sum(cancelled_therapist), sum(shown), sum(late), sum(dna_sessions)
  FROM report_month_of GROUP BY month, site_id, therapist_id, grp;
DELETE FROM report_months_add;

CREATE TRIGGER report_months_add_run AFTER INSERT ON report_months_add
BEGIN
	INSERT INTO report_months
	SELECT month, site_id, therapist_id, grp, sessions, seconds,
	       attended, dna, cancelled_client, cancelled_therapist, shown,
	       late, dna_sessions
	  FROM report_month_of WHERE id = NEW.rowid
	ON CONFLICT (month, site_id, therapist_id, grp) DO UPDATE SET
	       sessions = sessions + excluded.sessions,
	       seconds = seconds + excluded.seconds,
	       attended = attended + excluded.attended,
	       dna = dna + excluded.dna,
	       cancelled_client = cancelled_client + excluded.cancelled_client,
	       cancelled_therapist = cancelled_therapist +
		   excluded.cancelled_therapist,
	       shown = shown + excluded.shown,
	       late = late + excluded.late,
	       dna_sessions = dna_sessions + excluded.dna_sessions;
	DELETE FROM report_months_add WHERE rowid = NEW.rowid;
END;

-- A session's row written, changed (031's second file adds a new
-- attendance line's counts with an UPDATE) or removed.
CREATE TRIGGER report_months_ins AFTER INSERT ON report_sessions BEGIN
	INSERT INTO report_months_add VALUES (NEW.start_utc, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.cancelled, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.late, 1);
END;
CREATE TRIGGER report_months_upd AFTER UPDATE ON report_sessions BEGIN
	INSERT INTO report_months_add VALUES (OLD.start_utc, OLD.site_id,
	    OLD.therapist_id, OLD.grp, OLD.cancelled, OLD.seconds,
	    OLD.attended, OLD.dna, OLD.cancelled_client,
	    OLD.cancelled_therapist, OLD.late, -1);
	INSERT INTO report_months_add VALUES (NEW.start_utc, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.cancelled, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.late, 1);
END;
CREATE TRIGGER report_months_del AFTER DELETE ON report_sessions BEGIN
	INSERT INTO report_months_add VALUES (OLD.start_utc, OLD.site_id,
	    OLD.therapist_id, OLD.grp, OLD.cancelled, OLD.seconds,
	    OLD.attended, OLD.dna, OLD.cancelled_client,
	    OLD.cancelled_therapist, OLD.late, -1);
END;

-- report_persons: one row for each person (referral), site, therapist
-- and individual/group they attended a delivered session at (report_people
-- grouped), with the start times of those sessions as decimal text
-- separated by commas (not in order), and the first and last.  A report
-- reads one row a person and place rather than one a session: people
-- served, distinct over the period and over each breakdown, are counted
-- from it in C (db/reports.c), the times read only where a row crosses
-- the period's ends or a month.
CREATE TABLE report_persons (
	referral_id	INTEGER NOT NULL,
	site_id		INTEGER NOT NULL,
	therapist_id	INTEGER NOT NULL,
	grp		INTEGER NOT NULL,
	first_utc	INTEGER NOT NULL,
	last_utc	INTEGER NOT NULL,
	times		TEXT NOT NULL,
	PRIMARY KEY (referral_id, site_id, therapist_id, grp)
) WITHOUT ROWID;

-- A person and place's own rows of report_people, to work theirs out
-- again when one is removed.
CREATE INDEX report_people_person ON report_people (referral_id, site_id,
    therapist_id, grp);

INSERT INTO report_persons
SELECT referral_id, site_id, therapist_id, grp, min(start_utc),
       max(start_utc), group_concat(start_utc)
  FROM report_people GROUP BY referral_id, site_id, therapist_id, grp;

-- A session attended: its time added to the person's row.
CREATE TRIGGER report_persons_ins AFTER INSERT ON report_people BEGIN
	INSERT INTO report_persons VALUES (NEW.referral_id, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.start_utc, NEW.start_utc,
	    NEW.start_utc)
	ON CONFLICT (referral_id, site_id, therapist_id, grp) DO UPDATE SET
	       first_utc = min(first_utc, excluded.first_utc),
	       last_utc = max(last_utc, excluded.last_utc),
	       times = times || ',' || excluded.times;
END;
-- One removed: the person's row worked out again from their own rows
-- (gone when none is left).
CREATE TRIGGER report_persons_del AFTER DELETE ON report_people BEGIN
	DELETE FROM report_persons WHERE referral_id = OLD.referral_id
	   AND site_id = OLD.site_id AND therapist_id = OLD.therapist_id
	   AND grp = OLD.grp;
	INSERT INTO report_persons
	SELECT referral_id, site_id, therapist_id, grp, min(start_utc),
	       max(start_utc), group_concat(start_utc)
	  FROM report_people WHERE referral_id = OLD.referral_id
	   AND site_id = OLD.site_id AND therapist_id = OLD.therapist_id
	   AND grp = OLD.grp
	 GROUP BY referral_id, site_id, therapist_id, grp;
END;

-- Waits: the report read each person's referral row for its receipt
-- (a wide row, its date as text) for every first session in the period.
-- first_sessions now keeps it, set when its row is written (023 and
-- 031 write a person's row afresh on every change), and the index on
-- the first session's time holds everything the report reads.
ALTER TABLE first_sessions ADD COLUMN received_utc INTEGER;
UPDATE first_sessions SET received_utc = (SELECT CAST(strftime('%s',
    created_at) AS INTEGER) FROM referrals WHERE id = referral_id);
CREATE TRIGGER first_sessions_received AFTER INSERT ON first_sessions
BEGIN
	UPDATE first_sessions SET received_utc = (SELECT CAST(strftime('%s',
	    created_at) AS INTEGER) FROM referrals WHERE id = NEW.referral_id)
	 WHERE referral_id = NEW.referral_id;
END;
DROP INDEX first_sessions_time;
CREATE INDEX first_sessions_time ON first_sessions (first_utc,
    received_utc, second_utc);
