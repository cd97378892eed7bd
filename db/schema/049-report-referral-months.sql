-- Issue 21: /reports counted the referrals of its period by need and by
-- source from one entry a referral of referrals_created (031): 270,015
-- entries for six years at N=10, Y=6 (38 ms of CPU), every one read on
-- every view.
--
-- report_referral_months: the referrals received in each UTC calendar
-- month (of created_at, month: year * 12 + month - 1, as report_months)
-- by their needs (the bits) and source, kept by triggers on referrals
-- in the same transaction as every write; a row is removed when its
-- count reaches none.  A report reads the whole UTC months inside its
-- period here (9,580 rows for six years at N=10) and referrals_created
-- for the hours at the period's ends (db/reports.c).
CREATE TABLE report_referral_months (
	month		INTEGER NOT NULL,
	needs		INTEGER NOT NULL,
	source		TEXT NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (month, needs, source)
) WITHOUT ROWID;

INSERT INTO report_referral_months
SELECT CAST(substr(created_at, 1, 4) AS INTEGER) * 12 +
       CAST(substr(created_at, 6, 2) AS INTEGER) - 1, needs, source,
       count(*)
  FROM referrals GROUP BY 1, 2, 3;

CREATE TRIGGER report_referral_months_ins AFTER INSERT ON referrals BEGIN
	INSERT INTO report_referral_months VALUES (
	    CAST(substr(NEW.created_at, 1, 4) AS INTEGER) * 12 +
	    CAST(substr(NEW.created_at, 6, 2) AS INTEGER) - 1, NEW.needs,
	    NEW.source, 1)
	ON CONFLICT (month, needs, source) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER report_referral_months_del AFTER DELETE ON referrals BEGIN
	UPDATE report_referral_months SET n = n - 1
	 WHERE month = CAST(substr(OLD.created_at, 1, 4) AS INTEGER) * 12 +
	       CAST(substr(OLD.created_at, 6, 2) AS INTEGER) - 1
	   AND needs = OLD.needs AND source = OLD.source;
	DELETE FROM report_referral_months WHERE n = 0
	   AND month = CAST(substr(OLD.created_at, 1, 4) AS INTEGER) * 12 +
	       CAST(substr(OLD.created_at, 6, 2) AS INTEGER) - 1
	   AND needs = OLD.needs AND source = OLD.source;
END;
CREATE TRIGGER report_referral_months_upd AFTER UPDATE OF created_at,
    needs, source ON referrals
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.needs IS NOT NEW.needs
    OR OLD.source IS NOT NEW.source
BEGIN
	UPDATE report_referral_months SET n = n - 1
	 WHERE month = CAST(substr(OLD.created_at, 1, 4) AS INTEGER) * 12 +
	       CAST(substr(OLD.created_at, 6, 2) AS INTEGER) - 1
	   AND needs = OLD.needs AND source = OLD.source;
	DELETE FROM report_referral_months WHERE n = 0
	   AND month = CAST(substr(OLD.created_at, 1, 4) AS INTEGER) * 12 +
	       CAST(substr(OLD.created_at, 6, 2) AS INTEGER) - 1
	   AND needs = OLD.needs AND source = OLD.source;
	INSERT INTO report_referral_months VALUES (
	    CAST(substr(NEW.created_at, 1, 4) AS INTEGER) * 12 +
	    CAST(substr(NEW.created_at, 6, 2) AS INTEGER) - 1, NEW.needs,
	    NEW.source, 1)
	ON CONFLICT (month, needs, source) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER epoch_report_referral_months_ins AFTER INSERT ON report_referral_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_referral_months_upd AFTER UPDATE ON report_referral_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_referral_months_del AFTER DELETE ON report_referral_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
