-- Issue 21: the queue's "Work ended: close or book again" list read
-- every active referral's series and sessions on every page (the whole
-- caseload: 4,388 people at ten times the service, 626 ms on a loaded
-- machine).  Each referral now keeps when its booked work runs until,
-- kept by the triggers below in the same transaction as every change,
-- and the list reads only the active referrals whose booked work is
-- over (or not known), through their own index.  The list still asks
-- the sessions themselves (db_client_work_ended) for those few: this
-- summary only says who need not be asked.

-- The series that are a referral's work: its own (through any of its
-- clients), and the groups' series of its open client.  The same rule
-- as db_client_work_ended; read by referral or by series.
CREATE VIEW referral_series AS
SELECT c.referral_id, s.id AS series_id
  FROM clients c JOIN series s ON s.client_id = c.id
UNION ALL
SELECT c.referral_id, s.id AS series_id
  FROM clients c JOIN group_members gm ON gm.client_id = c.id
  JOIN series s ON s.group_id = gm.group_id
 WHERE c.ended_at IS NULL;

-- booked_until: the start (unix seconds) of a session still booked (not
-- cancelled) of one of the referral's series, the series' last by date
-- (its own index, read backwards), the latest of them; NULL when there
-- is none or it is not known.  Never later than a session the referral
-- really has: a referral whose sessions are all past always has it in
-- the past (or NULL), so the list never misses one.
ALTER TABLE referrals ADD COLUMN booked_until INTEGER;

-- Each of a referral's series with the start of its last session
-- still booked: read for one referral, by its own indexes.
CREATE VIEW referral_series_until AS
SELECT rs.referral_id,
    (SELECT o.start_utc FROM occurrences o
      WHERE o.series_id = rs.series_id AND o.state != 'cancelled'
      ORDER BY o.occ_date DESC LIMIT 1) AS until
  FROM referral_series rs;

-- The active referrals by when their booked work runs until (not
-- known: 0): the list reads those with none to come, not the whole
-- caseload.
CREATE INDEX referrals_work ON referrals (coalesce(booked_until, 0), id)
	WHERE status = 'active';

UPDATE referrals SET booked_until = (SELECT max(b.until)
    FROM referral_series_until b WHERE b.referral_id = referrals.id)
 WHERE status IN ('new', 'triaged', 'waitlisted', 'matched', 'active');

-- A referral whose booked work is to be worked out again: written by
-- the triggers below, worked out and taken away at once by this one
-- (the one place that says how; read for the one referral, by its
-- indexes: a trigger's NEW is a constant to SQLite, a correlated
-- column is not).
CREATE TABLE work_redo (referral_id INTEGER PRIMARY KEY);
CREATE TRIGGER work_redo_do AFTER INSERT ON work_redo BEGIN
	UPDATE referrals SET booked_until = (SELECT max(b.until)
	    FROM referral_series_until b
	    WHERE b.referral_id = NEW.referral_id)
	 WHERE id = NEW.referral_id;
	DELETE FROM work_redo WHERE referral_id = NEW.referral_id;
END;

-- A session booked: its referrals' work runs at least until it.
CREATE TRIGGER work_booked AFTER INSERT ON occurrences
WHEN NEW.state != 'cancelled' BEGIN
	UPDATE referrals SET booked_until = max(coalesce(booked_until,
	    NEW.start_utc), NEW.start_utc)
	 WHERE id IN (SELECT referral_id FROM referral_series
	              WHERE series_id = NEW.series_id);
END;

-- A session cancelled, moved, put back or deleted: its referrals' work
-- is worked out again from their series.
CREATE TRIGGER work_changed AFTER UPDATE OF state, start_utc, series_id
ON occurrences BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id
	  FROM referral_series WHERE series_id = OLD.series_id;
	INSERT OR IGNORE INTO work_redo SELECT referral_id
	  FROM referral_series WHERE series_id = NEW.series_id;
END;
CREATE TRIGGER work_unbooked AFTER DELETE ON occurrences BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id
	  FROM referral_series WHERE series_id = OLD.series_id;
END;

-- A series given to another person or group, or deleted: the people of
-- its old and new person and group.
CREATE TRIGGER work_series_moved AFTER UPDATE OF client_id, group_id
ON series BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id FROM clients
	 WHERE id IN (OLD.client_id, NEW.client_id)
	    OR id IN (SELECT client_id FROM group_members
	              WHERE group_id IN (OLD.group_id, NEW.group_id));
END;
CREATE TRIGGER work_series_gone AFTER DELETE ON series BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id FROM clients
	 WHERE id = OLD.client_id OR id IN (SELECT client_id
	       FROM group_members WHERE group_id = OLD.group_id);
END;

-- A person joins or leaves a group.
CREATE TRIGGER work_joined AFTER INSERT ON group_members BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id FROM clients
	 WHERE id = NEW.client_id;
END;
CREATE TRIGGER work_member_changed AFTER UPDATE ON group_members BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id FROM clients
	 WHERE id IN (OLD.client_id, NEW.client_id);
END;
CREATE TRIGGER work_left AFTER DELETE ON group_members BEGIN
	INSERT OR IGNORE INTO work_redo SELECT referral_id FROM clients
	 WHERE id = OLD.client_id;
END;

-- A caseload place ended (its groups no longer count), moved to another
-- referral, or deleted.
CREATE TRIGGER work_client_changed AFTER UPDATE OF ended_at, referral_id
ON clients BEGIN
	INSERT OR IGNORE INTO work_redo VALUES (OLD.referral_id);
	INSERT OR IGNORE INTO work_redo VALUES (NEW.referral_id);
END;
CREATE TRIGGER work_client_gone AFTER DELETE ON clients BEGIN
	INSERT OR IGNORE INTO work_redo VALUES (OLD.referral_id);
END;

-- The queue's sessions of therapists off sick (db_client_sick_sessions)
-- start from the sick leave not yet over: read by its own index, not by
-- stepping over every leave of every therapist over the years (3,016
-- lines at N=10, Y=6).
CREATE INDEX therapist_leave_sick ON therapist_leave (last_day)
	WHERE kind = 'sickness';
