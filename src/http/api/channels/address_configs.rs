//! Conversations v1 `Configuration/Addresses`:
//! https://www.twilio.com/docs/conversations/api/address-configuration-resource

use super::dotted;
use crate::channels::address_configs::{self, Fields};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::address_configs::AddressConfig;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    const ONE: &str = "/v1/Configuration/Addresses/{AddressSid}";
    vec![
        Route::new(Get, "/v1/Configuration/Addresses", Access::Account, list),
        Route::new(Post, "/v1/Configuration/Addresses", Access::Account, create),
        Route::new(Get, ONE, Access::Account, fetch),
        Route::new(Post, ONE, Access::Account, update),
        Route::new(Delete, ONE, Access::Account, delete),
    ]
}

fn address_json(app: &App, req: &Req, a: &AddressConfig) -> Value {
    with_urls(
        json!({
            "sid": a.sid,
            "account_sid": app.account_sid,
            "type": a.kind,
            "address": a.address,
            "friendly_name": a.friendly_name,
            "auto_creation": a.auto_creation,
            "date_created": iso8601(a.created_at),
            "date_updated": iso8601(a.updated_at),
            "address_country": a.address_country,
        }),
        req,
        &format!("/v1/Configuration/Addresses/{}", a.sid),
        &[],
    )
}

fn fields(req: &Req) -> Result<Fields, ApiError> {
    let auto_creation = dotted(
        req,
        "AutoCreation",
        &["StudioRetryCount"],
        &["Enabled"],
        &["WebhookFilters"],
    )?;
    Ok(Fields {
        kind: req.form.get("Type").map(str::to_string),
        address: req.form.get("Address").map(str::to_string),
        friendly_name: req.form.get("FriendlyName").map(str::to_string),
        auto_creation,
        address_country: req.form.get("AddressCountry").map(str::to_string),
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    req.form.require("Type")?;
    req.form.require("Address")?;
    let a = address_configs::create(app, fields(req)?)?;
    Ok(Reply::created(address_json(app, req, &a)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let a = app
        .store
        .read(|c| address_configs::fetch(c, req.param("AddressSid")))?;
    Ok(Reply::ok(address_json(app, req, &a)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let mut f = fields(req)?;
    f.kind = None;
    f.address = None;
    let a = address_configs::update(app, req.param("AddressSid"), f)?;
    Ok(Reply::ok(address_json(app, req, &a)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    address_configs::delete(app, req.param("AddressSid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let kind = req.query.get("Type").filter(|t| !t.is_empty());
    if let Some(t) = kind {
        if !address_configs::TYPES.contains(&t) {
            return Err(ApiError::bad_param(
                "Type",
                format!("must be one of {}", address_configs::TYPES.join(", ")),
            ));
        }
    }
    let page = app
        .store
        .read(|c| crate::store::channels::address_configs::list(c, kind, pr.window()))?;
    let page = page.map(|a| address_json(app, req, &a));
    Ok(Reply::ok(list_reply(req, "address_configurations", page, pr)).into())
}
