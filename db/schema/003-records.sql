-- Therapists, partner organisations and their sites, rooms, and the
-- caseload that matching fills.  Weekly times are a weekday (0 Monday ..
-- 6 Sunday) and minutes from local midnight; dates are YYYY-MM-DD local.

CREATE TABLE organisations (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ'))
);

ALTER TABLE sites ADD COLUMN organisation_id INTEGER
	REFERENCES organisations (id);
-- The site's own postcode district ("NW1"), derived from its postcode.
ALTER TABLE sites ADD COLUMN district TEXT NOT NULL DEFAULT '';

-- Further postcode districts a site serves.
CREATE TABLE site_districts (
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	district	TEXT NOT NULL,
	PRIMARY KEY (site_id, district)
) WITHOUT ROWID;

CREATE TABLE site_hours (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	day		INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),
	start_min	INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
	end_min		INTEGER NOT NULL CHECK (end_min > start_min AND
			  end_min <= 1440)
);
CREATE INDEX site_hours_site ON site_hours (site_id, day);

CREATE TABLE site_closures (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	first_day	TEXT NOT NULL,
	last_day	TEXT NOT NULL CHECK (last_day >= first_day),
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX site_closures_site ON site_closures (site_id, first_day);

CREATE TABLE rooms (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	name		TEXT NOT NULL,
	capacity	INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1),
	piano		INTEGER NOT NULL DEFAULT 0,
	accessible	INTEGER NOT NULL DEFAULT 0,
	active		INTEGER NOT NULL DEFAULT 1,
	UNIQUE (site_id, name)
);

-- specialisms is a bit set over the referral form's needs (as
-- referrals.needs); languages a comma-separated list.
CREATE TABLE therapists (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER UNIQUE REFERENCES users (id),
	name		TEXT NOT NULL,
	specialisms	INTEGER NOT NULL DEFAULT 0,
	languages	TEXT NOT NULL DEFAULT 'English',
	max_caseload	INTEGER NOT NULL DEFAULT 20 CHECK (max_caseload >= 0),
	max_hours	INTEGER NOT NULL DEFAULT 30 CHECK (max_hours >= 0),
	active		INTEGER NOT NULL DEFAULT 1,
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ'))
);

CREATE TABLE therapist_availability (
	id		INTEGER PRIMARY KEY,
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id)
			  ON DELETE CASCADE,
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	day		INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),
	start_min	INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
	end_min		INTEGER NOT NULL CHECK (end_min > start_min AND
			  end_min <= 1440)
);
CREATE INDEX therapist_availability_t ON therapist_availability
	(therapist_id, day);

CREATE TABLE therapist_leave (
	id		INTEGER PRIMARY KEY,
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id)
			  ON DELETE CASCADE,
	first_day	TEXT NOT NULL,
	last_day	TEXT NOT NULL CHECK (last_day >= first_day),
	reason		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX therapist_leave_t ON therapist_leave (therapist_id, first_day);

-- A matched referral is a client on a therapist's caseload until ended.
CREATE TABLE clients (
	id		INTEGER PRIMARY KEY,
	referral_id	INTEGER NOT NULL REFERENCES referrals (id),
	therapist_id	INTEGER NOT NULL REFERENCES therapists (id),
	started_at	TEXT NOT NULL,
	ended_at	TEXT,
	end_reason	TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX clients_open ON clients (referral_id)
	WHERE ended_at IS NULL;
CREATE INDEX clients_therapist ON clients (therapist_id, ended_at);
