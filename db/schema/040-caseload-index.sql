-- Therapists' open caseloads read from one index (issue 21).
--
-- The therapist list (and the matching world built from it) counts each
-- therapist's open clients whose referral is matched or active.  Through
-- clients_therapist (therapist_id, ended_at) that read each open
-- client's row for its referral_id, then the referral's row for its
-- status: two random pages a client, 9,300 at 200 therapists.  With the
-- referral_id in the index the count reads only this index and the
-- referrals_status_created entries of matched and active referrals.
-- Every query that read clients_therapist reads its prefix here.
DROP INDEX IF EXISTS clients_therapist;
CREATE INDEX clients_caseload ON clients (therapist_id, ended_at,
    referral_id);
