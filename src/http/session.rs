//! Sign-in sessions for the pages: the admin console (`sb_admin` cookie, same powers as the
//! account's credentials) and the agent desktop (`sb_agent`, scoped to one worker).
//!
//! A session token is 128 random bits in an HttpOnly, SameSite=Strict cookie; the database keeps
//! only its hash. Each session also has a CSRF token the page reads once at sign-in and sends back
//! as `X-CSRF-Token` on every state-changing request, so a request another site manages to send
//! with the cookie is refused. Sessions expire (`Config::session_ttl_secs`) and end at sign-out.

use super::error::ApiError;
use super::request::{Method, Req};
use crate::http::App;
use crate::ids;
use crate::store::sessions::{self as db, Session};

/// Which page a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Admin,
    Agent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Admin => "admin",
            Kind::Agent => "agent",
        }
    }

    pub fn cookie(self) -> &'static str {
        match self {
            Kind::Admin => "sb_admin",
            Kind::Agent => "sb_agent",
        }
    }
}

/// The header pages send the CSRF token in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Hashes a session token for storage and lookup; the token itself has 128 random bits.
fn token_hash(token: &str) -> String {
    ids::hash_secret("switchboard-session", token)
}

/// Starts a session for `subject`; returns the cookie value (the token) and the stored session.
pub fn create(app: &App, kind: Kind, subject: &str) -> Result<(String, Session), ApiError> {
    let token = ids::random_hex(16);
    let now = app.now_ms();
    let session = Session {
        token_hash: token_hash(&token),
        kind: kind.as_str().to_string(),
        subject: subject.to_string(),
        csrf_token: ids::random_hex(16),
        created_at: now,
        expires_at: now + app.config.session_ttl_secs.max(1) * 1000,
    };
    app.store.write(|tx| {
        db::purge_expired(tx, now)?;
        db::insert(tx, &session)
    })?;
    Ok((token, session))
}

/// The `Set-Cookie` value that stores `token` in the browser until the session expires.
pub fn set_cookie(app: &App, req: &Req, kind: Kind, token: &str) -> String {
    let secure = if req.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        kind.cookie(),
        app.config.session_ttl_secs.max(1)
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(kind: Kind) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        kind.cookie()
    )
}

/// A cookie's value from the request's `Cookie` header(s).
pub fn cookie<'a>(req: &'a Req, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the request carries a cookie of this kind at all.
pub fn has_cookie(req: &Req, kind: Kind) -> bool {
    cookie(req, kind.cookie()).is_some_and(|v| !v.is_empty())
}

/// The live session named by the request's cookie, without the CSRF check (`None`: signed out).
pub fn current(app: &App, req: &Req, kind: Kind) -> Result<Option<Session>, ApiError> {
    let Some(token) = cookie(req, kind.cookie()).filter(|t| t.len() == 32) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let found = app.store.read(|c| db::find_live(c, &hash, app.now_ms()))?;
    Ok(found.filter(|s| s.kind == kind.as_str()))
}

/// The live session for a request, with the CSRF check for anything but GET/HEAD: 401 without a
/// session, 403 when the CSRF token is missing or wrong.
pub fn require(app: &App, req: &Req, kind: Kind) -> Result<Session, ApiError> {
    let session = current(app, req, kind)?.ok_or_else(ApiError::unauthorized)?;
    if !matches!(req.method, Method::Get | Method::Head) {
        check_csrf(req, &session)?;
    }
    Ok(session)
}

/// Compares the request's `X-CSRF-Token` with the session's, in constant time.
pub fn check_csrf(req: &Req, session: &Session) -> Result<(), ApiError> {
    let given = req.header(CSRF_HEADER).unwrap_or("");
    if ids::constant_time_eq(given.as_bytes(), session.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "This request needs the page's X-CSRF-Token header",
        ))
    }
}

/// Who an admin-console session stands for: the account (signed in with its credentials) or a
/// console user, who must still be active (a disabled user's session opens nothing).
pub fn principal_of(app: &App, s: &Session) -> Result<crate::account::Principal, ApiError> {
    use crate::account::Principal;
    if !s.subject.starts_with(ids::Prefix::ConsoleUser.as_str()) {
        return Ok(Principal::Account);
    }
    let user = crate::users::find(app, &s.subject)?
        .filter(|u| u.status == crate::states::UserStatus::Active)
        .filter(|u| u.role != crate::states::UserRole::Agent)
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Principal::User {
        sid: user.sid,
        name: user.name,
        role: user.role,
    })
}

