DROP INDEX appointment_resources_by_resource_span;
CREATE INDEX appointment_resources_by_resource_time ON appointment_resources (resource_id, starts_at);
DROP INDEX appointments_by_practitioner_span;
CREATE INDEX appointments_by_practitioner_time ON appointments (practitioner_id, starts_at);
