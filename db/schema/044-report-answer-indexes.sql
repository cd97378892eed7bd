-- Issue 21: answers counted over a period read from their indexes
-- alone.
--
-- The impact report counts the family and partner survey answers given
-- in a period (db/partner.c), which read every survey ever: 75,366
-- rows at ten times the service over six years, about 8 ms of each
-- period's figures (the page reads two).  Through surveys_answered
-- (kind, answered_at) it would read each answered row for its answers
-- instead, a random page each, which cost more than the scan.
--
-- The outcome survey's answers of a period (/reports and the impact
-- report) were read the same way through outcomes_answered, a row for
-- each index entry: about 7 ms for a year at that size.
--
-- With the answers in the indexes each count reads only the period's
-- entries of one index.
DROP INDEX IF EXISTS surveys_answered;
CREATE INDEX surveys_answered ON surveys (kind, answered_at, q1, q2);
DROP INDEX IF EXISTS outcomes_answered;
CREATE INDEX outcomes_answered ON outcomes (answered_at, positive,
    quality_of_life, social, relationship);
