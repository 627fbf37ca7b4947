//! The route table: each resource group's `routes()` lists `(method, pattern, access, handler)`;
//! `Router::find` matches a path against the patterns. A pattern segment is a literal, a capture
//! `{Name}`, or a capture with a literal suffix such as `{Sid}.json` (Twilio's 2010 API).

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
}

impl Route {
    pub fn new(method: Method, pattern: &'static str, access: Access, handler: Handler) -> Route {
        Route {
            method,
            pattern,
            access,
            handler,
            limit: None,
        }
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

    pub fn find(&self, method: Method, path: &str) -> Match<'_> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut allowed = Vec::new();
        for c in &self.routes {
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
}
