//! Outbound HTTP: the one place that builds the clients (`ureq::Agent`) the background threads
//! call out with: TaskRouter's event and assignment callbacks, the voice bridge, Studio's HTTP
//! workers and the channels outbox. A leaf like `clock`: it knows nothing of `App` or of the
//! inbound `http` layer, and each caller keeps its own limits (`Options`).

use std::time::Duration;

/// How one client's requests are bounded. Every client keeps ureq's user agent (`ureq/2.x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The whole request: connecting, sending and reading together.
    pub total: Duration,
    /// Connecting alone (never longer than `total` in effect).
    pub connect: Duration,
    /// Redirects followed before the answer is taken as it is.
    pub redirects: u32,
}

impl Options {
    /// ureq's own connect limit, kept where a caller sets none.
    pub const DEFAULT_CONNECT: Duration = Duration::from_secs(30);
    /// ureq's own redirect limit, kept where a caller sets none.
    pub const DEFAULT_REDIRECTS: u32 = 5;

    /// Requests that end within `total`, with ureq's connect and redirect limits.
    pub const fn within(total: Duration) -> Options {
        Options {
            total,
            connect: Options::DEFAULT_CONNECT,
            redirects: Options::DEFAULT_REDIRECTS,
        }
    }

    pub const fn connect_within(self, connect: Duration) -> Options {
        Options { connect, ..self }
    }

    pub const fn redirects(self, redirects: u32) -> Options {
        Options { redirects, ..self }
    }
}

/// A client with its own keep-alive pool; clone it to share the pool between threads.
pub fn http_client(o: Options) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(o.total)
        .timeout_connect(o.connect)
        .redirects(o.redirects)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A server where `/n` redirects to `/n+1` until `/2`, which answers 200.
    fn redirect_chain() -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { return };
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let step: u32 = head
                    .split(' ')
                    .nth(1)
                    .and_then(|p| p.trim_start_matches('/').parse().ok())
                    .unwrap_or(0);
                let reply = if step < 2 {
                    format!("HTTP/1.1 302 Found\r\nLocation: /{}\r\n", step + 1)
                } else {
                    "HTTP/1.1 200 OK\r\n".to_string()
                };
                let _ = s.write_all(format!("{reply}Content-Length: 0\r\n\r\n").as_bytes());
            }
        });
        addr
    }

    #[test]
    fn options_keep_ureqs_defaults_unless_set() {
        let o = Options::within(Duration::from_secs(5));
        assert_eq!((o.connect, o.redirects), (Duration::from_secs(30), 5));
        let o = o.connect_within(Duration::from_secs(1)).redirects(3);
        assert_eq!(o.total, Duration::from_secs(5));
        assert_eq!((o.connect, o.redirects), (Duration::from_secs(1), 3));
    }

    /// Two redirects are followed by default and refused by a client limited to two hops.
    #[test]
    fn the_redirect_limit_is_the_clients() {
        let url = format!("http://{}/0", redirect_chain());
        let default = http_client(Options::within(Duration::from_secs(5)));
        assert_eq!(default.get(&url).call().unwrap().status(), 200);
        let limited = http_client(Options::within(Duration::from_secs(5)).redirects(2));
        let err = limited.get(&url).call().unwrap_err();
        assert_eq!(err.kind(), ureq::ErrorKind::TooManyRedirects, "{err}");
    }

    /// A request that gets no answer ends at `total`.
    #[test]
    fn a_silent_server_times_out_at_total() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let agent = http_client(Options::within(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        let err = agent.get(&format!("http://{addr}/")).call().unwrap_err();
        assert_eq!(err.kind(), ureq::ErrorKind::Io, "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(l);
    }
}
