//! The test harness: starts the real `switchboard` binary on a free port with a temp database,
//! waits for `/healthz`, and talks HTTP to it with a small blocking client. Dropping the
//! `TestServer` kills the process and removes the temp folder.
#![allow(dead_code, unused_imports)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use serde_json::{json, Value};

/// Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(token, url + the sorted name+value pairs)).
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A temp folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "switchboard-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            Instant::now().elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A response as the client saw it.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status, printing the body when it differs.
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts Twilio's error JSON with this status, and returns it.
    pub fn expect_error(self, status: u16) -> Value {
        let r = self.expect(status);
        let v = r.json();
        assert_eq!(v["status"], status, "{v}");
        assert!(v["code"].as_u64().is_some(), "{v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert!(
            v["more_info"]
                .as_str()
                .is_some_and(|m| m.starts_with("https://")),
            "{v}"
        );
        v
    }
}

pub fn form_encode(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// One HTTP/1.1 exchange on a fresh connection.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    // A server may answer (413) before reading a large body; a reset while writing is fine.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> std::io::Result<Resp> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Ok(Resp {
        status,
        headers,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}

/// The real binary, running.
pub struct TestServer {
    child: Option<Child>,
    pub addr: String,
    pub sid: String,
    pub token: String,
    pub dir: TempDir,
    pub db: PathBuf,
    env: Vec<(String, String)>,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_switchboard")
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::start_with(&[])
    }

    /// Starts with extra environment variables on a new temp database.
    pub fn start_with(env: &[(&str, &str)]) -> TestServer {
        let dir = TempDir::new("srv");
        let db = dir.path().join("switchboard.db");
        TestServer::start_on(dir, db, env)
    }

    /// Starts on an existing database file inside `dir`.
    pub fn start_on(dir: TempDir, db: PathBuf, env: &[(&str, &str)]) -> TestServer {
        let mut s = TestServer {
            child: None,
            addr: String::new(),
            sid: String::new(),
            token: String::new(),
            dir,
            db,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .expect("log file");
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--threads", "4", "--db"])
            .arg(&self.db)
            .env("RUST_LOG", "warn")
            // The tests' targets (carrier stubs, webhook and HTTP servers) listen on loopback,
            // which the appliance refuses by default; tests of that refusal set it to `none`.
            .env("SWITCHBOARD_ALLOW_OUTBOUND", "127.0.0.0/8,::1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start switchboard");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(l) => l,
                Err(_) => {
                    let _ = child.kill();
                    panic!("switchboard did not start; log: {}", self.log());
                }
            };
            if let Some(rest) = line.strip_prefix("switchboard is running at http://") {
                self.addr = rest.trim().to_string();
            } else if let Some(v) = line.trim().strip_prefix("Account SID:") {
                self.sid = v.split_whitespace().next().unwrap_or("").to_string();
            } else if let Some(v) = line.trim().strip_prefix("Auth Token:") {
                self.token = v.trim().to_string();
            }
            if !self.addr.is_empty()
                && !self.sid.is_empty()
                && (!self.token.is_empty() || line.contains("credentials` prints the token"))
            {
                break;
            }
        }
        self.child = Some(child);
        self.wait_healthy();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = http(&self.addr, "GET", "/healthz", &[], b"") {
                if r.status == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("/healthz never answered 200");
    }

    /// Kills the process (SIGKILL) and starts it again on the same database.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The server process's id (for `/proc/PID/...`).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).expect("server running")
    }

    pub fn auth(&self) -> String {
        basic(&self.sid, &self.token)
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        http(&self.addr, method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[("Authorization", &self.auth())], b"")
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, &[("Authorization", &self.auth())], b"")
    }

    pub fn post(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.request(
            "POST",
            path,
            &[
                ("Authorization", &self.auth()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form_encode(params).as_bytes(),
        )
    }

    /// Moves the server's clock `ms` forward (`POST /__test/clock`, test builds only): timers
    /// that became due fire at once. Returns the server's new now (Unix ms).
    /// The carrier's webhook request to `path`, signed with `token` for `url` (the address the
    /// carrier was given: this server's unless the box has a public URL).
    pub fn signed_post(&self, token: &str, url: &str, path: &str, params: &[(&str, &str)]) -> Resp {
        let sig = twilio_signature(token, url, params);
        self.request(
            "POST",
            path,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("X-Twilio-Signature", &sig),
            ],
            form_encode(params).as_bytes(),
        )
    }

    pub fn advance_clock(&self, ms: i64) -> i64 {
        self.move_clock(("AdvanceMs", &ms.to_string()))
    }

    /// Sets the server's clock to `now_ms` (Unix ms); it runs on from there.
    pub fn set_clock(&self, now_ms: i64) -> i64 {
        self.move_clock(("Now", &now_ms.to_string()))
    }

    fn move_clock(&self, param: (&str, &str)) -> i64 {
        let r = self.post("/__test/clock", &[param]);
        assert_ne!(
            r.status, 404,
            "this binary cannot move its clock: it is a release build (run without --release)"
        );
        r.expect(200).json()["now"].as_i64().expect("now")
    }

    /// The account's 2010 API path prefix.
    pub fn account_path(&self) -> String {
        format!("/2010-04-01/Accounts/{}", self.sid)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `f` until it returns `Some` or `timeout` passes (never a bare sleep-and-hope).
pub fn wait_until<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
