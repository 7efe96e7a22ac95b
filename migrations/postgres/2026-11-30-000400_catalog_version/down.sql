DROP TRIGGER clinics_catalog ON clinics;
DROP TRIGGER clinic_hours_catalog ON clinic_hours;
DROP TRIGGER treatments_catalog ON treatments;
DROP TRIGGER practitioner_hours_catalog ON practitioner_hours;
DROP TRIGGER practitioners_catalog_ins_del ON practitioners;
DROP TRIGGER practitioners_catalog_upd ON practitioners;
DROP FUNCTION catalog_version_bump();
DROP TABLE catalog_version;
