-- Each treatment's care plan: the emails of its preparation, session and recovery timeline.
CREATE TABLE care_plan_steps (
    id SERIAL PRIMARY KEY,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'preparation', 'reminder', 'aftercare', 'check_in', 'follow_up', 'missed', 'cancellation')),
    -- What the offset counts from: when booked, the appointment's start, its actual completion,
    -- the no-show, or the cancellation.
    anchor TEXT NOT NULL CHECK (anchor IN ('booked', 'start', 'completed', 'no_show', 'cancelled')),
    offset_minutes INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX care_plan_steps_by_treatment ON care_plan_steps (treatment_id, position);

-- The durable queue of emails. A row is planned in the same transaction as the event that
-- causes it; dispatchers claim due rows with a lease and mark them sent, retried or dead.
CREATE TABLE outbox (
    id SERIAL PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id),
    step_id INTEGER REFERENCES care_plan_steps(id),
    kind TEXT NOT NULL,
    -- One row per (appointment, step): planning twice is a no-op.
    dedupe_key TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'failed', 'sent', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    lease_until TIMESTAMP,
    leased_by TEXT,
    sent_at TIMESTAMP,
    smtp_reply TEXT,
    message_id TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_by_appointment ON outbox (appointment_id);

ALTER TABLE patients ADD COLUMN followups_opt_out BOOLEAN NOT NULL DEFAULT FALSE;
-- The secret in the one-click unsubscribe link of follow-up and check-in emails.
ALTER TABLE patients ADD COLUMN unsubscribe_token TEXT;
CREATE UNIQUE INDEX patients_unsubscribe_token ON patients (unsubscribe_token);

-- The daily window (clinic-local minutes) in which non-urgent email may go out.
ALTER TABLE clinics ADD COLUMN mail_window_start INTEGER NOT NULL DEFAULT 480;
ALTER TABLE clinics ADD COLUMN mail_window_end INTEGER NOT NULL DEFAULT 1200;
