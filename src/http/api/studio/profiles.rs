//! Local customer profiles, the self-hosted stand-in for Flex's unified profiles that the
//! search-for-profile widget looks up by phone or email (`/v1/Profiles`).

use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::ids::{new_sid, Prefix};
use crate::store::studio::profiles::{self as db, Profile};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Profiles", a, list),
        Route::new(Post, "/v1/Profiles", a, create),
        Route::new(Get, "/v1/Profiles/{Sid}", a, fetch),
        Route::new(Post, "/v1/Profiles/{Sid}", a, update),
        Route::new(Delete, "/v1/Profiles/{Sid}", a, delete),
    ]
}

fn profile_json(app: &App, req: &Req, p: &Profile) -> Value {
    with_urls(
        json!({
            "sid": p.sid,
            "account_sid": app.account_sid,
            "friendly_name": p.friendly_name,
            "phone": p.phone,
            "email": p.email,
            "traits": p.traits,
            "date_created": iso8601(p.created_at),
            "date_updated": iso8601(p.updated_at),
        }),
        req,
        &format!("/v1/Profiles/{}", p.sid),
        &[],
    )
}

/// Applies `FriendlyName`, `Phone`, `Email`, `Traits` (a JSON object) from the form.
fn apply(req: &Req, p: &mut Profile) -> Result<(), ApiError> {
    if let Some(v) = req.form.get("FriendlyName") {
        p.friendly_name = v.to_string();
    }
    if let Some(v) = req.form.get("Phone") {
        p.phone = Some(v.trim().to_string()).filter(|s| !s.is_empty());
    }
    if let Some(v) = req.form.get("Email") {
        p.email = Some(v.trim().to_string()).filter(|s| !s.is_empty());
    }
    if let Some(t) = req.form.json_object("Traits")? {
        p.traits = t;
    }
    if p.phone.is_none() && p.email.is_none() {
        return Err(ApiError::bad_request(
            "A profile needs a Phone or an Email to be found by",
        ));
    }
    Ok(())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let now = app.now_ms();
    let mut p = Profile {
        sid: new_sid(Prefix::Profile),
        friendly_name: String::new(),
        phone: None,
        email: None,
        traits: json!({}),
        created_at: now,
        updated_at: now,
    };
    apply(req, &mut p)?;
    app.store.write(|tx| db::upsert(tx, &p))?;
    Ok(Reply::created(profile_json(app, req, &p)).into())
}

fn find(app: &App, req: &Req) -> Result<Profile, ApiError> {
    app.store
        .read(|c| db::fetch(c, req.param("Sid")))?
        .ok_or_else(|| ApiError::not_found(&req.path))
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let p = find(app, req)?;
    Ok(Reply::ok(profile_json(app, req, &p)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let mut p = find(app, req)?;
    apply(req, &mut p)?;
    p.updated_at = app.now_ms();
    app.store.write(|tx| db::upsert(tx, &p))?;
    Ok(Reply::ok(profile_json(app, req, &p)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if !app.store.write(|tx| db::delete(tx, req.param("Sid")))? {
        return Err(ApiError::not_found(&req.path));
    }
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| db::list(c, pr.window()))?;
    let page = page.map(|p| profile_json(app, req, &p));
    Ok(Reply::ok(list_reply(req, "profiles", page, pr)).into())
}
