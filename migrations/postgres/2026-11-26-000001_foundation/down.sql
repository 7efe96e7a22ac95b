DROP TABLE appointments;
DROP TABLE patients;
DROP TABLE time_off;
DROP TABLE practitioner_hours;
DROP TABLE practitioners;
DROP TABLE treatments;
DROP TABLE clinic_hours;
DROP TABLE clinics;
DROP EXTENSION IF EXISTS btree_gist;