/// Ends the request's session (sign-out).
pub fn end(app: &App, req: &Req, kind: Kind) -> Result<(), ApiError> {
    if let Some(token) = cookie(req, kind.cookie()) {
        let hash = token_hash(token);
        app.store.write(|tx| db::delete(tx, &hash))?;
    }
    Ok(())
}

/// The key failed sign-ins are counted under: the admin's by the SID signed in with (the
/// account's or an API key's), an agent's by its worker SID (or, for a name that matches no
/// worker, by the name, so an unknown name backs off exactly like a known one).
pub fn backoff_key(kind: Kind, who: &str) -> String {
    format!("{}:{who}", kind.as_str())
}

/// 429 with `Retry-After` while `key` waits after failed sign-ins (the right password too).
pub fn check_backoff(app: &App, key: &str) -> Result<(), ApiError> {
    match app.sign_in_backoff.wait(key) {
        None => Ok(()),
        Some(wait) => {
            let e = ApiError::new(429, super::error::code::TOO_MANY_REQUESTS, "")
                .with_retry_after(wait);
            let secs = e.retry_after.unwrap_or(1);
            Err(ApiError {
                message: format!(
                    "Too many failed sign-ins for this account; retry in {secs} s or ask an admin to unlock it"
                ),
                ..e
            })
        }
    }
}

/// Sets a worker's agent password (at least 8 characters) and ends that worker's sessions.
/// Whether the worker has a desktop password.
pub fn has_agent_password(app: &App, worker_sid: &str) -> Result<bool, ApiError> {
    Ok(app.store.read(|c| db::has_agent_password(c, worker_sid))?)
}

pub fn set_agent_password(app: &App, worker_sid: &str, password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 8 {
        return Err(ApiError::bad_param(
            "Password",
            "must have at least 8 characters",
        ));
    }
    let salt = ids::random_hex(8);
    let hash = ids::hash_password(&salt, password);
    let now = app.now_ms();
    app.store.write(|tx| {
        db::set_agent_password(tx, worker_sid, &salt, &hash, now)?;
        db::delete_for_subject(tx, Kind::Agent.as_str(), worker_sid)?;
        Ok::<_, ApiError>(())
    })?;
    // A new password is a fresh start for the sign-in backoff.
    app.sign_in_backoff
        .clear(&backoff_key(Kind::Agent, worker_sid));
    Ok(())
}

/// Checks a worker's agent password; a worker without one cannot sign in.
pub fn check_agent_password(app: &App, worker_sid: &str, password: &str) -> Result<bool, ApiError> {
    let stored = app.store.read(|c| db::agent_password(c, worker_sid))?;
    Ok(match stored {
        Some((salt, hash)) => ids::constant_time_eq(
            ids::hash_password(&salt, password).as_bytes(),
            hash.as_bytes(),
        ),
        None => {
            // Spend the same time as a real check, so timing does not tell which workers have one.
            let _ = ids::hash_password("no-such-worker", password);
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::encoding::Params;

    fn req_with(headers: &[(&str, &str)]) -> Req {
        Req {
            method: Method::Post,
            path: "/".into(),
            raw_query: String::new(),
            query: Params::default(),
            form: Params::default(),
            json: None,
            body: Vec::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            path_params: Vec::new(),
            principal: None,
            base_url: "http://x".into(),
            remote_addr: String::new(),
        }
    }

    #[test]
    fn reads_cookies_from_every_cookie_header() {
        let r = req_with(&[("Cookie", "a=1; sb_admin=abc"), ("cookie", "sb_agent=def")]);
        assert_eq!(cookie(&r, "sb_admin"), Some("abc"));
        assert_eq!(cookie(&r, "sb_agent"), Some("def"));
        assert_eq!(cookie(&r, "sb"), None);
    }

    #[test]
    fn csrf_must_match() {
        let s = Session {
            token_hash: String::new(),
            kind: "admin".into(),
            subject: "AC".into(),
            csrf_token: "tok".into(),
            created_at: 0,
            expires_at: 1,
        };
        assert!(check_csrf(&req_with(&[("X-CSRF-Token", "tok")]), &s).is_ok());
        assert_eq!(check_csrf(&req_with(&[]), &s).unwrap_err().status, 403);
        assert_eq!(
            check_csrf(&req_with(&[("X-CSRF-Token", "nope")]), &s)
                .unwrap_err()
                .status,
            403
        );
    }
}
