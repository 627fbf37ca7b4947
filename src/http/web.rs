//! The pages under `static/`, compiled into the binary so it runs from any folder: the admin
//! console (`/admin`), the agent desktop (`/agent`), the customer web chat (`/chat`) and its
//! embeddable snippet (`/chat/embed.js`). Every answer carries a Content-Security-Policy that
//! allows only this origin's scripts and styles, so injected markup could not run even if some
//! text were ever inserted as HTML (the pages insert data with textContent only).

use crate::http::error::ApiError;
use crate::http::request::{Body, Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;

/// A compiled-in file: its URL path, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! assets {
    ($($path:literal => $ty:ident $file:literal,)*) => {
        const ASSETS: &[Asset] = &[$(Asset { path: $path, content_type: $ty, bytes: include_bytes!(concat!("../../static/", $file)) },)*];
    };
}

assets! {
    "/admin" => HTML "admin.html",
    "/agent" => HTML "agent.html",
    "/chat" => HTML "chat.html",
    "/chat/embed.js" => JS "embed.js",
    "/static/app.css" => CSS "app.css",
    "/static/agent.css" => CSS "agent.css",
    "/static/common.mjs" => JS "common.mjs",
    "/static/flowgraph.mjs" => JS "flowgraph.mjs",
    "/static/admin.mjs" => JS "admin.mjs",
    "/static/admin-studio.mjs" => JS "admin-studio.mjs",
    "/static/admin-routing.mjs" => JS "admin-routing.mjs",
    "/static/admin-queues.mjs" => JS "admin-queues.mjs",
    "/static/queue-rules.mjs" => JS "queue-rules.mjs",
    "/static/admin-live.mjs" => JS "admin-live.mjs",
    "/static/admin-hours.mjs" => JS "admin-hours.mjs",
    "/static/admin-wiring.mjs" => JS "admin-wiring.mjs",
    "/static/admin-firstrun.mjs" => JS "admin-firstrun.mjs",
    "/static/admin-settings.mjs" => JS "admin-settings.mjs",
    "/static/studio-widgets.mjs" => JS "studio-widgets.mjs",
    "/static/studio-canvas.mjs" => JS "studio-canvas.mjs",
    "/static/studio-panel.mjs" => JS "studio-panel.mjs",
    "/static/studio-liquid.mjs" => JS "studio-liquid.mjs",
    "/static/studio-editor.mjs" => JS "studio-editor.mjs",
    "/static/studio-diff.mjs" => JS "studio-diff.mjs",
    "/static/studio-test.mjs" => JS "studio-test.mjs",
    "/static/admin-floor.mjs" => JS "admin-floor.mjs",
    "/static/admin-tasks.mjs" => JS "admin-tasks.mjs",
    "/static/admin-transcripts.mjs" => JS "admin-transcripts.mjs",
    "/static/admin-users.mjs" => JS "admin-users.mjs",
    "/static/admin-audit.mjs" => JS "admin-audit.mjs",
    "/static/admin-reports.mjs" => JS "admin-reports.mjs",
    "/static/agent.mjs" => JS "agent.mjs",
    "/static/agent-transfer.mjs" => JS "agent-transfer.mjs",
    "/static/agent-tools.mjs" => JS "agent-tools.mjs",
    "/static/agent-beyond.mjs" => JS "agent-beyond.mjs",
    "/static/agent-outbound.mjs" => JS "agent-outbound.mjs",
    "/static/chat.mjs" => JS "chat.mjs",
    "/static/chat.css" => CSS "chat.css",
}

/// Pages may not be framed by other sites, except the customer chat, which the office's own site
/// embeds (`/chat/embed.js` adds it as an iframe).
const CSP: &str = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CSP_CHAT: &str = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors *";

pub fn routes() -> Vec<Route> {
    let mut r = vec![Route::new(Method::Get, "/", Access::Public, root)];
    for a in ASSETS {
        r.push(Route::new(Method::Get, a.path, Access::Public, asset));
    }
    r
}

/// `/` sends people to the admin console.
fn root(_: &App, _: &Req) -> Result<Outcome, ApiError> {
    Ok(Reply::bytes(302, "text/plain", "see /admin")
        .with_header("Location", "/admin")
        .into())
}

fn asset(_: &App, req: &Req) -> Result<Outcome, ApiError> {
    let a = ASSETS
        .iter()
        .find(|a| a.path == req.path)
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    let csp = if a.path == "/chat" { CSP_CHAT } else { CSP };
    // Browsers revalidate every load (no-cache) and get a 304 while the binary is the same.
    let etag = format!("\"{:016x}\"", fnv1a(a.bytes));
    let fresh = req
        .header("If-None-Match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let base = if fresh {
        Reply {
            status: 304,
            body: Body::Empty,
            headers: Vec::new(),
        }
    } else {
        Reply::bytes(200, a.content_type, a.bytes)
    };
    let mut reply = base
        .with_header("ETag", etag)
        .with_header("Cache-Control", "no-cache")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Referrer-Policy", "same-origin")
        .with_header("Content-Security-Policy", csp);
    if a.path == "/chat/embed.js" {
        // The snippet is loaded by the office's own site.
        reply = reply.with_header("Access-Control-Allow-Origin", "*");
    }
    Ok(reply.into())
}

/// FNV-1a, 64 bits: a stable fingerprint of a compiled-in file for its ETag.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_path_and_content() {
        let mut seen = std::collections::HashSet::new();
        for a in ASSETS {
            assert!(seen.insert(a.path), "{} twice", a.path);
            assert!(!a.bytes.is_empty(), "{} is empty", a.path);
        }
    }
}
