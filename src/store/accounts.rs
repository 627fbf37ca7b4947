//! The appliance's account (one per database) and its API keys.

use super::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub sid: String,
    pub friendly_name: String,
    pub auth_token: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub sid: String,
    pub account_sid: String,
    pub friendly_name: String,
    pub secret_salt: String,
    pub secret_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn account_from_row(r: &Row) -> rusqlite::Result<Account> {
    Ok(Account {
        sid: r.get(0)?,
        friendly_name: r.get(1)?,
        auth_token: r.get(2)?,
        status: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// The account, if the database has one yet.
pub fn the_account(conn: &Connection) -> Result<Option<Account>> {
    optional(
        conn.prepare_cached(
            "SELECT sid, friendly_name, auth_token, status, created_at, updated_at
             FROM accounts ORDER BY created_at LIMIT 1",
        )?
        .query_row([], account_from_row),
    )
}

pub fn insert_account(conn: &Connection, a: &Account) -> Result<()> {
    conn.execute(
        "INSERT INTO accounts (sid, friendly_name, auth_token, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            a.sid,
            a.friendly_name,
            a.auth_token,
            a.status,
            a.created_at,
            a.updated_at
        ],
    )?;
    Ok(())
}

pub fn set_auth_token(conn: &Connection, sid: &str, token: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE accounts SET auth_token = ?2, updated_at = ?3 WHERE sid = ?1",
        params![sid, token, now],
    )?;
    Ok(())
}

pub fn set_friendly_name(conn: &Connection, sid: &str, name: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE accounts SET friendly_name = ?2, updated_at = ?3 WHERE sid = ?1",
        params![sid, name, now],
    )?;
    Ok(())
}

fn key_from_row(r: &Row) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        sid: r.get(0)?,
        account_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        secret_salt: r.get(3)?,
        secret_hash: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const KEY_COLUMNS: &str =
    "sid, account_sid, friendly_name, secret_salt, secret_hash, created_at, updated_at";

pub fn insert_key(conn: &Connection, k: &ApiKey) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            k.sid,
            k.account_sid,
            k.friendly_name,
            k.secret_salt,
            k.secret_hash,
            k.created_at,
            k.updated_at
        ],
    )?;
    Ok(())
}

pub fn find_key(conn: &Connection, sid: &str) -> Result<Option<ApiKey>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE sid = ?1"
        ))?
        .query_row([sid], key_from_row),
    )
}

pub fn list_keys(conn: &Connection, window: Window) -> Result<Page<ApiKey>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, rowid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(
        params![window.sql_limit(), window.sql_offset()],
        key_from_row,
    )?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        window,
    ))
}

pub fn rename_key(conn: &Connection, sid: &str, name: &str, now: i64) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE api_keys SET friendly_name = ?2, updated_at = ?3 WHERE sid = ?1",
        params![sid, name, now],
    )? > 0)
}

pub fn delete_key(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM api_keys WHERE sid = ?1", [sid])? > 0)
}
