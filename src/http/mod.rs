//! The HTTP layer: tiny_http served by a fixed pool of threads. It decodes requests into `Req`,
//! finds the route, checks access, runs the handler (a panic becomes error JSON and the thread
//! keeps serving), and encodes the `Reply`. Nothing below `http` knows about HTTP.

pub mod api;
pub mod auth;
pub mod encoding;
pub mod error;
pub mod limits;
pub mod park;
pub mod request;
pub mod router;
pub mod session;

use crate::app::App;
use encoding::Params;
use error::ApiError;
use request::{Body, Method, Reply, Req};
use router::{Access, Match, Outcome, Router};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

/// Request bodies above this size are refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The running HTTP server.
pub struct HttpServer {
    server: Arc<tiny_http::Server>,
    threads: Vec<std::thread::JoinHandle<()>>,
    pub addr: std::net::SocketAddr,
}

impl HttpServer {
    /// Binds `app.config.listen` and starts `app.config.threads` pool threads.
    pub fn start(app: Arc<App>, parking: park::Parking) -> Result<HttpServer, String> {
        let server = tiny_http::Server::http(&app.config.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", app.config.listen))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or("the server is not listening on an IP address")?;
        let server = Arc::new(server);
        let router = Arc::new(Router::new(api::routes()));
        let mut threads = Vec::new();
        for i in 0..app.config.threads {
            let (server, router, app, parking) =
                (server.clone(), router.clone(), app.clone(), parking.clone());
            let t = std::thread::Builder::new()
                .name(format!("http-{i}"))
                .spawn(move || {
                    while let Ok(rq) = server.recv() {
                        handle(&app, &router, &parking, rq);
                    }
                })
                .map_err(|e| e.to_string())?;
            threads.push(t);
        }
        Ok(HttpServer {
            server,
            threads,
            addr,
        })
    }

    /// Stops accepting and waits for the pool threads to finish their requests.
    pub fn stop(self) {
        for _ in &self.threads {
            self.server.unblock();
        }
        for t in self.threads {
            let _ = t.join();
        }
    }
}

fn handle(app: &App, router: &Router, parking: &park::Parking, mut rq: tiny_http::Request) {
    let started = Instant::now();
    let method = rq.method().as_str().to_string();
    let url = rq.url().to_string();
    let mut route = "unmatched";
    let outcome = match decode(app, router, &mut rq) {
        Ok((req, handler, pattern)) => {
            route = pattern;
            run_handler(app, handler, &req)
        }
        Err(e) => Outcome::Reply(Reply::error(&e)),
    };
    let path = url.split('?').next().unwrap_or("");
    match outcome {
        Outcome::Reply(reply) => {
            let status = reply.status;
            // Counted before the answer leaves, so a client's next request (a scrape) sees it.
            let seconds = started.elapsed().as_secs_f64();
            app.metrics.observe(&method, route, status, seconds);
            respond(rq, &reply);
            log::info!(target: "http", "{method} {path} {status} {:.1}ms", seconds * 1000.0);
        }
        Outcome::Park(parked) => {
            log::debug!(target: "http", "{method} {path} parked");
            parking.park(rq, parked);
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
    rq: &mut tiny_http::Request,
) -> Result<(Req, router::Handler, &'static str), ApiError> {
    let url = rq.url().to_string();
    let (path, raw_query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (url.clone(), String::new()),
    };
    let method = Method::parse(rq.method().as_str())
        .ok_or_else(|| ApiError::method_not_allowed(rq.method().as_str(), &path))?;
    let (route, path_params) = match router.find(method, &path) {
        Match::Found(route, caps) => (route.clone(), caps),
        Match::WrongMethod(_) => return Err(ApiError::method_not_allowed(method.as_str(), &path)),
        Match::NotFound => return Err(ApiError::not_found(&path)),
    };
    if route.rate_limited {
        if let Some(ip) = rq.remote_addr().map(|a| a.ip()) {
            if !app.public_limiter.allow(ip) {
                return Err(ApiError::too_many_requests());
            }
        }
    }
    let headers: Vec<(String, String)> = rq
        .headers()
        .iter()
        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    if rq.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::too_large(MAX_BODY));
    }
    let mut body = Vec::new();
    rq.as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| ApiError::bad_request(format!("The request body could not be read: {e}")))?;
    if body.len() > MAX_BODY {
        return Err(ApiError::too_large(MAX_BODY));
    }
    let base_url = match &app.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let scheme = header("X-Forwarded-Proto").unwrap_or_else(|| "http".to_string());
            let host = header("Host").unwrap_or_else(|| app.config.listen.clone());
            format!("{scheme}://{host}")
        }
    };
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
        remote_addr: rq.remote_addr().map(|a| a.to_string()).unwrap_or_default(),
    };
    if route.access == Access::Account {
        req.principal = Some(auth::require_account(app, &req)?);
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
    }
    Ok((req, route.handler, route.pattern))
}

/// Writes `reply` to the client; a client that went away is only logged.
pub fn respond(rq: tiny_http::Request, reply: &Reply) {
    let (content_type, bytes): (&str, Vec<u8>) = match &reply.body {
        Body::Json(v) => (
            "application/json; charset=utf-8",
            v.to_string().into_bytes(),
        ),
        Body::Bytes {
            content_type,
            bytes,
        } => (content_type, bytes.clone()),
        Body::Empty => ("text/plain", Vec::new()),
    };
    let mut response = tiny_http::Response::from_data(bytes).with_status_code(reply.status);
    let mut add = |name: &str, value: &str| {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    };
    if !matches!(reply.body, Body::Empty) {
        add("Content-Type", content_type);
    }
    for (name, value) in &reply.headers {
        add(name, value);
    }
    if let Err(e) = rq.respond(response) {
        log::debug!("could not answer a client: {e}");
    }
}
