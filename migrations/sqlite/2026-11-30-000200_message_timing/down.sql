ALTER TABLE appointments DROP COLUMN ics_sequence;
ALTER TABLE care_plan_steps DROP COLUMN late_body;
