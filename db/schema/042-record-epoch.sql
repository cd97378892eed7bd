-- The records' epoch: a count that every change to a record adds to, so
-- that a worker can keep what it built from the records (the whole
-- service's week, issue 21) until a record changes, not until anything
-- at all is written (PRAGMA data_version).  In a working service the
-- database is written on nearly every request in ways no kept page
-- shows: a view of the queue, a client record or the plan writes its
-- audit line, each request touches the staff member's sign-in, the
-- mailer marks what it sent, public forms count their hits.
--
-- Every table has three triggers (after insert, update and delete) that
-- add one to record_epoch.n, except the tables named in
-- record_epoch_logs: the logs that pages and the mailer write as they
-- read, which no kept part shows.  db_records_changed (db/db.c) reads n.
-- A new table gets the three triggers in its own migration (or a row
-- here, if it is a log nothing kept reads): check_db test_record_epoch
-- fails otherwise.  The summary tables kept by triggers bump it too
-- (they change only with a record, so it costs nothing but a tiny
-- statement a row); db/bulk.c suspends these triggers while it fills a
-- generated service and adds one to n after.  A write transaction
-- writes one more page: record_epoch's.
CREATE TABLE record_epoch (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	n		INTEGER NOT NULL
);
INSERT INTO record_epoch (id, n) VALUES (1, 0);

-- The tables without the triggers, and why.
CREATE TABLE record_epoch_logs (
	name		TEXT PRIMARY KEY,
	why		TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO record_epoch_logs (name, why) VALUES
	('record_epoch', 'the count itself'),
	('record_epoch_logs', 'this list'),
	('audit', 'who saw and did what: views write it'),
	('sessions', 'staff sign-ins: every request touches one'),
	('login_failures', 'failed sign-ins'),
	('rate_hits', 'public forms'' rate limits'),
	('outbox', 'emails, which the mailer marks as it sends them'),
	('mail_pause', 'the mailer''s pause when the mail server fails'),
	('feeds', 'calendar links and the calendars built when fetched');

CREATE TRIGGER epoch_attendance_ins AFTER INSERT ON attendance
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_attendance_upd AFTER UPDATE ON attendance
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_attendance_del AFTER DELETE ON attendance
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_change_undo_ins AFTER INSERT ON change_undo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_change_undo_upd AFTER UPDATE ON change_undo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_change_undo_del AFTER DELETE ON change_undo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_goals_ins AFTER INSERT ON client_goals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_goals_upd AFTER UPDATE ON client_goals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_goals_del AFTER DELETE ON client_goals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_links_ins AFTER INSERT ON client_links
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_links_upd AFTER UPDATE ON client_links
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_client_links_del AFTER DELETE ON client_links
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_clients_ins AFTER INSERT ON clients
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_clients_upd AFTER UPDATE ON clients
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_clients_del AFTER DELETE ON clients
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_closure_reports_ins AFTER INSERT ON closure_reports
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_closure_reports_upd AFTER UPDATE ON closure_reports
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_closure_reports_del AFTER DELETE ON closure_reports
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_contacts_ins AFTER INSERT ON contacts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_contacts_upd AFTER UPDATE ON contacts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_contacts_del AFTER DELETE ON contacts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_erasures_ins AFTER INSERT ON erasures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_erasures_upd AFTER UPDATE ON erasures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_erasures_del AFTER DELETE ON erasures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_exceptions_ins AFTER INSERT ON exceptions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_exceptions_upd AFTER UPDATE ON exceptions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_exceptions_del AFTER DELETE ON exceptions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_ins AFTER INSERT ON first_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_upd AFTER UPDATE ON first_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_del AFTER DELETE ON first_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_occ_ins AFTER INSERT ON first_sessions_occ
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_occ_upd AFTER UPDATE ON first_sessions_occ
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_occ_del AFTER DELETE ON first_sessions_occ
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_redo_ins AFTER INSERT ON first_sessions_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_redo_upd AFTER UPDATE ON first_sessions_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_first_sessions_redo_del AFTER DELETE ON first_sessions_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_group_members_ins AFTER INSERT ON group_members
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_group_members_upd AFTER UPDATE ON group_members
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_group_members_del AFTER DELETE ON group_members
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_groups_ins AFTER INSERT ON groups
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_groups_upd AFTER UPDATE ON groups
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_groups_del AFTER DELETE ON groups
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_occurrences_ins AFTER INSERT ON occurrences
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_occurrences_upd AFTER UPDATE ON occurrences
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_occurrences_del AFTER DELETE ON occurrences
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_offers_ins AFTER INSERT ON offers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_offers_upd AFTER UPDATE ON offers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_offers_del AFTER DELETE ON offers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_organisations_ins AFTER INSERT ON organisations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_organisations_upd AFTER UPDATE ON organisations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_organisations_del AFTER DELETE ON organisations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_outcomes_ins AFTER INSERT ON outcomes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_outcomes_upd AFTER UPDATE ON outcomes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_outcomes_del AFTER DELETE ON outcomes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_places_ins AFTER INSERT ON places
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_places_upd AFTER UPDATE ON places
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_places_del AFTER DELETE ON places
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_counts_ins AFTER INSERT ON referral_counts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_counts_upd AFTER UPDATE ON referral_counts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_counts_del AFTER DELETE ON referral_counts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_edits_ins AFTER INSERT ON referral_edits
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_edits_upd AFTER UPDATE ON referral_edits
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_edits_del AFTER DELETE ON referral_edits
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_events_ins AFTER INSERT ON referral_events
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_events_upd AFTER UPDATE ON referral_events
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_events_del AFTER DELETE ON referral_events
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_notes_ins AFTER INSERT ON referral_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_notes_upd AFTER UPDATE ON referral_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_notes_del AFTER DELETE ON referral_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_sites_ins AFTER INSERT ON referral_sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_sites_upd AFTER UPDATE ON referral_sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referral_sites_del AFTER DELETE ON referral_sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrals_ins AFTER INSERT ON referrals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrals_upd AFTER UPDATE ON referrals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrals_del AFTER DELETE ON referrals
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrers_ins AFTER INSERT ON referrers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrers_upd AFTER UPDATE ON referrers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_referrers_del AFTER DELETE ON referrers
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_ins AFTER INSERT ON report_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_upd AFTER UPDATE ON report_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_del AFTER DELETE ON report_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_add_ins AFTER INSERT ON report_months_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_add_upd AFTER UPDATE ON report_months_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_months_add_del AFTER DELETE ON report_months_add
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_people_ins AFTER INSERT ON report_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_people_upd AFTER UPDATE ON report_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_people_del AFTER DELETE ON report_people
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_persons_ins AFTER INSERT ON report_persons
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_persons_upd AFTER UPDATE ON report_persons
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_persons_del AFTER DELETE ON report_persons
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_redo_ins AFTER INSERT ON report_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_redo_upd AFTER UPDATE ON report_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_redo_del AFTER DELETE ON report_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_sessions_ins AFTER INSERT ON report_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_sessions_upd AFTER UPDATE ON report_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_sessions_del AFTER DELETE ON report_sessions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_rooms_ins AFTER INSERT ON rooms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_rooms_upd AFTER UPDATE ON rooms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_rooms_del AFTER DELETE ON rooms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_schema_migrations_ins AFTER INSERT ON schema_migrations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_schema_migrations_upd AFTER UPDATE ON schema_migrations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_schema_migrations_del AFTER DELETE ON schema_migrations
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_self_cancels_ins AFTER INSERT ON self_cancels
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_self_cancels_upd AFTER UPDATE ON self_cancels
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_self_cancels_del AFTER DELETE ON self_cancels
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_ins AFTER INSERT ON series
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_upd AFTER UPDATE ON series
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_del AFTER DELETE ON series
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_skips_ins AFTER INSERT ON series_skips
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_skips_upd AFTER UPDATE ON series_skips
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_series_skips_del AFTER DELETE ON series_skips
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_note_versions_ins AFTER INSERT ON session_note_versions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_note_versions_upd AFTER UPDATE ON session_note_versions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_note_versions_del AFTER DELETE ON session_note_versions
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_notes_ins AFTER INSERT ON session_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_notes_upd AFTER UPDATE ON session_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_session_notes_del AFTER DELETE ON session_notes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_settings_ins AFTER INSERT ON settings
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_settings_upd AFTER UPDATE ON settings
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_settings_del AFTER DELETE ON settings
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_closures_ins AFTER INSERT ON site_closures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_closures_upd AFTER UPDATE ON site_closures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_closures_del AFTER DELETE ON site_closures
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_districts_ins AFTER INSERT ON site_districts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_districts_upd AFTER UPDATE ON site_districts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_districts_del AFTER DELETE ON site_districts
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_hours_ins AFTER INSERT ON site_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_hours_upd AFTER UPDATE ON site_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_site_hours_del AFTER DELETE ON site_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_sites_ins AFTER INSERT ON sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_sites_upd AFTER UPDATE ON sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_sites_del AFTER DELETE ON sites
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_surveys_ins AFTER INSERT ON surveys
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_surveys_upd AFTER UPDATE ON surveys
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_surveys_del AFTER DELETE ON surveys
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_terms_ins AFTER INSERT ON terms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_terms_upd AFTER UPDATE ON terms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_terms_del AFTER DELETE ON terms
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_availability_ins AFTER INSERT ON therapist_availability
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_availability_upd AFTER UPDATE ON therapist_availability
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_availability_del AFTER DELETE ON therapist_availability
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_leave_ins AFTER INSERT ON therapist_leave
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_leave_upd AFTER UPDATE ON therapist_leave
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapist_leave_del AFTER DELETE ON therapist_leave
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapists_ins AFTER INSERT ON therapists
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapists_upd AFTER UPDATE ON therapists
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_therapists_del AFTER DELETE ON therapists
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_unsubscribes_ins AFTER INSERT ON unsubscribes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_unsubscribes_upd AFTER UPDATE ON unsubscribes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_unsubscribes_del AFTER DELETE ON unsubscribes
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_users_ins AFTER INSERT ON users
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_users_upd AFTER UPDATE ON users
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_users_del AFTER DELETE ON users
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_checks_ins AFTER INSERT ON waitlist_checks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_checks_upd AFTER UPDATE ON waitlist_checks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_checks_del AFTER DELETE ON waitlist_checks
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_hours_ins AFTER INSERT ON waitlist_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_hours_upd AFTER UPDATE ON waitlist_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_waitlist_hours_del AFTER DELETE ON waitlist_hours
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_redo_ins AFTER INSERT ON work_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_redo_upd AFTER UPDATE ON work_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_redo_del AFTER DELETE ON work_redo
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_summaries_ins AFTER INSERT ON work_summaries
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_summaries_upd AFTER UPDATE ON work_summaries
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_work_summaries_del AFTER DELETE ON work_summaries
BEGIN UPDATE record_epoch SET n = n + 1; END;
