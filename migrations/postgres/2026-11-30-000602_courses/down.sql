DROP TABLE course_sessions;
DROP TABLE courses;
DROP TABLE course_plans;
