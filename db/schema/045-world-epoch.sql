-- The world's epoch: a count that every change to what core_world_load
-- (core/world.c) reads adds to, so that a worker can keep the world it
-- built for the matches page and the plan (issue 21) until that
-- changes.  The records' epoch (042) moves with every record, and a
-- working service writes records all day that no world reads: a
-- therapist recording attendance or notes, outcomes, a referral's
-- history, a new referral; at N=10 building the world was 63% of the
-- plan's CPU.  db_world_changed (db/db.c) reads n.
--
-- What the world reads (db/records.c), and so what bumps it:
--   - every row of therapists, sites, site_districts, rooms,
--     site_hours, therapist_availability, therapist_leave,
--     site_closures and occurrences (any insert, update or delete);
--   - organisations' names (the sites' statement joins them) and the
--     email and active flag of a therapist's log-in (users), changed or
--     deleted (a new row is nobody's yet: the foreign keys);
--   - the open caseload counts: a client who is open (ended_at NULL)
--     added or deleted, a client's therapist, referral or being open
--     changed, and a referral counted (status 'matched' or 'active')
--     added or deleted, or its status moving into or out of those two.
-- A change to anything else (attendance, notes, outcomes, emails,
-- audit lines, a referral's events or its other fields) leaves it.
-- A new table or column that core_world_load reads gets its trigger
-- here in its own migration (check_db test_world_epoch lists them).
-- db/bulk.c suspends these triggers (named world_epoch_*) while it
-- fills a generated service and adds one to n after, as for 042's.
-- The count moves only with a record, so record_epoch_logs lists it
-- (record_epoch moves already).
CREATE TABLE world_epoch (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	n		INTEGER NOT NULL
);
INSERT INTO world_epoch (id, n) VALUES (1, 0);
INSERT INTO record_epoch_logs (name, why) VALUES
	('world_epoch', 'a count of changes that record_epoch counts too');

CREATE TRIGGER world_epoch_therapists_ins AFTER INSERT ON therapists
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapists_upd AFTER UPDATE ON therapists
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapists_del AFTER DELETE ON therapists
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_sites_ins AFTER INSERT ON sites
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_sites_upd AFTER UPDATE ON sites
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_sites_del AFTER DELETE ON sites
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_districts_ins AFTER INSERT ON site_districts
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_districts_upd AFTER UPDATE ON site_districts
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_districts_del AFTER DELETE ON site_districts
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_rooms_ins AFTER INSERT ON rooms
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_rooms_upd AFTER UPDATE ON rooms
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_rooms_del AFTER DELETE ON rooms
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_hours_ins AFTER INSERT ON site_hours
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_hours_upd AFTER UPDATE ON site_hours
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_hours_del AFTER DELETE ON site_hours
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_availability_ins AFTER INSERT ON therapist_availability
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_availability_upd AFTER UPDATE ON therapist_availability
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_availability_del AFTER DELETE ON therapist_availability
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_leave_ins AFTER INSERT ON therapist_leave
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_leave_upd AFTER UPDATE ON therapist_leave
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_therapist_leave_del AFTER DELETE ON therapist_leave
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_closures_ins AFTER INSERT ON site_closures
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_closures_upd AFTER UPDATE ON site_closures
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_site_closures_del AFTER DELETE ON site_closures
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_occurrences_ins AFTER INSERT ON occurrences
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_occurrences_upd AFTER UPDATE ON occurrences
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_occurrences_del AFTER DELETE ON occurrences
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_organisations_upd AFTER UPDATE OF name
	ON organisations
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_organisations_del AFTER DELETE ON organisations
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_users_upd AFTER UPDATE OF email, active ON users
	WHEN EXISTS (SELECT 1 FROM therapists WHERE user_id = NEW.id)
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_users_del AFTER DELETE ON users
	WHEN EXISTS (SELECT 1 FROM therapists WHERE user_id = OLD.id)
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_clients_ins AFTER INSERT ON clients
	WHEN NEW.ended_at IS NULL
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_clients_upd AFTER UPDATE OF therapist_id,
	referral_id, ended_at ON clients
	WHEN OLD.therapist_id IS NOT NEW.therapist_id
	  OR OLD.referral_id IS NOT NEW.referral_id
	  OR (OLD.ended_at IS NULL) != (NEW.ended_at IS NULL)
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_clients_del AFTER DELETE ON clients
	WHEN OLD.ended_at IS NULL
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_referrals_ins AFTER INSERT ON referrals
	WHEN NEW.status IN ('matched', 'active')
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_referrals_upd AFTER UPDATE OF status ON referrals
	WHEN (OLD.status IN ('matched', 'active')) !=
	     (NEW.status IN ('matched', 'active'))
BEGIN UPDATE world_epoch SET n = n + 1; END;
CREATE TRIGGER world_epoch_referrals_del AFTER DELETE ON referrals
	WHEN OLD.status IN ('matched', 'active')
BEGIN UPDATE world_epoch SET n = n + 1; END;
