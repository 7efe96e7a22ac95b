ALTER TABLE clinics DROP COLUMN unclosed_summary_on;
