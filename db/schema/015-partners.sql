-- Partner organisations (issue 20): partner accounts, regions, term
-- dates, closures reported by partners, the family and partner-staff
-- surveys, and what the impact report reads.

-- A partner account is a member of a partner organisation's staff: role
-- 'partner', tied to one organisation.  SQLite cannot change a CHECK
-- constraint in place and users is named by many tables' foreign keys,
-- so the constraint's text is changed as SQLite's documentation allows
-- for CHECK constraints (ALTER TABLE, "making other kinds of table schema
-- changes"): the rows stay as they are and every new role is a superset.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'role = ''therapist'')',
       'role = ''therapist'' OR role = ''partner'')')
 WHERE type = 'table' AND name = 'users';
PRAGMA writable_schema = RESET;
ALTER TABLE users ADD COLUMN organisation_id INTEGER
	REFERENCES organisations (id);
CREATE INDEX users_organisation ON users (organisation_id)
	WHERE organisation_id IS NOT NULL;

-- The region or nation a site is in ("Scotland", "London"): the impact
-- report's hours by region.  An organisation's is the default for its
-- new sites.
ALTER TABLE sites ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN region TEXT NOT NULL DEFAULT '';
CREATE INDEX sites_organisation ON sites (organisation_id);

-- Term dates: a site's own, or else its organisation's.  A weekly
-- series at a site with terms has no sessions outside them.
CREATE TABLE terms (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER REFERENCES sites (id) ON DELETE CASCADE,
	organisation_id	INTEGER REFERENCES organisations (id)
			  ON DELETE CASCADE,
	school_year	TEXT NOT NULL,		-- "2026-27"
	name		TEXT NOT NULL,		-- "Autumn term"
	first_day	TEXT NOT NULL,		-- YYYY-MM-DD local
	last_day	TEXT NOT NULL CHECK (last_day >= first_day),
	CHECK ((site_id IS NULL) != (organisation_id IS NULL))
);
CREATE INDEX terms_site ON terms (site_id, first_day);
CREATE INDEX terms_organisation ON terms (organisation_id, first_day);

-- A closure a partner reported (a trip, exams, an outbreak, an inset
-- day), proposed to the coordinators: it changes nothing until a
-- coordinator accepts it, which makes it a site closure (closure_id).
CREATE TABLE closure_reports (
	id		INTEGER PRIMARY KEY,
	site_id		INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
	first_day	TEXT NOT NULL,
	last_day	TEXT NOT NULL CHECK (last_day >= first_day),
	reason		TEXT NOT NULL CHECK (reason IN ('trip', 'exam',
			  'outbreak', 'inset_day', 'other')),
	detail		TEXT NOT NULL DEFAULT '',
	status		TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN
			  ('proposed', 'accepted', 'declined')),
	reported_by	INTEGER REFERENCES users (id) ON DELETE SET NULL,
	reported_at	TEXT NOT NULL,
	closure_id	INTEGER REFERENCES site_closures (id)
			  ON DELETE SET NULL
);
CREATE INDEX closure_reports_status ON closure_reports (status, first_day);
CREATE INDEX closure_reports_site ON closure_reports (site_id, first_day);

-- The family/carer survey (about a client, to their contacts) and the
-- partner staff survey (about an organisation): one row per invitation,
-- answered once through its signed link.  Answers are 'agree', 'unsure'
-- or 'disagree'; q2 is NULL for the family survey.
CREATE TABLE surveys (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('family', 'partner')),
	referral_id	INTEGER REFERENCES referrals (id) ON DELETE SET NULL,
	organisation_id	INTEGER REFERENCES organisations (id)
			  ON DELETE SET NULL,
	to_addr		TEXT NOT NULL DEFAULT '',
	sent_at		TEXT NOT NULL,
	answered_at	TEXT,
	q1		TEXT CHECK (q1 IN ('agree', 'unsure', 'disagree')),
	q2		TEXT CHECK (q2 IN ('agree', 'unsure', 'disagree')),
	comment		TEXT NOT NULL DEFAULT ''
);
CREATE INDEX surveys_sent ON surveys (kind, sent_at);
CREATE INDEX surveys_answered ON surveys (kind, answered_at);
CREATE UNIQUE INDEX surveys_family_once ON surveys (referral_id, to_addr)
	WHERE kind = 'family';

-- The impact report: outcome answers and delivered sessions by period.
CREATE INDEX attendance_status ON attendance (status, series_id, occ_date);
