-- Shared devices and rooms. A resource has a kind and is one thing (count one); a treatment
-- needs one resource of each kind listed for it.
CREATE TABLE resources (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (length(kind) > 0),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX resources_by_kind ON resources (kind);

CREATE TABLE treatment_resource_kinds (
    id SERIAL PRIMARY KEY,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    UNIQUE (treatment_id, kind)
);

-- Which resource an appointment holds, with the appointment's time copied in so the
-- exclusion constraint can see it. `active` goes false when the appointment is cancelled.
CREATE TABLE appointment_resources (
    id SERIAL PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources(id),
    starts_at TIMESTAMP NOT NULL,
    blocks_until TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (starts_at < blocks_until),
    CHECK (blocks_until <= starts_at + INTERVAL '1 day'),
    UNIQUE (appointment_id, resource_id),
    -- One resource is never held by two overlapping appointments, however many instances race.
    CONSTRAINT appointment_resources_no_overlap EXCLUDE USING gist (
        resource_id WITH =,
        tsrange(starts_at, blocks_until) WITH &&
    ) WHERE (active)
);
CREATE INDEX appointment_resources_by_resource_time ON appointment_resources (resource_id, starts_at);

-- A held resource follows its appointment: moved with it, let go when it is cancelled.
CREATE FUNCTION appointment_resources_follow() RETURNS trigger AS $$
BEGIN
    UPDATE appointment_resources
    SET starts_at = NEW.starts_at,
        blocks_until = NEW.blocks_until,
        active = (NEW.status <> 'cancelled')
    WHERE appointment_id = NEW.id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER appointment_resources_follow
AFTER UPDATE OF starts_at, blocks_until, status ON appointments
FOR EACH ROW EXECUTE FUNCTION appointment_resources_follow();
