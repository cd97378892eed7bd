-- The mailer's queue holds only what is still to send (issue 21).
--
-- outbox_due (status, not_before) had a line for every email ever made,
-- and the queued ones sat in the middle of it, between 'failed' and
-- 'sent': each referral's three emails went in there (splitting and
-- rebalancing full pages), and each email moved twice more as the
-- mailer claimed and sent it.  Only the claim reads it, for queued
-- emails, so it keeps only those: a page or two however many emails
-- were sent.  Pages written to the WAL, on the demo: a referral 25.0
-- -> 24.2 (with the mailer keeping up, its queued lines stay on one
-- page), the mailer's claim and send of an email 10.4 -> 7.2.  Claiming
-- a lease that ran out reads outbox_status_id ('sending' rows).
DROP INDEX IF EXISTS outbox_due;
CREATE INDEX outbox_due ON outbox (status, not_before)
    WHERE status = 'queued';
