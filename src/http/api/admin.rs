//! The admin console's own routes under `/admin/api/`: sign-in and sign-out (a session cookie that
//! then stands in for the account's credentials on every REST route, see `http::session`), the
//! live event feed the dashboard long-polls, the recent failed deliveries, setting a worker's
//! agent password, and unlocking a sign-in that backs off after failed attempts.

use crate::account;
use crate::clock::iso8601;
use crate::events::Event;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::park::{topics_of, Parked};
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::session::{self, Kind};
use crate::http::App;
use crate::store;
use serde_json::{json, Value};
use std::time::Duration;

pub fn routes() -> Vec<Route> {
    use Method::*;
    vec![
        Route::new(Post, "/admin/api/session", Access::Public, sign_in).limited_as(Limit::SignIn),
        Route::new(Get, "/admin/api/session", Access::Public, whoami),
        Route::new(Delete, "/admin/api/session", Access::Public, sign_out),
        Route::new(Get, "/admin/api/events", Access::Account, events),
        Route::new(Get, "/admin/api/failures", Access::Account, failures),
        Route::new(
            Post,
            "/admin/api/workers/{WorkerSid}/password",
            Access::Account,
            set_password,
        ),
        Route::new(
            Get,
            "/admin/api/workers/{WorkerSid}/password",
            Access::Account,
            password_state,
        ),
        Route::new(
            Post,
            "/admin/api/workers/{WorkerSid}/unlock",
            Access::Account,
            unlock_worker,
        ),
        Route::new(
            Post,
            "/admin/api/session/unlock",
            Access::Account,
            unlock_admin,
        ),
    ]
}

/// `POST /admin/api/workers/{WorkerSid}/unlock`: ends the worker's sign-in backoff now.
fn unlock_worker(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let worker_sid = req.param("WorkerSid");
    worker_exists(app, worker_sid)?;
    app.sign_in_backoff
        .clear(&session::backoff_key(Kind::Agent, worker_sid));
    Ok(Reply::ok(json!({ "worker_sid": worker_sid, "unlocked": true })).into())
}

/// `POST /admin/api/session/unlock` [`Sid`]: ends the admin sign-in's backoff for the account
/// (or the API key `Sid`), for an admin who still has the credentials or a signed-in console.
fn unlock_admin(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let sid = req.form.get("Sid").unwrap_or(&app.account_sid);
    app.sign_in_backoff
        .clear(&session::backoff_key(Kind::Admin, sid));
    Ok(Reply::ok(json!({ "sid": sid, "unlocked": true })).into())
}

/// `POST /admin/api/session` with `AccountSid` + `AuthToken` (or an API key SID + secret), or a
/// console user's `Login` + `Password` (`users`). Failed attempts back off per SID or login
/// (`http::limits::Backoff`): 429 while it waits.
fn sign_in(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let subject = match req.form.get("Login") {
        Some(login) => {
            let pass = req.form.require("Password")?;
            let key = session::backoff_key(Kind::Admin, &login.trim().to_lowercase());
            session::check_backoff(app, &key)?;
            let Some(user) = crate::users::authenticate(app, login, pass)? else {
                app.sign_in_backoff.failed(&key);
                return Err(ApiError::unauthorized());
            };
            app.sign_in_backoff.clear(&key);
            user.sid
        }
        None => {
            let user = req.form.require("AccountSid")?;
            let pass = req.form.require("AuthToken")?;
            let key = session::backoff_key(Kind::Admin, user);
            session::check_backoff(app, &key)?;
            if account::authenticate(&app.store, user, pass)?.is_none() {
                app.sign_in_backoff.failed(&key);
                return Err(ApiError::unauthorized());
            }
            app.sign_in_backoff.clear(&key);
            app.account_sid.clone()
        }
    };
    signed_in(app, req, &subject)
}

/// Starts an admin-console session for `subject` (the account or a user): 201 with the cookie.
pub fn signed_in(app: &App, req: &Req, subject: &str) -> Result<Outcome, ApiError> {
    let (token, s) = session::create(app, Kind::Admin, subject)?;
    Ok(Reply::created(session_json(app, &s)?)
        .with_header(
            "Set-Cookie",
            session::set_cookie(app, req, Kind::Admin, &token),
        )
        .with_header("Cache-Control", "no-store")
        .into())
}

