-- Link secrets are kept only as SHA-256 digests (lower-case hex) and looked up by digest, so a
-- backup or a leaked copy of the database opens no manage link, unsubscribe link or calendar feed.
-- The links already emailed keep working: their tokens are hashed here, in this migration's
-- transaction. SQLite has no hash function of its own: carepath_sha256_hex() is registered by
-- the app on the connection that runs migrations (db::run_migrations).

-- The manage token an appointment got when it was booked (shown once, in the booking's answer).
ALTER TABLE appointments RENAME COLUMN token TO token_hash;
UPDATE appointments SET token_hash = carepath_sha256_hex(token_hash);

-- A practitioner's calendar feed: the address is shown once, when it is made.
ALTER TABLE practitioners RENAME COLUMN calendar_token TO calendar_token_hash;
UPDATE practitioners SET calendar_token_hash = carepath_sha256_hex(calendar_token_hash)
WHERE calendar_token_hash IS NOT NULL;

-- The secrets of links in emails: each email gets its own (the token is only in that email), so
-- a message rendered days after the booking still carries a working link. Every link stays
-- valid as long as what it opens exists; erasing the patient deletes them.
CREATE TABLE link_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('manage', 'unsubscribe')),
    -- The appointment a manage link opens (NULL for an unsubscribe link).
    appointment_id INTEGER REFERENCES appointments(id) ON DELETE CASCADE,
    -- Whose link it is (for unsubscribe, what it opens; for both, what erasure deletes by).
    patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((purpose = 'manage') = (appointment_id IS NOT NULL))
);
CREATE INDEX link_tokens_by_appointment ON link_tokens (appointment_id);
CREATE INDEX link_tokens_by_patient ON link_tokens (patient_id);

-- Each patient's one unsubscribe token becomes a link row; the raw column goes.
INSERT INTO link_tokens (token_hash, purpose, appointment_id, patient_id, created_at)
SELECT carepath_sha256_hex(unsubscribe_token), 'unsubscribe', NULL, id, datetime('now')
FROM patients WHERE unsubscribe_token IS NOT NULL;
DROP INDEX patients_unsubscribe_token;
ALTER TABLE patients DROP COLUMN unsubscribe_token;
