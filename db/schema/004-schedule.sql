-- Weekly session series, groups, the exceptions to a series (a cancelled
-- or moved occurrence), attendance, and the rendered calendar feeds.
--
-- A series repeats weekly on the weekday of first_date at start_local in
-- its time zone (tz, an IANA name); occurrences are expanded with
-- libical.  An occurrence is named by its original local date.

CREATE TABLE groups (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL,
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id),
	site_id		INTEGER NOT NULL REFERENCES sites (id),
	capacity	INTEGER NOT NULL DEFAULT 8 CHECK (capacity >= 1),
	active		INTEGER NOT NULL DEFAULT 1,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ'))
);

CREATE TABLE group_members (
	group_id	INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	client_id	INTEGER NOT NULL REFERENCES clients (id),
	joined_at	TEXT NOT NULL,
	PRIMARY KEY (group_id, client_id)
) WITHOUT ROWID;

CREATE TABLE series (
	id		INTEGER PRIMARY KEY,
	uid		TEXT NOT NULL UNIQUE,	-- iCalendar UID, stable
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id),
	client_id	INTEGER REFERENCES clients (id),
	group_id	INTEGER REFERENCES groups (id),
	site_id		INTEGER NOT NULL REFERENCES sites (id),
	room_id		INTEGER REFERENCES rooms (id),
	tz		TEXT NOT NULL DEFAULT 'Europe/London',
	first_date	TEXT NOT NULL,		-- YYYY-MM-DD local
	start_local	TEXT NOT NULL,		-- HH:MM local
	length_min	INTEGER NOT NULL DEFAULT 45 CHECK (length_min > 0),
	count		INTEGER CHECK (count IS NULL OR count > 0),
	until_date	TEXT,			-- last date, inclusive
	status		TEXT NOT NULL DEFAULT 'active' CHECK (status = 'active' OR
			  status = 'ended' OR
			  status = 'cancelled'),
	ended_from	TEXT,			-- no occurrences from this date
	sequence	INTEGER NOT NULL DEFAULT 0,
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	CHECK ((client_id IS NULL) != (group_id IS NULL))
);
CREATE INDEX series_therapist ON series (therapist_id, status);
CREATE INDEX series_room ON series (room_id, status);
CREATE INDEX series_client ON series (client_id);

-- Concrete occurrences in UTC, for conflict checks, the week grid,
-- reminders and attendance; rewritten from the series with libical
-- whenever the series or an exception changes (a horizon ahead).
CREATE TABLE occurrences (
	id		INTEGER PRIMARY KEY,
	series_id	INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,		-- original local date
	start_utc	INTEGER NOT NULL,	-- unix seconds
	end_utc		INTEGER NOT NULL,
	therapist_id	INTEGER NOT NULL,
	room_id		INTEGER,
	site_id		INTEGER NOT NULL,
	state		TEXT NOT NULL DEFAULT 'booked' CHECK (state = 'booked' OR
			  state = 'moved' OR
			  state = 'cancelled'),
	UNIQUE (series_id, occ_date)
);
CREATE INDEX occurrences_therapist ON occurrences (therapist_id, start_utc);
CREATE INDEX occurrences_room ON occurrences (room_id, start_utc);
CREATE INDEX occurrences_site ON occurrences (site_id, start_utc);
CREATE INDEX occurrences_start ON occurrences (start_utc);

-- A cancelled or moved occurrence of a series.
CREATE TABLE exceptions (
	id		INTEGER PRIMARY KEY,
	series_id	INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('cancelled', 'moved')),
	by_whom		TEXT NOT NULL DEFAULT '' CHECK (by_whom = '' OR
			  by_whom = 'client' OR
			  by_whom = 'therapist' OR
			  by_whom = 'service'),
	new_start_utc	INTEGER,
	new_length_min	INTEGER,
	new_room_id	INTEGER REFERENCES rooms (id),
	reason		TEXT NOT NULL DEFAULT '',
	sequence	INTEGER NOT NULL DEFAULT 0,
	created_by	INTEGER REFERENCES users (id),
	created_at	TEXT NOT NULL,
	UNIQUE (series_id, occ_date)
);

CREATE TABLE attendance (
	series_id	INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
	occ_date	TEXT NOT NULL,
	client_id	INTEGER NOT NULL REFERENCES clients (id),
	status		TEXT NOT NULL CHECK (status = 'attended' OR
			  status = 'cancelled_client' OR
			  status = 'did_not_attend' OR
			  status = 'cancelled_therapist'),
	note		TEXT NOT NULL DEFAULT '',
	recorded_by	INTEGER REFERENCES users (id),
	recorded_at	TEXT NOT NULL,
	PRIMARY KEY (series_id, occ_date, client_id)
) WITHOUT ROWID;

-- Calendar feeds: only the token's hash is kept; the rendered feed is
-- cached with its ETag and rebuilt when something in it changed.
CREATE TABLE feeds (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('therapist', 'site')),
	owner_id	INTEGER NOT NULL,
	token_hash	BLOB NOT NULL UNIQUE,
	created_at	TEXT NOT NULL,
	body		BLOB,
	etag		TEXT,
	built_at	INTEGER,
	stale		INTEGER NOT NULL DEFAULT 1,
	UNIQUE (kind, owner_id)
);

-- Any change to a series or its exceptions makes the feeds that show it
-- stale, in the same transaction as the change.
CREATE TRIGGER series_feed_ins AFTER INSERT ON series BEGIN
	UPDATE feeds SET stale = 1
	 WHERE (kind = 'therapist' AND owner_id = NEW.therapist_id)
	    OR (kind = 'site' AND owner_id = NEW.site_id);
END;
CREATE TRIGGER series_feed_upd AFTER UPDATE ON series BEGIN
	UPDATE feeds SET stale = 1
	 WHERE (kind = 'therapist' AND owner_id IN (OLD.therapist_id,
	        NEW.therapist_id))
	    OR (kind = 'site' AND owner_id IN (OLD.site_id, NEW.site_id));
END;
CREATE TRIGGER exceptions_feed AFTER INSERT ON exceptions BEGIN
	UPDATE feeds SET stale = 1
	 WHERE (kind, owner_id) IN (SELECT 'therapist', therapist_id
	        FROM series WHERE id = NEW.series_id UNION ALL
	        SELECT 'site', site_id FROM series WHERE id = NEW.series_id);
END;
CREATE TRIGGER exceptions_feed_upd AFTER UPDATE ON exceptions BEGIN
	UPDATE feeds SET stale = 1
	 WHERE (kind, owner_id) IN (SELECT 'therapist', therapist_id
	        FROM series WHERE id = NEW.series_id UNION ALL
	        SELECT 'site', site_id FROM series WHERE id = NEW.series_id);
END;
CREATE TRIGGER exceptions_feed_del AFTER DELETE ON exceptions BEGIN
	UPDATE feeds SET stale = 1
	 WHERE (kind, owner_id) IN (SELECT 'therapist', therapist_id
	        FROM series WHERE id = OLD.series_id UNION ALL
	        SELECT 'site', site_id FROM series WHERE id = OLD.series_id);
END;
