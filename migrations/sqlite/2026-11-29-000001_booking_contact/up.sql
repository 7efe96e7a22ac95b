-- What the booker typed stays with the appointment (its contact), so an anonymous booking never
-- rewrites the patient record; staff merge it into the record or keep it apart.
ALTER TABLE appointments ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN contact_phone TEXT;
ALTER TABLE appointments ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN contact_kept_apart BOOLEAN NOT NULL DEFAULT 0;
UPDATE appointments SET
    contact_name = (SELECT name FROM patients WHERE patients.id = appointments.patient_id),
    contact_phone = (SELECT phone FROM patients WHERE patients.id = appointments.patient_id),
    contact_email = (SELECT email FROM patients WHERE patients.id = appointments.patient_id);
-- How many active future bookings one patient email may hold.
ALTER TABLE clinics ADD COLUMN max_active_bookings INTEGER NOT NULL DEFAULT 4;
