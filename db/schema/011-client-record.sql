-- The client record: session notes and their earlier texts, goals, the
-- closing summary of a piece of work, corrections to a referral as told,
-- when therapy started, and the kind of a therapist's leave.
--
-- Notes, goals and summaries are special-category health data: they
-- belong to the referral (ON DELETE CASCADE: erasing the person removes
-- them), are never copied into the outbox, feeds or the audit trail.

-- One note a session (series and original local date) and person; a
-- group's shared note has referral_id NULL and each member who attended
-- may have their own short line (a row with their referral_id).
CREATE TABLE session_notes (
	id		INTEGER PRIMARY KEY,
	series_id	INTEGER NOT NULL REFERENCES series (id)
			  ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,
	referral_id	INTEGER REFERENCES referrals (id) ON DELETE CASCADE,
	body		TEXT NOT NULL,
	written_by	INTEGER REFERENCES users (id),
	written_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);
CREATE UNIQUE INDEX session_notes_one ON session_notes
	(series_id, occ_date, ifnull(referral_id, 0));
CREATE INDEX session_notes_referral ON session_notes (referral_id);

-- Every text a note has had, the first one too: a correction adds a row
-- and never changes an earlier one.
CREATE TABLE session_note_versions (
	id		INTEGER PRIMARY KEY,
	note_id		INTEGER NOT NULL REFERENCES session_notes (id)
			  ON DELETE CASCADE,
	body		TEXT NOT NULL,
	written_by	INTEGER REFERENCES users (id),
	written_at	TEXT NOT NULL,
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX session_note_versions_note ON session_note_versions
	(note_id, id);

-- Goals set with the person: dates are YYYY-MM-DD local.
CREATE TABLE client_goals (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	body		TEXT NOT NULL,
	start_date	TEXT NOT NULL,
	review_date	TEXT,
	created_by	INTEGER REFERENCES users (id),
	created_at	TEXT NOT NULL
);
CREATE INDEX client_goals_referral ON client_goals (referral_id, id);

-- The closing summary when the work ends: one a referral.
CREATE TABLE work_summaries (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id)
			  ON DELETE CASCADE,
	worked_on	TEXT NOT NULL,
	outcome		TEXT NOT NULL,
	onward		TEXT NOT NULL DEFAULT '',
	written_by	INTEGER REFERENCES users (id),
	written_at	TEXT NOT NULL
);

-- A coordinator's correction to the referral as told, during triage:
-- what changed (labels, before and after) and why.
CREATE TABLE referral_edits (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id)
			  ON DELETE CASCADE,
	at		TEXT NOT NULL,
	user_id		INTEGER REFERENCES users (id),
	field		TEXT NOT NULL,
	before		TEXT NOT NULL DEFAULT '',
	after		TEXT NOT NULL DEFAULT '',
	reason		TEXT NOT NULL
);
CREATE INDEX referral_edits_referral ON referral_edits (referral_id, id);

-- The date (local) of the first attended session with this therapist.
ALTER TABLE clients ADD COLUMN therapy_started TEXT;

-- Leave is a holiday or training ('leave') or a therapist reporting
-- that they are off sick ('sickness').
ALTER TABLE therapist_leave ADD COLUMN kind TEXT NOT NULL DEFAULT 'leave'
	CHECK (kind IN ('leave', 'sickness'));
ALTER TABLE therapist_leave ADD COLUMN created_at TEXT;
