-- Issue 21: /reports for six years read its whole UTC months from
-- report_months (036), one row a month, site, therapist and
-- individual/group: 61,000 rows at N=10, Y=6, 85% of the sessions'
-- 23 ms of CPU, growing with every month of the period.  Two coarser
-- summaries, kept by triggers on report_months in the same transaction
-- as every write (report_months is kept by 036's triggers in the same
-- way), so that a long period reads its whole UTC calendar years here,
-- and report_months only for the months around them (db/reports.c):
--
-- report_years: report_months added up by UTC calendar year (year), site,
-- therapist and individual/group; the same figures (036).  They give
-- the totals, attendance, late cancellations by site and the breakdowns
-- by site, organisation, therapist and type; not the months.
--
-- report_month_sessions: the delivered sessions of each UTC month
-- (month: year * 12 + month - 1, as report_months) and their lengths,
-- for the breakdown by month of the years read above.
--
-- A row stays when its figures come back to none, as report_months'
-- do.
CREATE TABLE report_years (
	year			INTEGER NOT NULL,
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
	PRIMARY KEY (year, site_id, therapist_id, grp)
) WITHOUT ROWID;

CREATE TABLE report_month_sessions (
	month		INTEGER PRIMARY KEY,
	sessions	INTEGER NOT NULL,
	seconds		INTEGER NOT NULL
);

INSERT INTO report_years
SELECT month / 12, site_id, therapist_id, grp, sum(sessions),
       sum(seconds), sum(attended), sum(dna), sum(cancelled_client),
       sum(cancelled_therapist), sum(shown), sum(late), sum(dna_sessions)
  FROM report_months GROUP BY month / 12, site_id, therapist_id, grp;
INSERT INTO report_month_sessions
SELECT month, sum(sessions), sum(seconds) FROM report_months
 GROUP BY month;

-- A month's row made (w = 1), changed (the old taken off, the new
-- added) or removed (w = -1): its figures added to its year's row and
-- its month's sessions.  The one place the rule is written is the view
-- each trigger reads its row from.
CREATE TABLE report_years_add (
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
	dna_sessions		INTEGER NOT NULL
);

CREATE TRIGGER report_years_add_run AFTER INSERT ON report_years_add
BEGIN
	INSERT INTO report_years VALUES (NEW.month / 12, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.sessions, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.shown, NEW.late, NEW.dna_sessions)
	ON CONFLICT (year, site_id, therapist_id, grp) DO UPDATE SET
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
	INSERT INTO report_month_sessions VALUES (NEW.month, NEW.sessions,
	    NEW.seconds)
	ON CONFLICT (month) DO UPDATE SET
	       sessions = sessions + excluded.sessions,
	       seconds = seconds + excluded.seconds;
	DELETE FROM report_years_add WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER report_years_ins AFTER INSERT ON report_months BEGIN
	INSERT INTO report_years_add VALUES (NEW.month, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.sessions, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.shown, NEW.late, NEW.dna_sessions);
END;
CREATE TRIGGER report_years_upd AFTER UPDATE ON report_months BEGIN
	INSERT INTO report_years_add VALUES (OLD.month, OLD.site_id,
	    OLD.therapist_id, OLD.grp, -OLD.sessions, -OLD.seconds,
	    -OLD.attended, -OLD.dna, -OLD.cancelled_client,
	    -OLD.cancelled_therapist, -OLD.shown, -OLD.late,
	    -OLD.dna_sessions);
	INSERT INTO report_years_add VALUES (NEW.month, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.sessions, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.shown, NEW.late, NEW.dna_sessions);
END;
CREATE TRIGGER report_years_del AFTER DELETE ON report_months BEGIN
	INSERT INTO report_years_add VALUES (OLD.month, OLD.site_id,
	    OLD.therapist_id, OLD.grp, -OLD.sessions, -OLD.seconds,
	    -OLD.attended, -OLD.dna, -OLD.cancelled_client,
	    -OLD.cancelled_therapist, -OLD.shown, -OLD.late,
	    -OLD.dna_sessions);
END;

CREATE TRIGGER epoch_report_years_ins AFTER INSERT ON report_years
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_years_upd AFTER UPDATE ON report_years
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_years_del AFTER DELETE ON report_years
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_years_add_ins AFTER INSERT ON report_years_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_years_add_upd AFTER UPDATE ON report_years_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_years_add_del AFTER DELETE ON report_years_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_month_sessions_ins AFTER INSERT ON report_month_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_month_sessions_upd AFTER UPDATE ON report_month_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_month_sessions_del AFTER DELETE ON report_month_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
