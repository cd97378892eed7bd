-- Reports, the outcome survey, and data protection.
--
-- A client is named by their referral's id everywhere here: the referral
-- row is the person (name, contact details, what they told us); their
-- clients rows (one per time on a caseload) point at it.
--
-- Settings read here and by db/reports.c, db/privacy.c (settings.value
-- holds the number as text; absent means the default):
--   outcome_after     attended sessions before the outcome survey (6)
--   retention_years   years after closing before `tuttictl purge`
--                     anonymises a closed, declined or withdrawn
--                     referral (6)

-- One answer set a client, given once through the signed link in the
-- survey email.  'agree' answers count as agreed in /reports; the
-- relationship question is for families and carers, 'na' otherwise.
CREATE TABLE outcomes (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id),
	positive	TEXT NOT NULL CHECK (positive = 'agree' OR
			  positive = 'unsure' OR
			  positive = 'disagree'),
	quality_of_life	TEXT NOT NULL CHECK (quality_of_life = 'agree' OR
			  quality_of_life = 'unsure' OR
			  quality_of_life = 'disagree'),
	social		TEXT NOT NULL CHECK (social = 'agree' OR
			  social = 'unsure' OR
			  social = 'disagree'),
	relationship	TEXT NOT NULL DEFAULT 'na' CHECK (relationship = 'agree' OR
			  relationship = 'unsure' OR
			  relationship = 'disagree' OR
			  relationship = 'na'),
	answered_at	TEXT NOT NULL
);
CREATE INDEX outcomes_answered ON outcomes (answered_at);

-- Referrals whose identifying details were removed: on request
-- (tuttictl erase-client) or by the retention rule (tuttictl purge).
-- The referral row stays, emptied, so that every count in /reports
-- stays the same.
CREATE TABLE erasures (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id),
	at		TEXT NOT NULL,
	reason		TEXT NOT NULL CHECK (reason IN ('request',
			  'retention')),
	user_id		INTEGER REFERENCES users (id)
);

CREATE INDEX attendance_client ON attendance (client_id, status);
CREATE INDEX clients_referral ON clients (referral_id);
-- A referral's state at an instant is the to_status of its last event
-- before it (the waitlist over time, caseloads at a period's end).
CREATE INDEX referral_events_at ON referral_events (referral_id, at, id);
CREATE INDEX referral_events_to ON referral_events (to_status, at,
	referral_id);

-- The outcome survey: when a client's attended sessions (over all their
-- times on a caseload) reach the setting, one email is queued in the
-- same transaction as the attendance that made it so, unless they
-- cannot be emailed, were erased, already answered or were already sent
-- one (its dedupe key is "outcome-survey:<referral id>").  The Message-ID
-- is made here as db_outbox_add makes it.
CREATE TRIGGER attendance_outcome_ins AFTER INSERT ON attendance
WHEN NEW.status = 'attended' BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT 'outcome-survey:' || r.id, 'outcome_survey', r.email,
	    r.given_name, r.id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM clients c JOIN referrals r ON r.id = c.referral_id
	 WHERE c.id = NEW.client_id AND r.consent_contact = 1
	   AND r.email != ''
	   AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.referral_id = r.id)
	   AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.referral_id = r.id)
	   AND NOT EXISTS (SELECT 1 FROM outbox b
	        WHERE b.dedupe_key = 'outcome-survey:' || r.id)
	   AND (SELECT count(*) FROM attendance a JOIN clients k
	        ON k.id = a.client_id WHERE k.referral_id = r.id
	        AND a.status = 'attended') >=
	       coalesce((SELECT CAST(value AS INTEGER) FROM settings
	        WHERE key = 'outcome_after'), 6);
END;
CREATE TRIGGER attendance_outcome_upd AFTER UPDATE OF status ON attendance
WHEN NEW.status = 'attended' AND OLD.status != 'attended' BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT 'outcome-survey:' || r.id, 'outcome_survey', r.email,
	    r.given_name, r.id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM clients c JOIN referrals r ON r.id = c.referral_id
	 WHERE c.id = NEW.client_id AND r.consent_contact = 1
	   AND r.email != ''
	   AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.referral_id = r.id)
	   AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.referral_id = r.id)
	   AND NOT EXISTS (SELECT 1 FROM outbox b
	        WHERE b.dedupe_key = 'outcome-survey:' || r.id)
	   AND (SELECT count(*) FROM attendance a JOIN clients k
	        ON k.id = a.client_id WHERE k.referral_id = r.id
	        AND a.status = 'attended') >=
	       coalesce((SELECT CAST(value AS INTEGER) FROM settings
	        WHERE key = 'outcome_after'), 6);
END;
