//! The REST API's route tables, one file per resource group. Handlers are thin: decode the
//! request, call the domain module, encode the answer (`resource` helpers below).

pub mod accounts;
pub mod admin;
pub mod agent;
pub mod channels;
pub mod studio;
pub mod system;
pub mod taskrouter;
#[cfg(debug_assertions)]
pub mod test_clock;
pub mod voice;

use super::encoding::{page_json, PageRequest};
use super::request::Req;
use super::router::Route;
use crate::store::Page;
use serde_json::Value;

/// Every route the server answers.
pub fn routes() -> Vec<Route> {
    let mut all = Vec::new();
    all.extend(system::routes());
    all.extend(accounts::routes());
    all.extend(taskrouter::routes());
    all.extend(admin::routes());
    all.extend(agent::routes());
    all.extend(studio::routes());
    all.extend(voice::routes());
    all.extend(channels::routes());
    all.extend(crate::http::web::routes());
    #[cfg(debug_assertions)]
    all.extend(test_clock::routes());
    all
}

/// A list answer for the request's own path and filters.
pub fn list_reply(req: &Req, key: &str, page: Page<Value>, pr: PageRequest) -> Value {
    page_json(&req.base_url, &req.path, &req.query.0, key, page, pr)
}

/// Inserts `url` (absolute) and, when given, `links` into a resource's JSON.
pub fn with_urls(mut v: Value, req: &Req, path: &str, links: &[(&str, String)]) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.insert("url".into(), Value::String(req.url(path)));
        if !links.is_empty() {
            let map = links
                .iter()
                .map(|(k, p)| (k.to_string(), Value::String(req.url(p))))
                .collect();
            obj.insert("links".into(), Value::Object(map));
        }
    }
    v
}
