-- Triggers whose reads grew with all the history kept rather than with
-- the row written.  The app keeps no ANALYZE statistics, so SQLite
-- picks a plan from the indexes alone; these read what they need by
-- the written row's own keys instead.

-- The outcome survey (005-reports.sql): the two triggers counted a
-- person's attended sessions by stepping over every attended line of
-- the service (attendance_status), then keeping those of the person's
-- caseload entries, once for each attended session recorded.  Now the
-- one place that says who is due, as family_survey_due (025) does:
-- read for one client record, it takes that record (its key), the
-- person's caseload entries (clients_referral) and then their attended
-- lines (attendance_client, CROSS JOIN keeping that order).  The same
-- rule as before: the attended sessions over all their times on a
-- caseload reached outcome_after (6), they can be emailed, were not
-- erased, did not answer and were not sent one.  The email's row is
-- made here as 005 made it (its Message-ID as db_outbox_add makes it).
CREATE VIEW outcome_survey_due AS
SELECT c.id AS client_id, r.id AS referral_id, r.email AS to_addr,
    r.given_name AS to_name, 'outcome-survey:' || r.id AS dedupe_key,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS at
  FROM clients c JOIN referrals r ON r.id = c.referral_id
 WHERE r.consent_contact = 1 AND r.email != ''
   AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.referral_id = r.id)
   AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.referral_id = r.id)
   AND NOT EXISTS (SELECT 1 FROM outbox b
        WHERE b.dedupe_key = 'outcome-survey:' || r.id)
   AND (SELECT count(*) FROM clients k CROSS JOIN attendance a
        WHERE k.referral_id = r.id AND a.client_id = k.id
        AND a.status = 'attended') >=
       coalesce((SELECT CAST(value AS INTEGER) FROM settings
        WHERE key = 'outcome_after'), 6);

DROP TRIGGER attendance_outcome_ins;
CREATE TRIGGER attendance_outcome_ins AFTER INSERT ON attendance
WHEN NEW.status = 'attended' BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT dedupe_key, 'outcome_survey', to_addr, to_name, referral_id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>', at, at
	  FROM outcome_survey_due WHERE client_id = NEW.client_id;
END;
DROP TRIGGER attendance_outcome_upd;
CREATE TRIGGER attendance_outcome_upd AFTER UPDATE OF status ON attendance
WHEN NEW.status = 'attended' AND OLD.status != 'attended' BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT dedupe_key, 'outcome_survey', to_addr, to_name, referral_id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>', at, at
	  FROM outcome_survey_due WHERE client_id = NEW.client_id;
END;
