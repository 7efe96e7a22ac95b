-- What a booking reads of its treatment's setup (care-plan steps and their conditions, screening
-- questions, consent texts, requirements, course plans; devices, rooms and needs already are) is kept in the
-- in-memory catalog too (issue 13): every write to those tables moves catalog_version on.
CREATE TRIGGER care_plan_steps_catalog_ins AFTER INSERT ON care_plan_steps BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER care_plan_steps_catalog_upd AFTER UPDATE ON care_plan_steps BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER care_plan_steps_catalog_del AFTER DELETE ON care_plan_steps BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER care_plan_step_conditions_catalog_ins AFTER INSERT ON care_plan_step_conditions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER care_plan_step_conditions_catalog_upd AFTER UPDATE ON care_plan_step_conditions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER care_plan_step_conditions_catalog_del AFTER DELETE ON care_plan_step_conditions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER screening_questions_catalog_ins AFTER INSERT ON screening_questions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER screening_questions_catalog_upd AFTER UPDATE ON screening_questions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER screening_questions_catalog_del AFTER DELETE ON screening_questions BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER consent_texts_catalog_ins AFTER INSERT ON consent_texts BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER consent_texts_catalog_upd AFTER UPDATE ON consent_texts BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER consent_texts_catalog_del AFTER DELETE ON consent_texts BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_requirements_catalog_ins AFTER INSERT ON treatment_requirements BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_requirements_catalog_upd AFTER UPDATE ON treatment_requirements BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER treatment_requirements_catalog_del AFTER DELETE ON treatment_requirements BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_plans_catalog_ins AFTER INSERT ON course_plans BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_plans_catalog_upd AFTER UPDATE ON course_plans BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER course_plans_catalog_del AFTER DELETE ON course_plans BEGIN UPDATE catalog_version SET version = version + 1 WHERE id = 1; END;
