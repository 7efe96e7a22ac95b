CREATE TABLE staff_users (
    id SERIAL PRIMARY KEY,
    -- Stored lower-cased: logins match whatever case is typed.
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'front_desk', 'practitioner')),
    practitioner_id INTEGER REFERENCES practitioners(id),
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Server-side session state behind the encrypted session cookie; deleting a row logs that session out.
CREATE TABLE staff_sessions (
    session_key TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    staff_id INTEGER,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

-- Secrets every instance must share (the session cookie key), generated on first start.
CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE audit_log (
    id SERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('staff', 'patient', 'system')),
    actor_id INTEGER,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id INTEGER,
    before_json TEXT,
    after_json TEXT,
    note TEXT
);
CREATE INDEX audit_log_by_subject ON audit_log (subject_kind, subject_id);
CREATE INDEX audit_log_by_time ON audit_log (at);

ALTER TABLE appointments ADD COLUMN checked_in_at TIMESTAMP;
-- The actual end of the session, recorded by staff; aftercare is anchored on it.
ALTER TABLE appointments ADD COLUMN completed_at TIMESTAMP;
ALTER TABLE appointments ADD COLUMN booked_by TEXT NOT NULL DEFAULT 'patient';

CREATE TABLE appointment_notes (
    id SERIAL PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id),
    staff_id INTEGER NOT NULL REFERENCES staff_users(id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX appointment_notes_by_appointment ON appointment_notes (appointment_id);

-- The secret in a practitioner's iCal feed URL; NULL when no feed is published (or it was revoked).
ALTER TABLE practitioners ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX practitioners_calendar_token ON practitioners (calendar_token);
CREATE INDEX appointments_by_start ON appointments (starts_at);
