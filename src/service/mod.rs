//! What the pages and the API both do, each as one function over a database connection: the
//! handlers stay thin and the two front doors follow exactly the same rules.

pub mod admin;
pub mod audit;
pub mod availability;
pub mod booking;
pub mod calendar;
pub mod care_plans;
pub mod clinic;
pub mod desk;
pub mod messages;
pub mod planning;
pub mod staff;
