-- Staff sign-in, the referral queue's history and notes, and the audit log.
-- Times here are unix seconds (INTEGER) where they are compared often.

CREATE TABLE sessions (
	id		INTEGER PRIMARY KEY,
	token_hash	BLOB NOT NULL UNIQUE,	-- SHA-256 of the cookie's token
	user_id		INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf		TEXT NOT NULL,		-- sent back with every POST
	created_at	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	remote_addr	TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per account ("u:" + lower-case email, whether or not
-- it exists) and per address ("a:" + address).
CREATE TABLE login_failures (
	key		TEXT PRIMARY KEY,
	failures	INTEGER NOT NULL,
	first_at	INTEGER NOT NULL,
	last_at		INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE referral_events (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	at		TEXT NOT NULL,
	user_id		INTEGER REFERENCES users (id),
	from_status	TEXT,
	to_status	TEXT NOT NULL,
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

CREATE TABLE referral_notes (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	at		TEXT NOT NULL,
	user_id		INTEGER REFERENCES users (id),
	body		TEXT NOT NULL
);
CREATE INDEX referral_notes_referral ON referral_notes (referral_id, id);

-- Who saw or changed what, when, from where.  Never holds health details,
-- passwords or tokens: detail is a short description of the change.
CREATE TABLE audit (
	id		INTEGER PRIMARY KEY,
	at		TEXT NOT NULL,
	user_id		INTEGER REFERENCES users (id),
	remote_addr	TEXT NOT NULL DEFAULT '',
	action		TEXT NOT NULL,
	referral_id	INTEGER REFERENCES referrals (id) ON DELETE SET NULL,
	subject_user_id	INTEGER REFERENCES users (id),
	detail		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_referral ON audit (referral_id, id);
CREATE INDEX audit_at ON audit (id);

-- Where a referral came from when staff entered it.
ALTER TABLE referrals ADD COLUMN source_detail TEXT NOT NULL DEFAULT '';
CREATE INDEX referrals_created ON referrals (created_at);
CREATE INDEX referrals_postcode ON referrals (postcode);
