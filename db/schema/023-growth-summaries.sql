-- Issue 21: reads that grew with all the history kept rather than with
-- what the page shows.

-- The coordinator's queue by default shows the open referrals, oldest
-- first: its own index, so that a page reads the fifty rows it shows
-- instead of stepping over every referral closed over the years.
CREATE INDEX referrals_open ON referrals (created_at, id)
	WHERE status IN ('new', 'triaged', 'waitlisted', 'matched', 'active');

-- A group's series (the referrals whose work has ended, on the queue).
CREATE INDEX series_group ON series (group_id);
-- A person's groups (their client record, their sessions).
CREATE INDEX group_members_client ON group_members (client_id);

-- Each person's first attended session (over all their times on a
-- caseload): the waits of /reports and the impact report's "new and
-- continuing" read it for the people of a period, instead of every
-- attendance line each person ever had.  Kept by the triggers below in
-- the same transaction as every change to attendance and sessions.
CREATE TABLE first_sessions (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id)
			  ON DELETE CASCADE,
	first_utc	INTEGER NOT NULL
);
CREATE INDEX first_sessions_time ON first_sessions (first_utc);

INSERT INTO first_sessions (referral_id, first_utc)
	SELECT c.referral_id, min(o.start_utc)
	  FROM attendance a
	  JOIN clients c ON c.id = a.client_id
	  JOIN occurrences o ON o.series_id = a.series_id
	   AND o.occ_date = a.occ_date
	 WHERE a.status = 'attended'
	 GROUP BY c.referral_id;

-- The first session of the referrals in first_sessions_redo, worked out
-- again from their attendance (one person's few lines), then the list
-- emptied.  Each trigger below fills the list and then runs this one.
CREATE TABLE first_sessions_redo (
	referral_id	INTEGER PRIMARY KEY
);
CREATE TRIGGER first_sessions_redo_run AFTER INSERT ON first_sessions_redo
BEGIN
	DELETE FROM first_sessions WHERE referral_id = NEW.referral_id;
	INSERT INTO first_sessions (referral_id, first_utc)
	SELECT NEW.referral_id, min(o.start_utc)
	  FROM clients c
	 CROSS JOIN attendance a ON a.client_id = c.id
	   AND a.status = 'attended'
	 CROSS JOIN occurrences o ON o.series_id = a.series_id
	   AND o.occ_date = a.occ_date
	 WHERE c.referral_id = NEW.referral_id
	   AND EXISTS (SELECT 1 FROM referrals WHERE id = NEW.referral_id)
	HAVING min(o.start_utc) IS NOT NULL;
	DELETE FROM first_sessions_redo WHERE referral_id = NEW.referral_id;
END;

CREATE TRIGGER first_sessions_att_ins AFTER INSERT ON attendance
WHEN NEW.status = 'attended' BEGIN
	INSERT OR IGNORE INTO first_sessions_redo (referral_id)
	SELECT referral_id FROM clients WHERE id = NEW.client_id;
END;
CREATE TRIGGER first_sessions_att_upd AFTER UPDATE ON attendance
WHEN NEW.status = 'attended' OR OLD.status = 'attended' BEGIN
	INSERT OR IGNORE INTO first_sessions_redo (referral_id)
	SELECT referral_id FROM clients WHERE id IN (OLD.client_id,
	    NEW.client_id);
END;
CREATE TRIGGER first_sessions_att_del AFTER DELETE ON attendance
WHEN OLD.status = 'attended' BEGIN
	INSERT OR IGNORE INTO first_sessions_redo (referral_id)
	SELECT referral_id FROM clients WHERE id = OLD.client_id;
END;
-- A session moved, made again or removed: the people who attended it,
-- through a list as above.
CREATE TABLE first_sessions_occ (
	series_id	INTEGER NOT NULL,
	occ_date	TEXT NOT NULL,
	PRIMARY KEY (series_id, occ_date)
) WITHOUT ROWID;
CREATE TRIGGER first_sessions_occ_run AFTER INSERT ON first_sessions_occ
BEGIN
	INSERT OR IGNORE INTO first_sessions_redo (referral_id)
	SELECT c.referral_id FROM attendance a JOIN clients c
	    ON c.id = a.client_id
	 WHERE a.series_id = NEW.series_id AND a.occ_date = NEW.occ_date
	   AND a.status = 'attended';
	DELETE FROM first_sessions_occ WHERE series_id = NEW.series_id
	   AND occ_date = NEW.occ_date;
END;
CREATE TRIGGER first_sessions_occ_ins AFTER INSERT ON occurrences BEGIN
	INSERT OR IGNORE INTO first_sessions_occ VALUES (NEW.series_id,
	    NEW.occ_date);
END;
CREATE TRIGGER first_sessions_occ_upd AFTER UPDATE OF start_utc
ON occurrences WHEN NEW.start_utc != OLD.start_utc BEGIN
	INSERT OR IGNORE INTO first_sessions_occ VALUES (NEW.series_id,
	    NEW.occ_date);
END;
CREATE TRIGGER first_sessions_occ_del AFTER DELETE ON occurrences BEGIN
	INSERT OR IGNORE INTO first_sessions_occ VALUES (OLD.series_id,
	    OLD.occ_date);
END;
