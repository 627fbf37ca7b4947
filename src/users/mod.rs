//! The console's users and roles (issue 17 item 4): admins, supervisors and agents with their own
//! passwords, invited by an admin through a one-time code the new user opens to choose a
//! password (no mail server: the console shows the link). The Account SID + Auth Token stay the
//! API credential and the first-run way into the console, as an admin.
//!
//! An agent user is a TaskRouter worker: taking up the invite sets that worker's desk password
//! (`agent_credentials`, hashed as agent passwords always were), and the agent signs in at
//! `/agent` as before. Admins and supervisors sign in to `/admin` with their login.
//!
//! Every change here writes its audit entry (`audit`) in the same transaction. What a role may do
//! is the HTTP layer's (`http::roles`); this module keeps who is who.

pub mod audit;

use crate::core::Core;
use crate::ids;
use crate::states::{AuditAction, AuditKind, UserRole, UserStatus};
use crate::store::{self, sessions, users as db};
pub use audit::Actor;
pub use db::User;

/// How long an invite link works: a week.
pub const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// What went wrong, without saying how HTTP reports it (`http::error` maps it).
#[derive(Debug, Clone)]
pub enum Error {
    /// A parameter is wrong: its name and why.
    Invalid(&'static str, String),
    NotFound(String),
    /// The login (or worker) belongs to another user.
    Conflict(String),
    /// The invite link was used already or expired.
    Gone(String),
    Store(store::Error),
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// What an admin fills in to invite someone.
#[derive(Debug, Clone)]
pub struct Invite {
    pub login: String,
    pub name: String,
    pub role: UserRole,
    /// An agent's worker (checked to exist by the caller).
    pub worker_sid: Option<String>,
}

fn invite_hash(code: &str) -> String {
    ids::hash_secret("switchboard-invite", code)
}

/// A login: 2–64 of `a-z 0-9 . _ @ + -`, case folded.
pub fn normal_login(login: &str) -> Result<String> {
    let l = login.trim().to_lowercase();
    let ok = (2..=64).contains(&l.chars().count())
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@+-".contains(c));
    if ok {
        Ok(l)
    } else {
        Err(Error::Invalid(
            "Login",
            "must be 2 to 64 letters, digits or . _ @ + -".into(),
        ))
    }
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(Error::Invalid("Name", "must be 1 to 100 characters".into()));
    }
    Ok(n.to_string())
}

/// Checks a new password (the agents' rule: at least 8 characters).
pub fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < 8 {
        return Err(Error::Invalid(
            "Password",
            "must have at least 8 characters".into(),
        ));
    }
    Ok(())
}

/// Invites a user: stores them as `invited` with the hash of a fresh one-time code, and returns
/// the user and the code (shown once, to the admin, as a link).
pub fn invite(core: &Core, actor: &Actor, inv: Invite) -> Result<(User, String)> {
    let login = normal_login(&inv.login)?;
    let name = check_name(&inv.name)?;
    if inv.role == UserRole::Agent && inv.worker_sid.is_none() {
        return Err(Error::Invalid(
            "WorkerSid",
            "an agent is one of the workers".into(),
        ));
    }
    let worker_sid = inv.worker_sid.filter(|_| inv.role == UserRole::Agent);
    let code = ids::random_hex(16);
    let now = core.now_ms();
    let user = User {
        sid: ids::new_sid(ids::Prefix::ConsoleUser),
        login,
        name,
        role: inv.role,
        status: UserStatus::Invited,
        worker_sid,
        salt: None,
        password_hash: None,
        invite_hash: Some(invite_hash(&code)),
        invite_expires_at: Some(now + INVITE_TTL_MS),
        created_by: actor.sid.clone(),
        created_at: now,
        updated_at: now,
    };
    core.store.write(|tx| {
        if db::find_by_login(tx, &user.login)?.is_some() {
            return Err(Error::Conflict(format!(
                "Another user signs in as {}",
                user.login
            )));
        }
        if let Some(w) = &user.worker_sid {
            let taken = db::list(tx)?
                .into_iter()
                .any(|u| u.worker_sid.as_deref() == Some(w) && u.status != UserStatus::Disabled);
            if taken {
                return Err(Error::Conflict("That worker has a user already".into()));
            }
        }
        db::put(tx, &user)?;
        let details = format!("role {}", user.role);
        audit::record(
            tx,
            now,
            actor,
            AuditAction::Invited,
            AuditKind::User,
            &user.sid,
            &user.name,
            &details,
        )?;
        Ok((user.clone(), code))
    })
}

/// A fresh invite link for a user (the old one stops working): for an invite that expired, or a
/// user who forgot the password (who keeps it until the new link is used).
pub fn reinvite(core: &Core, actor: &Actor, sid: &str) -> Result<(User, String)> {
    let code = ids::random_hex(16);
    let now = core.now_ms();
    core.store.write(|tx| {
        let mut u = db::find(tx, sid)?.ok_or_else(|| Error::NotFound(format!("/users/{sid}")))?;
        if u.status == UserStatus::Disabled {
            return Err(Error::Invalid(
                "Sid",
                "this user is disabled; enable them first".into(),
            ));
        }
        u.invite_hash = Some(invite_hash(&code));
        u.invite_expires_at = Some(now + INVITE_TTL_MS);
        u.updated_at = now;
        db::put(tx, &u)?;
        audit::record(
            tx,
            now,
            actor,
            AuditAction::Invited,
            AuditKind::User,
            &u.sid,
            &u.name,
            "new invite link",
        )?;
        Ok((u, code))
    })
}

