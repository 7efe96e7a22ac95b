-- What the booker typed stays with the appointment (its contact), so an anonymous booking never
-- rewrites the patient record; staff merge it into the record or keep it apart.
ALTER TABLE appointments ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN contact_phone TEXT;
ALTER TABLE appointments ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN contact_kept_apart BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE appointments SET contact_name = p.name, contact_phone = p.phone, contact_email = p.email
    FROM patients p WHERE p.id = appointments.patient_id;
-- How many active future bookings one patient email may hold.
ALTER TABLE clinics ADD COLUMN max_active_bookings INTEGER NOT NULL DEFAULT 4;
