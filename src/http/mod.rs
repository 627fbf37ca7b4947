//! The HTTP layer. One connection thread (`conn.rs`, epoll through `mio`) owns every socket and
//! hands complete requests to a fixed pool of handler threads, which decode them into `Req`, find
//! the route, check access, run the handler (a panic becomes error JSON and the thread keeps
//! serving), and send the `Reply` back to the connection thread to write. Requests that wait are
//! parked (`park.rs`) and hold no thread at all. Nothing below `http` knows about HTTP.

mod app;
pub use app::App;
pub mod api;
pub mod audit;
pub mod auth;
pub mod conn;
pub mod conn_answer;
pub mod conn_chunked;
pub mod conn_responder;
mod conn_slots;
mod conn_state;
pub mod conn_wire;
pub mod encoding;
pub mod error;
pub mod limits;
pub mod park;
pub mod proxy;
pub mod request;
pub mod roles;
pub mod router;
pub mod session;
pub mod web;

use conn_responder::{Incoming, RawRequest, Responder};
use encoding::Params;
use error::ApiError;
use limits::Limit;
use request::{Method, Reply, Req};
use router::{Access, Match, Outcome, Router};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

/// Request bodies above this size are refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;
/// Requests waiting for a handler thread beyond this are answered 503 by the connection thread
/// (the queue, at most this many requests of up to `MAX_BODY` each, is bounded).
pub const MAX_QUEUED: usize = 1024;

/// The running HTTP server: the connection thread and the handler pool.
pub struct HttpServer {
    conns: conn::Loop,
    threads: Vec<std::thread::JoinHandle<()>>,
    pub addr: std::net::SocketAddr,
}

impl HttpServer {
    /// Binds `app.config.listen`, starts the connection thread and `app.config.threads` handler
    /// threads.
    pub fn start(app: Arc<App>, parking: park::Parking) -> Result<HttpServer, String> {
        let (jobs_tx, jobs) = crossbeam_channel::bounded::<Incoming>(MAX_QUEUED);
        let proxies = app.config.trust_proxy.clone();
        let limits = conn::ConnLimits {
            max_connections: conn_slots::connection_cap(),
            per_address: app.config.max_connections_per_address,
            reserved: conn_slots::reserve_for(conn_slots::connection_cap()),
            exempt: Box::new(move |ip| crate::outbound::in_networks(&proxies, ip)),
        };
        let conns = conn::Loop::start(&app.config.listen, jobs_tx, limits)?;
        let addr = conns.addr;
        let router = Arc::new(Router::new(api::routes()));
        let mut threads = Vec::new();
        for i in 0..app.config.threads {
            let (jobs, router, app, parking) =
                (jobs.clone(), router.clone(), app.clone(), parking.clone());
            let t = std::thread::Builder::new()
                .name(format!("http-{i}"))
                // Explicit, sized for the recursive parsers' depth limits (Liquid: 64 blocks).
                .stack_size(8 * 1024 * 1024)
                .spawn(move || {
                    while let Ok(rq) = jobs.recv() {
                        handle(&app, &router, &parking, rq);
                    }
                })
                .map_err(|e| e.to_string())?;
            threads.push(t);
        }
        Ok(HttpServer {
            conns,
            threads,
            addr,
        })
    }

    /// Stops accepting, lets the pool finish the requests it has (their answers are written),
    /// then answers parked requests with 503 and closes every connection.
    pub fn stop(self) {
        self.conns.drain();
        for t in self.threads {
            let _ = t.join();
        }
        self.conns.exit();
    }
}

fn handle(app: &App, router: &Router, parking: &park::Parking, incoming: Incoming) {
    let started = Instant::now();
    let Incoming {
        request: mut rq,
        responder,
    } = incoming;
    let mut route = "unmatched";
    let challenge = auth::challenge(&rq.headers);
    // On a connection of the strict reserve only the office's own requests are served, and any
    // other answer closes it, so the reserve stays free for them.
    let reserved = responder.is_in_reserve();
    let mut close = reserved;
    let outcome = match decode(app, router, &mut rq) {
        Ok((req, _, _)) if reserved && !auth::from_the_office(app, &req) => {
            Outcome::Reply(Reply::error(
                &ApiError::unavailable(
                    "Every connection is taken; the last few are kept for signed-in users and \
                     the API. Try again shortly",
                )
                .with_retry_after(std::time::Duration::from_secs(5)),
            ))
        }
        Ok((req, handler, pattern)) => {
            close = false;
            route = pattern;
            let named = audit::before(app, &req, pattern);
            let outcome = run_handler(app, handler, &req);
            if let Outcome::Reply(reply) = &outcome {
                audit::after(app, &req, pattern, reply, named);
            }
            outcome
        }
        Err(e) => Outcome::Reply(Reply::error(&e)),
    };
    let method = rq.method.as_str();
    let path = rq.target.split('?').next().unwrap_or("");
    match outcome {
        Outcome::Reply(mut reply) => {
            let status = reply.status;
            if status == 401 && !reply.headers.iter().any(|(k, _)| *k == "WWW-Authenticate") {
                reply
                    .headers
                    .push(("WWW-Authenticate", challenge.to_string()));
            }
            // Counted before the answer leaves, so a client's next request (a scrape) sees it.
            let seconds = started.elapsed().as_secs_f64();
            app.metrics.observe(method, route, status, seconds);
            if close {
                responder.send_closing(&reply);
            } else {
                respond(responder, &reply);
            }
            log::info!(target: "http", "{method} {path} {status} {:.1}ms", seconds * 1000.0);
        }
        Outcome::Park(parked) => {
            log::debug!(target: "http", "{method} {path} parked");
            parking.park(responder, parked);
        }
    }
}