/// `GET /admin/api/session`: the signed-in session with its CSRF token (which only this origin
/// can read), or `{"signed_in": false}` (a 200, so a signed-out page logs no failed request).
fn whoami(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let body = match session::current(app, req, Kind::Admin)? {
        Some(s) => session_json(app, &s).unwrap_or_else(|_| json!({ "signed_in": false })),
        None => json!({ "signed_in": false }),
    };
    Ok(Reply::ok(body)
        .with_header("Cache-Control", "no-store")
        .into())
}

/// `DELETE /admin/api/session`: signs out (needs the CSRF token).
fn sign_out(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(s) = session::current(app, req, Kind::Admin)? {
        session::check_csrf(req, &s)?;
        session::end(app, req, Kind::Admin)?;
    }
    Ok(Reply::no_content()
        .with_header("Set-Cookie", session::clear_cookie(Kind::Admin))
        .into())
}

/// The session as the page reads it, with who is signed in and their role (the page hides what
/// the role cannot do); a session of a user disabled since is an error.
fn session_json(app: &App, s: &store::sessions::Session) -> Result<Value, ApiError> {
    let principal = session::principal_of(app, s)?;
    let (user_sid, name) = match &principal {
        account::Principal::User { sid, name, .. } => (Some(sid.clone()), name.clone()),
        _ => (None, "Account owner".to_string()),
    };
    Ok(json!({
        "signed_in": true,
        "account_sid": app.account_sid,
        "csrf_token": s.csrf_token,
        "date_expires": iso8601(s.expires_at),
        "role": crate::http::roles::role_of(&principal),
        "user_sid": user_sid,
        "name": name,
        "time_zone": super::office::office_json(app)?["time_zone"],
    }))
}

/// `POST /admin/api/workers/{WorkerSid}/password` with `Password`: the worker's agent sign-in.
fn set_password(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let worker_sid = req.param("WorkerSid");
    worker_exists(app, worker_sid)?;
    session::set_agent_password(app, worker_sid, req.form.require("Password")?)?;
    Ok(Reply::ok(json!({ "worker_sid": worker_sid, "password_set": true })).into())
}

/// `GET /admin/api/workers/{WorkerSid}/password`: whether the worker has a desktop password
/// (the console shows it; the password itself never leaves the store).
fn password_state(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let worker_sid = req.param("WorkerSid");
    worker_exists(app, worker_sid)?;
    let set = session::has_agent_password(app, worker_sid)?;
    Ok(Reply::ok(json!({ "worker_sid": worker_sid, "password_set": set })).into())
}

/// 404 unless `sid` names a worker.
pub(crate) fn worker_exists(app: &App, sid: &str) -> Result<(), ApiError> {
    let missing = || ApiError::not_found(&format!("/Workers/{sid}"));
    if !crate::ids::is_sid(crate::ids::Prefix::Worker, sid) {
        return Err(missing());
    }
    app.store
        .read(|c| crate::routing::workers::fetch(c, sid))?
        .map(|_| ())
        .ok_or_else(missing)
}

/// How many events one answer of the feed carries at most.
const FEED_BATCH: u32 = 200;

/// `GET /admin/api/events?Topic=SID&After=SEQ[&Wait=S]`: events after `After` that concern `Topic`
/// (a workspace, task, execution, conversation… SID). Without `After` it answers at once with the
/// newest sequence number to start from; with it, and nothing new yet, the request is parked
/// (no pool thread) until such an event commits or `Wait` (default 25, at most 30 s) passes.
fn events(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let topic = req.query.get("Topic").unwrap_or("").to_string();
    if topic.is_empty() && req.query.has("After") {
        return Err(ApiError::missing_param("Topic"));
    }
    feed(app, req, vec![topic], |_| true)
}

/// The long-poll feed shared by the admin console and the agent desktop: events after the query's
/// `After` that name one of `topics` and pass `allow`, as `{"events": [...], "last_seq": N}`.
pub fn feed(
    app: &App,
    req: &Req,
    topics: Vec<String>,
    allow: fn(&Event) -> bool,
) -> Result<Outcome, ApiError> {
    feed_with(app, req, topics, allow, None)
}

