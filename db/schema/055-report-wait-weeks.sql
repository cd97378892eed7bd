-- Issue 21: the waits of /reports (the median and 90th percentile of
-- the days from referral to first attended session, and from first to
-- second) read every first session of the period from first_sessions
-- (023, 031, 036) to find an exact median: 22,831 rows for the last
-- year at N=10, Y=6, 136,760 for six years (19.7 ms of CPU), on every
-- view.
--
-- Two counts, kept by triggers on first_sessions in the same
-- transaction as every write, find the same exact figures:
--
-- report_wait_weeks: the people whose first session fell in each UTC
-- calendar month (month: year * 12 + month - 1, as report_months), by
-- whole weeks of each wait (kind 0: from receipt to the first session,
-- max(0, first_utc - received_utc); kind 1: from the first to the
-- second, second_utc - first_utc), for the rows with their receipt
-- time, as the report reads them.  A report adds up the weeks of the
-- whole months inside its period (5,669 rows of kind 0 for six years at
-- N=10) and of the first sessions at its ends (first_sessions_time),
-- and so knows which week holds the median and the 90th rank.
--
-- report_wait_values: the same people by the week, the month and the
-- exact wait in seconds: the exact values of one week of the period's
-- months, in order (at most 2,747 rows a week of kind 0 for six years;
-- the second session's waits are a few values, most of them 7 days).
--
-- A row is removed when its count reaches none.
CREATE TABLE report_wait_weeks (
	kind		INTEGER NOT NULL,
	month		INTEGER NOT NULL,
	week		INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (kind, month, week)
) WITHOUT ROWID;
CREATE TABLE report_wait_values (
	kind		INTEGER NOT NULL,
	week		INTEGER NOT NULL,
	month		INTEGER NOT NULL,
	secs		INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (kind, week, month, secs)
) WITHOUT ROWID;

-- Every first session's waits, as the report reads them, with their
-- month and week: the rule, written once here and in the trigger of
-- report_wait_change below.
CREATE VIEW report_waits_of AS
SELECT kind,
       CAST(strftime('%Y', first_utc, 'unixepoch') AS INTEGER) * 12 +
       CAST(strftime('%m', first_utc, 'unixepoch') AS INTEGER) - 1
	   AS month,
       secs / 604800 AS week, secs
  FROM (SELECT 0 AS kind, first_utc, max(0, first_utc - received_utc)
	       AS secs
	  FROM first_sessions WHERE received_utc IS NOT NULL
	UNION ALL
	SELECT 1, first_utc, second_utc - first_utc
	  FROM first_sessions
	 WHERE received_utc IS NOT NULL AND second_utc IS NOT NULL);

INSERT INTO report_wait_weeks
SELECT kind, month, week, count(*) FROM report_waits_of
 GROUP BY kind, month, week;
INSERT INTO report_wait_values
SELECT kind, week, month, secs, count(*) FROM report_waits_of
 GROUP BY kind, week, month, secs;

-- A wait of a kind, of a first session at first_utc, to add (d = 1) or
-- take off (d = -1): inserted here by the triggers below, it changes
-- both counts and is not kept.
CREATE VIEW report_wait_change (kind, first_utc, secs, d) AS
SELECT 0, 0, 0, 0 WHERE 0;
CREATE TRIGGER report_wait_change_run INSTEAD OF INSERT
ON report_wait_change BEGIN
	INSERT INTO report_wait_weeks VALUES (NEW.kind,
	    CAST(strftime('%Y', NEW.first_utc, 'unixepoch') AS INTEGER) * 12 +
	    CAST(strftime('%m', NEW.first_utc, 'unixepoch') AS INTEGER) - 1,
	    NEW.secs / 604800, NEW.d)
	ON CONFLICT (kind, month, week) DO UPDATE SET n = n + excluded.n;
	INSERT INTO report_wait_values VALUES (NEW.kind, NEW.secs / 604800,
	    CAST(strftime('%Y', NEW.first_utc, 'unixepoch') AS INTEGER) * 12 +
	    CAST(strftime('%m', NEW.first_utc, 'unixepoch') AS INTEGER) - 1,
	    NEW.secs, NEW.d)
	ON CONFLICT (kind, week, month, secs) DO UPDATE SET n = n + excluded.n;
	DELETE FROM report_wait_weeks WHERE NEW.d < 0 AND n = 0
	   AND kind = NEW.kind AND week = NEW.secs / 604800
	   AND month = CAST(strftime('%Y', NEW.first_utc, 'unixepoch')
	       AS INTEGER) * 12 +
	       CAST(strftime('%m', NEW.first_utc, 'unixepoch') AS INTEGER) - 1;
	DELETE FROM report_wait_values WHERE NEW.d < 0 AND n = 0
	   AND kind = NEW.kind AND week = NEW.secs / 604800
	   AND secs = NEW.secs
	   AND month = CAST(strftime('%Y', NEW.first_utc, 'unixepoch')
	       AS INTEGER) * 12 +
	       CAST(strftime('%m', NEW.first_utc, 'unixepoch') AS INTEGER) - 1;
END;

-- 031's redo removed each person's first_sessions row and wrote it
-- again on every change to their attendance, most often the same row
-- (a later session recorded): with the triggers below each such write
-- took both waits off and added them back, 0.77 ms and 3.9 pages more
-- a session recorded at N=1.  Now the row is written only when its
-- first or second session moves, and removed only when none is left
-- (or its referral is gone), so a session recorded after the second
-- writes neither first_sessions nor the counts.
DROP TRIGGER first_sessions_redo_run;
CREATE TRIGGER first_sessions_redo_run AFTER INSERT ON first_sessions_redo
BEGIN
	DELETE FROM first_sessions WHERE referral_id = NEW.referral_id
	   AND NOT EXISTS (SELECT 1 FROM clients c
		 CROSS JOIN attendance a ON a.client_id = c.id
		   AND a.status = 'attended'
		 CROSS JOIN occurrences o ON o.series_id = a.series_id
		   AND o.occ_date = a.occ_date
		 WHERE c.referral_id = NEW.referral_id
		   AND EXISTS (SELECT 1 FROM referrals
		       WHERE id = NEW.referral_id));
	INSERT INTO first_sessions (referral_id, first_utc, second_utc)
	SELECT NEW.referral_id, f.t, (SELECT min(o.start_utc)
		  FROM clients c
		 CROSS JOIN attendance a ON a.client_id = c.id
		   AND a.status = 'attended'
		 CROSS JOIN occurrences o ON o.series_id = a.series_id
		   AND o.occ_date = a.occ_date
		 WHERE c.referral_id = NEW.referral_id AND o.start_utc > f.t)
	  FROM (SELECT min(o.start_utc) AS t
		  FROM clients c
		 CROSS JOIN attendance a ON a.client_id = c.id
		   AND a.status = 'attended'
		 CROSS JOIN occurrences o ON o.series_id = a.series_id
		   AND o.occ_date = a.occ_date
		 WHERE c.referral_id = NEW.referral_id
		   AND EXISTS (SELECT 1 FROM referrals
		       WHERE id = NEW.referral_id)) f
	 WHERE f.t IS NOT NULL
	ON CONFLICT (referral_id) DO UPDATE SET
	       first_utc = excluded.first_utc,
	       second_utc = excluded.second_utc
	 WHERE first_utc IS NOT excluded.first_utc
	    OR second_utc IS NOT excluded.second_utc;
	DELETE FROM first_sessions_redo WHERE referral_id = NEW.referral_id;
END;

-- A person's first_sessions row written, changed or removed (036's
-- trigger sets a new row's receipt time after it is written).
CREATE TRIGGER report_waits_ins AFTER INSERT ON first_sessions
WHEN NEW.received_utc IS NOT NULL BEGIN
	INSERT INTO report_wait_change VALUES (0, NEW.first_utc,
	    max(0, NEW.first_utc - NEW.received_utc), 1);
	INSERT INTO report_wait_change SELECT 1, NEW.first_utc,
	    NEW.second_utc - NEW.first_utc, 1 WHERE NEW.second_utc IS NOT NULL;
END;
CREATE TRIGGER report_waits_upd AFTER UPDATE OF first_utc, received_utc,
    second_utc ON first_sessions
WHEN OLD.first_utc IS NOT NEW.first_utc
    OR OLD.received_utc IS NOT NEW.received_utc
    OR OLD.second_utc IS NOT NEW.second_utc
BEGIN
	INSERT INTO report_wait_change SELECT 0, OLD.first_utc,
	    max(0, OLD.first_utc - OLD.received_utc), -1
	 WHERE OLD.received_utc IS NOT NULL;
	INSERT INTO report_wait_change SELECT 1, OLD.first_utc,
	    OLD.second_utc - OLD.first_utc, -1
	 WHERE OLD.received_utc IS NOT NULL AND OLD.second_utc IS NOT NULL;
	INSERT INTO report_wait_change SELECT 0, NEW.first_utc,
	    max(0, NEW.first_utc - NEW.received_utc), 1
	 WHERE NEW.received_utc IS NOT NULL;
	INSERT INTO report_wait_change SELECT 1, NEW.first_utc,
	    NEW.second_utc - NEW.first_utc, 1
	 WHERE NEW.received_utc IS NOT NULL AND NEW.second_utc IS NOT NULL;
END;
CREATE TRIGGER report_waits_del AFTER DELETE ON first_sessions
WHEN OLD.received_utc IS NOT NULL BEGIN
	INSERT INTO report_wait_change VALUES (0, OLD.first_utc,
	    max(0, OLD.first_utc - OLD.received_utc), -1);
	INSERT INTO report_wait_change SELECT 1, OLD.first_utc,
	    OLD.second_utc - OLD.first_utc, -1 WHERE OLD.second_utc IS NOT NULL;
END;

CREATE TRIGGER epoch_report_wait_weeks_ins AFTER INSERT ON report_wait_weeks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_wait_weeks_upd AFTER UPDATE ON report_wait_weeks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_wait_weeks_del AFTER DELETE ON report_wait_weeks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_wait_values_ins AFTER INSERT ON report_wait_values
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_wait_values_upd AFTER UPDATE ON report_wait_values
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_wait_values_del AFTER DELETE ON report_wait_values
BEGIN UPDATE record_epoch SET n = n + 1; END;
