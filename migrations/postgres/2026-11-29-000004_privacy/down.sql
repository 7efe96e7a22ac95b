ALTER TABLE patients DROP COLUMN erased_at;
DROP TABLE privacy_settings;
