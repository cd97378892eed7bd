-- Issue 21: the people served of /reports, its CSV and the impact
-- report were counted from report_persons (036), one row a person and
-- place with every attended time as text, read whole on every view
-- (136,760 rows and 12 MB of times at N=10, Y=6) whatever the period,
-- as no index found a period's rows, and every row's times parsed to
-- count its person once a month of the period.
--
-- Two changes, so that a report reads the people of its period only
-- and never their times:
--
-- report_persons_time: a period's rows by their last and first
-- attended times; with the table's key it holds every column a report
-- reads but the times.  A row whose first or last time falls in the
-- period counts its person there; only one that began before the
-- period and went on after it looks for a session inside it
-- (report_people_person, 036).
CREATE INDEX report_persons_time ON report_persons (last_utc, first_utc);

-- report_month_people: the people (referrals) who attended a
-- delivered session in each UTC calendar month, counted once (month:
-- year * 12 + month - 1, as report_months).  A report's local month
-- inside its period is this count, corrected for the people with a
-- session in the hours between the UTC and the local month's ends
-- (db/reports.c); the months cut by the period's ends are counted from
-- report_people.  Distinct people cannot be added up over months, so
-- the period's and each group's people come from report_persons.
CREATE TABLE report_month_people (
	month		INTEGER PRIMARY KEY,
	people		INTEGER NOT NULL
);

INSERT INTO report_month_people
SELECT CAST(strftime('%Y', start_utc, 'unixepoch') AS INTEGER) * 12 +
       CAST(strftime('%m', start_utc, 'unixepoch') AS INTEGER) - 1,
       count(DISTINCT referral_id)
  FROM report_people GROUP BY 1;

-- A person's first row of a month written: one more that month.  Their
-- rows are found by report_people_person (referral first); the new row
-- is among them, hence = 1.
CREATE TRIGGER report_month_people_ins AFTER INSERT ON report_people
WHEN (SELECT count(*) FROM report_people p
       WHERE p.referral_id = NEW.referral_id
	 AND p.start_utc >= CAST(strftime('%s', NEW.start_utc, 'unixepoch',
	     'start of month') AS INTEGER)
	 AND p.start_utc < CAST(strftime('%s', NEW.start_utc, 'unixepoch',
	     'start of month', '+1 month') AS INTEGER)) = 1
BEGIN
	INSERT INTO report_month_people VALUES (
	    CAST(strftime('%Y', NEW.start_utc, 'unixepoch') AS INTEGER) * 12 +
	    CAST(strftime('%m', NEW.start_utc, 'unixepoch') AS INTEGER) - 1, 1)
	ON CONFLICT (month) DO UPDATE SET people = people + 1;
END;
-- Their last row of a month removed: one fewer.
CREATE TRIGGER report_month_people_del AFTER DELETE ON report_people
WHEN NOT EXISTS (SELECT 1 FROM report_people p
       WHERE p.referral_id = OLD.referral_id
	 AND p.start_utc >= CAST(strftime('%s', OLD.start_utc, 'unixepoch',
	     'start of month') AS INTEGER)
	 AND p.start_utc < CAST(strftime('%s', OLD.start_utc, 'unixepoch',
	     'start of month', '+1 month') AS INTEGER))
BEGIN
	UPDATE report_month_people SET people = people - 1
	 WHERE month = CAST(strftime('%Y', OLD.start_utc, 'unixepoch') AS
	       INTEGER) * 12 + CAST(strftime('%m', OLD.start_utc, 'unixepoch')
	       AS INTEGER) - 1;
END;

CREATE TRIGGER epoch_report_month_people_ins AFTER INSERT ON report_month_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_month_people_upd AFTER UPDATE ON report_month_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_month_people_del AFTER DELETE ON report_month_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
