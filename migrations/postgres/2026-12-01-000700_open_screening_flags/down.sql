DROP INDEX appointment_screening_open_flags;
CREATE INDEX appointment_screening_open_flags ON appointment_screening (flag, reviewed_at);
