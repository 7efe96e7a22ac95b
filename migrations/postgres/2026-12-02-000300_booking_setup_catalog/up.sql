-- What a booking reads of its treatment's setup (care-plan steps and their conditions, screening
-- questions, consent texts, requirements, course plans; devices, rooms and needs already are) is kept in the
-- in-memory catalog too (issue 13): every write to those tables moves catalog_version on.
CREATE TRIGGER care_plan_steps_catalog AFTER INSERT OR UPDATE OR DELETE ON care_plan_steps
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER care_plan_step_conditions_catalog AFTER INSERT OR UPDATE OR DELETE ON care_plan_step_conditions
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER screening_questions_catalog AFTER INSERT OR UPDATE OR DELETE ON screening_questions
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER consent_texts_catalog AFTER INSERT OR UPDATE OR DELETE ON consent_texts
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER treatment_requirements_catalog AFTER INSERT OR UPDATE OR DELETE ON treatment_requirements
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
CREATE TRIGGER course_plans_catalog AFTER INSERT OR UPDATE OR DELETE ON course_plans
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();
