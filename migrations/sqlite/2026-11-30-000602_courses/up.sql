-- A treatment's recommended course: how many sessions, and how far apart (in days).
CREATE TABLE course_plans (
    id INTEGER PRIMARY KEY NOT NULL,
    treatment_id INTEGER NOT NULL UNIQUE REFERENCES treatments(id) ON DELETE CASCADE,
    sessions INTEGER NOT NULL CHECK (sessions BETWEEN 1 AND 50),
    min_interval_days INTEGER NOT NULL CHECK (min_interval_days >= 0),
    max_interval_days INTEGER NOT NULL,
    CHECK (max_interval_days >= min_interval_days)
);

-- One patient's course of one treatment. 'ended' courses take no more sessions: the next
-- booking of that treatment starts a new course (how staff split one).
CREATE TABLE courses (
    id INTEGER PRIMARY KEY NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    sessions_planned INTEGER NOT NULL CHECK (sessions_planned BETWEEN 1 AND 50),
    status TEXT NOT NULL CHECK (status IN ('open', 'ended')),
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX courses_by_patient ON courses (patient_id, treatment_id);

CREATE TABLE course_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments(id) ON DELETE CASCADE
);
CREATE INDEX course_sessions_by_course ON course_sessions (course_id);
