-- Expired sessions are purged on the scheduler's tick: find them by expiry.
CREATE INDEX staff_sessions_by_expiry ON staff_sessions (expires_at);
-- Session keys are now stored as their SHA-256: rows holding a raw key can never be found
-- again, so they go (everyone logs in once more).
DELETE FROM staff_sessions;
-- A printed one-time password (the first admin's) stops working after this instant.
ALTER TABLE staff_users ADD COLUMN password_expires_at TIMESTAMP;
