-- The walking skeleton: settings, partner sites, staff users, self-referrals
-- and the email outbox.  Times are ISO 8601 UTC text ("2026-11-24T22:00:00Z").

CREATE TABLE settings (
	key		TEXT PRIMARY KEY,
	value		BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE sites (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind = 'own_centre' OR
			  kind = 'school' OR
			  kind = 'care_home' OR
			  kind = 'hospital' OR
			  kind = 'hospice' OR
			  kind = 'day_centre' OR
			  kind = 'community_venue' OR
			  kind = 'online'),
	address		TEXT NOT NULL DEFAULT '',
	postcode	TEXT NOT NULL DEFAULT '',
	step_free	INTEGER NOT NULL DEFAULT 0,
	active		INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
	id		INTEGER PRIMARY KEY,
	email		TEXT NOT NULL UNIQUE COLLATE NOCASE,
	name		TEXT NOT NULL,
	role		TEXT NOT NULL CHECK (role = 'admin' OR
			  role = 'coordinator' OR
			  role = 'therapist'),
	password_hash	TEXT,
	active		INTEGER NOT NULL DEFAULT 1,
	created_at	TEXT NOT NULL
);

-- needs and availability are bit sets: bit i of needs is the i-th of
-- autism, learning_difficulties, mental_health, neuro_rehab, dementia,
-- palliative, parent_child, other; bit (day * 3 + part) of availability is
-- mon..sun x am, pm, eve.
CREATE TABLE referrals (
	id		INTEGER PRIMARY KEY,
	ref		TEXT NOT NULL UNIQUE,
	status		TEXT NOT NULL DEFAULT 'new' CHECK (status = 'new' OR
			  status = 'triaged' OR
			  status = 'waitlisted' OR
			  status = 'matched' OR
			  status = 'active' OR
			  status = 'closed' OR
			  status = 'declined' OR
			  status = 'withdrawn'),
	source		TEXT NOT NULL DEFAULT 'self',
	given_name	TEXT NOT NULL,
	family_name	TEXT NOT NULL,
	email		TEXT NOT NULL DEFAULT '',
	phone		TEXT NOT NULL DEFAULT '',
	postcode	TEXT NOT NULL,
	date_of_birth	TEXT NOT NULL,
	preferred_contact TEXT NOT NULL CHECK (preferred_contact IN
			  ('email', 'phone')),
	voicemail_ok	INTEGER NOT NULL DEFAULT 0,
	needs		INTEGER NOT NULL DEFAULT 0,
	about		TEXT NOT NULL DEFAULT '',
	availability	INTEGER NOT NULL DEFAULT 0,
	session_type	TEXT NOT NULL CHECK (session_type = 'individual' OR
			  session_type = 'group' OR
			  session_type = 'either'),
	online_ok	INTEGER NOT NULL DEFAULT 0,
	access_needs	TEXT NOT NULL DEFAULT '',
	language	TEXT NOT NULL DEFAULT '',
	interpreter	INTEGER NOT NULL DEFAULT 0,
	gp_practice	TEXT NOT NULL DEFAULT '',
	emergency_name	TEXT NOT NULL DEFAULT '',
	emergency_phone	TEXT NOT NULL DEFAULT '',
	consent_data	INTEGER NOT NULL CHECK (consent_data = 1),
	consent_contact	INTEGER NOT NULL DEFAULT 0,
	form_nonce	BLOB UNIQUE,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE INDEX referrals_status_created ON referrals (status, created_at);

CREATE TABLE referral_sites (
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	site_id		INTEGER NOT NULL REFERENCES sites (id),
	PRIMARY KEY (referral_id, site_id)
) WITHOUT ROWID;

-- One row an email.  The body is rendered from templates when it is sent;
-- message_id is made here so that every retry carries the same one.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	dedupe_key	TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL,
	to_addr		TEXT NOT NULL,
	to_name		TEXT NOT NULL DEFAULT '',
	referral_id	INTEGER REFERENCES referrals (id) ON DELETE SET NULL,
	user_id		INTEGER REFERENCES users (id) ON DELETE SET NULL,
	message_id	TEXT NOT NULL UNIQUE,
	status		TEXT NOT NULL DEFAULT 'queued' CHECK (status = 'queued' OR
			  status = 'sending' OR
			  status = 'sent' OR
			  status = 'failed'),
	attempts	INTEGER NOT NULL DEFAULT 0,
	not_before	TEXT NOT NULL,
	lease_until	TEXT,
	last_error	TEXT,
	created_at	TEXT NOT NULL,
	sent_at		TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before);
