-- Emails whose words are true when they arrive (issue 9).
-- A short variant of a step for patients booked inside its window (empty: none).
ALTER TABLE care_plan_steps ADD COLUMN late_body TEXT NOT NULL DEFAULT '';
-- The calendar entry's SEQUENCE: raised on each move and on cancellation, so calendar apps
-- update the one event (same UID) instead of keeping the old one.
ALTER TABLE appointments ADD COLUMN ics_sequence INTEGER NOT NULL DEFAULT 0;

-- The default texts that named a fixed day, where the clinic has not changed them: the day is
-- now computed when the email is sent.
UPDATE care_plan_steps SET subject = 'Reminder: your {treatment} {day} at {time}'
    WHERE kind = 'reminder' AND subject = 'Reminder: your {treatment} tomorrow, {when}';
UPDATE care_plan_steps SET subject = 'We missed you {day}'
    WHERE kind = 'missed' AND subject = 'We missed you today';
UPDATE care_plan_steps SET body = REPLACE(body, 'Your chemical peel is in five days.', 'Your chemical peel is {day}, {when}.')
    WHERE kind = 'preparation';
UPDATE care_plan_steps SET body = REPLACE(body, 'Your laser resurfacing is in two weeks.', 'Your laser resurfacing is {day}, {when}.')
    WHERE kind = 'preparation';
