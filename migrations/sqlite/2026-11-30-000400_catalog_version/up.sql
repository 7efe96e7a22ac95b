-- One row that every write to what the booking rules read (clinic, its hours, treatments,
-- practitioners and their weekly hours) moves on in the same transaction, so every instance can
-- keep that catalog in memory and see, with one primary-key read, when any instance changed it.
-- `stamp` tells databases apart (tests run many in one process; the cache is keyed by it).
CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO catalog_version (id, stamp, version) VALUES (1, lower(hex(randomblob(16))), 1);

CREATE TRIGGER clinics_catalog_ins AFTER INSERT ON clinics BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinics_catalog_upd AFTER UPDATE ON clinics BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinics_catalog_del AFTER DELETE ON clinics BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_catalog_ins AFTER INSERT ON clinic_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_catalog_upd AFTER UPDATE ON clinic_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clinic_hours_catalog_del AFTER DELETE ON clinic_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatments_catalog_ins AFTER INSERT ON treatments BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatments_catalog_upd AFTER UPDATE ON treatments BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatments_catalog_del AFTER DELETE ON treatments BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER practitioners_catalog_ins AFTER INSERT ON practitioners BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
-- A booking bumps `booking_seq` (its per-practitioner lock): that is not a catalog change.
CREATE TRIGGER practitioners_catalog_upd AFTER UPDATE ON practitioners
    WHEN NEW.booking_seq IS OLD.booking_seq
    BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER practitioners_catalog_del AFTER DELETE ON practitioners BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER practitioner_hours_catalog_ins AFTER INSERT ON practitioner_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER practitioner_hours_catalog_upd AFTER UPDATE ON practitioner_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER practitioner_hours_catalog_del AFTER DELETE ON practitioner_hours BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
