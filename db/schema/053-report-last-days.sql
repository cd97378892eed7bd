-- Issue 21: the people served of /reports, of each of its breakdowns
-- by place and of the impact report were counted from report_persons
-- (036), one row a person and place, by the rows of the period
-- (report_persons_time, 048): 136,760 rows for six years at N=10, all
-- of them read and told apart on every view (13 ms of CPU for the last
-- year, 26 ms for six years).
--
-- Nobody attends a session after now, so a period that ends after
-- every attended session (as the default twelve months and six years
-- to today do) serves exactly the people whose last attended session
-- is in it or, as none is after it, at or after its start: a count a
-- summary can keep.  Three, by group: for all the people together
-- (kind 0, id 0) and for each group of the breakdowns by place (the
-- kinds as enum report_by, db/reports.h: 1 a site, 2 a partner
-- organisation (0: none, as for a site not there), 3 a therapist,
-- 4 individual (0) or group (1) sessions), a person's last session in
-- a group being the latest of their delivered sessions (report_people,
-- 031) there:
--
-- report_last_people: the people who attended a delivered session in
-- the group (people > 0).
--
-- report_last_days: the people whose last session in the group began
-- on UTC day `day` (start_utc / 86400), when some did.
--
-- report_last_blocks: the people whose last session in the group began
-- in or before the 32 days `block` (day / 32), one row for each block
-- that holds someone's last session in the group.  A move of a last
-- session adds or takes one from the blocks between the old and the
-- new (none, most often; at most one a month of the time between), and
-- from two days.
--
-- At N=10: 310,184 days and 82,033 blocks (6 MB).  A period from `from`
-- serves report_last_people's count less the people whose last session
-- was on or before the day before from's (or from's day): the last
-- block's count before that day's block, and that block's days up to
-- it (a row read a group and a few days); less the people whose last
-- session falls in the hours of from's day before it (or more those in
-- the hours after it, whichever are fewer: report_persons_time).
-- Periods that end before some attended session read report_persons as
-- before (db/reports.c).
--
-- All three are kept by triggers on report_persons (a person's last
-- session at each place) and on sites (a site moved to another
-- organisation), in the same transaction as every write.
CREATE TABLE report_last_people (
	kind		INTEGER NOT NULL,
	id		INTEGER NOT NULL,
	people		INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE report_last_days (
	kind		INTEGER NOT NULL,
	id		INTEGER NOT NULL,
	day		INTEGER NOT NULL,
	people		INTEGER NOT NULL,
	PRIMARY KEY (kind, id, day)
) WITHOUT ROWID;
CREATE TABLE report_last_blocks (
	kind		INTEGER NOT NULL,
	id		INTEGER NOT NULL,
	block		INTEGER NOT NULL,
	people		INTEGER NOT NULL,
	PRIMARY KEY (kind, id, block)
) WITHOUT ROWID;

-- Each person's last session in each of their groups, worked out once,
-- by day; report_last_blocks adds them up block by block.
WITH last AS (
	SELECT 0 AS kind, 0 AS id, max(last_utc) AS last_utc
	  FROM report_persons GROUP BY referral_id
	UNION ALL
	SELECT 1, site_id, max(last_utc)
	  FROM report_persons GROUP BY referral_id, site_id
	UNION ALL
	SELECT 2, coalesce(s.organisation_id, 0), max(p.last_utc)
	  FROM report_persons p LEFT JOIN sites s ON s.id = p.site_id
	 GROUP BY p.referral_id, coalesce(s.organisation_id, 0)
	UNION ALL
	SELECT 3, therapist_id, max(last_utc)
	  FROM report_persons GROUP BY referral_id, therapist_id
	UNION ALL
	SELECT 4, grp, max(last_utc)
	  FROM report_persons GROUP BY referral_id, grp)
INSERT INTO report_last_days
SELECT kind, id, last_utc / 86400, count(*) FROM last GROUP BY 1, 2, 3;
INSERT INTO report_last_blocks
SELECT kind, id, block, sum(n) OVER (PARTITION BY kind, id ORDER BY block)
  FROM (SELECT kind, id, day / 32 AS block, sum(people) AS n
	  FROM report_last_days GROUP BY 1, 2, 3);
INSERT INTO report_last_people
SELECT kind, id, sum(people) FROM report_last_days GROUP BY kind, id;

-- A person's last session in one group moved from old_day to new_day
-- (NULL: none there).  Each trigger below writes one here, and
-- report_last_move_run applies it and removes it: the one place the
-- rule is written.  One fewer on the old day (its row gone at none),
-- one more on the new; the new day's block gets its row first (as the
-- block before it had it; not INSERT OR IGNORE: under an upsert, as
-- 036's of report_persons, that conflicts all the same), the blocks
-- from the one to the other count the person one more or one fewer,
-- and the old day's block's row goes when no last session is left in
-- it.
CREATE TABLE report_last_move (
	kind		INTEGER NOT NULL,
	id		INTEGER NOT NULL,
	old_day		INTEGER,
	new_day		INTEGER
);
CREATE TRIGGER report_last_move_run AFTER INSERT ON report_last_move
BEGIN
	UPDATE report_last_days SET people = people - 1
	 WHERE kind = NEW.kind AND id = NEW.id AND day = NEW.old_day;
	DELETE FROM report_last_days WHERE kind = NEW.kind AND id = NEW.id
	   AND day = NEW.old_day AND people = 0;
	INSERT INTO report_last_days
	SELECT NEW.kind, NEW.id, NEW.new_day, 0
	 WHERE NEW.new_day IS NOT NULL AND NOT EXISTS (SELECT 1
	       FROM report_last_days WHERE kind = NEW.kind AND id = NEW.id
		AND day = NEW.new_day);
	UPDATE report_last_days SET people = people + 1
	 WHERE kind = NEW.kind AND id = NEW.id AND day = NEW.new_day;
	INSERT INTO report_last_blocks
	SELECT NEW.kind, NEW.id, NEW.new_day / 32, coalesce((SELECT people
	       FROM report_last_blocks WHERE kind = NEW.kind AND id = NEW.id
		AND block < NEW.new_day / 32 ORDER BY block DESC LIMIT 1), 0)
	 WHERE NEW.new_day IS NOT NULL AND NOT EXISTS (SELECT 1
	       FROM report_last_blocks WHERE kind = NEW.kind
		AND id = NEW.id AND block = NEW.new_day / 32);
	UPDATE report_last_blocks SET people = people +
	       (NEW.new_day IS NOT NULL AND block >= NEW.new_day / 32) -
	       (NEW.old_day IS NOT NULL AND block >= NEW.old_day / 32)
	 WHERE kind = NEW.kind AND id = NEW.id
	   AND (NEW.old_day IS NULL OR NEW.new_day IS NULL OR
	       NEW.old_day / 32 != NEW.new_day / 32)
	   AND block >= min(coalesce(NEW.old_day, NEW.new_day),
	       coalesce(NEW.new_day, NEW.old_day)) / 32
	   AND (NEW.old_day IS NULL OR NEW.new_day IS NULL OR
	       block < max(NEW.old_day, NEW.new_day) / 32);
	DELETE FROM report_last_blocks WHERE kind = NEW.kind AND id = NEW.id
	   AND block = NEW.old_day / 32 AND people = coalesce((SELECT people
	       FROM report_last_blocks WHERE kind = NEW.kind AND id = NEW.id
		AND block < NEW.old_day / 32 ORDER BY block DESC LIMIT 1), 0);
	INSERT INTO report_last_people
	SELECT NEW.kind, NEW.id, CASE WHEN NEW.old_day IS NULL THEN 1
	       ELSE -1 END
	 WHERE (NEW.old_day IS NULL) != (NEW.new_day IS NULL)
	ON CONFLICT (kind, id) DO UPDATE SET people = people + excluded.people;
	DELETE FROM report_last_people WHERE kind = NEW.kind AND id = NEW.id
	   AND people = 0;
	DELETE FROM report_last_move WHERE rowid = NEW.rowid;
END;

-- A person's row of report_persons (a place: site, therapist and
-- individual/group) whose last session moved from old_utc to new_utc
-- (NULL: the row made or gone).  report_last_place_run moves their last
-- session in each group of the place: the later of the row's and that
-- of their other rows in the group (report_persons by the key's first
-- column, a few rows), before and after.
CREATE TABLE report_last_place (
	referral_id	INTEGER NOT NULL,
	site_id		INTEGER NOT NULL,
	therapist_id	INTEGER NOT NULL,
	grp		INTEGER NOT NULL,
	old_utc		INTEGER,
	new_utc		INTEGER
);
CREATE TRIGGER report_last_place_run AFTER INSERT ON report_last_place
BEGIN
	INSERT INTO report_last_move (kind, id, old_day, new_day)
	SELECT kind, id, max(coalesce(NEW.old_utc, x), coalesce(x,
	       NEW.old_utc)) / 86400, max(coalesce(NEW.new_utc, x),
	       coalesce(x, NEW.new_utc)) / 86400
	  FROM (SELECT 0 AS kind, 0 AS id, (SELECT max(last_utc)
		  FROM report_persons WHERE referral_id = NEW.referral_id
		   AND NOT (site_id = NEW.site_id AND
		       therapist_id = NEW.therapist_id AND grp = NEW.grp))
		  AS x
		UNION ALL
		SELECT 1, NEW.site_id, (SELECT max(last_utc)
		  FROM report_persons WHERE referral_id = NEW.referral_id
		   AND site_id = NEW.site_id
		   AND NOT (therapist_id = NEW.therapist_id AND
		       grp = NEW.grp))
		UNION ALL
		SELECT 2, o.id, (SELECT max(p.last_utc)
		  FROM report_persons p LEFT JOIN sites s ON s.id = p.site_id
		 WHERE p.referral_id = NEW.referral_id
		   AND coalesce(s.organisation_id, 0) = o.id
		   AND NOT (p.site_id = NEW.site_id AND
		       p.therapist_id = NEW.therapist_id AND p.grp = NEW.grp))
		  FROM (SELECT coalesce((SELECT organisation_id FROM sites
		       WHERE id = NEW.site_id), 0) AS id) o
		UNION ALL
		SELECT 3, NEW.therapist_id, (SELECT max(last_utc)
		  FROM report_persons WHERE referral_id = NEW.referral_id
		   AND therapist_id = NEW.therapist_id
		   AND NOT (site_id = NEW.site_id AND grp = NEW.grp))
		UNION ALL
		SELECT 4, NEW.grp, (SELECT max(last_utc)
		  FROM report_persons WHERE referral_id = NEW.referral_id
		   AND grp = NEW.grp
		   AND NOT (site_id = NEW.site_id AND
		       therapist_id = NEW.therapist_id)))
	 WHERE max(coalesce(NEW.old_utc, x), coalesce(x, NEW.old_utc)) /
	       86400 IS NOT max(coalesce(NEW.new_utc, x), coalesce(x,
	       NEW.new_utc)) / 86400;
	DELETE FROM report_last_place WHERE rowid = NEW.rowid;
