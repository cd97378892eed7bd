-- The outbox keeps every email it was given (issue 14).
--
-- A message the mailer decides not to send (its session has begun, the
-- change it told of was undone) stays as 'dropped' with the reason in
-- last_error, instead of being deleted without a trace; its dedupe key
-- gets "~<id>" so that a new event may queue its own.  failed_at says
-- when a row failed, so that the administrator can queue again every
-- email that failed since a given time.  SQLite cannot change a CHECK
-- constraint in place, so the table is copied (the outcome-survey
-- triggers of 005 name outbox in their bodies: legacy_alter_table keeps
-- the rename from checking them while the table is away).
PRAGMA legacy_alter_table = ON;
CREATE TABLE outbox_new (
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
			  status = 'failed' OR
			  status = 'dropped'),
	attempts	INTEGER NOT NULL DEFAULT 0,
	not_before	TEXT NOT NULL,
	lease_until	TEXT,
	last_error	TEXT,
	created_at	TEXT NOT NULL,
	sent_at		TEXT,
	failed_at	TEXT
);
INSERT INTO outbox_new (id, dedupe_key, kind, to_addr, to_name, referral_id,
    user_id, message_id, status, attempts, not_before, lease_until,
    last_error, created_at, sent_at, failed_at)
SELECT id, dedupe_key, kind, to_addr, to_name, referral_id, user_id,
    message_id, status, attempts, not_before, lease_until, last_error,
    created_at, sent_at, CASE WHEN status = 'failed' THEN not_before END
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_status_id ON outbox (status, id);
CREATE INDEX outbox_failed_at ON outbox (failed_at) WHERE failed_at IS NOT NULL;

-- Sending paused by the mailer after the server refused several emails
-- in a row with the same reply (the server or the account is wrong, not
-- the emails).  One row at most; the administrator resumes sending from
-- /admin/outbox, which deletes it.
CREATE TABLE mail_pause (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	since	TEXT NOT NULL,
	reason	TEXT NOT NULL
);
