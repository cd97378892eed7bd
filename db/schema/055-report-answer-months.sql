-- Issue 21: the outcomes of /reports and the answers of the impact
-- report read every outcome answered and every survey sent in their
-- period: for six years at N=10, Y=6, 40,973 outcomes and 74,613
-- outcome surveys in outbox (10.2 ms of CPU), and for each of the
-- impact report's two years 7,127 outcomes, 12,826 outcome surveys and
-- 13,613 family and partner surveys, on every view.
--
-- report_answer_months: what was sent and answered in each UTC
-- calendar month (month: year * 12 + month - 1, as report_months), a
-- row a month and kind, kept by triggers in the same transaction as
-- every write.  Kind 0, the clients: the outcome surveys queued in
-- outbox (by created_at) and the outcomes (by answered_at), their four
-- questions positive, quality_of_life, social and relationship (an
-- answer other than 'na' answered).  Kinds 1 and 2, the family and the
-- partner surveys (by sent_at, and by answered_at when answered), their
-- questions q1 and q2 (answered when not NULL).  A report reads the
-- whole UTC months inside its period here and the rows themselves for
-- the hours at its ends (db/reports.c, db/partner.c).  A row is
-- removed when it counts nothing.
CREATE TABLE report_answer_months (
	kind		INTEGER NOT NULL,
	month		INTEGER NOT NULL,
	sent		INTEGER NOT NULL,
	answers		INTEGER NOT NULL,
	agreed1		INTEGER NOT NULL,
	answered1	INTEGER NOT NULL,
	agreed2		INTEGER NOT NULL,
	answered2	INTEGER NOT NULL,
	agreed3		INTEGER NOT NULL,
	answered3	INTEGER NOT NULL,
	agreed4		INTEGER NOT NULL,
	answered4	INTEGER NOT NULL,
	PRIMARY KEY (kind, month)
) WITHOUT ROWID;

-- What each row adds to its month (at, an ISO UTC time), as the
-- reports count it: the rule, written once here.
CREATE VIEW report_answers_of (kind, at, sent, answers, agreed1,
    answered1, agreed2, answered2, agreed3, answered3, agreed4,
    answered4) AS
SELECT 0, created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM outbox WHERE kind = 'outcome_survey'
UNION ALL
SELECT 0, answered_at, 0, 1, positive = 'agree', positive != 'na',
       quality_of_life = 'agree', quality_of_life != 'na',
       social = 'agree', social != 'na',
       relationship = 'agree', relationship != 'na'
  FROM outcomes
UNION ALL
SELECT CASE kind WHEN 'family' THEN 1 ELSE 2 END, sent_at, 1, 0, 0, 0,
       0, 0, 0, 0, 0, 0
  FROM surveys
UNION ALL
SELECT CASE kind WHEN 'family' THEN 1 ELSE 2 END, answered_at, 0, 1,
       coalesce(q1 = 'agree', 0), q1 IS NOT NULL,
       coalesce(q2 = 'agree', 0), q2 IS NOT NULL, 0, 0, 0, 0
  FROM surveys WHERE answered_at IS NOT NULL;

INSERT INTO report_answer_months
SELECT kind, CAST(substr(at, 1, 4) AS INTEGER) * 12 +
       CAST(substr(at, 6, 2) AS INTEGER) - 1, sum(sent), sum(answers),
       sum(agreed1), sum(answered1), sum(agreed2), sum(answered2),
       sum(agreed3), sum(answered3), sum(agreed4), sum(answered4)
  FROM report_answers_of GROUP BY 1, 2;

-- A row's counts to add (w = 1) or take off (w = -1): inserted here by
-- the triggers below, it changes its month and is not kept.
CREATE VIEW report_answer_change (kind, at, sent, answers, agreed1,
    answered1, agreed2, answered2, agreed3, answered3, agreed4,
    answered4, w) AS
