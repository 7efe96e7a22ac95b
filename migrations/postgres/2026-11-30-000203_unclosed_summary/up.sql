-- The day ('YYYY-MM-DD', clinic time) the summary of sessions nobody closed last went to the
-- clinic: instances claim a day by moving it forward, so the summary goes once a day.
ALTER TABLE clinics ADD COLUMN unclosed_summary_on TEXT NOT NULL DEFAULT '';
