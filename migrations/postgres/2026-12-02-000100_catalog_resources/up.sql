-- Devices and rooms, and which kinds each treatment needs, join the in-memory catalog (the
-- availability API read them on every request): every write to them moves its version too.
CREATE TRIGGER resources_catalog AFTER INSERT OR UPDATE OR DELETE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER treatment_resource_kinds_catalog AFTER INSERT OR UPDATE OR DELETE ON treatment_resource_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
