ALTER TABLE clinics DROP COLUMN mail_window_end;
ALTER TABLE clinics DROP COLUMN mail_window_start;
DROP INDEX patients_unsubscribe_token;
ALTER TABLE patients DROP COLUMN unsubscribe_token;
ALTER TABLE patients DROP COLUMN followups_opt_out;
DROP TABLE outbox;
DROP TABLE care_plan_steps;
