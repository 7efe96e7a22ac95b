//! The shared fixtures of the black-box tests, in one place so every test starts, books, logs
//! in and reads pages the same way. `use crate::helpers::*` brings the everyday ones; the email
//! tests add `helpers::mail` and the fake SMTP server `helpers::smtp_server`.

mod app;
mod booking;
mod clinical;
mod db;
mod html;
pub mod mail;
pub mod smtp_server;
mod staff;

pub use app::*;
pub use booking::*;
pub use clinical::*;
pub use db::*;
pub use html::*;
pub use staff::*;
