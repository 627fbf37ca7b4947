//! Conversations v1 `Roles` (https://www.twilio.com/docs/conversations/api/role-resource) and push
//! `Credentials` (https://www.twilio.com/docs/conversations/api/credential-resource).

use super::{both, scope, Scope};
use crate::channels::roles::{self, CredentialFields};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::roles::{Credential, Role};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let mut r = Vec::new();
    r.extend(both!(Get, "/Roles", list));
    r.extend(both!(Post, "/Roles", create));
    r.extend(both!(Get, "/Roles/{RoleSid}", fetch));
    r.extend(both!(Post, "/Roles/{RoleSid}", update));
    r.extend(both!(Delete, "/Roles/{RoleSid}", delete));
    r.extend([
        Route::new(Get, "/v1/Credentials", Access::Account, list_credentials),
        Route::new(Post, "/v1/Credentials", Access::Account, create_credential),
        Route::new(
            Get,
            "/v1/Credentials/{CredentialSid}",
            Access::Account,
            fetch_credential,
        ),
        Route::new(
            Post,
            "/v1/Credentials/{CredentialSid}",
            Access::Account,
            update_credential,
        ),
        Route::new(
            Delete,
            "/v1/Credentials/{CredentialSid}",
            Access::Account,
            delete_credential,
        ),
    ]);
    r
}

fn role_json(app: &App, req: &Req, scope: &Scope, r: &Role) -> Value {
    with_urls(
        json!({
            "sid": r.sid,
            "account_sid": app.account_sid,
            "chat_service_sid": r.chat_service_sid,
            "friendly_name": r.friendly_name,
            "type": r.kind,
            "permissions": r.permissions,
            "date_created": iso8601(r.created_at),
            "date_updated": iso8601(r.updated_at),
        }),
        req,
        &format!("{}/Roles/{}", scope.prefix, r.sid),
        &[],
    )
}

fn permissions(req: &Req) -> Result<Vec<String>, ApiError> {
    if !req.form.has("Permission") {
        return Err(ApiError::missing_param("Permission"));
    }
    Ok(req
        .form
        .get_all("Permission")
        .into_iter()
        .map(str::to_string)
        .collect())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let name = req.form.require("FriendlyName")?;
    let kind = req.form.require("Type")?;
    let r = roles::create_role(app, &scope.service, name, kind, permissions(req)?)?;
    Ok(Reply::created(role_json(app, req, &scope, &r)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let r = app
        .store
        .read(|c| roles::fetch_role(c, &scope.service, req.param("RoleSid")))?;
    Ok(Reply::ok(role_json(app, req, &scope, &r)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let r = roles::update_role(app, &scope.service, req.param("RoleSid"), permissions(req)?)?;
    Ok(Reply::ok(role_json(app, req, &scope, &r)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    roles::delete_role(app, &scope.service, req.param("RoleSid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::roles::list_roles(c, &scope.service, pr.window()))?;
    let page = page.map(|r| role_json(app, req, &scope, &r));
    Ok(Reply::ok(list_reply(req, "roles", page, pr)).into())
}

fn credential_json(app: &App, req: &Req, c: &Credential) -> Value {
    with_urls(
        json!({
            "sid": c.sid,
            "account_sid": app.account_sid,
            "friendly_name": c.friendly_name,
            "type": c.kind,
            "sandbox": c.sandbox.to_string(),
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
        }),
        req,
        &format!("/v1/Credentials/{}", c.sid),
        &[],
    )
}

fn credential_fields(req: &Req) -> Result<CredentialFields, ApiError> {
    let f = &req.form;
    let s = |k: &str| f.get(k).map(str::to_string);
    Ok(CredentialFields {
        kind: s("Type"),
        friendly_name: s("FriendlyName"),
        certificate: s("Certificate"),
        private_key: s("PrivateKey"),
        sandbox: f.bool("Sandbox")?,
        api_key: s("ApiKey"),
        secret: s("Secret"),
    })
}

fn create_credential(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    req.form.require("Type")?;
    let c = roles::create_credential(app, credential_fields(req)?)?;
    Ok(Reply::created(credential_json(app, req, &c)).into())
}

fn fetch_credential(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = app
        .store
        .read(|c| roles::fetch_credential(c, req.param("CredentialSid")))?;
    Ok(Reply::ok(credential_json(app, req, &c)).into())
}

fn update_credential(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = roles::update_credential(app, req.param("CredentialSid"), credential_fields(req)?)?;
    Ok(Reply::ok(credential_json(app, req, &c)).into())
}

fn delete_credential(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    roles::delete_credential(app, req.param("CredentialSid"))?;
    Ok(Reply::no_content().into())
}

fn list_credentials(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::roles::list_credentials(c, pr.window()))?;
    let page = page.map(|c| credential_json(app, req, &c));
    Ok(Reply::ok(list_reply(req, "credentials", page, pr)).into())
}
