//! The agent desktop's routes under `/agent/api/`: sign-in with the password the admin set for a
//! worker, then only that worker's own reservations, tasks and conversations.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::router::Route;
use crate::ids::{is_sid, Prefix};

pub fn routes() -> Vec<Route> {
    Vec::new()
}

/// 404 unless `sid` names a worker.
pub fn worker_exists(_app: &App, sid: &str) -> Result<(), ApiError> {
    if !is_sid(Prefix::Worker, sid) {
        return Err(ApiError::not_found(&format!("/Workers/{sid}")));
    }
    Ok(())
}
