DROP TABLE care_plan_step_conditions;
DROP TABLE consultations;
DROP TABLE treatment_requirements;
DROP TABLE consent_records;
DROP TABLE consent_texts;
DROP TABLE appointment_screening;
DROP TABLE screening_answers;
DROP TABLE screening_questions;
