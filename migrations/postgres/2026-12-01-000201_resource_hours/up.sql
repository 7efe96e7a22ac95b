-- Per-resource weekly hours (issue 11: "admins manage resources and their hours"). A resource
-- with no rows here is available whenever the clinic is open; with rows, only within them.
CREATE TABLE resource_hours (
    id SERIAL PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX resource_hours_by_resource ON resource_hours (resource_id);

-- The booking rules read these hours from the in-memory catalog: every write moves its version.
CREATE TRIGGER resource_hours_catalog AFTER INSERT OR UPDATE OR DELETE ON resource_hours
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
