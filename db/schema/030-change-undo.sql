-- What Undo puts back (issue 17).  A member of staff who books a series
-- (on its own, or with the assignment of the assign-and-book flow) or
-- moves one session may take it back while its emails wait out the
-- change grace period; one row a change, written in the change's own
-- transaction, says what to put back.
--
-- series_id names no parent: undoing a booking removes its series, and
-- the row stays as the record of what was undone (undone_at, undone_by).

CREATE TABLE change_undo (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('booking', 'move')),
	series_id	INTEGER NOT NULL,
	user_id		INTEGER REFERENCES users (id) ON DELETE SET NULL,
	made_at		INTEGER NOT NULL,	-- unix seconds
	until_utc	INTEGER NOT NULL,	-- undo no later than this
	-- A booking: the client's referral and its status before the
	-- booking (and the assignment made with it), and the client record
	-- that assignment made (NULL: the client was on a caseload before).
	referral_id	INTEGER,
	status_before	TEXT NOT NULL DEFAULT '',
	client_id	INTEGER,
	-- A move: the session (its original date), where the move put it,
	-- and how it was before: its times, room and state, and when it had
	-- been moved before, that earlier move's exception.
	occ_date	TEXT NOT NULL DEFAULT '',
	to_start_utc	INTEGER,
	old_start_utc	INTEGER,
	old_end_utc	INTEGER,
	old_room_id	INTEGER,
	old_state	TEXT NOT NULL DEFAULT '',
	old_x_start_utc	INTEGER,
	old_x_length_min INTEGER,
	old_x_room_id	INTEGER,
	old_x_reason	TEXT NOT NULL DEFAULT '',
	old_x_by	INTEGER,
	old_x_at	TEXT,
	undone_at	INTEGER,		-- unix seconds; NULL: not undone
	undone_by	INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX change_undo_series ON change_undo (series_id, made_at);
