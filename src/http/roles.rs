//! What each console role may do, checked for every account route before its handler runs
//! (`http::decode`). The account's credentials, an API key and an admin user may do anything. A
//! supervisor reads everything but credentials, users and the audit log, and changes only what
//! the floor does: an agent's activity, a stuck task's repair, ending a Studio execution. Agents
//! never reach account routes (their desktop session is another cookie). Pages hide what a role
//! cannot do; this is what makes it so.

use super::error::ApiError;
use super::request::{Method, Req};
use crate::account::Principal;
use crate::states::UserRole;
use crate::users::Actor;

/// Path fragments only an admin may read or change.
const ADMIN_ONLY: &[(&str, &str)] = &[
    ("/Accounts", "the account's credentials"),
    ("/Keys", "API keys"),
    ("/Credentials", "push credentials"),
    ("/admin/api/users", "users"),
    ("/admin/api/audit", "the audit log"),
    ("/admin/api/session/unlock", "sign-in locks"),
];

/// Changes a supervisor makes on the floor: (method, pattern, the only form fields allowed).
const FLOOR_ACTIONS: &[(Method, &str, &[&str])] = &[
    (
        Method::Post,
        "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}",
        &["ActivitySid", "RejectPendingReservations"],
    ),
    (
        Method::Post,
        "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}/Repair",
        &[],
    ),
    (
        Method::Post,
        "/v2/Flows/{FlowSid}/Executions/{Sid}",
        &["Status"],
    ),
];

/// The role of a request's principal (`None`: full access, the account's own credentials).
pub fn role_of(p: &Principal) -> UserRole {
    match p {
        Principal::User { role, .. } => *role,
        Principal::Account | Principal::ApiKey(_) => UserRole::Admin,
    }
}

/// 403 with what the role cannot do, or Ok.
pub fn check(p: &Principal, method: Method, pattern: &str, req: &Req) -> Result<(), ApiError> {
    match role_of(p) {
        UserRole::Admin => Ok(()),
        UserRole::Supervisor => supervisor(method, pattern, req),
        UserRole::Agent => Err(ApiError::unauthorized()),
    }
}

fn supervisor(method: Method, pattern: &str, req: &Req) -> Result<(), ApiError> {
    if let Some((_, what)) = ADMIN_ONLY.iter().find(|(f, _)| pattern.contains(f)) {
        return Err(ApiError::forbidden(format!(
            "Only an admin can see or change {what}; you are signed in as a supervisor"
        )));
    }
    if is_read(method, pattern) {
        return Ok(());
    }
    let allowed = FLOOR_ACTIONS.iter().any(|(m, p, fields)| {
        *m == method
            && *p == pattern
            && (fields.is_empty() || req.form.0.iter().all(|(k, _)| fields.contains(&k.as_str())))
    });
    if allowed {
        return Ok(());
    }
    let what = super::audit::classify(method, pattern)
        .map(|(kind, _)| super::audit::plural(kind))
        .unwrap_or("this");
    Err(ApiError::forbidden(format!(
        "A supervisor cannot change {what}: only an admin can. You can watch the floor, change an agent's activity, repair a stuck task and end a stuck execution"
    )))
}

/// Whether a request only reads (some reads are POSTs: statistics of many queues, validating a
/// flow definition).
pub fn is_read(method: Method, pattern: &str) -> bool {
    matches!(method, Method::Get | Method::Head)
        || (method == Method::Post
            && (pattern.ends_with("/RealTimeStatistics") || pattern == "/v2/Flows/Validate"))
}

/// Who a principal is, for the audit log: a user by name, an API key by its friendly name, the
/// account's credentials as the account owner.
pub fn actor(app: &super::App, p: &Principal) -> Actor {
    match p {
        Principal::User { sid, name, .. } => Actor {
            sid: sid.clone(),
            name: name.clone(),
        },
        Principal::Account => Actor {
            sid: app.account_sid.clone(),
            name: "Account owner (Auth Token)".into(),
        },
        Principal::ApiKey(sid) => {
            let name = app
                .store
                .read(|c| crate::store::accounts::find_key(c, sid))
                .ok()
                .flatten()
                .map(|k| format!("API key {}", k.friendly_name))
                .unwrap_or_else(|| "API key".into());
            Actor {
                sid: sid.clone(),
                name,
            }
        }
    }
}
