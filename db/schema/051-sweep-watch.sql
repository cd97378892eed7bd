-- The sweep's watch on writes (issue 21).  An erasure looks for its
-- people's strings (names, emails, phones) in every text column of every
-- table (db/privacy.c, sweep): at N=10 that read takes 5-9 s, and under
-- the write lock every write of the web waited for it and failed after
-- its busy timeout.  The read now runs in a read transaction beside the
-- web's writes, and the write transaction replaces only the rows it
-- found, and every row written since the read began: while a row of
-- sweep_watch is there (one per erasure between the start of its read
-- and its commit), each insert or update of a table the sweep reads
-- logs the row's key in sweep_changes (json_array(rowid), or of the
-- primary key for a table without rowids; deletes of referrals and
-- erasures too, for the strings other clients share).  With no sweep
-- running a write pays one look at an empty table.  A table the sweep
-- reads without both triggers is swept whole under the write lock
-- (logged): check_privacy test_sweep_watch lists any.
CREATE TABLE sweep_watch (
	id		INTEGER PRIMARY KEY,
	started_at	TEXT NOT NULL
);
CREATE TABLE sweep_changes (
	seq		INTEGER PRIMARY KEY,
	tbl		TEXT NOT NULL,
	key		TEXT NOT NULL
);
INSERT INTO record_epoch_logs (name, why) VALUES
	('sweep_watch', 'erasures running: no record'),
	('sweep_changes', 'rows written while an erasure reads: no record');

