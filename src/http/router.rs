//! The route table: each resource group's `routes()` lists `(method, pattern, access, handler)`;
//! `Router::find` matches a path against the patterns. A pattern segment is a literal, a capture
//! `{Name}`, or a capture with a literal suffix such as `{Sid}.json` (Twilio's 2010 API).
//!
//! Each Twilio product's routes belong to its `Domain` and are served twice: bare (`/v1/…`, as
//! one host serving every product) and under the domain's own prefix, the first label of the
//! Twilio host it stands for (`/flex-api/v1/…` for `flex-api.twilio.com`, `/conversations/v1/…`),
//! which is what an SDK's per-domain base URL points at. Under a prefix only that domain's routes
//! answer. Two products share a bare path (`/v1/Configuration` of Flex and of Conversations): the
//! one marked `prefixed_only` (Flex's) answers only under its prefix, so the bare path stays
//! unambiguous (Conversations').

use super::encoding::percent_decode;
use super::error::ApiError;
use super::request::{Method, Reply, Req};
use crate::http::App;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; the handler does any checking itself (health, pages, signed webhooks, chat tokens).
    Public,
    /// HTTP Basic with the account's credentials or an API key.
    Account,
}

/// What a handler answers: a reply now, or a request parked until an event or its deadline.
pub enum Outcome {
    Reply(Reply),
    Park(super::park::Parked),
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Outcome {
        Outcome::Reply(r)
    }
}

pub type Handler = fn(&App, &Req) -> Result<Outcome, ApiError>;

#[derive(Clone)]
pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub access: Access,
    pub handler: Handler,
    /// Public routes customers and carriers call are rate-limited per source, in the bucket of
    /// their class (`limited()`, `limited_as`).
    pub limit: Option<super::limits::Limit>,
    /// The Twilio product the route belongs to (`None`: switchboard's own, served bare only).
    pub domain: Option<Domain>,
    /// Served only under its domain's prefix (a bare path another product owns).
    pub prefixed_only: bool,
}

/// A Twilio product with a host of its own; its routes are also served under `/{prefix}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `api.twilio.com` (the 2010 API).
    Api,
    TaskRouter,
    Studio,
    /// `flex-api.twilio.com`.
    FlexApi,
    Conversations,
}

impl Domain {
    pub const ALL: [Domain; 5] = [
        Domain::Api,
        Domain::TaskRouter,
        Domain::Studio,
        Domain::FlexApi,
        Domain::Conversations,
    ];

    /// The path prefix: the first label of the product's Twilio host.
    pub fn prefix(self) -> &'static str {
        match self {
            Domain::Api => "/api",
            Domain::TaskRouter => "/taskrouter",
            Domain::Studio => "/studio",
            Domain::FlexApi => "/flex-api",
            Domain::Conversations => "/conversations",
        }
    }

    /// Marks the routes (those not marked yet) as this domain's.
    pub fn claim(self, routes: Vec<Route>) -> Vec<Route> {
        routes
            .into_iter()
            .map(|mut r| {
                r.domain.get_or_insert(self);
                r
            })
            .collect()
    }

    /// The domain whose prefix starts `path`, and the path without it.
    pub fn split(path: &str) -> (Option<Domain>, &str) {
        for d in Domain::ALL {
            if let Some(rest) = path.strip_prefix(d.prefix()) {
                if rest.starts_with('/') {
                    return (Some(d), rest);
                }
            }
        }
        (None, path)
    }
}

impl Route {
    pub fn new(method: Method, pattern: &'static str, access: Access, handler: Handler) -> Route {
        Route {
            method,
            pattern,
            access,
            handler,
            limit: None,
            domain: None,
            prefixed_only: false,
        }
    }

    /// Serves the route only under its domain's prefix (see the module's header).
    pub fn prefixed_only(mut self, domain: Domain) -> Route {
        self.domain = Some(domain);
        self.prefixed_only = true;
        self
    }

    /// Marks a public route as rate-limited per client address (the `Other` bucket).
    pub fn limited(self) -> Route {
        self.limited_as(super::limits::Limit::Other)
    }

    /// Marks a public route as rate-limited per client address in the bucket of `class`.
    pub fn limited_as(mut self, class: super::limits::Limit) -> Route {
        self.limit = Some(class);
        self
    }
}

enum Seg {
    Lit(&'static str),
    Capture {
        name: &'static str,
        suffix: &'static str,
    },
}

struct Compiled {
    route: Route,
    segs: Vec<Seg>,
}

pub struct Router {
    routes: Vec<Compiled>,
}

/// The result of matching a path.
pub enum Match<'a> {
    Found(&'a Route, Vec<(&'static str, String)>),
    /// The path exists but not with this method; the methods it has.
    WrongMethod(Vec<Method>),
    NotFound,
}

