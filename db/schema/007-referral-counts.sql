-- Referrals per state, kept by triggers in the same transaction as every
-- change, so the queue's counts and its unfiltered total cost one small
-- read instead of a scan of every referral (20,000 and more).

CREATE TABLE referral_counts (
	status		TEXT PRIMARY KEY,
	n		INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO referral_counts (status, n)
	SELECT s.status, (SELECT count(*) FROM referrals r
	    WHERE r.status = s.status)
	FROM (SELECT 'new' AS status UNION ALL SELECT 'triaged'
	    UNION ALL SELECT 'waitlisted' UNION ALL SELECT 'matched'
	    UNION ALL SELECT 'active' UNION ALL SELECT 'closed'
	    UNION ALL SELECT 'declined' UNION ALL SELECT 'withdrawn') s;

CREATE TRIGGER referral_counts_ins AFTER INSERT ON referrals BEGIN
	UPDATE referral_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER referral_counts_del AFTER DELETE ON referrals BEGIN
	UPDATE referral_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER referral_counts_upd AFTER UPDATE OF status ON referrals
	WHEN OLD.status != NEW.status BEGIN
	UPDATE referral_counts SET n = n - 1 WHERE status = OLD.status;
	UPDATE referral_counts SET n = n + 1 WHERE status = NEW.status;
END;
