-- 013: people act for themselves (issue 18): personal links, "cannot
-- come", place offers and waitlist checks.

-- One personal link a client (named by their referral).  The token is
-- never stored: only its SHA-256.  Revoking bumps the generation, so
-- every link sent before stops working.
CREATE TABLE client_links (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id)
			  ON DELETE CASCADE,
	generation	INTEGER NOT NULL DEFAULT 1,
	token_hash	BLOB NOT NULL UNIQUE,
	created_at	TEXT NOT NULL,
	revoked_at	TEXT
);

-- A session the client said they cannot come to, through their link.
-- late: less notice than late_cancel_hours.
CREATE TABLE self_cancels (
	series_id	INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	site_id		INTEGER NOT NULL,
	late		INTEGER NOT NULL DEFAULT 0,
	notice_hours	INTEGER NOT NULL,
	at		TEXT NOT NULL,
	PRIMARY KEY (series_id, occ_date)
) WITHOUT ROWID;
CREATE INDEX self_cancels_at ON self_cancels (at);

-- A freed place: a therapist's weekly time at a site and room, from a
-- date.  open: offers may go; filled: someone accepted; closed: the
-- coordinator withdrew it.
CREATE TABLE places (
	id		INTEGER PRIMARY KEY,
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id),
	site_id		INTEGER NOT NULL REFERENCES sites (id),
	room_id		INTEGER REFERENCES rooms (id),
	weekday		INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	start_local	TEXT NOT NULL,
	length_min	INTEGER NOT NULL CHECK (length_min > 0),
	first_date	TEXT NOT NULL,
	from_series_id	INTEGER REFERENCES series (id),
	status		TEXT NOT NULL DEFAULT 'open' CHECK (status IN
			  ('open', 'filled', 'closed')),
	filled_by	INTEGER REFERENCES referrals (id),
	series_id	INTEGER REFERENCES series (id),
	created_at	TEXT NOT NULL
);

-- An offer of a place to one waiting person.  proposed: ranked, waiting
-- for the coordinator; sent: live until expires_at; accepted: they got
-- the place; taken: they said yes after someone else; declined; expired;
-- withdrawn (the place closed).
CREATE TABLE offers (
	id		INTEGER PRIMARY KEY,
	place_id	INTEGER NOT NULL REFERENCES places (id) ON DELETE CASCADE,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	rank		INTEGER NOT NULL,
	score		INTEGER NOT NULL DEFAULT 0,
	status		TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN
			  ('proposed', 'sent', 'accepted', 'taken', 'declined',
			   'expired', 'withdrawn')),
	sent_at		TEXT,
	expires_at	TEXT,
	answered_at	TEXT,
	UNIQUE (place_id, referral_id)
);
CREATE INDEX offers_place ON offers (place_id, rank);
CREATE INDEX offers_referral ON offers (referral_id, status);
-- Nobody holds more than one live offer.
CREATE UNIQUE INDEX offers_live ON offers (referral_id) WHERE status = 'sent';

-- Waitlist checks: one row a check sent (by email or listed for a phone
-- call), with its reminders and answer.
CREATE TABLE waitlist_checks (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	sent_at		TEXT NOT NULL,
	by_phone	INTEGER NOT NULL DEFAULT 0,
	reminders	INTEGER NOT NULL DEFAULT 0,
	answered_at	TEXT,
	answer		TEXT CHECK (answer IS NULL OR answer IN ('yes', 'no')),
	wellbeing	TEXT CHECK (wellbeing IS NULL OR wellbeing IN
			  ('better', 'same', 'worse')),
	review		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX waitlist_checks_referral ON waitlist_checks (referral_id, id);
