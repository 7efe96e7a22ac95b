//! What the pages and the API both do, each as one function over a database connection: the
//! handlers stay thin and the two front doors follow exactly the same rules.

pub mod audit;
pub mod audit_trail;
pub mod availability;
pub mod booking;
pub mod calendar;
pub mod calendar_feed;
pub mod care_plans;
pub mod catalog;
pub mod catalog_snapshot;
pub mod changes;
pub mod clinic;
pub mod clinic_model;
pub mod clinic_settings;
pub mod clinical_checks;
pub mod clinical_records;
pub mod courses;
pub mod dashboard;
pub mod desk;
pub mod export;
pub mod health;
pub mod links;
pub mod messages;
pub mod planning;
pub mod populate;
pub mod practitioners;
pub mod privacy;
pub mod resources;
pub mod schedule_conflicts;
pub mod screening;
pub mod screening_admin;
pub mod staff;
pub mod staff_accounts;
pub mod treatments;
pub mod unclosed;
pub mod waitlist;