/// What a feed's answer carries beside the events, read again at each look: an object whose
/// fields join the answer, and its tag (the answer's `tag`). A feed given the query's
/// `Seen=<tag>` also answers when the tag has changed (the agent desktop's typing indicators,
/// which no event announces).
pub type Extra = Box<dyn Fn(&App) -> (Value, String) + Send>;

/// `feed` with an `Extra`.
pub fn feed_with(
    app: &App,
    req: &Req,
    topics: Vec<String>,
    allow: fn(&Event) -> bool,
    extra: Option<Extra>,
) -> Result<Outcome, ApiError> {
    let wait = req.query.parse::<u64>("Wait")?.unwrap_or(25).min(30);
    let seen = req.query.get("Seen").map(str::to_string);
    let answer = move |app: &App, events: Vec<Value>, last: i64, timed_out: bool| {
        let mut v = json!({ "events": events, "last_seq": last });
        let mut changed = false;
        if let Some(extra) = &extra {
            let (more, tag) = extra(app);
            if let Value::Object(more) = more {
                v.as_object_mut().expect("an object").extend(more);
            }
            changed = seen.as_deref().is_some_and(|s| s != tag);
            v["tag"] = json!(tag);
        }
        (!events_empty(&v) || timed_out || changed).then(|| Ok(Reply::ok(v)))
    };
    let Some(after) = req.query.parse::<i64>("After")? else {
        let last = app.store.read(store::events::max_seq)?;
        return Ok(answer(app, Vec::new(), last, true)
            .unwrap_or_else(|| Ok(Reply::no_content()))?
            .into());
    };
    let mut cursor = after;
    let wanted = topics.clone();
    let check = move |app: &App, timed_out: bool| -> Option<Result<Reply, ApiError>> {
        match scan(app, &wanted, cursor, allow) {
            Err(e) => Some(Err(e)),
            Ok((found, last)) => {
                cursor = last;
                answer(app, found, last, timed_out)
            }
        }
    };
    Ok(Outcome::Park(Parked::new(
        topics,
        Duration::from_secs(wait),
        Box::new(check),
    )))
}

fn events_empty(v: &Value) -> bool {
    v["events"].as_array().is_none_or(|a| a.is_empty())
}

/// Events after `after` naming one of `topics`, and the last sequence number looked at.
fn scan(
    app: &App,
    topics: &[String],
    after: i64,
    allow: fn(&Event) -> bool,
) -> Result<(Vec<Value>, i64), ApiError> {
    let batch = app
        .store
        .read(|c| store::events::after(c, after, FEED_BATCH))?;
    let last = batch.last().map(|e| e.seq).unwrap_or(after);
    let found = batch
        .iter()
        .filter(|e| allow(e) && topics_of(e).iter().any(|t| topics.contains(t)))
        .map(event_json)
        .collect();
    Ok((found, last))
}

/// `GET /admin/api/failures[?PageSize=N]`: the newest failed deliveries — event callbacks and
/// voice bridges (`webhook.failed`) and carrier messages / external Flex Flow posts that gave up
/// (`message.outbound.failed`) — as `{"failures": [...]}`, newest first (at most 200).
fn failures(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let size = req.query.parse::<u32>("PageSize")?.unwrap_or(50);
    if !(1..=200).contains(&size) {
        return Err(ApiError::bad_request("PageSize must be from 1 to 200"));
    }
    let found = app
        .store
        .read(|c| store::events::recent_failures(c, size))?;
    let list: Vec<Value> = found.iter().map(event_json).collect();
    Ok(Reply::ok(json!({ "failures": list })).into())
}

pub fn event_json(e: &Event) -> Value {
    json!({
        "seq": e.seq,
        "sid": e.sid,
        "event_type": e.kind.as_str(),
        "resource_type": e.resource_type,
        "resource_sid": e.resource_sid,
        "workspace_sid": e.workspace_sid,
        "actor_sid": e.actor_sid,
        "description": e.description,
        "data": e.data,
        "date_created": iso8601(e.created_at),
    })
}
