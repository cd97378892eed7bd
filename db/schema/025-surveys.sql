-- Sending the family and partner staff surveys (issue 20; the table is
-- 015-partners.sql's).  A survey row is the invitation: inserting one
-- that names a contact (family) or a partner user (partner) queues its
-- email in the same transaction, keyed "survey:<id>", so it goes once.
-- Rows with neither (the demo's history, imports) queue nothing.
--
-- Setting read here (settings.value holds the number as text):
--   family_survey_after  attended sessions before a client's contacts
--                        are asked (6; 0 turns the survey off)

-- Whom the invitation went to: the contact (a family survey) or the
-- partner user (a partner survey).  Kept so that an answer can be told
-- by role only ("parent") in the client's export, and so that a removed
-- contact or account leaves the answer counted.
ALTER TABLE surveys ADD COLUMN contact_id INTEGER REFERENCES contacts (id)
	ON DELETE SET NULL;
ALTER TABLE surveys ADD COLUMN user_id INTEGER REFERENCES users (id)
	ON DELETE SET NULL;
CREATE INDEX surveys_organisation ON surveys (organisation_id, sent_at)
	WHERE kind = 'partner';

-- The contacts to ask now: of clients whose attended sessions (over all
-- their times on a caseload) reached the setting, each contact who
-- agreed to be contacted, has an email address, was not removed and did
-- not unsubscribe, and was not asked about this client before (one
-- survey per address per client: of two contacts sharing an address,
-- the first).  None for an erased client.  No GROUP BY, so that SQLite
-- flattens the view and a trigger's "WHERE referral_id = ?" reads only
-- that client's contacts (contacts_referral) and attendance (CROSS JOIN:
-- their caseload entries first, then attendance_client).
CREATE VIEW family_survey_due AS
SELECT c.referral_id AS referral_id, c.id AS contact_id,
    c.email AS to_addr
  FROM contacts c
 WHERE c.removed_at IS NULL AND c.unsubscribed_at IS NULL
   AND c.consent = 1 AND c.email != ''
   AND NOT EXISTS (SELECT 1 FROM contacts o
        WHERE o.referral_id = c.referral_id AND o.id < c.id
        AND o.removed_at IS NULL AND o.unsubscribed_at IS NULL
        AND o.consent = 1 AND lower(o.email) = lower(c.email))
   AND NOT EXISTS (SELECT 1 FROM erasures e
        WHERE e.referral_id = c.referral_id)
   AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.kind = 'family'
        AND s.referral_id = c.referral_id
        AND lower(s.to_addr) = lower(c.email))
   AND coalesce((SELECT CAST(value AS INTEGER) FROM settings
        WHERE key = 'family_survey_after'), 6) > 0
   AND (SELECT count(*) FROM clients k CROSS JOIN attendance a
        WHERE k.referral_id = c.referral_id AND a.client_id = k.id
        AND a.status = 'attended') >=
       coalesce((SELECT CAST(value AS INTEGER) FROM settings
        WHERE key = 'family_survey_after'), 6);

-- An attended session may make the client's contacts due: asked in the
-- attendance's own transaction, whichever program records it.
CREATE TRIGGER attendance_family_survey_ins AFTER INSERT ON attendance
WHEN NEW.status = 'attended' BEGIN
	INSERT INTO surveys (kind, referral_id, contact_id, to_addr, sent_at)
	SELECT 'family', f.referral_id, f.contact_id, f.to_addr,
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM family_survey_due f
	 WHERE f.referral_id = (SELECT referral_id FROM clients
	    WHERE id = NEW.client_id);
END;
CREATE TRIGGER attendance_family_survey_upd AFTER UPDATE OF status
ON attendance WHEN NEW.status = 'attended' AND OLD.status != 'attended'
BEGIN
	INSERT INTO surveys (kind, referral_id, contact_id, to_addr, sent_at)
	SELECT 'family', f.referral_id, f.contact_id, f.to_addr,
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM family_survey_due f
	 WHERE f.referral_id = (SELECT referral_id FROM clients
	    WHERE id = NEW.client_id);
END;

-- The invitation's email: to the contact, as a copy about the client
-- (its footer carries the contact's own unsubscribe link) ...
CREATE TRIGGER survey_family_mail AFTER INSERT ON surveys
WHEN NEW.kind = 'family' AND NEW.contact_id IS NOT NULL
    AND NEW.answered_at IS NULL BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at, contact_id)
	SELECT 'survey:' || NEW.id, 'family_survey', NEW.to_addr, c.name,
	    NEW.referral_id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), c.id
	  FROM contacts c WHERE c.id = NEW.contact_id;
END;

-- ... or to the member of the partner organisation's staff.
CREATE TRIGGER survey_partner_mail AFTER INSERT ON surveys
WHEN NEW.kind = 'partner' AND NEW.user_id IS NOT NULL
    AND NEW.answered_at IS NULL BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, user_id,
	    message_id, not_before, created_at)
	SELECT 'survey:' || NEW.id, 'partner_survey', NEW.to_addr, u.name,
	    u.id, '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM users u WHERE u.id = NEW.user_id;
END;
