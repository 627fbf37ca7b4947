//! HTTP Basic authentication for the REST API (or the admin console's session, `session.rs`),
//! and X-Twilio-Signature for carrier webhooks.

use super::error::{code, ApiError};
use super::request::Req;
use super::session;
use crate::account::{self, Principal};
use crate::http::App;
use base64::Engine;
use std::net::IpAddr;

/// Splits an `Authorization: Basic …` header into user and password.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = credentials_of(header, "Basic")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// The credentials after an `Authorization` scheme, which is matched case-insensitively
/// (RFC 9110 §11.1: `BASIC`, `bearer`).
pub fn credentials_of<'a>(header: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = header.trim_start().split_once([' ', '\t'])?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| rest.trim())
        .filter(|c| !c.is_empty())
}

/// A `Bearer` token from an `Authorization` header.
pub fn bearer_token(header: &str) -> Option<&str> {
    credentials_of(header, "Bearer")
}

/// The `WWW-Authenticate` challenge a 401 carries (RFC 9110 §11.6.1). A page's own script
/// (`Sec-Fetch-Mode` other than `navigate`) signs in with a session, so it is told so instead of
/// Basic, which would make the browser pop up a password dialog.
pub fn challenge(headers: &[(String, String)]) -> &'static str {
    let from_script = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("Sec-Fetch-Mode") && !v.eq_ignore_ascii_case("navigate")
    });
    if from_script {
        "Session realm=\"switchboard\""
    } else {
        "Basic realm=\"switchboard\""
    }
}

/// The principal of an account-authenticated request, or 401. Without an `Authorization` header
/// the admin console's session cookie counts as the account, with its CSRF token on anything but
/// GET (403 without it). Wrong credentials count against `client` (the trusted client address):
/// past `Config::auth_failures_per_minute` of them its requests with credentials answer 429
/// until the minute is over, so guessing costs a minute per few tries instead of nothing.
pub fn require_account(app: &App, req: &Req, client: IpAddr) -> Result<Principal, ApiError> {
    let Some(header) = req.header("Authorization") else {
        if session::has_cookie(req, session::Kind::Admin) {
            let s = session::require(app, req, session::Kind::Admin)?;
            return session::principal_of(app, &s);
        }
        return Err(ApiError::unauthorized());
    };
    // Another scheme (a chat's Bearer token on the wrong route) guesses nothing: plain 401.
    let (user, pass) = basic_credentials(header).ok_or_else(ApiError::unauthorized)?;
    if let Some(wait) = app.basic_failures.blocked(client) {
        return Err(ApiError::new(
            429,
            code::TOO_MANY_REQUESTS,
            "Too many failed authentications from this address; retry later",
        )
        .with_retry_after(wait));
    }
    account::authenticate(&app.store, &user, &pass)?.ok_or_else(|| {
        app.basic_failures.failed(client);
        ApiError::unauthorized()
    })
}

/// Whether `req` (decoded, its principal checked) is the office's own: the account's
/// credentials or an API key, a live console or agent session, or a request the carrier signed.
/// Only those are served on a connection of the strict reserve (`conn_slots`).
pub fn from_the_office(app: &App, req: &Req) -> bool {
    if req.principal.is_some() {
        return true;
    }
    let live = |kind| {
        session::has_cookie(req, kind) && matches!(session::current(app, req, kind), Ok(Some(_)))
    };
    if live(session::Kind::Agent) || live(session::Kind::Admin) {
        return true;
    }
    req.header("X-Twilio-Signature").is_some()
        && app
            .config
            .provider_token
            .as_deref()
            .is_some_and(|token| check_signature(req, token).is_ok())
}

/// Twilio's request signature: base64(HMAC-SHA1(token, url + each POST param name+value, sorted by name)).
pub fn twilio_signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    base64::engine::general_purpose::STANDARD
        .encode(crate::ids::hmac_sha1(token.as_bytes(), data.as_bytes()))
}

/// Checks `X-Twilio-Signature` against `token`; a missing or wrong signature is 403.
pub fn check_signature(req: &Req, token: &str) -> Result<(), ApiError> {
    let given = req
        .header("X-Twilio-Signature")
        .ok_or_else(|| ApiError::forbidden("X-Twilio-Signature is missing"))?;
    let expected = twilio_signature(token, &req.full_url(), &req.form.0);
    if crate::ids::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "X-Twilio-Signature does not match the request",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_basic_credentials() {
        // "AC123:tok:en" — the password may itself contain a colon.
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("AC123:tok:en")
        );
        assert_eq!(
            basic_credentials(&h),
            Some(("AC123".to_string(), "tok:en".to_string()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
        let upper = h.replacen("Basic", "BASIC", 1);
        assert_eq!(basic_credentials(&upper).unwrap().1, "tok:en");
        assert_eq!(bearer_token("bearer  t1"), Some("t1"));
        assert_eq!(bearer_token("BEARER t1"), Some("t1"));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Basic t1"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }

    #[test]
    fn signature_matches_twilio_docs_example() {
        // The worked example from Twilio's webhook security docs and twilio-python's tests.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sig = twilio_signature(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &params,
        );
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }
}
