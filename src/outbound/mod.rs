//! Outbound HTTP: the one place that builds the clients (`ureq::Agent`) the background threads
//! call out with: TaskRouter's event and assignment callbacks, the voice bridge, Studio's HTTP
//! workers and the channels outbox. A leaf like `clock`: it knows nothing of `App` or of the
//! inbound `http` layer, and each caller keeps its own limits (`Options`).
//!
//! Requests to URLs that users configure (Studio's make-http-request and run-function, event and
//! assignment callbacks) go through a `Guard`: its resolver refuses loopback, private, link-local,
//! shared (CGNAT), multicast, unspecified and documentation addresses unless the operator allows
//! them (`--allow-outbound`). The check is on the resolved address and runs for every connection
//! ureq opens, so a redirect to a forbidden address is refused too, and the address checked is
//! the one connected to (no second lookup an attacker's DNS could answer differently).

pub mod lanes;

pub use lanes::{key_of, LaneLimits, LaneStats, Lanes};

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
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

/// A client whose connections pass `guard` (see the module header).
pub fn guarded_client(o: Options, guard: Guard) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(o.total)
        .timeout_connect(o.connect)
        .redirects(o.redirects)
        .resolver(guard)
        .build()
}

/// What the operator allows beyond the public internet: networks (address, prefix length) and
/// host names (`--allow-outbound`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    pub networks: Vec<(IpAddr, u8)>,
    pub hosts: Vec<String>,
}

impl Guard {
    /// `10.0.0.0/8, ::1, crm.office.lan` (or `none`): networks and host names.
    pub fn parse(s: &str) -> Result<Guard, String> {
        let mut g = Guard::default();
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(g);
        }
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match parse_network(part) {
                Some(net) => g.networks.push(net),
                None if !part.contains('/') && valid_host(part) => {
                    g.hosts.push(part.to_ascii_lowercase())
                }
                None => {
                    return Err(format!(
                        "--allow-outbound takes addresses, CIDRs or host names, not {part:?}"
                    ))
                }
            }
        }
        Ok(g)
    }

    fn allows(&self, ip: IpAddr) -> bool {
        in_networks(&self.networks, ip)
    }
}

/// `10.0.0.0/8` or `::1` → (network, prefix length); `None` for anything else.
pub fn parse_network(p: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = p.split_once('/').unwrap_or((p, ""));
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if bits.is_empty() {
        return Some((ip, max));
    }
    bits.parse::<u8>()
        .ok()
        .filter(|b| *b <= max)
        .map(|b| (ip, b))
}

/// Whether `ip` (an IPv4-mapped IPv6 address counts as its IPv4 one) is in one of `nets`.
pub fn in_networks(nets: &[(IpAddr, u8)], ip: IpAddr) -> bool {
    nets.iter().any(|(net, bits)| in_network(*net, *bits, ip))
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn in_network(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, unmap(ip)) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Why `ip` is not on the public internet, or `None` when it is.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match unmap(ip) {
        IpAddr::V4(a) => {
            let o = a.octets();
            if a.is_loopback() {
                Some("a loopback address")
            } else if a.is_private() {
                Some("a private address")
            } else if a.is_link_local() {
                Some("a link-local (cloud metadata) address")
            } else if o[0] == 100 && (o[1] & 0xC0) == 64 {
                Some("a shared (CGNAT) address")
            } else if a.is_multicast() || a.is_broadcast() || o[0] >= 240 {
                Some("a multicast or reserved address")
            } else if a.is_unspecified() || o[0] == 0 {
                Some("an unspecified address")
            } else if a.is_documentation() || (o[0] == 198 && (o[1] & 0xFE) == 18) {
                Some("a documentation or benchmarking address")
            } else {
                None
            }
        }
        IpAddr::V6(a) => {
            let seg0 = a.segments()[0];
            if a.is_loopback() {
                Some("a loopback address")
            } else if a.is_unspecified() {
                Some("an unspecified address")
            } else if (seg0 & 0xFE00) == 0xFC00 {
                Some("a private (unique local) address")
            } else if (seg0 & 0xFFC0) == 0xFE80 {
                Some("a link-local address")
            } else if a.is_multicast() {
                Some("a multicast address")
            } else if seg0 == 0x2001 && a.segments()[1] == 0x0db8 {
                Some("a documentation address")
            } else {
                None
            }
        }
    }
}

impl ureq::Resolver for Guard {
    fn resolve(&self, netloc: &str) -> io::Result<Vec<SocketAddr>> {
        let host = netloc
            .rsplit_once(':')
            .map_or(netloc, |(h, _)| h)
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let addrs: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        if self.hosts.contains(&host) {
            return Ok(addrs);
        }
        let mut refused = None;
        let allowed: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| match forbidden(a.ip()) {
                Some(why) if !self.allows(a.ip()) => {
                    refused = Some((a.ip(), why));
                    false
                }
                _ => true,
            })
            .collect();
        match (allowed.is_empty(), refused) {
            (true, Some((ip, why))) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "refused: {host} is {ip}, {why}; the appliance calls only public addresses \
                     unless the operator allows this one (--allow-outbound)"
                ),
            )),
            _ => Ok(allowed),
        }
    }
}

/// `text` with the user:password part of every URL in it removed (for logs, steps and errors).
pub fn redact_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***@");
                out.push_str(&authority[at + 1..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
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
    fn forbidden_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(forbidden(a.parse().unwrap()).is_some(), "{a}");
        }
        for a in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "100.128.0.1"] {
            assert!(forbidden(a.parse().unwrap()).is_none(), "{a}");
        }
    }

    #[test]
    fn the_guard_refuses_unless_allowed() {
        use ureq::Resolver;
        let none = Guard::default();
        let err = none.resolve("127.0.0.1:80").unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        let lo = Guard::parse("127.0.0.0/8").unwrap();
        assert_eq!(lo.resolve("127.0.0.1:80").unwrap().len(), 1);
        let named = Guard::parse("localhost").unwrap();
        assert!(!named.resolve("localhost:80").unwrap().is_empty());
        assert!(Guard::parse("10.0.0.0/33").is_err());
        assert!(Guard::parse("a b").is_err());
        assert_eq!(Guard::parse("none").unwrap(), Guard::default());
    }

    /// A redirect to a forbidden address is refused although the first host was allowed.
    #[test]
    fn a_redirect_is_checked_again() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            if let Some(Ok(mut s)) = l.incoming().next() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: http://10.255.255.1/x\r\nContent-Length: 0\r\n\r\n",
                );
            }
        });
        let agent = guarded_client(
            Options::within(Duration::from_secs(5)),
            Guard::parse("127.0.0.1").unwrap(),
        );
        let err = agent.get(&format!("http://{addr}/")).call().unwrap_err();
        assert!(err.to_string().contains("private address"), "{err}");
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_credentials("GET http://AC1:tok@127.0.0.1:80/a?b=c@d failed"),
            "GET http://***@127.0.0.1:80/a?b=c@d failed"
        );
        assert_eq!(redact_credentials("http://host/x"), "http://host/x");
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
