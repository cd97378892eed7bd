-- Issue 21: the waitlist of /reports at the end of each month of its
-- period added up joined - departed over every hour before the last
-- month's end (waitlist_hours, 017): 17,514 rows at N=10, Y=6, read
-- whatever the period, and more with every year kept.
--
-- waitlist_months: the same sum over each UTC calendar month's hours
-- (month: the hour's first seven characters, "2026-03", so that months
-- sort as their hours do), kept by triggers on waitlist_hours in the
-- same transaction as every write.  The waitlist before an hour is the
-- months before its month and its month's hours before it, or the
-- months to its month's end less its month's hours from it: whichever
-- reads fewer hours (db/reports.c).
CREATE TABLE waitlist_months (
	month		TEXT PRIMARY KEY,
	change		INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO waitlist_months
SELECT substr(hour, 1, 7), sum(joined - departed) FROM waitlist_hours
 GROUP BY 1;

CREATE TRIGGER waitlist_months_ins AFTER INSERT ON waitlist_hours BEGIN
	INSERT INTO waitlist_months VALUES (substr(NEW.hour, 1, 7),
	    NEW.joined - NEW.departed)
	ON CONFLICT (month) DO UPDATE SET change = change + excluded.change;
END;
CREATE TRIGGER waitlist_months_upd AFTER UPDATE ON waitlist_hours BEGIN
	INSERT INTO waitlist_months VALUES (substr(OLD.hour, 1, 7),
	    OLD.departed - OLD.joined)
	ON CONFLICT (month) DO UPDATE SET change = change + excluded.change;
	INSERT INTO waitlist_months VALUES (substr(NEW.hour, 1, 7),
	    NEW.joined - NEW.departed)
	ON CONFLICT (month) DO UPDATE SET change = change + excluded.change;
END;
CREATE TRIGGER waitlist_months_del AFTER DELETE ON waitlist_hours BEGIN
	INSERT INTO waitlist_months VALUES (substr(OLD.hour, 1, 7),
	    OLD.departed - OLD.joined)
	ON CONFLICT (month) DO UPDATE SET change = change + excluded.change;
END;

CREATE TRIGGER epoch_waitlist_months_ins AFTER INSERT ON waitlist_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_months_upd AFTER UPDATE ON waitlist_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_months_del AFTER DELETE ON waitlist_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER sweep_waitlist_months_ins AFTER INSERT ON waitlist_months
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_months', json_array(NEW.month)); END;
CREATE TRIGGER sweep_waitlist_months_upd AFTER UPDATE ON waitlist_months
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_months', json_array(NEW.month)); END;
