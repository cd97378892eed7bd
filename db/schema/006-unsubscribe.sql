-- Unsubscribes, and the outbox's admin page.
--
-- A client who follows the signed link in an email's footer (or whose
-- mail program uses its one-click List-Unsubscribe) is recorded here by
-- their referral's id, once.  The mailer then queues no more reminders
-- for them, and drops any still queued.  Notices that a booked session
-- was confirmed, moved or cancelled still go: they say when to come.

CREATE TABLE unsubscribes (
	referral_id	INTEGER PRIMARY KEY REFERENCES referrals (id),
	at		TEXT NOT NULL
);

-- /admin/outbox lists one state newest first (id order) a page at a time.
CREATE INDEX outbox_status_id ON outbox (status, id);
