-- Issue 21: reads that grew with all the history kept rather than with
-- what the page shows.

-- A client record lists the emails sent about its referral, newest
-- first: without this index it stepped over every email the service
-- ever sent (92,000 in six years of a service of DESIGN.md's size).
-- Erasing or purging a referral finds its emails by it too.
CREATE INDEX outbox_referral ON outbox (referral_id, id);
