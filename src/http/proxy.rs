//! What a request's forwarding headers may change: only a `--trust-proxy` peer's
//! `X-Forwarded-Proto` / `X-Forwarded-Host` / `Forwarded` count for the URL the client used (the
//! scheme only `http` or `https`, the host only a valid host), and its `X-Forwarded-For` /
//! `Forwarded: for=` for the client's address (the nearest address that is not itself a trusted
//! proxy). From anyone else they are ignored, so a stranger cannot make links point elsewhere.
//! Pure, no I/O.

use super::conn_wire::valid_host;
use std::net::IpAddr;

/// The scheme and host a client used, and its address, as far as the peer can be believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin<'a> {
    pub scheme: &'a str,
    pub host: Option<&'a str>,
    pub client: IpAddr,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The `key=` parameters of the last element of `Forwarded` (RFC 7239), the one the nearest proxy added.
fn forwarded_param<'a>(headers: &'a [(String, String)], key: &str) -> Option<&'a str> {
    let last = header(headers, "Forwarded")?.rsplit(',').next()?;
    last.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"'))
    })
}

/// Resolves the request's origin: `host_header` and `peer` unless `trusted(peer)`.
pub fn origin<'a>(
    headers: &'a [(String, String)],
    host_header: Option<&'a str>,
    peer: IpAddr,
    trusted: impl Fn(IpAddr) -> bool,
) -> Origin<'a> {
    let mut o = Origin {
        scheme: "http",
        host: host_header,
        client: peer,
    };
    if !trusted(peer) {
        return o;
    }
    let proto = header(headers, "X-Forwarded-Proto")
        .and_then(|v| v.rsplit(',').next())
        .or_else(|| forwarded_param(headers, "proto"))
        .map(str::trim);
    o.scheme = match proto {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let host = header(headers, "X-Forwarded-Host")
        .and_then(|v| v.rsplit(',').next())
        .or_else(|| forwarded_param(headers, "host"))
        .map(str::trim);
    if let Some(h) = host.filter(|h| !h.is_empty() && valid_host(h)) {
        o.host = Some(h);
    }
    // Right to left: the nearest hop that is not a trusted proxy is the client.
    let hops: Vec<IpAddr> = match header(headers, "X-Forwarded-For") {
        Some(v) => v.split(',').filter_map(|a| a.trim().parse().ok()).collect(),
        None => headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("Forwarded"))
            .flat_map(|(_, v)| v.split(','))
            .filter_map(|el| {
                el.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    let v = v.trim().trim_matches('"');
                    let v = v
                        .strip_prefix('[')
                        .map_or(v, |r| r.split(']').next().unwrap_or(r));
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| v.parse().ok())?
                })
            })
            .collect(),
    };
    for hop in hops.into_iter().rev() {
        o.client = hop;
        if !trusted(hop) {
            break;
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn local(ip: IpAddr) -> bool {
        ip.is_loopback()
    }

    #[test]
    fn strangers_forwarding_headers_are_ignored() {
        let hs = h(&[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-For", "1.2.3.4"),
        ]);
        let peer: IpAddr = "10.0.0.9".parse().unwrap();
        let o = origin(&hs, Some("office"), peer, local);
        assert_eq!(
            o,
            Origin {
                scheme: "http",
                host: Some("office"),
                client: peer
            }
        );
    }

    #[test]
    fn a_trusted_proxy_sets_scheme_host_and_client() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let hs = h(&[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "cc.example"),
            ("X-Forwarded-For", "9.9.9.9, 5.6.7.8, 127.0.0.2"),
        ]);
        let o = origin(&hs, Some("127.0.0.1:8080"), peer, local);
        assert_eq!(o.scheme, "https");
        assert_eq!(o.host, Some("cc.example"));
        assert_eq!(o.client, "5.6.7.8".parse::<IpAddr>().unwrap());
        // Only http and https; an invalid host is not taken.
        let hs = h(&[
            ("X-Forwarded-Proto", "javascript"),
            ("X-Forwarded-Host", "a b/<x>"),
        ]);
        let o = origin(&hs, Some("h"), peer, local);
        assert_eq!((o.scheme, o.host, o.client), ("http", Some("h"), peer));
        // RFC 7239 Forwarded.
        let hs = h(&[(
            "Forwarded",
            "for=1.1.1.1, for=\"[2001:db8::1]:4711\";proto=https;host=x.example",
        )]);
        let o = origin(&hs, None, peer, local);
        assert_eq!((o.scheme, o.host), ("https", Some("x.example")));
        assert_eq!(o.client, "2001:db8::1".parse::<IpAddr>().unwrap());
    }
}
