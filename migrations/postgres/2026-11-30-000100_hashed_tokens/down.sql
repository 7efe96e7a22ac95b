-- The schema as it was. The tokens themselves can't come back from their digests: links emailed
-- before this rollback stop working.
ALTER TABLE patients ADD COLUMN unsubscribe_token TEXT;
CREATE UNIQUE INDEX patients_unsubscribe_token ON patients (unsubscribe_token);
DROP TABLE link_tokens;
ALTER TABLE practitioners RENAME COLUMN calendar_token_hash TO calendar_token;
ALTER TABLE appointments RENAME COLUMN token_hash TO token;
