-- Clinical safety (issue 10): screening questions and consent texts are versioned (an edit never
-- updates a row: it retires it and inserts the next version), and what a patient answered or
-- agreed points at the exact version they saw.
CREATE TABLE screening_questions (
    id INTEGER PRIMARY KEY NOT NULL,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    -- The question's identity across its versions (conditional preparation steps name it).
    question_key TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version > 0),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    effect TEXT NOT NULL CHECK (effect IN ('block', 'review', 'info')),
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    UNIQUE (treatment_id, question_key, version)
);
CREATE INDEX screening_questions_by_treatment ON screening_questions (treatment_id, retired_at);

CREATE TABLE screening_answers (
    id INTEGER PRIMARY KEY NOT NULL,
    appointment_id INTEGER NOT NULL REFERENCES appointments(id),
    question_id INTEGER NOT NULL REFERENCES screening_questions(id),
    answer BOOLEAN NOT NULL,
    answered_at TIMESTAMP NOT NULL,
    UNIQUE (appointment_id, question_id)
);

-- One row per appointment whose treatment had questions when it was booked.
CREATE TABLE appointment_screening (
    appointment_id INTEGER PRIMARY KEY NOT NULL REFERENCES appointments(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'answered')),
    -- 'review': an answer the practitioner should see; 'call': a blocking answer given after booking.
    flag TEXT CHECK (flag IN ('review', 'call')),
    flagged_at TIMESTAMP,
    reviewed_at TIMESTAMP,
    reviewed_by INTEGER REFERENCES staff_users(id),
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX appointment_screening_open_flags ON appointment_screening (flag, reviewed_at);

CREATE TABLE consent_texts (
    id INTEGER PRIMARY KEY NOT NULL,
    treatment_id INTEGER NOT NULL REFERENCES treatments(id),
    version INTEGER NOT NULL CHECK (version > 0),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (treatment_id, version)
);

CREATE TABLE consent_records (
    id INTEGER PRIMARY KEY NOT NULL,
    appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments(id),
    consent_text_id INTEGER NOT NULL REFERENCES consent_texts(id),
    agreed_at TIMESTAMP NOT NULL,
    ip TEXT,
    user_agent TEXT
);

-- Per treatment: whether it is the consultation, and whether it needs one within N months.
CREATE TABLE treatment_requirements (
    treatment_id INTEGER PRIMARY KEY NOT NULL REFERENCES treatments(id),
    is_consultation BOOLEAN NOT NULL DEFAULT FALSE,
    consultation_months INTEGER CHECK (consultation_months IS NULL OR consultation_months BETWEEN 1 AND 36)
);

-- A consultation or patch test done in person, recorded by staff.
CREATE TABLE consultations (
    id INTEGER PRIMARY KEY NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    kind TEXT NOT NULL CHECK (kind IN ('consultation', 'patch_test')),
    done_at TIMESTAMP NOT NULL,
    appointment_id INTEGER REFERENCES appointments(id),
    -- The treatment a consultation cleared the patient for: its follow-up email links to booking it.
    cleared_treatment_id INTEGER REFERENCES treatments(id),
    recorded_by INTEGER REFERENCES staff_users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consultations_by_patient ON consultations (patient_id, done_at);

-- A care plan step planned only for patients who answered "yes" to the question with this key.
CREATE TABLE care_plan_step_conditions (
    step_id INTEGER PRIMARY KEY NOT NULL REFERENCES care_plan_steps(id),
    question_key TEXT NOT NULL
);
