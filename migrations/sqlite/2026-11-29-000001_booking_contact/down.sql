ALTER TABLE clinics DROP COLUMN max_active_bookings;
ALTER TABLE appointments DROP COLUMN contact_kept_apart;
ALTER TABLE appointments DROP COLUMN contact_email;
ALTER TABLE appointments DROP COLUMN contact_phone;
ALTER TABLE appointments DROP COLUMN contact_name;