SELECT 0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 WHERE 0;
CREATE TRIGGER report_answer_change_run INSTEAD OF INSERT
ON report_answer_change BEGIN
	INSERT INTO report_answer_months VALUES (NEW.kind,
	    CAST(substr(NEW.at, 1, 4) AS INTEGER) * 12 +
	    CAST(substr(NEW.at, 6, 2) AS INTEGER) - 1,
	    NEW.w * NEW.sent, NEW.w * NEW.answers,
	    NEW.w * NEW.agreed1, NEW.w * NEW.answered1,
	    NEW.w * NEW.agreed2, NEW.w * NEW.answered2,
	    NEW.w * NEW.agreed3, NEW.w * NEW.answered3,
	    NEW.w * NEW.agreed4, NEW.w * NEW.answered4)
	ON CONFLICT (kind, month) DO UPDATE SET
	       sent = sent + excluded.sent,
	       answers = answers + excluded.answers,
	       agreed1 = agreed1 + excluded.agreed1,
	       answered1 = answered1 + excluded.answered1,
	       agreed2 = agreed2 + excluded.agreed2,
	       answered2 = answered2 + excluded.answered2,
	       agreed3 = agreed3 + excluded.agreed3,
	       answered3 = answered3 + excluded.answered3,
	       agreed4 = agreed4 + excluded.agreed4,
	       answered4 = answered4 + excluded.answered4;
	DELETE FROM report_answer_months WHERE NEW.w < 0
	   AND kind = NEW.kind
	   AND month = CAST(substr(NEW.at, 1, 4) AS INTEGER) * 12 +
	       CAST(substr(NEW.at, 6, 2) AS INTEGER) - 1
	   AND sent = 0 AND answers = 0;
END;

-- An outcome survey queued (005, 033), or (purge) removed.
CREATE TRIGGER report_answers_outbox_ins AFTER INSERT ON outbox
WHEN NEW.kind = 'outcome_survey' BEGIN
	INSERT INTO report_answer_change VALUES (0, NEW.created_at, 1, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1);
END;
CREATE TRIGGER report_answers_outbox_upd AFTER UPDATE OF kind, created_at
ON outbox WHEN (OLD.kind = 'outcome_survey' OR NEW.kind = 'outcome_survey')
    AND (OLD.kind IS NOT NEW.kind OR OLD.created_at IS NOT NEW.created_at)
BEGIN
	INSERT INTO report_answer_change SELECT 0, OLD.created_at, 1, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, -1 WHERE OLD.kind = 'outcome_survey';
	INSERT INTO report_answer_change SELECT 0, NEW.created_at, 1, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 WHERE NEW.kind = 'outcome_survey';
END;
CREATE TRIGGER report_answers_outbox_del AFTER DELETE ON outbox
WHEN OLD.kind = 'outcome_survey' BEGIN
	INSERT INTO report_answer_change VALUES (0, OLD.created_at, 1, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, -1);
END;

-- A client's outcome answered, changed or removed.
CREATE TRIGGER report_answers_outcomes_ins AFTER INSERT ON outcomes
BEGIN
	INSERT INTO report_answer_change VALUES (0, NEW.answered_at, 0, 1,
	    NEW.positive = 'agree', NEW.positive != 'na',
	    NEW.quality_of_life = 'agree', NEW.quality_of_life != 'na',
	    NEW.social = 'agree', NEW.social != 'na',
	    NEW.relationship = 'agree', NEW.relationship != 'na', 1);
END;
CREATE TRIGGER report_answers_outcomes_upd AFTER UPDATE ON outcomes
BEGIN
	INSERT INTO report_answer_change VALUES (0, OLD.answered_at, 0, 1,
	    OLD.positive = 'agree', OLD.positive != 'na',
	    OLD.quality_of_life = 'agree', OLD.quality_of_life != 'na',
	    OLD.social = 'agree', OLD.social != 'na',
	    OLD.relationship = 'agree', OLD.relationship != 'na', -1);
	INSERT INTO report_answer_change VALUES (0, NEW.answered_at, 0, 1,
	    NEW.positive = 'agree', NEW.positive != 'na',
	    NEW.quality_of_life = 'agree', NEW.quality_of_life != 'na',
	    NEW.social = 'agree', NEW.social != 'na',
	    NEW.relationship = 'agree', NEW.relationship != 'na', 1);
