-- Instants are TEXT 'YYYY-MM-DD HH:MM:SS' holding UTC; the app writes whole seconds so text
-- comparison orders them correctly (the overlap guard below relies on it).
CREATE TABLE clinics (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    timezone TEXT NOT NULL,
    -- Booking rules, editable by admins; a fresh database takes them from the CAREPATH_* settings.
    slot_minutes INTEGER NOT NULL DEFAULT 15 CHECK (slot_minutes > 0),
    lead_time_minutes INTEGER NOT NULL DEFAULT 60 CHECK (lead_time_minutes >= 0),
    horizon_days INTEGER NOT NULL DEFAULT 90 CHECK (horizon_days > 0),
    cancel_cutoff_hours INTEGER NOT NULL DEFAULT 24 CHECK (cancel_cutoff_hours >= 0),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE clinic_hours (
    id INTEGER PRIMARY KEY NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    open_minute INTEGER NOT NULL CHECK (open_minute BETWEEN 0 AND 1440),
    close_minute INTEGER NOT NULL CHECK (close_minute BETWEEN 0 AND 1440),
    CHECK (open_minute < close_minute)
);

CREATE TABLE treatments (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    during_session TEXT NOT NULL,
    recovery TEXT NOT NULL,
    sessions_note TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    buffer_minutes INTEGER NOT NULL CHECK (buffer_minutes >= 0),
    price_min_cents INTEGER NOT NULL CHECK (price_min_cents >= 0),
    price_max_cents INTEGER NOT NULL,
    qualifications TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    position INTEGER NOT NULL DEFAULT 0,
    CHECK (price_max_cents >= price_min_cents),
    -- A session and its buffer fit in half a day (appointments never hold a practitioner a day).
    CHECK (duration_minutes + buffer_minutes <= 720)
);

CREATE TABLE practitioners (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    qualifications TEXT NOT NULL,
    bio TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    -- Bumped by every booking for this practitioner: the write that opens the booking
    -- transaction, so concurrent bookings queue instead of failing with SQLITE_BUSY.
    booking_seq INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE practitioner_hours (
    id INTEGER PRIMARY KEY NOT NULL,
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX practitioner_hours_by_practitioner ON practitioner_hours (practitioner_id);

CREATE TABLE time_off (
    id INTEGER PRIMARY KEY NOT NULL,
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    CHECK (starts_at < ends_at)
);
CREATE INDEX time_off_by_practitioner ON time_off (practitioner_id, starts_at);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    phone TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY NOT NULL,
    token TEXT NOT NULL UNIQUE,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    -- The end plus the treatment's buffer: the practitioner is held until then.
    blocks_until TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'completed', 'cancelled', 'no_show')),
    patient_note TEXT,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at AND ends_at <= blocks_until),
    -- No appointment holds a practitioner for a day or more; queries and the overlap guard rely
    -- on it to look only a day back (so they stay fast however much history accumulates).
    CHECK (blocks_until <= datetime(starts_at, '+1 day'))
);
CREATE INDEX appointments_by_practitioner_time ON appointments (practitioner_id, starts_at);
CREATE INDEX appointments_by_patient ON appointments (patient_id);

-- No double booking, enforced by the database: SQLite runs one writer at a time, so a check in
-- a trigger cannot race. The app maps 'appointment_overlap' to 409.
CREATE TRIGGER appointments_no_overlap_insert
BEFORE INSERT ON appointments
WHEN NEW.status <> 'cancelled' AND EXISTS (
    SELECT 1 FROM appointments a
    WHERE a.practitioner_id = NEW.practitioner_id
      AND a.status <> 'cancelled'
      AND a.starts_at > datetime(NEW.starts_at, '-1 day')
      AND a.starts_at < NEW.blocks_until
      AND NEW.starts_at < a.blocks_until
)
BEGIN
    SELECT RAISE(ABORT, 'appointment_overlap');
END;

CREATE TRIGGER appointments_no_overlap_update
BEFORE UPDATE OF practitioner_id, starts_at, blocks_until, status ON appointments
WHEN NEW.status <> 'cancelled' AND EXISTS (
    SELECT 1 FROM appointments a
    WHERE a.id <> NEW.id
      AND a.practitioner_id = NEW.practitioner_id
      AND a.status <> 'cancelled'
      AND a.starts_at > datetime(NEW.starts_at, '-1 day')
      AND a.starts_at < NEW.blocks_until
      AND NEW.starts_at < a.blocks_until
)
BEGIN
    SELECT RAISE(ABORT, 'appointment_overlap');
END;
