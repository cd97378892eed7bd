-- The domain's limits (sched/sched.h) checked by the schema too, so that
-- no writer (a page, tuttictl, an import, a hand-typed statement) stores a
-- session, series or group outside them:
--   SCHED_SESSION_SHORTEST 15, SCHED_SESSION_LONGEST 240  minutes a
--     session lasts: series, one moved session, a freed place
--   SCHED_SERIES_COUNT_MAX 104  sessions one booking makes
--   SCHED_GROUP_SIZE_MIN 2, SCHED_GROUP_SIZE_MAX 40  places in a group
-- SQLite cannot change a shipped table's CHECK without rebuilding it, so
-- triggers check each new row and each changed value; rows stored before
-- stay as they are.  tests/unit/check_db.c stores each bound and one
-- beyond it, using the constants, so that the two cannot drift apart.

CREATE TRIGGER series_limits_insert BEFORE INSERT ON series
BEGIN
	SELECT RAISE(ABORT, 'series: a session lasts 15 to 240 minutes')
	    WHERE NEW.length_min NOT BETWEEN 15 AND 240;
	SELECT RAISE(ABORT, 'series: one booking makes at most 104 sessions')
	    WHERE NEW.count > 104;
END;

CREATE TRIGGER series_limits_update BEFORE UPDATE OF length_min, count
    ON series
BEGIN
	SELECT RAISE(ABORT, 'series: a session lasts 15 to 240 minutes')
	    WHERE NEW.length_min NOT BETWEEN 15 AND 240;
	SELECT RAISE(ABORT, 'series: one booking makes at most 104 sessions')
	    WHERE NEW.count > 104;
END;

CREATE TRIGGER exceptions_limits_insert BEFORE INSERT ON exceptions
WHEN NEW.new_length_min NOT BETWEEN 15 AND 240
BEGIN
	SELECT RAISE(ABORT, 'exceptions: a session lasts 15 to 240 minutes');
END;

CREATE TRIGGER exceptions_limits_update BEFORE UPDATE OF new_length_min
    ON exceptions
WHEN NEW.new_length_min NOT BETWEEN 15 AND 240
BEGIN
	SELECT RAISE(ABORT, 'exceptions: a session lasts 15 to 240 minutes');
END;

CREATE TRIGGER places_limits_insert BEFORE INSERT ON places
WHEN NEW.length_min NOT BETWEEN 15 AND 240
BEGIN
	SELECT RAISE(ABORT, 'places: a session lasts 15 to 240 minutes');
END;

CREATE TRIGGER places_limits_update BEFORE UPDATE OF length_min ON places
WHEN NEW.length_min NOT BETWEEN 15 AND 240
BEGIN
	SELECT RAISE(ABORT, 'places: a session lasts 15 to 240 minutes');
END;

CREATE TRIGGER groups_limits_insert BEFORE INSERT ON groups
WHEN NEW.capacity NOT BETWEEN 2 AND 40
BEGIN
	SELECT RAISE(ABORT, 'groups: a group has 2 to 40 places');
END;

CREATE TRIGGER groups_limits_update BEFORE UPDATE OF capacity ON groups
WHEN NEW.capacity NOT BETWEEN 2 AND 40
BEGIN
	SELECT RAISE(ABORT, 'groups: a group has 2 to 40 places');
END;
