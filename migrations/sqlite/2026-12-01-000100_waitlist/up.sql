-- The waitlist (issue 11): how many waiting patients one freed slot is offered to, and how long
-- an offer's claim link works after its email went out.
ALTER TABLE clinics ADD COLUMN waitlist_offers INTEGER NOT NULL DEFAULT 3;
ALTER TABLE clinics ADD COLUMN waitlist_claim_hours INTEGER NOT NULL DEFAULT 12;

-- A patient waiting for a treatment on any day of a date range (clinic dates, 'YYYY-MM-DD'),
-- optionally with one practitioner. No account: a name and an email. 'entry_ref' is a random key the
-- app finds a new row by (no RETURNING on every backend).
CREATE TABLE waitlist_entries (
    id INTEGER PRIMARY KEY NOT NULL,
    entry_ref TEXT NOT NULL UNIQUE,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    practitioner_id INTEGER REFERENCES practitioners(id),
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'booked', 'left')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (from_date <= to_date)
);
CREATE INDEX waitlist_entries_by_treatment ON waitlist_entries (treatment_id, status, created_at);
CREATE INDEX waitlist_entries_by_email ON waitlist_entries (email);

-- A freed slot offered to one entry. Its email is the outbox row 'outbox_key'; the claim window
-- runs from that row's sent_at. 'taken' means someone else claimed the slot first (the entry
-- keeps waiting). The same slot is never offered to one entry twice.
CREATE TABLE waitlist_offers (
    id INTEGER PRIMARY KEY NOT NULL,
    entry_id INTEGER NOT NULL REFERENCES waitlist_entries(id) ON DELETE CASCADE,
    outbox_key TEXT NOT NULL UNIQUE,
    practitioner_id INTEGER NOT NULL REFERENCES practitioners(id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'taken', 'withdrawn')),
    appointment_id INTEGER REFERENCES appointments(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (entry_id, practitioner_id, starts_at)
);
CREATE INDEX waitlist_offers_by_slot ON waitlist_offers (practitioner_id, starts_at);

-- The claim and leave links of offer emails: only SHA-256 digests (minted when the email is
-- rendered, like every other emailed link).
CREATE TABLE waitlist_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('claim', 'leave')),
    entry_id INTEGER NOT NULL REFERENCES waitlist_entries(id) ON DELETE CASCADE,
    offer_id INTEGER REFERENCES waitlist_offers(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX waitlist_links_by_entry ON waitlist_links (entry_id);
