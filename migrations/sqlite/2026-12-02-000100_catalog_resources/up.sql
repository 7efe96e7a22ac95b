-- Devices and rooms, and which kinds each treatment needs, join the in-memory catalog (the
-- availability API read them on every request): every write to them moves its version too.
CREATE TRIGGER resources_catalog_ins AFTER INSERT ON resources BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resources_catalog_upd AFTER UPDATE ON resources BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resources_catalog_del AFTER DELETE ON resources BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_resource_kinds_catalog_ins AFTER INSERT ON treatment_resource_kinds BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_resource_kinds_catalog_upd AFTER UPDATE ON treatment_resource_kinds BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_resource_kinds_catalog_del AFTER DELETE ON treatment_resource_kinds BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
