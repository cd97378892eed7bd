-- Issue 21, after 031-report-summaries.sql (applied by name, after it).

-- The two commonest writes, booking and recording attendance, add to
-- the summaries directly rather than through report_redo: a new
-- session's rows (it has none yet: its key is unique), and a new
-- attendance line's counts and person.
DROP TRIGGER report_occ_ins;
CREATE TRIGGER report_occ_ins AFTER INSERT ON occurrences BEGIN
	INSERT INTO report_sessions SELECT * FROM report_session_of
	 WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date;
	INSERT INTO report_people SELECT * FROM report_people_of
	 WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date;
END;
DROP TRIGGER report_att_ins;
CREATE TRIGGER report_att_ins AFTER INSERT ON attendance BEGIN
	UPDATE report_sessions SET
	       attended = attended + (NEW.status = 'attended'),
	       dna = dna + (NEW.status = 'did_not_attend'),
	       cancelled_client = cancelled_client +
		   (NEW.status = 'cancelled_client'),
	       cancelled_therapist = cancelled_therapist +
		   (NEW.status = 'cancelled_therapist')
	 WHERE series_id = NEW.series_id AND occ_date = NEW.occ_date;
	INSERT INTO report_people
	SELECT r.start_utc, r.series_id, r.occ_date, c.id, c.referral_id,
	       r.site_id, r.therapist_id, r.grp
	  FROM report_sessions r JOIN clients c ON c.id = NEW.client_id
	 WHERE NEW.status = 'attended' AND r.series_id = NEW.series_id
	   AND r.occ_date = NEW.occ_date AND NOT r.cancelled;
END;

-- Each person's second attended session, beside their first (023): the
-- reports' wait for it read each person's attendance again (0.14 s of
-- six years' report).  Worked out by the same redo as the first, in
-- the same statement.
ALTER TABLE first_sessions ADD COLUMN second_utc INTEGER;
UPDATE first_sessions SET second_utc = (SELECT min(o.start_utc)
	  FROM clients c
	 CROSS JOIN attendance a ON a.client_id = c.id
	   AND a.status = 'attended'
	 CROSS JOIN occurrences o ON o.series_id = a.series_id
	   AND o.occ_date = a.occ_date
	 WHERE c.referral_id = first_sessions.referral_id
	   AND o.start_utc > first_sessions.first_utc);
DROP TRIGGER first_sessions_redo_run;
CREATE TRIGGER first_sessions_redo_run AFTER INSERT ON first_sessions_redo
BEGIN
	DELETE FROM first_sessions WHERE referral_id = NEW.referral_id;
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
	 WHERE f.t IS NOT NULL;
	DELETE FROM first_sessions_redo WHERE referral_id = NEW.referral_id;
END;

-- The referrals received in a period, by need and by source, read from
-- the index alone rather than from each referral's row.
DROP INDEX referrals_created;
CREATE INDEX referrals_created ON referrals (created_at, needs, source);

-- A client record moved to another referral: both people's first and
-- second sessions again.
CREATE TRIGGER first_sessions_client_upd AFTER UPDATE OF referral_id
ON clients WHEN NEW.referral_id IS NOT OLD.referral_id BEGIN
	INSERT OR IGNORE INTO first_sessions_redo VALUES (OLD.referral_id);
	INSERT OR IGNORE INTO first_sessions_redo VALUES (NEW.referral_id);
END;
