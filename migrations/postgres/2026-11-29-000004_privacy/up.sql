-- Patients' data rights: the privacy notice and how long personal data, the audit trail and
-- ended staff sessions are kept (one row; NULL notice_text = the built-in default notice,
-- NULL retention = keep).
CREATE TABLE privacy_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    notice_text TEXT,
    patient_retention_days INTEGER CHECK (patient_retention_days IS NULL OR patient_retention_days > 0),
    audit_retention_days INTEGER CHECK (audit_retention_days IS NULL OR audit_retention_days > 0),
    session_retention_days INTEGER NOT NULL DEFAULT 7 CHECK (session_retention_days >= 0),
    updated_at TIMESTAMP
);
INSERT INTO privacy_settings (id, audit_retention_days, session_retention_days) VALUES (1, 2190, 7);

-- When the patient's personal data was erased (their row then holds placeholders only).
ALTER TABLE patients ADD COLUMN erased_at TIMESTAMP;
