-- Availability and the booking page read each practitioner's and each resource's spans over a
-- range: (start, held until, status/active, id). These indexes carry those columns (INCLUDE), so
-- the reads can be index-only scans instead of a heap fetch per row. They replace the old
-- two-column indexes (same key columns, so every query that used those uses these): no extra
-- index to keep up on a booking.
DROP INDEX appointments_by_practitioner_time;
CREATE INDEX appointments_by_practitioner_span
    ON appointments (practitioner_id, starts_at) INCLUDE (blocks_until, status, id);
DROP INDEX appointment_resources_by_resource_time;
CREATE INDEX appointment_resources_by_resource_span
    ON appointment_resources (resource_id, starts_at) INCLUDE (blocks_until, active, appointment_id);
