//! The account: created on first start, its Auth Token rotated on request, and API keys (`SK…`)
//! that authenticate like the account itself. Secrets are compared in constant time.

use crate::ids::{self, new_sid, Prefix};
use crate::store::{self, accounts, Store};

pub use crate::store::accounts::{Account, ApiKey};

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Account,
    ApiKey(String),
    /// A console user signed in with their own password (`users`): an admin or a supervisor.
    User {
        sid: String,
        name: String,
        role: crate::states::UserRole,
    },
}

/// Returns the account, creating it (with a fresh Auth Token) if the database has none.
/// The flag says whether it was just created.
pub fn ensure(store: &Store) -> store::Result<(Account, bool)> {
    store.write(|tx| {
        if let Some(a) = accounts::the_account(tx)? {
            return Ok((a, false));
        }
        let now = store.clock().now_ms();
        let a = Account {
            sid: new_sid(Prefix::Account),
            friendly_name: "switchboard".to_string(),
            auth_token: ids::random_hex(16),
            status: "active".to_string(),
            created_at: now,
            updated_at: now,
        };
        accounts::insert_account(tx, &a)?;
        Ok((a, true))
    })
}

/// Replaces the Auth Token; the old one stops working at once, and so do the admin console's
/// sessions signed in with it.
pub fn rotate_token(store: &Store) -> store::Result<Account> {
    store.write(|tx| {
        let mut a = accounts::the_account(tx)?
            .ok_or_else(|| store::Error::not_found("this database has no account yet"))?;
        a.auth_token = ids::random_hex(16);
        a.updated_at = store.clock().now_ms();
        accounts::set_auth_token(tx, &a.sid, &a.auth_token, a.updated_at)?;
        store::sessions::delete_kind(tx, "admin")?;
        store::users::audit_command(
            tx,
            a.updated_at,
            crate::states::AuditKind::Setting,
            (&a.sid, "Auth Token"),
            "rotate-token: a new Auth Token; the old one and the console sessions it opened no longer work",
        )?;
        Ok(a)
    })
}

/// Checks HTTP Basic credentials: the Account SID + Auth Token, or an API key SID + its secret.
pub fn authenticate(store: &Store, user: &str, password: &str) -> store::Result<Option<Principal>> {
    store.read(|c| {
        if user.starts_with("SK") {
            let Some(key) = accounts::find_key(c, user)? else {
                return Ok(None);
            };
            let hash = ids::hash_secret(&key.secret_salt, password);
            let ok = ids::constant_time_eq(hash.as_bytes(), key.secret_hash.as_bytes());
            return Ok(ok.then_some(Principal::ApiKey(key.sid)));
        }
        let Some(a) = accounts::the_account(c)? else {
            return Ok(None);
        };
        let ok = ids::constant_time_eq(user.as_bytes(), a.sid.as_bytes())
            & ids::constant_time_eq(password.as_bytes(), a.auth_token.as_bytes());
        Ok(ok.then_some(Principal::Account))
    })
}

/// Creates an API key; the secret is returned this once and stored only hashed.
pub fn create_key(
    store: &Store,
    account_sid: &str,
    friendly_name: &str,
) -> store::Result<(ApiKey, String)> {
    let secret = ids::random_hex(16);
    let salt = ids::random_hex(8);
    let now = store.clock().now_ms();
    let key = ApiKey {
        sid: new_sid(Prefix::ApiKey),
        account_sid: account_sid.to_string(),
        friendly_name: friendly_name.to_string(),
        secret_hash: ids::hash_secret(&salt, &secret),
        secret_salt: salt,
        created_at: now,
        updated_at: now,
    };
    store.write(|tx| accounts::insert_key(tx, &key))?;
    Ok((key, secret))
}
