//! The admin console's work, one function per action over a database connection, so handlers
//! only parse, call and render. Every change writes its audit row in the same transaction.

pub mod accounts;
pub mod audit_view;
pub mod conflicts;
pub mod dashboard;
pub mod export;
pub mod feed;
pub mod practitioners;
pub mod settings;
pub mod treatments;
