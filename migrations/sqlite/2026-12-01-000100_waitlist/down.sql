DROP TABLE waitlist_links;
DROP TABLE waitlist_offers;
DROP TABLE waitlist_entries;
ALTER TABLE clinics DROP COLUMN waitlist_claim_hours;
ALTER TABLE clinics DROP COLUMN waitlist_offers;
