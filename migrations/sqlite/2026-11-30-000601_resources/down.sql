DROP TRIGGER IF EXISTS appointment_resources_follow;
DROP TABLE appointment_resources;
DROP TABLE treatment_resource_kinds;
DROP TABLE resources;