/// Runs a handler; an error becomes error JSON, and so does a panic (the thread keeps serving).
fn run_handler(app: &App, handler: router::Handler, req: &Req) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| handler(app, req))) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => Outcome::Reply(Reply::error(&e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            log::error!(
                "handler for {} {} panicked: {what}",
                req.method.as_str(),
                req.path
            );
            Outcome::Reply(Reply::error(&ApiError::internal()))
        }
    }
}

/// Reads and checks everything before the handler runs: method, route, size, auth, body.
fn decode(
    app: &App,
    router: &Router,
    rq: &mut RawRequest,
) -> Result<(Req, router::Handler, &'static str), ApiError> {
    let (path, raw_query) = match rq.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (rq.target.clone(), String::new()),
    };
    let method =
        Method::parse(&rq.method).ok_or_else(|| ApiError::method_not_allowed(&rq.method, &path))?;
    // A product's prefix (`/flex-api/v1/…`) is taken off the path and put on the base URL, so
    // the answer's `url`s and paging links stay under the prefix the client used.
    let (domain, bare) = router::Domain::split(&path);
    let (route, path_params) = match router.find_in(method, domain, bare) {
        Match::Found(route, caps) => (route.clone(), caps),
        Match::WrongMethod(_) => return Err(ApiError::method_not_allowed(method.as_str(), &path)),
        Match::NotFound => return Err(ApiError::not_found(&path)),
    };
    let origin = proxy::origin(
        &rq.headers,
        rq.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Host"))
            .map(|(_, v)| v.as_str()),
        rq.remote_addr.ip(),
        |ip| app.config.trusts_proxy(ip),
    );
    let base_url = match &app.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = origin.host.filter(|h| !h.is_empty());
            format!("{}://{}", origin.scheme, host.unwrap_or(&app.config.listen))
        }
    };
    let base_url = format!("{base_url}{}", domain.map_or("", |d| d.prefix()));
    let path = bare.to_string();
    let client = origin.client;
    // Carrier webhooks are counted once their signature is known (below), in their own bucket.
    let limit = route.limit.filter(|class| *class != Limit::Webhook);
    if let Some(class) = limit {
        if !app.rate_limits.allow(class, false, client) {
            return Err(ApiError::too_many_requests());
        }
    }
    let headers = std::mem::take(&mut rq.headers);
    if rq.body_too_large || rq.body.len() > MAX_BODY {
        return Err(ApiError::too_large(MAX_BODY));
    }
    let body = std::mem::take(&mut rq.body);
    let mut req = Req {
        method,
        path,
        query: Params::decode(raw_query.as_bytes())
            .map_err(|e| ApiError::bad_request(format!("Malformed query string: {e}")))?,
        raw_query,
        form: Params::default(),
        json: None,
        body,
        headers,
        path_params,
        principal: None,
        base_url,
        remote_addr: if client == rq.remote_addr.ip() {
            rq.remote_addr.to_string()
        } else {
            client.to_string()
        },
    };
    if route.access == Access::Account {
        let principal = auth::require_account(app, &req, client)?;
        // The form is decoded below; the role check needs it, so it runs after that.
        req.principal = Some(principal);
    }
    let content_type = req
        .header("Content-Type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        if !req.body.is_empty() {
            req.json = Some(serde_json::from_slice(&req.body).map_err(|e| {
                ApiError::bad_request(format!("Malformed request body: not valid JSON ({e})"))
            })?);
        }
    } else if !req.body.is_empty() {
        req.form = Params::decode(&req.body)
            .map_err(|e| ApiError::bad_request(format!("Malformed request body: {e}")))?;
        encoding::check_names(&req.path, &req.form)?;
    }
    if let Some(p) = &req.principal {
        roles::check(p, method, route.pattern, &req)?;
    }
    if route.limit == Some(Limit::Webhook) {
        // A request the carrier signed never waits behind unsigned traffic from its address.
        let signed = app
            .config
            .provider_token
            .as_deref()
            .is_some_and(|token| auth::check_signature(&req, token).is_ok());
        if !app.rate_limits.allow(Limit::Webhook, signed, client) {
            return Err(ApiError::too_many_requests());
        }
    }
    Ok((req, route.handler, route.pattern))
}

/// Sends `reply` to the client through the connection thread; a client that went away is fine.
pub fn respond(responder: Responder, reply: &Reply) {
    responder.send(reply);
}
