//! The REST API's route tables, one file per resource group. Handlers are thin: decode the
//! request, call the domain module, encode the answer (`resource` helpers below).

pub mod accounts;
pub mod admin;
pub mod agent;
pub mod agent_desk;
pub mod agent_outbound;
pub mod agent_transfer;
pub mod api_calls;
pub mod api_messages;
pub mod callbacks;
pub mod channels;
pub mod office;
pub mod park;
pub mod reports;
pub mod schedules;
pub mod studio;
pub mod supervisor;
pub mod system;
pub mod taskrouter;
#[cfg(debug_assertions)]
pub mod test_clock;
pub mod transcripts;
pub mod users;
pub mod voice;

use super::encoding::{page_json, PageRequest};
use super::request::Req;
use super::router::{Domain, Route};
use crate::store::Page;
use serde_json::Value;

/// Every route the server answers.
pub fn routes() -> Vec<Route> {
    let mut all = Vec::new();
    all.extend(system::routes());
    all.extend(Domain::Api.claim(accounts::routes()));
    all.extend(Domain::Api.claim(api_messages::routes()));
    all.extend(api_calls::routes());
    all.extend(Domain::TaskRouter.claim(taskrouter::routes()));
    all.extend(admin::routes());
    all.extend(office::routes());
    all.extend(supervisor::routes());
    all.extend(transcripts::routes());
    all.extend(reports::routes());
    all.extend(users::routes());
    all.extend(agent::routes());
    // Studio's own REST (`/v2/…`); its flow webhook and `/v1/Profiles` are switchboard's.
    all.extend(studio::routes().into_iter().map(|mut r| {
        if r.pattern.starts_with("/v2/") {
            r.domain = Some(Domain::Studio);
        }
        r
    }));
    all.extend(voice::routes());
    all.extend(schedules::routes());
    all.extend(callbacks::routes());
    all.extend(park::routes());
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    /// Each bare (method, path) has one route: where two products share a path (Flex's and
    /// Conversations' `/v1/Configuration`), all but one are `prefixed_only`.
    #[test]
    fn no_two_routes_answer_the_same_bare_path() {
        let mut seen = HashMap::new();
        for r in super::routes().into_iter().filter(|r| !r.prefixed_only) {
            if let Some(other) = seen.insert((r.method, r.pattern), r.domain) {
                panic!(
                    "{:?} {} is served bare by {:?} and {:?}: mark one `prefixed_only`",
                    r.method, r.pattern, other, r.domain
                );
            }
        }
    }
}
