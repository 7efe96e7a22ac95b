-- A patient has at most one open course of a treatment. Without this, two first sessions booked
-- at the same moment (PostgreSQL, different practitioners) could each start a course and both
-- be accepted, skipping the interval. A full course is ended when the next one starts; older
-- databases may hold several open ones, so all but the newest are ended first.
UPDATE courses SET status = 'ended', ended_at = created_at
WHERE status = 'open'
  AND id < (SELECT max(c2.id) FROM courses c2
            WHERE c2.patient_id = courses.patient_id
              AND c2.treatment_id = courses.treatment_id
              AND c2.status = 'open');
CREATE UNIQUE INDEX courses_one_open ON courses (patient_id, treatment_id) WHERE status = 'open';