END;

-- 036 writes report_persons by upsert (a session attended) and by
-- delete and insert (one removed): its key never changes.
CREATE TRIGGER report_last_persons_ins AFTER INSERT ON report_persons
BEGIN
	INSERT INTO report_last_place VALUES (NEW.referral_id, NEW.site_id,
	    NEW.therapist_id, NEW.grp, NULL, NEW.last_utc);
END;
CREATE TRIGGER report_last_persons_upd AFTER UPDATE OF last_utc
ON report_persons WHEN OLD.last_utc / 86400 != NEW.last_utc / 86400
BEGIN
	INSERT INTO report_last_place VALUES (NEW.referral_id, NEW.site_id,
	    NEW.therapist_id, NEW.grp, OLD.last_utc, NEW.last_utc);
END;
CREATE TRIGGER report_last_persons_key BEFORE UPDATE OF referral_id,
    site_id, therapist_id, grp ON report_persons
WHEN OLD.referral_id != NEW.referral_id OR OLD.site_id != NEW.site_id OR
    OLD.therapist_id != NEW.therapist_id OR OLD.grp != NEW.grp
BEGIN
	SELECT RAISE(ABORT, 'report_persons: the key never changes');
END;
CREATE TRIGGER report_last_persons_del AFTER DELETE ON report_persons
BEGIN
	INSERT INTO report_last_place VALUES (OLD.referral_id, OLD.site_id,
	    OLD.therapist_id, OLD.grp, OLD.last_utc, NULL);
