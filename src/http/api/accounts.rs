//! Twilio's 2010 Accounts API, as far as one appliance account goes: list (the one account),
//! fetch and rename the account, and manage API keys
//! (`/2010-04-01/Accounts/{AccountSid}/Keys.json`). Lists use the 2010 envelope (`start`, `end`,
//! `page`, `page_size`, `uri`, `first_page_uri`, `next_page_uri`, `previous_page_uri`).
//! https://www.twilio.com/docs/iam/api-keys/key-resource-v2010

use super::with_urls;
use crate::account::{self, ApiKey, Principal};
use crate::clock::rfc2822;
use crate::form::percent_encode;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::accounts as db;
use crate::store::Page;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/2010-04-01/Accounts.json", a, list_accounts),
        Route::new(Post, "/2010-04-01/Accounts.json", a, create_account),
        Route::new(
            Get,
            "/2010-04-01/Accounts/{AccountSid}.json",
            a,
            fetch_account,
        ),
        Route::new(
            Post,
            "/2010-04-01/Accounts/{AccountSid}.json",
            a,
            update_account,
        ),
        Route::new(
            Get,
            "/2010-04-01/Accounts/{AccountSid}/Keys.json",
            a,
            list_keys,
        ),
        Route::new(
            Post,
            "/2010-04-01/Accounts/{AccountSid}/Keys.json",
            a,
            create_key,
        ),
        Route::new(
            Get,
            "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json",
            a,
            fetch_key,
        ),
        Route::new(
            Post,
            "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json",
            a,
            update_key,
        ),
        Route::new(
            Delete,
            "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json",
            a,
            delete_key,
        ),
    ]
}

/// The path's account must be ours; any other SID is simply not found.
pub(super) fn check_account(app: &App, req: &Req) -> Result<(), ApiError> {
    if req.param("AccountSid") == app.account_sid {
        Ok(())
    } else {
        Err(ApiError::not_found(&req.path))
    }
}

/// A 2010 list: the items under `key` and the 2010 paging fields (URIs relative to the host).
pub(super) fn list_2010(req: &Req, key: &str, page: Page<Value>, pr: PageRequest) -> Value {
    let uri = |n: u64| {
        let mut q: Vec<String> = req
            .query
            .0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "PageSize" | "Page" | "PageToken"))
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        q.push(format!("PageSize={}", pr.page_size));
        q.push(format!("Page={n}"));
        format!("{}?{}", req.path, q.join("&"))
    };
    let start = pr.page * pr.page_size as u64;
    let end = (start + page.items.len() as u64)
        .saturating_sub(1)
        .max(start);
    json!({
        key: page.items,
        "start": start,
        "end": end,
        "page": pr.page,
        "page_size": pr.page_size,
        "uri": uri(pr.page),
        "first_page_uri": uri(0),
        "previous_page_uri": (pr.page > 0).then(|| uri(pr.page - 1)),
        "next_page_uri": page.has_more.then(|| uri(pr.page + 1)),
    })
}

/// The Auth Token is shown to the account's own credentials only (an API key cannot learn it).
fn account_json(req: &Req, a: &account::Account) -> Value {
    let base = format!("/2010-04-01/Accounts/{}", a.sid);
    let token = matches!(req.principal, Some(Principal::Account)).then_some(&a.auth_token);
    json!({
        "sid": a.sid,
        "auth_token": token,
        "friendly_name": a.friendly_name,
        "status": a.status,
        "type": "Full",
        "owner_account_sid": a.sid,
        "date_created": rfc2822(a.created_at),
        "date_updated": rfc2822(a.updated_at),
        "uri": format!("{base}.json"),
        "subresource_uris": {
            "keys": format!("{base}/Keys.json"),
            "messages": format!("{base}/Messages.json"),
            "calls": format!("{base}/Calls.json"),
        },
        "url": req.url(&format!("{base}.json")),
    })
}

fn fetch_account(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let a = app
        .store
        .read(db::the_account)?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(account_json(req, &a)).into())
}

/// The one account, when it passes the `FriendlyName` and `Status` filters.
fn list_accounts(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let a = app
        .store
        .read(db::the_account)?
        .filter(|a| {
            req.query
                .get("FriendlyName")
                .is_none_or(|n| n == a.friendly_name)
        })
        .filter(|a| req.query.get("Status").is_none_or(|s| s == a.status));
    let items: Vec<Value> = a
        .iter()
        .filter(|_| pr.page == 0)
        .map(|a| account_json(req, a))
        .collect();
    let page = Page {
        items,
        has_more: false,
    };
    Ok(Reply::ok(list_2010(req, "accounts", page, pr)).into())
}

/// One appliance, one account: subaccounts are not made (a 403 saying so, nothing written).
fn create_account(_: &App, _: &Req) -> Result<Outcome, ApiError> {
    Err(ApiError::new(
        403,
        20403,
        "This appliance serves one account and does not create subaccounts; \
         use API keys (POST /2010-04-01/Accounts/{AccountSid}/Keys.json) to give an integration \
         credentials of its own",
    ))
}

fn update_account(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    if let Some(name) = req.form.get("FriendlyName") {
        check_name("FriendlyName", name)?;
        app.store
            .write(|tx| db::set_friendly_name(tx, &app.account_sid, name, app.now_ms()))?;
    }
    fetch_account(app, req)
}

fn check_name(param: &str, name: &str) -> Result<(), ApiError> {
    if name.chars().count() > 64 {
        return Err(ApiError::bad_param(param, "must be at most 64 characters"));
    }
    Ok(())
}

fn key_json(req: &Req, k: &ApiKey) -> Value {
    with_urls(
        json!({
            "sid": k.sid,
            "friendly_name": k.friendly_name,
            "date_created": rfc2822(k.created_at),
            "date_updated": rfc2822(k.updated_at),
        }),
        req,
        &format!("/2010-04-01/Accounts/{}/Keys/{}.json", k.account_sid, k.sid),
        &[],
    )
}

fn create_key(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let name = req.form.get("FriendlyName").unwrap_or("");
    check_name("FriendlyName", name)?;
    let (key, secret) = account::create_key(&app.store, &app.account_sid, name)?;
    let mut v = key_json(req, &key);
    v["secret"] = Value::String(secret);
    Ok(Reply::created(v).into())
}

fn find_key(app: &App, req: &Req) -> Result<ApiKey, ApiError> {
    check_account(app, req)?;
    app.store
        .read(|c| db::find_key(c, req.param("Sid")))?
        .ok_or_else(|| ApiError::not_found(&req.path))
}

fn fetch_key(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let key = find_key(app, req)?;
    Ok(Reply::ok(key_json(req, &key)).into())
}

fn update_key(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let key = find_key(app, req)?;
    if let Some(name) = req.form.get("FriendlyName") {
        check_name("FriendlyName", name)?;
        app.store
            .write(|tx| db::rename_key(tx, &key.sid, name, app.now_ms()))?;
    }
    fetch_key(app, req)
}

fn delete_key(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let key = find_key(app, req)?;
    app.store.write(|tx| db::delete_key(tx, &key.sid))?;
    Ok(Reply::no_content().into())
}

fn list_keys(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| db::list_keys(c, pr.window()))?;
    let page = page.map(|k| key_json(req, &k));
    Ok(Reply::ok(list_2010(req, "keys", page, pr)).into())
}
