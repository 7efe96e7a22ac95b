-- Shared devices and rooms. A resource has a kind and is one thing (count one); a treatment
-- needs one resource of each kind listed for it.
CREATE TABLE resources (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (length(kind) > 0),
    active BOOLEAN NOT NULL DEFAULT 1
);
CREATE INDEX resources_by_kind ON resources (kind);

CREATE TABLE treatment_resource_kinds (
    id INTEGER PRIMARY KEY NOT NULL,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    UNIQUE (treatment_id, kind)
);

-- Which resource an appointment holds, with the appointment's time copied in so the guard
-- below needs no join. `active` goes false when the appointment is cancelled.
CREATE TABLE appointment_resources (
    id INTEGER PRIMARY KEY NOT NULL,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    starts_at TIMESTAMP NOT NULL,
    blocks_until TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    CHECK (starts_at < blocks_until),
    CHECK (blocks_until <= datetime(starts_at, '+1 day')),
    UNIQUE (appointment_id, resource_id)
);
CREATE INDEX appointment_resources_by_resource_time ON appointment_resources (resource_id, starts_at);

-- One resource is never held by two overlapping appointments: SQLite runs one writer at a
-- time, so a check in a trigger cannot race. The app maps 'resource_overlap' to 409.
CREATE TRIGGER appointment_resources_no_overlap_insert
BEFORE INSERT ON appointment_resources
WHEN NEW.active AND EXISTS (
    SELECT 1 FROM appointment_resources r
    WHERE r.resource_id = NEW.resource_id
      AND r.active
      AND r.starts_at > datetime(NEW.starts_at, '-1 day')
      AND r.starts_at < NEW.blocks_until
      AND NEW.starts_at < r.blocks_until
)
BEGIN
    SELECT RAISE(ABORT, 'resource_overlap');
END;

CREATE TRIGGER appointment_resources_no_overlap_update
BEFORE UPDATE ON appointment_resources
WHEN NEW.active AND EXISTS (
    SELECT 1 FROM appointment_resources r
    WHERE r.id <> NEW.id
      AND r.resource_id = NEW.resource_id
      AND r.active
      AND r.starts_at > datetime(NEW.starts_at, '-1 day')
      AND r.starts_at < NEW.blocks_until
      AND NEW.starts_at < r.blocks_until
)
BEGIN
    SELECT RAISE(ABORT, 'resource_overlap');
END;

-- A held resource follows its appointment: moved with it, let go when it is cancelled. Done in
-- the database so no code path that changes an appointment can forget it.
CREATE TRIGGER appointment_resources_follow
AFTER UPDATE OF starts_at, blocks_until, status ON appointments
BEGIN
    UPDATE appointment_resources
    SET starts_at = NEW.starts_at,
        blocks_until = NEW.blocks_until,
        active = (NEW.status <> 'cancelled')
    WHERE appointment_id = NEW.id;
END;
