-- The dashboard lists screening answers flagged for a call and not yet reviewed on every load.
-- appointment_screening gains a row per booking, and the (flag, reviewed_at) index of
-- 2026-11-30-000300 did not serve `flag IS NOT NULL AND reviewed_at IS NULL ORDER BY flagged_at`
-- (SQLite scanned the table). A partial index holds only the open flags, in the listing's order.
DROP INDEX appointment_screening_open_flags;
CREATE INDEX appointment_screening_open_flags ON appointment_screening (flagged_at)
    WHERE flag IS NOT NULL AND reviewed_at IS NULL;
