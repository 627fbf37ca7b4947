//! Health, and the routes only tests turn on.

use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    vec![
        Route::new(Method::Get, "/healthz", Access::Public, healthz),
        Route::new(Method::Get, "/metrics", Access::Account, metrics),
        Route::new(Method::Get, "/__test/panic", Access::Account, test_panic),
        Route::new(Method::Post, "/__test/disk", Access::Account, test_disk),
    ]
}

/// `GET /healthz`: 200 while the database answers.
fn healthz(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    app.store.read(crate::store::events::max_seq).map_err(|e| {
        ApiError::unavailable(format!("The database does not answer: {}", e.message))
    })?;
    Ok(Reply::ok(json!({"status": "ok"})).into())
}

/// `GET /metrics`: Prometheus text format.
fn metrics(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    Ok(Reply::bytes(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        app.metrics.render(app),
    )
    .into())
}

/// A handler that panics, so tests can see the pool survive it (SWITCHBOARD_TEST_HOOKS=1 only).
fn test_panic(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if !app.config.test_hooks {
        return Err(ApiError::not_found(&req.path));
    }
    panic!("injected panic for a test");
}

/// Caps the database file at its current size (`Full=true`) or lifts the cap, so tests can see
/// a full disk answered with 503 and the recovery (SWITCHBOARD_TEST_HOOKS=1 only).
fn test_disk(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if !app.config.test_hooks {
        return Err(ApiError::not_found(&req.path));
    }
    let full = req.form.bool("Full")?.unwrap_or(false);
    let cap = if full { Some(0) } else { None };
    let pages = app
        .store
        .write(|tx| crate::store::space::set_max_page_count(tx, cap))?;
    Ok(Reply::ok(json!({ "full": full, "page_count": pages })).into())
}
