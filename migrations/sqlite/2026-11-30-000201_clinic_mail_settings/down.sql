ALTER TABLE clinics DROP COLUMN currency;
ALTER TABLE clinics DROP COLUMN out_of_hours;
ALTER TABLE clinics DROP COLUMN reply_to;
