-- Security: counters that limit how often something may be done, and
-- calendar feeds that end with the person they belong to.

-- Hits under a key ("refer-addr:" + address, "refer-email:" + lower-case
-- email, ...) in a window that starts at first_at; a hit after the
-- window starts the count again.  Counted in one statement, so that
-- workers running side by side cannot overtake each other.
CREATE TABLE rate_hits (
	key		TEXT PRIMARY KEY,
	hits		INTEGER NOT NULL,
	first_at	INTEGER NOT NULL
) WITHOUT ROWID;

-- A therapist who is deactivated, or whose log-in changes, loses their
-- calendar feed: the URL in their calendar app stops working at once,
-- whichever program made the change.  Each revocation is audited (the
-- line beside it says who made the change).
CREATE TRIGGER therapist_feed_revoke AFTER UPDATE OF active, user_id
    ON therapists
    WHEN (NEW.active = 0 AND OLD.active != 0) OR
	 NEW.user_id IS NOT OLD.user_id
BEGIN
	INSERT INTO audit (at, action, subject_user_id, detail)
	SELECT strftime('%Y-%m-%dT%H:%M:%SZ'), 'feed-revoke', OLD.user_id,
	       'calendar feed of therapist ' || NEW.id || ' revoked: ' ||
	       CASE WHEN NEW.active = 0 THEN 'therapist deactivated'
	            ELSE 'log-in changed' END
	  FROM feeds WHERE kind = 'therapist' AND owner_id = NEW.id;
	DELETE FROM feeds WHERE kind = 'therapist' AND owner_id = NEW.id;
END;

CREATE TRIGGER user_feed_revoke AFTER UPDATE OF active ON users
    WHEN NEW.active = 0 AND OLD.active != 0
BEGIN
	INSERT INTO audit (at, action, subject_user_id, detail)
	SELECT strftime('%Y-%m-%dT%H:%M:%SZ'), 'feed-revoke', NEW.id,
	       'calendar feed of therapist ' || f.owner_id ||
	       ' revoked: log-in deactivated'
	  FROM feeds f JOIN therapists t ON t.id = f.owner_id
	 WHERE f.kind = 'therapist' AND t.user_id = NEW.id;
	DELETE FROM feeds WHERE kind = 'therapist' AND owner_id IN
	    (SELECT id FROM therapists WHERE user_id = NEW.id);
END;
