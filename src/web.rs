//! The pages under `static/`, compiled into the binary so it runs from any folder.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};

/// A compiled-in file: its URL path, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/admin",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../static/admin.html"),
    },
    Asset {
        path: "/static/app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../static/app.css"),
    },
    Asset {
        path: "/static/admin.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../static/admin.js"),
    },
];

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
    Ok(Reply::bytes(200, a.content_type, a.bytes)
        .with_header("Cache-Control", "no-cache")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        )
        .into())
}