END;
CREATE TRIGGER report_answers_outcomes_del AFTER DELETE ON outcomes
BEGIN
	INSERT INTO report_answer_change VALUES (0, OLD.answered_at, 0, 1,
	    OLD.positive = 'agree', OLD.positive != 'na',
	    OLD.quality_of_life = 'agree', OLD.quality_of_life != 'na',
	    OLD.social = 'agree', OLD.social != 'na',
	    OLD.relationship = 'agree', OLD.relationship != 'na', -1);
END;

-- A family or partner survey sent, answered, changed or removed.
CREATE TRIGGER report_answers_surveys_ins AFTER INSERT ON surveys
BEGIN
	INSERT INTO report_answer_change VALUES (CASE NEW.kind
	    WHEN 'family' THEN 1 ELSE 2 END, NEW.sent_at, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 1);
	INSERT INTO report_answer_change SELECT CASE NEW.kind
	    WHEN 'family' THEN 1 ELSE 2 END, NEW.answered_at, 0, 1,
	    coalesce(NEW.q1 = 'agree', 0), NEW.q1 IS NOT NULL,
	    coalesce(NEW.q2 = 'agree', 0), NEW.q2 IS NOT NULL, 0, 0, 0, 0, 1
	 WHERE NEW.answered_at IS NOT NULL;
END;
CREATE TRIGGER report_answers_surveys_upd AFTER UPDATE OF kind, sent_at,
    answered_at, q1, q2 ON surveys
WHEN OLD.kind IS NOT NEW.kind OR OLD.sent_at IS NOT NEW.sent_at
    OR OLD.answered_at IS NOT NEW.answered_at OR OLD.q1 IS NOT NEW.q1
    OR OLD.q2 IS NOT NEW.q2
BEGIN
	INSERT INTO report_answer_change VALUES (CASE OLD.kind
	    WHEN 'family' THEN 1 ELSE 2 END, OLD.sent_at, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, -1);
	INSERT INTO report_answer_change SELECT CASE OLD.kind
	    WHEN 'family' THEN 1 ELSE 2 END, OLD.answered_at, 0, 1,
	    coalesce(OLD.q1 = 'agree', 0), OLD.q1 IS NOT NULL,
	    coalesce(OLD.q2 = 'agree', 0), OLD.q2 IS NOT NULL, 0, 0, 0, 0, -1
	 WHERE OLD.answered_at IS NOT NULL;
	INSERT INTO report_answer_change VALUES (CASE NEW.kind
	    WHEN 'family' THEN 1 ELSE 2 END, NEW.sent_at, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 1);
	INSERT INTO report_answer_change SELECT CASE NEW.kind
	    WHEN 'family' THEN 1 ELSE 2 END, NEW.answered_at, 0, 1,
	    coalesce(NEW.q1 = 'agree', 0), NEW.q1 IS NOT NULL,
	    coalesce(NEW.q2 = 'agree', 0), NEW.q2 IS NOT NULL, 0, 0, 0, 0, 1
	 WHERE NEW.answered_at IS NOT NULL;
END;
CREATE TRIGGER report_answers_surveys_del AFTER DELETE ON surveys
BEGIN
	INSERT INTO report_answer_change VALUES (CASE OLD.kind
	    WHEN 'family' THEN 1 ELSE 2 END, OLD.sent_at, 1, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, -1);
	INSERT INTO report_answer_change SELECT CASE OLD.kind
	    WHEN 'family' THEN 1 ELSE 2 END, OLD.answered_at, 0, 1,
	    coalesce(OLD.q1 = 'agree', 0), OLD.q1 IS NOT NULL,
	    coalesce(OLD.q2 = 'agree', 0), OLD.q2 IS NOT NULL, 0, 0, 0, 0, -1
	 WHERE OLD.answered_at IS NOT NULL;
END;

CREATE TRIGGER epoch_report_answer_months_ins AFTER INSERT ON report_answer_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_answer_months_upd AFTER UPDATE ON report_answer_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
CREATE TRIGGER epoch_report_answer_months_del AFTER DELETE ON report_answer_months
BEGIN UPDATE record_epoch SET n = n + 1; END;
