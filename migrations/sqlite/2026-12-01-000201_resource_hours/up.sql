-- Per-resource weekly hours (issue 11: "admins manage resources and their hours"). A resource
-- with no rows here is available whenever the clinic is open; with rows, only within them.
CREATE TABLE resource_hours (
    id INTEGER PRIMARY KEY NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX resource_hours_by_resource ON resource_hours (resource_id);

-- The booking rules read these hours from the in-memory catalog: every write moves its version.
CREATE TRIGGER resource_hours_catalog_ins AFTER INSERT ON resource_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resource_hours_catalog_upd AFTER UPDATE ON resource_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resource_hours_catalog_del AFTER DELETE ON resource_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
