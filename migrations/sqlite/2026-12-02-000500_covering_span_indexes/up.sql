-- Availability and the booking page read each practitioner's and each resource's spans over a
-- range: (start, held until, status/active, id). With the old two-column indexes every index row
-- cost a seek into the table for the other columns; these carry them, so the reads stay in the
-- index (`USING COVERING INDEX`). They replace the old ones (same leading columns, so every query
-- and overlap trigger that used those uses these): no extra index to keep up on a booking.
-- The id is the rowid, in every SQLite index already. Not partial (`WHERE status <> 'cancelled'`):
-- the queries bind the status, and SQLite only uses a partial index for a literal match.
DROP INDEX appointments_by_practitioner_time;
CREATE INDEX appointments_by_practitioner_span
    ON appointments (practitioner_id, starts_at, blocks_until, status);
DROP INDEX appointment_resources_by_resource_time;
CREATE INDEX appointment_resources_by_resource_span
    ON appointment_resources (resource_id, starts_at, blocks_until, active, appointment_id);
