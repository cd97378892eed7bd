-- Issue 21: /reports, its CSV and the impact report read these two
-- summaries instead of working the period's sessions out again from
-- occurrences, series, attendance, clients and self_cancels on every
-- view (1.7 s of CPU for six years of a service of DESIGN.md's size).
--
-- One row a session (the grain the reports need: a therapist leads one
-- session an hour, so an hourly total by site and therapist would hold
-- as many rows), in time order, with everything the figures count:
--   grp          1 for a group's session, 0 for one person's
--   cancelled    the session is cancelled (by anyone)
--   seconds      its length
--   attended, dna, cancelled_client, cancelled_therapist
--                its attendance lines by status; "delivered" is not
--                cancelled and attended > 0 (db/reports.h)
--   late         a client cancelled it late through their link
-- Kept by the triggers below in the same transaction as every write to
-- occurrences, attendance, self_cancels, series and clients.
CREATE TABLE report_sessions (
	start_utc		INTEGER NOT NULL,
	series_id		INTEGER NOT NULL,
	occ_date		TEXT NOT NULL,
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
	PRIMARY KEY (start_utc, series_id, occ_date)
) WITHOUT ROWID;
CREATE UNIQUE INDEX report_sessions_key ON report_sessions (series_id,
    occ_date);

-- One row for each person who attended a delivered session (not
-- cancelled), with their referral: the distinct "people served" of a
-- period and of each breakdown.
CREATE TABLE report_people (
	start_utc	INTEGER NOT NULL,
	series_id	INTEGER NOT NULL,
	occ_date	TEXT NOT NULL,
	client_id	INTEGER NOT NULL,
	referral_id	INTEGER NOT NULL,
	site_id		INTEGER NOT NULL,
	therapist_id	INTEGER NOT NULL,
	grp		INTEGER NOT NULL,
	PRIMARY KEY (start_utc, series_id, occ_date, client_id)
) WITHOUT ROWID;

-- A session's rows, worked out from its own few lines (by the keys of
-- occurrences, attendance and self_cancels).
CREATE VIEW report_session_of AS
SELECT o.start_utc, o.series_id, o.occ_date, o.site_id, o.therapist_id,
       s.client_id IS NULL AS grp, o.state = 'cancelled' AS cancelled,
       o.end_utc - o.start_utc AS seconds,
       (SELECT count(*) FROM attendance a WHERE a.series_id = o.series_id
	   AND a.occ_date = o.occ_date AND a.status = 'attended')
	   AS attended,
       (SELECT count(*) FROM attendance a WHERE a.series_id = o.series_id
	   AND a.occ_date = o.occ_date AND a.status = 'did_not_attend')
	   AS dna,
       (SELECT count(*) FROM attendance a WHERE a.series_id = o.series_id
	   AND a.occ_date = o.occ_date AND a.status = 'cancelled_client')
	   AS cancelled_client,
       (SELECT count(*) FROM attendance a WHERE a.series_id = o.series_id
	   AND a.occ_date = o.occ_date AND a.status = 'cancelled_therapist')
	   AS cancelled_therapist,
       EXISTS (SELECT 1 FROM self_cancels c WHERE c.series_id = o.series_id
	   AND c.occ_date = o.occ_date AND c.late) AS late
  FROM occurrences o JOIN series s ON s.id = o.series_id;
CREATE VIEW report_people_of AS
SELECT o.start_utc, o.series_id, o.occ_date, a.client_id, c.referral_id,
       o.site_id, o.therapist_id, s.client_id IS NULL AS grp
  FROM occurrences o JOIN series s ON s.id = o.series_id
  JOIN attendance a ON a.series_id = o.series_id
   AND a.occ_date = o.occ_date AND a.status = 'attended'
  JOIN clients c ON c.id = a.client_id
 WHERE o.state != 'cancelled';

INSERT INTO report_sessions SELECT * FROM report_session_of;
INSERT INTO report_people SELECT * FROM report_people_of;

-- The sessions to work out again: each trigger below names them here,
-- and this one redoes each and empties the list (as 023 does for
-- first_sessions).
CREATE TABLE report_redo (
	series_id	INTEGER NOT NULL,
	occ_date	TEXT NOT NULL,
	PRIMARY KEY (series_id, occ_date)
) WITHOUT ROWID;
CREATE TRIGGER report_redo_run AFTER INSERT ON report_redo BEGIN
	DELETE FROM report_people
	 WHERE start_utc = (SELECT start_utc FROM report_sessions
	     WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date)
	   AND series_id = NEW.series_id AND occ_date = NEW.occ_date;
	DELETE FROM report_sessions WHERE series_id = NEW.series_id
	   AND occ_date = NEW.occ_date;
	INSERT INTO report_sessions SELECT * FROM report_session_of
	 WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date;
	INSERT INTO report_people SELECT * FROM report_people_of
	 WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date;
	DELETE FROM report_redo WHERE series_id = NEW.series_id
	   AND occ_date = NEW.occ_date;
END;

CREATE TRIGGER report_occ_ins AFTER INSERT ON occurrences BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_occ_upd AFTER UPDATE OF series_id, occ_date,
    start_utc, end_utc, therapist_id, site_id, state ON occurrences BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_occ_del AFTER DELETE ON occurrences BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
END;

CREATE TRIGGER report_att_ins AFTER INSERT ON attendance BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_att_upd AFTER UPDATE OF series_id, occ_date,
    client_id, status ON attendance BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_att_del AFTER DELETE ON attendance BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
END;

CREATE TRIGGER report_sc_ins AFTER INSERT ON self_cancels BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_sc_upd AFTER UPDATE OF series_id, occ_date, late
ON self_cancels BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
	INSERT OR IGNORE INTO report_redo VALUES (NEW.series_id, NEW.occ_date);
END;
CREATE TRIGGER report_sc_del AFTER DELETE ON self_cancels BEGIN
	INSERT OR IGNORE INTO report_redo VALUES (OLD.series_id, OLD.occ_date);
END;

-- Rare: a series turned from one person's to a group's, or a client
-- record moved to another referral.
CREATE TRIGGER report_series_upd AFTER UPDATE OF client_id, group_id
ON series WHEN (OLD.client_id IS NULL) != (NEW.client_id IS NULL) BEGIN
	INSERT OR IGNORE INTO report_redo
	SELECT series_id, occ_date FROM occurrences WHERE series_id = NEW.id;
END;
CREATE TRIGGER report_client_upd AFTER UPDATE OF referral_id ON clients
WHEN NEW.referral_id IS NOT OLD.referral_id BEGIN
	INSERT OR IGNORE INTO report_redo
	SELECT DISTINCT series_id, occ_date FROM attendance
	 WHERE client_id = NEW.id AND status = 'attended';
END;
