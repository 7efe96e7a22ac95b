ALTER TABLE staff_users DROP COLUMN password_expires_at;
DROP INDEX staff_sessions_by_expiry;