END;

-- A site moved from one partner organisation to another (or to none):
-- each person who attended there, their last session in each of the
-- two, before (the site's sessions in the old) and after (in the new).
CREATE TRIGGER report_last_site_org AFTER UPDATE OF organisation_id
ON sites WHEN OLD.organisation_id IS NOT NEW.organisation_id
BEGIN
	INSERT INTO report_last_move (kind, id, old_day, new_day)
	SELECT 2, org, max(coalesce(was, x), coalesce(x, was)) / 86400,
	       max(coalesce(now, x), coalesce(x, now)) / 86400
	  FROM (SELECT coalesce(OLD.organisation_id, 0) AS org, here AS was,
		       NULL AS now, (SELECT max(p.last_utc)
			  FROM report_persons p LEFT JOIN sites s
			    ON s.id = p.site_id
			 WHERE p.referral_id = h.referral_id
			   AND p.site_id != NEW.id
			   AND coalesce(s.organisation_id, 0) =
			       coalesce(OLD.organisation_id, 0)) AS x
		  FROM (SELECT referral_id, max(last_utc) AS here
			  FROM report_persons WHERE site_id = NEW.id
			 GROUP BY referral_id) h
		UNION ALL
		SELECT coalesce(NEW.organisation_id, 0), NULL, here,
		       (SELECT max(p.last_utc)
			  FROM report_persons p LEFT JOIN sites s
			    ON s.id = p.site_id
			 WHERE p.referral_id = h.referral_id
			   AND p.site_id != NEW.id
			   AND coalesce(s.organisation_id, 0) =
			       coalesce(NEW.organisation_id, 0))
		  FROM (SELECT referral_id, max(last_utc) AS here
			  FROM report_persons WHERE site_id = NEW.id
			 GROUP BY referral_id) h)
	 WHERE max(coalesce(was, x), coalesce(x, was)) / 86400 IS NOT
	       max(coalesce(now, x), coalesce(x, now)) / 86400;
END;

-- report_first_undelivered: the people with a first attended session
-- (first_sessions, 023: of any session, cancelled or not) and no
-- delivered one (report_persons): few or none.  Of the people a period
-- that ends after every attended session serves, the impact report
-- counts those whose first session was before a date (long_term_months
-- before its end): all of them less those whose first session was
-- after the date, who, when the period began before it, are all the
-- people whose first session was after it but these (db/reports.c).
CREATE TABLE report_first_undelivered (
	referral_id	INTEGER PRIMARY KEY,
	first_utc	INTEGER NOT NULL
);
INSERT INTO report_first_undelivered
SELECT referral_id, first_utc FROM first_sessions f
 WHERE NOT EXISTS (SELECT 1 FROM report_persons p
	WHERE p.referral_id = f.referral_id);

CREATE TRIGGER report_first_undelivered_ins AFTER INSERT ON first_sessions
WHEN NOT EXISTS (SELECT 1 FROM report_persons
	WHERE referral_id = NEW.referral_id)
BEGIN
	INSERT INTO report_first_undelivered VALUES (NEW.referral_id,
	    NEW.first_utc);
END;
CREATE TRIGGER report_first_undelivered_upd AFTER UPDATE OF first_utc
ON first_sessions BEGIN
	UPDATE report_first_undelivered SET first_utc = NEW.first_utc
	 WHERE referral_id = NEW.referral_id;
END;
CREATE TRIGGER report_first_undelivered_del AFTER DELETE ON first_sessions
BEGIN
	DELETE FROM report_first_undelivered
	 WHERE referral_id = OLD.referral_id;
END;
CREATE TRIGGER report_first_undelivered_served AFTER INSERT
ON report_persons BEGIN
	DELETE FROM report_first_undelivered
	 WHERE referral_id = NEW.referral_id;
END;
CREATE TRIGGER report_first_undelivered_unserved AFTER DELETE
ON report_persons WHEN NOT EXISTS (SELECT 1 FROM report_persons
	WHERE referral_id = OLD.referral_id)
BEGIN
	INSERT INTO report_first_undelivered
	SELECT referral_id, first_utc FROM first_sessions
	 WHERE referral_id = OLD.referral_id;
END;

CREATE TRIGGER epoch_report_first_undelivered_ins AFTER INSERT ON report_first_undelivered
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_first_undelivered_upd AFTER UPDATE ON report_first_undelivered
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_first_undelivered_del AFTER DELETE ON report_first_undelivered
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_people_ins AFTER INSERT ON report_last_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_people_upd AFTER UPDATE ON report_last_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_people_del AFTER DELETE ON report_last_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_days_ins AFTER INSERT ON report_last_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_days_upd AFTER UPDATE ON report_last_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_days_del AFTER DELETE ON report_last_days
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_blocks_ins AFTER INSERT ON report_last_blocks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_blocks_upd AFTER UPDATE ON report_last_blocks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_blocks_del AFTER DELETE ON report_last_blocks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_move_ins AFTER INSERT ON report_last_move
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_move_upd AFTER UPDATE ON report_last_move
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_move_del AFTER DELETE ON report_last_move
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_place_ins AFTER INSERT ON report_last_place
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_place_upd AFTER UPDATE ON report_last_place
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_last_place_del AFTER DELETE ON report_last_place
BEGIN UPDATE record_epoch SET n = n + 1; END;
