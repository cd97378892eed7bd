-- Referrals made on someone's behalf (/refer/someone), the people around
-- a client who receive copies of their emails, and the emails both get.
--
-- A referrer is the person who filled in the form for someone else: a
-- parent, a carer, a teacher, a GP, a partner's staff.  One a referral at
-- most (a self-referral has none).  When they asked for updates they get
-- a short email, without health details, when the referral is received,
-- waitlisted, given a place (matched), started (active) and closed: the
-- triggers below queue it in the same transaction as the change, whichever
-- program makes it, with one dedupe key a referral and state.
CREATE TABLE referrers (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id)
			  ON DELETE CASCADE,
	name		TEXT NOT NULL,
	email		TEXT NOT NULL DEFAULT '',
	phone		TEXT NOT NULL DEFAULT '',
	relationship	TEXT NOT NULL CHECK (relationship IN ('parent',
			  'carer', 'family', 'teacher', 'gp',
			  'health_professional', 'social_worker',
			  'partner_staff', 'other')),
	organisation	TEXT NOT NULL DEFAULT '',
	person_agrees	INTEGER NOT NULL CHECK (person_agrees = 1),
	arranger	TEXT NOT NULL CHECK (arranger IN ('person', 'referrer',
			  'other')),
	wants_updates	INTEGER NOT NULL DEFAULT 0
);

-- A contact: a parent, guardian, carer, key worker or care-home contact
-- of a client, with what they agreed to receive.  arranges = 1 when they
-- arrange sessions for the person: only then may an email to them carry
-- the person's own link.  A removed contact keeps its row (removed_at) so
-- that the record says who was told what; an unsubscribed one gets no
-- more copies.
CREATE TABLE contacts (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	name		TEXT NOT NULL,
	email		TEXT NOT NULL DEFAULT '',
	phone		TEXT NOT NULL DEFAULT '',
	role		TEXT NOT NULL CHECK (role IN ('parent', 'guardian',
			  'carer', 'key_worker', 'care_home', 'family',
			  'other')),
	gets_confirmations INTEGER NOT NULL DEFAULT 0,
	gets_reminders	INTEGER NOT NULL DEFAULT 0,
	gets_changes	INTEGER NOT NULL DEFAULT 0,
	arranges	INTEGER NOT NULL DEFAULT 0,
	consent		INTEGER NOT NULL DEFAULT 0,
	created_at	TEXT NOT NULL,
	removed_at	TEXT,
	unsubscribed_at	TEXT
);
CREATE INDEX contacts_referral ON contacts (referral_id);

-- The contact an outbox row is a copy for (NULL: the row's own person).
ALTER TABLE outbox ADD COLUMN contact_id INTEGER REFERENCES contacts (id)
    ON DELETE SET NULL;

-- Received: queued with the referrer's row, in the referral's transaction.
CREATE TRIGGER referrer_update_received AFTER INSERT ON referrers
WHEN NEW.wants_updates = 1 AND NEW.email != '' BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT 'referrer-update:' || NEW.referral_id || ':new',
	    'referrer_update', NEW.email, NEW.name, NEW.referral_id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	 WHERE NOT EXISTS (SELECT 1 FROM outbox b WHERE b.dedupe_key =
	    'referrer-update:' || NEW.referral_id || ':new');
END;

-- Waitlisted, matched (a place), active (started), closed: once each.
CREATE TRIGGER referrer_update_status AFTER UPDATE OF status ON referrals
WHEN NEW.status != OLD.status AND NEW.status IN ('waitlisted', 'matched',
    'active', 'closed') BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at)
	SELECT 'referrer-update:' || NEW.id || ':' || NEW.status,
	    'referrer_update', f.email, f.name, NEW.id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
	    strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	  FROM referrers f
	 WHERE f.referral_id = NEW.id AND f.wants_updates = 1
	   AND f.email != ''
	   AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.dedupe_key =
	    'referrer-update:' || NEW.id || ':' || NEW.status);
END;

-- A copy of each email to a client for each of their contacts who chose
-- that kind and has not unsubscribed, in the same transaction as the
-- email itself; the copy's dedupe key is the email's with the contact.
-- A contact at the client's own address gets no second copy.
CREATE TRIGGER contact_copies AFTER INSERT ON outbox
WHEN NEW.contact_id IS NULL AND NEW.user_id IS NULL
    AND NEW.referral_id IS NOT NULL
    AND NEW.kind IN ('booking_confirmation', 'reminder',
    'session_cancelled', 'session_moved', 'session_reinstated') BEGIN
	INSERT INTO outbox (dedupe_key, kind, to_addr, to_name, referral_id,
	    message_id, not_before, created_at, contact_id)
	SELECT NEW.dedupe_key || ':contact:' || c.id, NEW.kind, c.email,
	    c.name, NEW.referral_id,
	    '<' || lower(hex(randomblob(16))) || '@tutti.localhost>',
	    NEW.not_before, NEW.created_at, c.id
	  FROM contacts c
	 WHERE c.referral_id = NEW.referral_id AND c.removed_at IS NULL
	   AND c.unsubscribed_at IS NULL AND c.consent = 1 AND c.email != ''
	   AND lower(c.email) != lower(NEW.to_addr)
	   AND (CASE NEW.kind WHEN 'booking_confirmation'
	        THEN c.gets_confirmations WHEN 'reminder' THEN c.gets_reminders
	        ELSE c.gets_changes END) = 1
	   AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.dedupe_key =
	        NEW.dedupe_key || ':contact:' || c.id);
END;

-- A copy follows its email's send time when the email's is moved.
CREATE TRIGGER contact_copies_later AFTER UPDATE OF not_before ON outbox
WHEN NEW.contact_id IS NULL AND NEW.status = 'queued' BEGIN
	UPDATE outbox SET not_before = NEW.not_before
	 WHERE dedupe_key > NEW.dedupe_key || ':contact:'
	   AND dedupe_key < NEW.dedupe_key || ':contact;'
	   AND contact_id IS NOT NULL AND status = 'queued';
END;
