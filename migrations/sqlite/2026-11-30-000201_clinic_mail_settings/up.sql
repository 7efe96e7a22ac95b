-- Where patients' replies go (empty: the clinic's email), what to do out of hours, and the
-- currency prices are in (ISO 4217). Prices so far were shown in US dollars, so an existing
-- clinic keeps USD until staff change it; a new demo clinic is seeded with its place's currency.
ALTER TABLE clinics ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN out_of_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
