-- Issue 21: /reports for six years read its whole UTC months from
-- report_months (036), one row a month, site, therapist and
-- individual/group: 61,000 rows at N=10, Y=6, 85% of the sessions'
-- 23 ms of CPU, growing with every month of the period.  Two coarser
-- summaries, kept by triggers on report_months in the same transaction
-- as every write (report_months is kept by 036's triggers in the same
-- way), so that a long period reads its whole UTC calendar years here,
-- and report_months only for the months around them; and one finer,
-- for the days of the months a period cuts (db/reports.c):
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
-- report_days: report_sessions added up by UTC day (day: start_utc /
-- 86400), site, therapist and individual/group, the same figures, kept
-- by triggers on report_sessions as report_months is (through
-- report_days_add and report_day_of, as 036's report_months_add and
-- report_month_of).  The days at a period's ends that lie in one local
-- month are read here rather than a row a session: a year to today at
-- N=10 read 20,000 sessions of the two months it cuts (64% of its CPU),
-- now about 4,000 rows.
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

CREATE TABLE report_days (
	day			INTEGER NOT NULL,
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
	PRIMARY KEY (day, site_id, therapist_id, grp)
) WITHOUT ROWID;

INSERT INTO report_years
SELECT month / 12, site_id, therapist_id, grp, sum(sessions),
       sum(seconds), sum(attended), sum(dna), sum(cancelled_client),
       sum(cancelled_therapist), sum(shown), sum(late), sum(dna_sessions)
  FROM report_months GROUP BY month / 12, site_id, therapist_id, grp;
INSERT INTO report_month_sessions
SELECT month, sum(sessions), sum(seconds) FROM report_months
 GROUP BY month;

-- A report_sessions row's figures to add to its day (w = 1) or take
-- off (w = -1), and (report_day_of) what they add: 036's
-- report_month_of by day.
CREATE TABLE report_days_add (
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
CREATE VIEW report_day_of AS
SELECT rowid AS id, start_utc / 86400 AS day, site_id, therapist_id, grp,
       w * (NOT cancelled AND attended > 0) AS sessions,
       w * (NOT cancelled AND attended > 0) * seconds AS seconds,
       w * attended AS attended, w * dna AS dna,
       w * cancelled_client AS cancelled_client,
       w * cancelled_therapist AS cancelled_therapist,
       w * (NOT cancelled OR late) AS shown,
       w * (late != 0) AS late,
       w * ((NOT cancelled OR late) AND dna > 0) AS dna_sessions
  FROM report_days_add;

INSERT INTO report_days
SELECT start_utc / 86400, site_id, therapist_id, grp,
       sum(NOT cancelled AND attended > 0),
       sum((NOT cancelled AND attended > 0) * seconds), sum(attended),
       sum(dna), sum(cancelled_client), sum(cancelled_therapist),
       sum(NOT cancelled OR late), sum(late != 0),
       sum((NOT cancelled OR late) AND dna > 0)
  FROM report_sessions GROUP BY start_utc / 86400, site_id, therapist_id,
       grp;

CREATE TRIGGER report_days_add_run AFTER INSERT ON report_days_add
BEGIN
	INSERT INTO report_days
	SELECT day, site_id, therapist_id, grp, sessions, seconds,
	       attended, dna, cancelled_client, cancelled_therapist, shown,
	       late, dna_sessions
	  FROM report_day_of WHERE id = NEW.rowid
	ON CONFLICT (day, site_id, therapist_id, grp) DO UPDATE SET
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
	DELETE FROM report_days_add WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER report_days_ins AFTER INSERT ON report_sessions BEGIN
	INSERT INTO report_days_add VALUES (NEW.start_utc, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.cancelled, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.late, 1);
END;
CREATE TRIGGER report_days_upd AFTER UPDATE ON report_sessions BEGIN
	INSERT INTO report_days_add VALUES (OLD.start_utc, OLD.site_id,
	    OLD.therapist_id, OLD.grp, OLD.cancelled, OLD.seconds,
	    OLD.attended, OLD.dna, OLD.cancelled_client,
	    OLD.cancelled_therapist, OLD.late, -1);
	INSERT INTO report_days_add VALUES (NEW.start_utc, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NEW.cancelled, NEW.seconds,
	    NEW.attended, NEW.dna, NEW.cancelled_client,
	    NEW.cancelled_therapist, NEW.late, 1);
END;
CREATE TRIGGER report_days_del AFTER DELETE ON report_sessions BEGIN
	INSERT INTO report_days_add VALUES (OLD.start_utc, OLD.site_id,
	    OLD.therapist_id, OLD.grp, OLD.cancelled, OLD.seconds,
	    OLD.attended, OLD.dna, OLD.cancelled_client,
	    OLD.cancelled_therapist, OLD.late, -1);
END;

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
CREATE TRIGGER epoch_report_days_ins AFTER INSERT ON report_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_days_upd AFTER UPDATE ON report_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_days_del AFTER DELETE ON report_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_days_add_ins AFTER INSERT ON report_days_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_days_add_upd AFTER UPDATE ON report_days_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_days_add_del AFTER DELETE ON report_days_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
