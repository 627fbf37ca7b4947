//! `/admin/api/users` (an admin invites users and changes their role or status), the invite a new
//! user opens (`/admin/api/invites/{Code}`: who it is for, and choosing the password, which signs
//! an admin or supervisor in), and `/admin/api/audit` (the audit log, newest first). Who may call
//! the account routes here is `http::roles`' (admins only).

use crate::clock::iso8601;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::{roles, App};
use crate::states::{AuditKind, UserRole, UserStatus};
use crate::users::{self, audit, Invite, User};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/admin/api/users", a, list),
        Route::new(Post, "/admin/api/users", a, invite),
        Route::new(Post, "/admin/api/users/{UserSid}", a, update),
        Route::new(Post, "/admin/api/users/{UserSid}/invite", a, reinvite),
        Route::new(
            Get,
            "/admin/api/invites/{Code}",
            Access::Public,
            invite_info,
        )
        .limited_as(Limit::SignIn),
        Route::new(Post, "/admin/api/invites/{Code}", Access::Public, accept)
            .limited_as(Limit::SignIn),
        Route::new(Get, "/admin/api/audit", a, audit_log),
    ]
}

fn user_json(app: &App, u: &User) -> Value {
    let worker_name = u.worker_sid.as_deref().and_then(|w| {
        app.store
            .read(|c| crate::routing::workers::fetch(c, w))
            .ok()
            .flatten()
            .map(|w| w.friendly_name)
    });
    json!({
        "sid": u.sid,
        "login": u.login,
        "name": u.name,
        "role": u.role,
        "status": u.status,
        "worker_sid": u.worker_sid,
        "worker_name": worker_name,
        "invite_expires": u.invite_expires_at.map(iso8601),
        "date_created": iso8601(u.created_at),
        "date_updated": iso8601(u.updated_at),
    })
}

fn actor(app: &App, req: &Req) -> users::Actor {
    let p = req
        .principal
        .clone()
        .unwrap_or(crate::account::Principal::Account);
    roles::actor(app, &p)
}

/// `GET /admin/api/users`: every user, by name.
fn list(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    let all = users::list(app)?;
    let list: Vec<Value> = all.iter().map(|u| user_json(app, u)).collect();
    Ok(Reply::ok(json!({ "users": list })).into())
}

fn parse_role(req: &Req) -> Result<Option<UserRole>, ApiError> {
    req.form
        .get("Role")
        .map(|r| {
            UserRole::parse(r)
                .ok_or_else(|| ApiError::bad_param("Role", "must be admin, supervisor or agent"))
        })
        .transpose()
}

/// The answer that carries a one-time invite code: the user and the link to give them.
fn with_invite(app: &App, req: &Req, u: &User, code: &str, status: u16) -> Outcome {
    let mut v = user_json(app, u);
    v["invite_url"] = json!(format!("{}/admin#invite/{code}", req.base_url));
    Reply::json(status, v)
        .with_header("Cache-Control", "no-store")
        .into()
}

/// `POST /admin/api/users` with `Login`, `Name`, `Role` (+ `WorkerSid` for an agent): the new
/// user and their invite link (`invite_url`, shown once).
fn invite(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let role = parse_role(req)?.ok_or_else(|| ApiError::missing_param("Role"))?;
    let worker_sid = req
        .form
        .get("WorkerSid")
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    if let (UserRole::Agent, Some(w)) = (role, &worker_sid) {
        super::admin::worker_exists(app, w)?;
    }
    let inv = Invite {
        login: req.form.require("Login")?.to_string(),
        name: req.form.require("Name")?.to_string(),
        role,
        worker_sid,
    };
    let (u, code) = users::invite(app, &actor(app, req), inv)?;
    Ok(with_invite(app, req, &u, &code, 201))
}

/// `POST /admin/api/users/{UserSid}` with `Role`, `Name` and/or `Status` (`active`, `disabled`).
fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let status = req
        .form
        .get("Status")
        .map(|s| {
            UserStatus::parse(s)
                .ok_or_else(|| ApiError::bad_param("Status", "must be active or disabled"))
        })
        .transpose()?;
    let u = users::update(
        app,
        &actor(app, req),
        req.param("UserSid"),
        parse_role(req)?,
        req.form.get("Name"),
        status,
    )?;
    Ok(Reply::ok(user_json(app, &u)).into())
}

/// `POST /admin/api/users/{UserSid}/invite`: a new invite link (the old one stops working).
fn reinvite(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (u, code) = users::reinvite(app, &actor(app, req), req.param("UserSid"))?;
    Ok(with_invite(app, req, &u, &code, 200))
}

/// `GET /admin/api/invites/{Code}`: whom a still good invite is for (410 when used or expired).
fn invite_info(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let u = users::pending_invite(app, req.param("Code"))?;
    Ok(
        Reply::ok(json!({ "name": u.name, "login": u.login, "role": u.role }))
            .with_header("Cache-Control", "no-store")
            .into(),
    )
}

/// `POST /admin/api/invites/{Code}` with `Password`: takes up the invite. An admin or supervisor
/// is signed in (201 with the session, as a sign-in answers); an agent is sent to the desktop.
fn accept(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let u = users::accept(app, req.param("Code"), req.form.require("Password")?)?;
    if u.role == UserRole::Agent {
        let worker_name = user_json(app, &u)["worker_name"].clone();
        return Ok(Reply::ok(json!({
            "signed_in": false,
            "role": u.role,
            "sign_in_url": "/agent",
            "worker_name": worker_name,
        }))
        .into());
    }
    super::admin::signed_in(app, req, &u.sid)
}

/// `GET /admin/api/audit[?Who=SID][&What=kind][&Text=word][&Before=seq][&PageSize=N]`: entries
/// newest first, `next_before` for the next page, and everyone in the log (the "who" filter).
fn audit_log(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let size = req.query.parse::<u32>("PageSize")?.unwrap_or(50);
    if !(1..=200).contains(&size) {
        return Err(ApiError::bad_request("PageSize must be from 1 to 200"));
    }
    let kind = req
        .query
        .get("What")
        .filter(|w| !w.is_empty())
        .map(|w| {
            AuditKind::parse(w)
                .ok_or_else(|| ApiError::bad_param("What", "is not a kind of change"))
        })
        .transpose()?;
    let filter = audit::AuditFilter {
        actor_sid: req
            .query
            .get("Who")
            .filter(|w| !w.is_empty())
            .map(str::to_string),
        kind,
        text: req
            .query
            .get("Text")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        before: req.query.parse::<i64>("Before")?,
        limit: size,
    };
    let entries = audit::list(app, &filter)?;
    let next = (entries.len() == size as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "date": iso8601(e.at),
                "actor_sid": e.actor_sid,
                "actor_name": e.actor_name,
                "action": e.action,
                "kind": e.kind,
                "resource_sid": e.resource_sid,
                "resource_name": e.resource_name,
                "details": e.details,
            })
        })
        .collect();
    let actors: Vec<Value> = audit::actors(app)?
        .into_iter()
        .map(|(sid, name)| json!({ "sid": sid, "name": name }))
        .collect();
    Ok(Reply::ok(json!({ "entries": list, "next_before": next, "actors": actors })).into())
}
