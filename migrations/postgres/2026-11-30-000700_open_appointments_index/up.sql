-- Sessions nobody closed (still booked or checked in after their day) are listed on every
-- dashboard load and in the daily summary. With only the start index that query reads all of
-- history before today; by status first it reads just the open rows, which are few in the past.
CREATE INDEX appointments_open_by_start ON appointments (status, starts_at);