impl Router {
    pub fn new(routes: Vec<Route>) -> Router {
        let routes = routes
            .into_iter()
            .map(|route| {
                let segs = route
                    .pattern
                    .trim_start_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|r| r.split_once('}')) {
                            Some((name, suffix)) => Seg::Capture { name, suffix },
                            None => Seg::Lit(s),
                        },
                    )
                    .collect();
                Compiled { route, segs }
            })
            .collect();
        Router { routes }
    }

    /// Matches a path as sent: a domain prefix is taken off and only that domain's routes match.
    pub fn find(&self, method: Method, path: &str) -> Match<'_> {
        let (domain, rest) = Domain::split(path);
        self.find_in(method, domain, rest)
    }

    /// Matches `path` (already without a prefix) among the routes `domain` (a prefix) serves, or
    /// among those served bare when `None`.
    pub fn find_in(&self, method: Method, domain: Option<Domain>, path: &str) -> Match<'_> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut allowed = Vec::new();
        for c in &self.routes {
            let serves = match domain {
                Some(d) => c.route.domain == Some(d),
                None => !c.route.prefixed_only,
            };
            if !serves {
                continue;
            }
            let Some(captures) = match_segments(&c.segs, &parts) else {
                continue;
            };
            if c.route.method == method {
                return Match::Found(&c.route, captures);
            }
            allowed.push(c.route.method);
        }
        if allowed.is_empty() {
            Match::NotFound
        } else {
            Match::WrongMethod(allowed)
        }
    }
}

fn match_segments(segs: &[Seg], parts: &[&str]) -> Option<Vec<(&'static str, String)>> {
    if segs.len() != parts.len() {
        return None;
    }
    // The shape first (literals, suffixes, non-empty captures), without allocating; captures are
    // decoded only for the route that matches.
    for (seg, part) in segs.iter().zip(parts) {
        match seg {
            Seg::Lit(l) => {
                if l != part {
                    return None;
                }
            }
            Seg::Capture { suffix, .. } => {
                if part.strip_suffix(suffix).is_none_or(str::is_empty) {
                    return None;
                }
            }
        }
    }
    let mut captures = Vec::new();
    for (seg, part) in segs.iter().zip(parts) {
        if let Seg::Capture { name, suffix } = seg {
            let raw = part.strip_suffix(suffix)?;
            captures.push((*name, percent_decode(raw.as_bytes()).ok()?));
        }
    }
    Some(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(_: &App, _: &Req) -> Result<Outcome, ApiError> {
        Err(ApiError::internal())
    }

    #[test]
    fn matches_captures_suffixes_and_methods() {
        let r = Router::new(vec![
            Route::new(
                Method::Get,
                "/v1/Workspaces/{WorkspaceSid}",
                Access::Account,
                h,
            ),
            Route::new(
                Method::Post,
                "/v1/Workspaces/{WorkspaceSid}",
                Access::Account,
                h,
            ),
            Route::new(
                Method::Get,
                "/2010-04-01/Accounts/{AccountSid}.json",
                Access::Account,
                h,
            ),
        ]);
        match r.find(Method::Get, "/v1/Workspaces/WS1") {
            Match::Found(_, caps) => assert_eq!(caps, vec![("WorkspaceSid", "WS1".to_string())]),
            _ => panic!("no match"),
        }
        match r.find(Method::Get, "/2010-04-01/Accounts/AC1.json") {
            Match::Found(_, caps) => assert_eq!(caps[0].1, "AC1"),
            _ => panic!("no match"),
        }
        assert!(
            matches!(r.find(Method::Delete, "/v1/Workspaces/WS1"), Match::WrongMethod(m) if m.len() == 2)
        );
        assert!(matches!(
            r.find(Method::Get, "/v1/Workspaces"),
            Match::NotFound
        ));
        assert!(matches!(
            r.find(Method::Get, "/2010-04-01/Accounts/.json"),
            Match::NotFound
        ));
        // Captures are decoded once the route matches; one that does not decode is no match.
        match r.find(Method::Get, "/v1/Workspaces/WS%201+x") {
            Match::Found(_, caps) => assert_eq!(caps[0].1, "WS 1 x"),
            _ => panic!("no match"),
        }
        assert!(matches!(
            r.find(Method::Get, "/v1/Workspaces/WS%FF"),
            Match::NotFound
        ));
        assert!(matches!(
            r.find(Method::Get, "/2010-04-01/Accounts/AC1.xml"),
            Match::NotFound
        ));
    }

    #[test]
    fn a_domain_prefix_serves_only_its_routes_and_prefixed_only_routes_are_not_bare() {
        let r = Router::new(vec![
            Route::new(Method::Get, "/v1/Configuration", Access::Account, h)
                .prefixed_only(Domain::Conversations),
            Route::new(Method::Get, "/v1/Workspaces", Access::Account, h),
        ]);
        let mut routes = Domain::FlexApi.claim(vec![Route::new(
            Method::Get,
            "/v1/Configuration",
            Access::Account,
            h,
        )]);
        routes.extend(r.routes.into_iter().map(|c| c.route));
        let r = Router::new(routes);
        let domain_of = |path: &str| match r.find(Method::Get, path) {
            Match::Found(route, _) => route.domain,
            _ => panic!("{path}: no match"),
        };
        assert_eq!(domain_of("/v1/Configuration"), Some(Domain::FlexApi));
        assert_eq!(
            domain_of("/flex-api/v1/Configuration"),
            Some(Domain::FlexApi)
        );
        assert_eq!(
            domain_of("/conversations/v1/Configuration"),
            Some(Domain::Conversations)
        );
        assert_eq!(domain_of("/v1/Workspaces"), None);
        // Switchboard's own routes and other products' are not served under a prefix.
        assert!(matches!(
            r.find(Method::Get, "/flex-api/v1/Workspaces"),
            Match::NotFound
        ));
        assert!(matches!(
            r.find(Method::Get, "/flex-apix/v1/Configuration"),
            Match::NotFound
        ));
        assert_eq!(Domain::split("/conversations"), (None, "/conversations"));
    }
}
