//! Conversations roles (per service: a name, `conversation` or `service`, permissions) and push
//! credentials (per account). Credentials are stored as given and shown without their secrets;
//! the box sends no push notifications, so nothing reads them.
//! https://www.twilio.com/docs/conversations/api/role-resource
//! https://www.twilio.com/docs/conversations/api/credential-resource

use super::{services, Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::channels::roles::RoleKind;
use crate::store::channels::roles::{self as db, Credential, Role};
use rusqlite::Connection;
use serde_json::json;

pub const CREDENTIAL_TYPES: &[&str] = &["apn", "gcm", "fcm"];

pub fn fetch_role(conn: &Connection, service: &str, sid: &str) -> Result<Role> {
    db::find_role(conn, service, sid)?.ok_or_else(|| Error::not_found(sid))
}

fn check_permissions(permissions: &[String]) -> Result<()> {
    if permissions.is_empty() {
        return Err(Error::invalid(
            "Permission",
            "at least one permission is required",
        ));
    }
    if permissions
        .iter()
        .any(|p| p.is_empty() || p.len() > 64 || !p.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Error::invalid(
            "Permission",
            "permissions are names such as sendMessage",
        ));
    }
    Ok(())
}

pub fn create_role(
    app: &Core,
    service: &str,
    friendly_name: &str,
    kind: &str,
    permissions: Vec<String>,
) -> Result<Role> {
    if friendly_name.is_empty() || friendly_name.chars().count() > 64 {
        return Err(Error::invalid("FriendlyName", "must be 1 to 64 characters"));
    }
    let Some(kind) = RoleKind::parse(kind) else {
        return Err(Error::invalid("Type", "must be conversation or service"));
    };
    check_permissions(&permissions)?;
    app.store.write(|tx| {
        services::fetch(tx, service)?;
        if db::find_role_by_name(tx, service, friendly_name)?.is_some() {
            return Err(Error::Conflict(format!(
                "A role named {friendly_name} already exists in service {service}"
            )));
        }
        let now = app.now_ms();
        let r = Role {
            sid: new_sid(Prefix::Role),
            chat_service_sid: service.to_string(),
            friendly_name: friendly_name.to_string(),
            kind,
            permissions: json!(permissions),
            created_at: now,
            updated_at: now,
        };
        db::save_role(tx, &r)?;
        Ok(r)
    })
}

/// Replaces a role's permissions.
pub fn update_role(app: &Core, service: &str, sid: &str, permissions: Vec<String>) -> Result<Role> {
    check_permissions(&permissions)?;
    app.store.write(|tx| {
        let mut r = fetch_role(tx, service, sid)?;
        r.permissions = json!(permissions);
        r.updated_at = app.now_ms();
        db::save_role(tx, &r)?;
        Ok(r)
    })
}

/// Deletes a role nobody holds and the service does not hand out by default.
pub fn delete_role(app: &Core, service: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let r = fetch_role(tx, service, sid)?;
        let doc = services::document(tx, service, services::Kind::Service)?;
        let is_default = doc
            .as_object()
            .is_some_and(|o| o.values().any(|v| v.as_str() == Some(r.sid.as_str())));
        if is_default || db::role_in_use(tx, service, &r.sid)? {
            return Err(Error::Conflict(format!(
                "Role {} is in use (a default of the service, or held by a user or participant)",
                r.sid
            )));
        }
        db::delete_role(tx, &r.sid)?;
        Ok(())
    })
}

/// The fields of a credential create or update (`None` leaves a field alone).
#[derive(Debug, Default, Clone)]
pub struct CredentialFields {
    pub kind: Option<String>,
    pub friendly_name: Option<String>,
    pub certificate: Option<String>,
    pub private_key: Option<String>,
    pub sandbox: Option<bool>,
    pub api_key: Option<String>,
    pub secret: Option<String>,
}

pub fn fetch_credential(conn: &Connection, sid: &str) -> Result<Credential> {
    db::find_credential(conn, sid)?.ok_or_else(|| Error::not_found(sid))
}

pub fn create_credential(app: &Core, f: CredentialFields) -> Result<Credential> {
    if f.kind.is_none() {
        return Err(Error::invalid("Type", "is required (apn, gcm or fcm)"));
    }
    let now = app.now_ms();
    let mut c = Credential {
        sid: new_sid(Prefix::Credential),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    apply(&mut c, f)?;
    app.store.write(|tx| {
        db::save_credential(tx, &c)?;
        Ok(c)
    })
}

pub fn update_credential(app: &Core, sid: &str, f: CredentialFields) -> Result<Credential> {
    app.store.write(|tx| {
        let mut c = fetch_credential(tx, sid)?;
        apply(&mut c, f)?;
        c.updated_at = app.now_ms();
        db::save_credential(tx, &c)?;
        Ok(c)
    })
}

pub fn delete_credential(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let c = fetch_credential(tx, sid)?;
        db::delete_credential(tx, &c.sid)?;
        Ok(())
    })
}

fn apply(c: &mut Credential, f: CredentialFields) -> Result<()> {
    if let Some(k) = f.kind {
        if !CREDENTIAL_TYPES.contains(&k.as_str()) {
            return Err(Error::invalid("Type", "must be apn, gcm or fcm"));
        }
        c.kind = k;
    }
    if let Some(v) = f.friendly_name {
        if v.chars().count() > 64 {
            return Err(Error::invalid(
                "FriendlyName",
                "must be at most 64 characters",
            ));
        }
        c.friendly_name = Some(v);
    }
    for (slot, v) in [
        (&mut c.certificate, f.certificate),
        (&mut c.private_key, f.private_key),
        (&mut c.api_key, f.api_key),
        (&mut c.secret, f.secret),
    ] {
        if let Some(v) = v {
            if v.len() > 16 * 1024 {
                return Err(Error::invalid(
                    "Certificate",
                    "a credential field is at most 16 KiB",
                ));
            }
            *slot = Some(v);
        }
    }
    if let Some(s) = f.sandbox {
        c.sandbox = s;
    }
    Ok(())
}
