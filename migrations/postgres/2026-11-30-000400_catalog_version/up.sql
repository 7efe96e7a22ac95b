-- One row that every write to what the booking rules read (clinic, its hours, treatments,
-- practitioners and their weekly hours) moves on in the same transaction, so every instance can
-- keep that catalog in memory and see, with one primary-key read, when any instance changed it.
-- `stamp` tells databases apart (tests run many in one process; the cache is keyed by it).
CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (id, stamp, version)
    VALUES (1, md5(random()::text || clock_timestamp()::text || current_database()), 1);

CREATE FUNCTION catalog_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER clinics_catalog AFTER INSERT OR UPDATE OR DELETE ON clinics
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER clinic_hours_catalog AFTER INSERT OR UPDATE OR DELETE ON clinic_hours
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER treatments_catalog AFTER INSERT OR UPDATE OR DELETE ON treatments
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER practitioner_hours_catalog AFTER INSERT OR UPDATE OR DELETE ON practitioner_hours
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER practitioners_catalog_ins_del AFTER INSERT OR DELETE ON practitioners
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
-- A booking bumps `booking_seq` (its per-practitioner lock): that is not a catalog change, and
-- bumping here would make every booking contend on the version row.
CREATE TRIGGER practitioners_catalog_upd AFTER UPDATE ON practitioners
    FOR EACH ROW WHEN (NEW.booking_seq IS NOT DISTINCT FROM OLD.booking_seq)
    EXECUTE FUNCTION catalog_version_bump();
