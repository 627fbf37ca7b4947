//! An in-repo HTTP/1.1 load generator: `connections` keep-alive connections, one thread each,
//! sending the same request back to back for a fixed time, recording every latency.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub struct LoadResult {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub latencies_us: Vec<u64>,
}

impl LoadResult {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }
}

/// The `p`-th percentile (0–100) of latencies in µs, as milliseconds.
pub fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted_us.len() - 1) as f64).round() as usize;
    sorted_us[idx.min(sorted_us.len() - 1)] as f64 / 1000.0
}

/// Sends `GET path` with `headers` over `connections` connections for `duration`.
pub fn run(
    addr: &str,
    path: &str,
    headers: &[(&str, String)],
    connections: usize,
    duration: Duration,
) -> LoadResult {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let started = Instant::now();
    let deadline = started + duration;
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, head) = (addr.to_string(), head.clone());
            std::thread::spawn(move || client(&addr, head.as_bytes(), deadline))
        })
        .collect();
    let mut result = LoadResult {
        requests: 0,
        errors: 0,
        seconds: 0.0,
        latencies_us: Vec::new(),
    };
    for t in threads {
        let (lat, errors) = t.join().unwrap_or_default();
        result.requests += lat.len() as u64;
        result.errors += errors;
        result.latencies_us.extend(lat);
    }
    result.seconds = started.elapsed().as_secs_f64();
    result.latencies_us.sort_unstable();
    result
}

fn client(addr: &str, request: &[u8], deadline: Instant) -> (Vec<u64>, u64) {
    let mut lat = Vec::new();
    let mut errors = 0;
    while Instant::now() < deadline {
        let Ok(stream) = TcpStream::connect(addr) else {
            errors += 1;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut reader = BufReader::new(stream);
        while Instant::now() < deadline {
            let t = Instant::now();
            if reader.get_mut().write_all(request).is_err() {
                errors += 1;
                break;
            }
            match read_response(&mut reader) {
                Some(status) if status < 400 => lat.push(t.elapsed().as_micros() as u64),
                Some(_) => errors += 1,
                None => {
                    errors += 1;
                    break;
                }
            }
        }
    }
    (lat, errors)
}

/// One keep-alive connection for scenarios that send their own requests (POSTs, bodies read).
pub struct Conn {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: &str) -> Option<Conn> {
        let stream = TcpStream::connect(addr).ok()?;
        let _ = stream.set_nodelay(true);
        // A lost answer fails the call instead of hanging the suite.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
        Some(Conn {
            addr: addr.to_string(),
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and reads the answer: `(status, body)`, or `None` if the connection broke.
    pub fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Option<(u16, Vec<u8>)> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.reader.get_mut().write_all(&bytes).ok()?;
        let mut out = Vec::new();
        let status = read_response_into(&mut self.reader, Some(&mut out))?;
        Some((status, out))
    }

    /// Whether the server has already answered (or closed): a parked request must not have.
    pub fn readable_now(&mut self) -> bool {
        if !self.reader.buffer().is_empty() {
            return true;
        }
        let s = self.reader.get_mut();
        if s.set_nonblocking(true).is_err() {
            return true;
        }
        let mut b = [0u8; 1];
        let ready =
            !matches!(s.peek(&mut b), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock);
        let _ = s.set_nonblocking(false);
        ready
    }

    /// Sends a request without waiting for its answer (a long-poll that stays open).
    pub fn send_only(&mut self, path: &str, headers: &[(&str, String)]) -> bool {
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.reader.get_mut().write_all(head.as_bytes()).is_ok()
    }
}

fn read_response(r: &mut BufReader<TcpStream>) -> Option<u16> {
    read_response_into(r, None)
}

fn read_response_into(r: &mut BufReader<TcpStream>, mut out: Option<&mut Vec<u8>>) -> Option<u16> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut len = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).ok()?;
            let size = usize::from_str_radix(line.trim(), 16).ok()?;
            let mut buf = vec![0u8; size + 2];
            r.read_exact(&mut buf).ok()?;
            if size == 0 {
                break;
            }
            if let Some(o) = out.as_deref_mut() {
                o.extend_from_slice(&buf[..size]);
            }
        }
    } else {
        let mut buf = vec![0u8; len];
        r.read_exact(&mut buf).ok()?;
        if let Some(o) = out {
            *o = buf;
        }
    }
    Some(status)
}
