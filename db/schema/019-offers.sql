-- 019: place offers (issue 18), on 013's places and offers.
-- confirmed_at: when the coordinator confirmed the ranked list (or
-- auto_offers did); only then do offers go out, and an expired or
-- declined one is handed on to the next person.
ALTER TABLE places ADD COLUMN confirmed_at TEXT;
CREATE INDEX places_from_series ON places (from_series_id);
CREATE INDEX places_open ON places (status) WHERE status = 'open';
CREATE INDEX offers_due ON offers (expires_at) WHERE status = 'sent';
