//! Carepath: clinic booking and aftercare. The binary is thin; everything lives here so the
//! black-box tests in tests/ can start the real app.

pub mod config;
pub mod db;
pub mod dispatch;
pub mod domain;
pub mod error;
pub mod mail;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod web;