CREATE TRIGGER sweep_attendance_ins AFTER INSERT ON attendance
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('attendance', json_array(NEW.series_id, NEW.occ_date, NEW.client_id)); END;
CREATE TRIGGER sweep_attendance_upd AFTER UPDATE ON attendance
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('attendance', json_array(NEW.series_id, NEW.occ_date, NEW.client_id)); END;
CREATE TRIGGER sweep_audit_ins AFTER INSERT ON audit
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('audit', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_audit_upd AFTER UPDATE ON audit
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('audit', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_change_undo_ins AFTER INSERT ON change_undo
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('change_undo', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_change_undo_upd AFTER UPDATE ON change_undo
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('change_undo', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_client_goals_ins AFTER INSERT ON client_goals
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('client_goals', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_client_goals_upd AFTER UPDATE ON client_goals
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('client_goals', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_client_links_ins AFTER INSERT ON client_links
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('client_links', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_client_links_upd AFTER UPDATE ON client_links
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('client_links', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_clients_ins AFTER INSERT ON clients
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('clients', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_clients_upd AFTER UPDATE ON clients
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('clients', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_closure_reports_ins AFTER INSERT ON closure_reports
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('closure_reports', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_closure_reports_upd AFTER UPDATE ON closure_reports
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('closure_reports', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_contacts_ins AFTER INSERT ON contacts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('contacts', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_contacts_upd AFTER UPDATE ON contacts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('contacts', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_erasures_ins AFTER INSERT ON erasures
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('erasures', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_erasures_upd AFTER UPDATE ON erasures
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('erasures', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_erasures_del AFTER DELETE ON erasures
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('erasures', json_array(OLD.rowid)); END;
CREATE TRIGGER sweep_exceptions_ins AFTER INSERT ON exceptions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('exceptions', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_exceptions_upd AFTER UPDATE ON exceptions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('exceptions', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_feeds_ins AFTER INSERT ON feeds
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('feeds', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_feeds_upd AFTER UPDATE ON feeds
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('feeds', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_first_sessions_occ_ins AFTER INSERT ON first_sessions_occ
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('first_sessions_occ', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_first_sessions_occ_upd AFTER UPDATE ON first_sessions_occ
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('first_sessions_occ', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_group_members_ins AFTER INSERT ON group_members
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('group_members', json_array(NEW.group_id, NEW.client_id)); END;
CREATE TRIGGER sweep_group_members_upd AFTER UPDATE ON group_members
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('group_members', json_array(NEW.group_id, NEW.client_id)); END;
CREATE TRIGGER sweep_groups_ins AFTER INSERT ON groups
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('groups', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_groups_upd AFTER UPDATE ON groups
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('groups', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_mail_pause_ins AFTER INSERT ON mail_pause
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('mail_pause', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_mail_pause_upd AFTER UPDATE ON mail_pause
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('mail_pause', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_occurrences_ins AFTER INSERT ON occurrences
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('occurrences', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_occurrences_upd AFTER UPDATE ON occurrences
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('occurrences', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_offers_ins AFTER INSERT ON offers
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('offers', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_offers_upd AFTER UPDATE ON offers
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('offers', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_organisations_ins AFTER INSERT ON organisations
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('organisations', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_organisations_upd AFTER UPDATE ON organisations
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('organisations', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_outbox_ins AFTER INSERT ON outbox
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('outbox', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_outbox_upd AFTER UPDATE ON outbox
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('outbox', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_outcomes_ins AFTER INSERT ON outcomes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('outcomes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_outcomes_upd AFTER UPDATE ON outcomes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('outcomes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_places_ins AFTER INSERT ON places
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('places', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_places_upd AFTER UPDATE ON places
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('places', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_rate_hits_ins AFTER INSERT ON rate_hits
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('rate_hits', json_array(NEW.key)); END;
CREATE TRIGGER sweep_rate_hits_upd AFTER UPDATE ON rate_hits
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('rate_hits', json_array(NEW.key)); END;
CREATE TRIGGER sweep_referral_counts_ins AFTER INSERT ON referral_counts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_counts', json_array(NEW.status)); END;
CREATE TRIGGER sweep_referral_counts_upd AFTER UPDATE ON referral_counts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_counts', json_array(NEW.status)); END;
CREATE TRIGGER sweep_referral_edits_ins AFTER INSERT ON referral_edits
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_edits', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referral_edits_upd AFTER UPDATE ON referral_edits
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_edits', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referral_events_ins AFTER INSERT ON referral_events
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_events', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referral_events_upd AFTER UPDATE ON referral_events
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_events', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referral_notes_ins AFTER INSERT ON referral_notes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_notes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referral_notes_upd AFTER UPDATE ON referral_notes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referral_notes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referrals_ins AFTER INSERT ON referrals
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referrals', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referrals_upd AFTER UPDATE ON referrals
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referrals', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referrals_del AFTER DELETE ON referrals
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referrals', json_array(OLD.rowid)); END;
CREATE TRIGGER sweep_referrers_ins AFTER INSERT ON referrers
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referrers', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_referrers_upd AFTER UPDATE ON referrers
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('referrers', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_report_people_ins AFTER INSERT ON report_people
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_people', json_array(NEW.start_utc, NEW.series_id, NEW.occ_date, NEW.client_id)); END;
CREATE TRIGGER sweep_report_people_upd AFTER UPDATE ON report_people
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_people', json_array(NEW.start_utc, NEW.series_id, NEW.occ_date, NEW.client_id)); END;
CREATE TRIGGER sweep_report_persons_ins AFTER INSERT ON report_persons
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_persons', json_array(NEW.referral_id, NEW.site_id, NEW.therapist_id, NEW.grp)); END;
CREATE TRIGGER sweep_report_persons_upd AFTER UPDATE ON report_persons
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_persons', json_array(NEW.referral_id, NEW.site_id, NEW.therapist_id, NEW.grp)); END;
CREATE TRIGGER sweep_report_referral_months_ins AFTER INSERT ON report_referral_months
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_referral_months', json_array(NEW.month, NEW.needs, NEW.source)); END;
CREATE TRIGGER sweep_report_referral_months_upd AFTER UPDATE ON report_referral_months
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_referral_months', json_array(NEW.month, NEW.needs, NEW.source)); END;
CREATE TRIGGER sweep_report_redo_ins AFTER INSERT ON report_redo
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_redo', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_report_redo_upd AFTER UPDATE ON report_redo
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_redo', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_report_sessions_ins AFTER INSERT ON report_sessions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_sessions', json_array(NEW.start_utc, NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_report_sessions_upd AFTER UPDATE ON report_sessions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('report_sessions', json_array(NEW.start_utc, NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_rooms_ins AFTER INSERT ON rooms
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('rooms', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_rooms_upd AFTER UPDATE ON rooms
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('rooms', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_schema_migrations_ins AFTER INSERT ON schema_migrations
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('schema_migrations', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_schema_migrations_upd AFTER UPDATE ON schema_migrations
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('schema_migrations', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_self_cancels_ins AFTER INSERT ON self_cancels
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('self_cancels', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_self_cancels_upd AFTER UPDATE ON self_cancels
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('self_cancels', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_series_ins AFTER INSERT ON series
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('series', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_series_upd AFTER UPDATE ON series
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('series', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_series_skips_ins AFTER INSERT ON series_skips
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('series_skips', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_series_skips_upd AFTER UPDATE ON series_skips
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('series_skips', json_array(NEW.series_id, NEW.occ_date)); END;
CREATE TRIGGER sweep_session_note_versions_ins AFTER INSERT ON session_note_versions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('session_note_versions', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_session_note_versions_upd AFTER UPDATE ON session_note_versions
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('session_note_versions', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_session_notes_ins AFTER INSERT ON session_notes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('session_notes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_session_notes_upd AFTER UPDATE ON session_notes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('session_notes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_site_closures_ins AFTER INSERT ON site_closures
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('site_closures', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_site_closures_upd AFTER UPDATE ON site_closures
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('site_closures', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_site_districts_ins AFTER INSERT ON site_districts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('site_districts', json_array(NEW.site_id, NEW.district)); END;
CREATE TRIGGER sweep_site_districts_upd AFTER UPDATE ON site_districts
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('site_districts', json_array(NEW.site_id, NEW.district)); END;
CREATE TRIGGER sweep_sites_ins AFTER INSERT ON sites
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('sites', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_sites_upd AFTER UPDATE ON sites
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('sites', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_surveys_ins AFTER INSERT ON surveys
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('surveys', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_surveys_upd AFTER UPDATE ON surveys
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('surveys', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_terms_ins AFTER INSERT ON terms
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('terms', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_terms_upd AFTER UPDATE ON terms
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('terms', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_therapist_leave_ins AFTER INSERT ON therapist_leave
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('therapist_leave', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_therapist_leave_upd AFTER UPDATE ON therapist_leave
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('therapist_leave', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_therapists_ins AFTER INSERT ON therapists
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('therapists', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_therapists_upd AFTER UPDATE ON therapists
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('therapists', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_unsubscribes_ins AFTER INSERT ON unsubscribes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('unsubscribes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_unsubscribes_upd AFTER UPDATE ON unsubscribes
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('unsubscribes', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_waitlist_checks_ins AFTER INSERT ON waitlist_checks
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_checks', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_waitlist_checks_upd AFTER UPDATE ON waitlist_checks
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_checks', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_waitlist_hours_ins AFTER INSERT ON waitlist_hours
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_hours', json_array(NEW.hour)); END;
CREATE TRIGGER sweep_waitlist_hours_upd AFTER UPDATE ON waitlist_hours
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('waitlist_hours', json_array(NEW.hour)); END;
CREATE TRIGGER sweep_work_summaries_ins AFTER INSERT ON work_summaries
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('work_summaries', json_array(NEW.rowid)); END;
CREATE TRIGGER sweep_work_summaries_upd AFTER UPDATE ON work_summaries
WHEN EXISTS (SELECT 1 FROM sweep_watch)
BEGIN INSERT INTO sweep_changes (tbl, key) VALUES ('work_summaries', json_array(NEW.rowid)); END;