/// The invite a code opens, if it is still good (the page greets the user by name).
pub fn pending_invite(core: &Core, code: &str) -> Result<User> {
    let now = core.now_ms();
    core.store
        .read(|c| db::find_by_invite(c, &invite_hash(code)))?
        .filter(|u| {
            u.invite_expires_at.is_some_and(|t| t > now) && u.status != UserStatus::Disabled
        })
        .ok_or_else(|| {
            Error::Gone(
                "This invite link was used already or has expired: ask an admin for a new one"
                    .into(),
            )
        })
}

/// Takes up an invite: sets the password (an agent's on its worker), makes the user active and
/// spends the code, in one write with its audit entry.
pub fn accept(core: &Core, code: &str, password: &str) -> Result<User> {
    check_password(password)?;
    let hash = invite_hash(code);
    let salt = ids::random_hex(8);
    let password_hash = ids::hash_password(&salt, password);
    let now = core.now_ms();
    let user = core.store.write(|tx| {
        let mut u = db::find_by_invite(tx, &hash)?
            .filter(|u| {
                u.invite_expires_at.is_some_and(|t| t > now) && u.status != UserStatus::Disabled
            })
            .ok_or_else(|| {
                Error::Gone(
                    "This invite link was used already or has expired: ask an admin for a new one"
                        .into(),
                )
            })?;
        match &u.worker_sid {
            Some(w) => {
                sessions::set_agent_password(tx, w, &salt, &password_hash, now)?;
                sessions::delete_for_subject(tx, "agent", w)?;
            }
            None => {
                u.salt = Some(salt.clone());
                u.password_hash = Some(password_hash.clone());
                sessions::delete_for_subject(tx, "admin", &u.sid)?;
            }
        }
        u.status = UserStatus::Active;
        u.invite_hash = None;
        u.invite_expires_at = None;
        u.updated_at = now;
        db::put(tx, &u)?;
        let me = Actor {
            sid: u.sid.clone(),
            name: u.name.clone(),
        };
        audit::record(
            tx,
            now,
            &me,
            AuditAction::Joined,
            AuditKind::User,
            &u.sid,
            &u.name,
            "chose a password",
        )?;
        Ok::<_, Error>(u)
    })?;
    Ok(user)
}

/// Changes a user's role, name or status (`disabled` ends their sessions at once).
pub fn update(
    core: &Core,
    actor: &Actor,
    sid: &str,
    role: Option<UserRole>,
    name: Option<&str>,
    status: Option<UserStatus>,
) -> Result<User> {
    let name = name.map(check_name).transpose()?;
    if status == Some(UserStatus::Invited) {
        return Err(Error::Invalid(
            "Status",
            "must be active or disabled".into(),
        ));
    }
    let now = core.now_ms();
    core.store.write(|tx| {
        let mut u = db::find(tx, sid)?.ok_or_else(|| Error::NotFound(format!("/users/{sid}")))?;
        let mut changed = Vec::new();
        if let Some(r) = role.filter(|r| *r != u.role) {
            if (r == UserRole::Agent) != (u.role == UserRole::Agent) {
                return Err(Error::Invalid(
                    "Role",
                    "an agent stays an agent (a worker); invite a new user instead".into(),
                ));
            }
            changed.push(format!("role {} → {r}", u.role));
            u.role = r;
        }
        if let Some(n) = name.filter(|n| *n != u.name) {
            changed.push(format!("name {} → {n}", u.name));
            u.name = n;
        }
        if let Some(s) = status.filter(|s| *s != u.status) {
            if s == UserStatus::Active && u.password_hash.is_none() && u.worker_sid.is_none() {
                return Err(Error::Invalid(
                    "Status",
                    "this user has not chosen a password yet".into(),
                ));
            }
            changed.push(format!("status {} → {s}", u.status));
            u.status = s;
        }
        if changed.is_empty() {
            return Ok(u);
        }
        u.updated_at = now;
        db::put(tx, &u)?;
        // A changed role or status takes effect now: the user signs in again.
        sessions::delete_for_subject(tx, "admin", &u.sid)?;
        if let (Some(w), Some(UserStatus::Disabled)) = (&u.worker_sid, status) {
            sessions::delete_for_subject(tx, "agent", w)?;
        }
        audit::record(
            tx,
            now,
            actor,
            AuditAction::Updated,
            AuditKind::User,
            &u.sid,
            &u.name,
            &changed.join(", "),
        )?;
        Ok(u)
    })
}

/// Every user, by name.
pub fn list(core: &Core) -> Result<Vec<User>> {
    Ok(core.store.read(db::list)?)
}

pub fn find(core: &Core, sid: &str) -> Result<Option<User>> {
    Ok(core.store.read(|c| db::find(c, sid))?)
}

/// Checks a console sign-in: an active admin or supervisor with this login and password.
/// Agents sign in at the desktop, so an agent's login is refused here like a wrong password.
pub fn authenticate(core: &Core, login: &str, password: &str) -> Result<Option<User>> {
    let login = login.trim().to_lowercase();
    let found = core.store.read(|c| db::find_by_login(c, &login))?;
    let candidate = found.filter(|u| u.status == UserStatus::Active && u.role != UserRole::Agent);
    Ok(match candidate {
        Some(u) => {
            let (salt, hash) = (
                u.salt.clone().unwrap_or_default(),
                u.password_hash.clone().unwrap_or_default(),
            );
            let given = ids::hash_password(&salt, password);
            (!hash.is_empty() && ids::constant_time_eq(given.as_bytes(), hash.as_bytes()))
                .then_some(u)
        }
        None => {
            // The same time as a real check, so timing does not tell which logins exist.
            let _ = ids::hash_password("no-such-user", password);
            None
        }
    })
}
