//! Command-line flags and their environment twins. Flags win over the environment, which wins
//! over the defaults (see `USAGE`).

use std::path::PathBuf;

pub const USAGE: &str = "\
switchboard — a self-hosted contact center in one binary

USAGE:
    switchboard [serve] [OPTIONS]       start the appliance (the default)
    switchboard credentials [--db FILE] print the Account SID and Auth Token
    switchboard rotate-token [--db FILE] replace the Auth Token (the old one stops working)
    switchboard backup FILE [--db FILE] copy the database with SQLite's online backup (safe while serving)
    switchboard restore FILE [--db FILE] replace the database with a backup (stop the server first)
    switchboard checkup [--db FILE] [--fix]  System Checkup: stale channel sessions and
                                        conversations (--fix cleans them)
    switchboard help                    this text

OPTIONS (each has an environment twin; flags win):
    --listen ADDR     address to serve on          SWITCHBOARD_LISTEN   default 127.0.0.1:8080
    --db FILE         the SQLite database file     SWITCHBOARD_DB       default ./switchboard.db
    --threads N       HTTP worker threads          SWITCHBOARD_THREADS  default 2 x cores, at least 4
    --sync MODE       normal | full                SWITCHBOARD_SYNC     default normal
                      normal: fast; a power cut may lose the last moments of acknowledged writes,
                              never corrupts the file. full: every acknowledged write survives.
    --public-url URL  the base URL links are built from   SWITCHBOARD_PUBLIC_URL
                      default: taken from each request's Host header
    --trust-proxy LIST  proxies whose X-Forwarded-Proto/-Host/-For and Forwarded headers count
                      (addresses or CIDRs, comma-separated)   SWITCHBOARD_TRUST_PROXY
                      default 127.0.0.1/8,::1 (a TLS proxy on this machine); none trusts no proxy
    --allow-outbound LIST  loopback/private/link-local addresses, CIDRs or host names that flows'
                      make-http-request / run-function and event callbacks may call
                      (comma-separated)   SWITCHBOARD_ALLOW_OUTBOUND   default none: public only
    --max-connections-per-address N  open connections one client address may hold
                      SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS   default 64 (--trust-proxy peers: no limit)

Public endpoints are rate-limited per client address, with a bucket per route class (sign-in,
    web chat, carrier webhooks, the rest; signed webhooks apart from unsigned ones):
    SWITCHBOARD_PUBLIC_BURST (default 120 requests) and SWITCHBOARD_PUBLIC_RATE (default 30/s).
Failed sign-ins slow down per account: after 5, each next attempt waits SWITCHBOARD_SIGNIN_BACKOFF_MS
    (default 1000), doubled per failure up to 15 minutes; an admin unlocks early. Failed REST Basic
    auths: SWITCHBOARD_AUTH_FAILURES per client address per minute (default 20), then 429.
Sign-in sessions of the admin console and agent desktop last SWITCHBOARD_SESSION_TTL seconds
(default 43200, 12 hours).

The carrier (SMS, WhatsApp): SWITCHBOARD_PROVIDER_URL (its REST base, e.g. https://api.twilio.com),
    SWITCHBOARD_PROVIDER_SID and SWITCHBOARD_PROVIDER_TOKEN (its credentials; with a token set,
    inbound carrier webhooks must carry a valid X-Twilio-Signature). Outbound messages wait in an
    outbox while the carrier is down; SWITCHBOARD_RETRY_BASE_MS (default 1000) is the first retry delay.

The log level comes from RUST_LOG (error, warn, info, debug, trace; default info).
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Credentials,
    RotateToken,
    Backup(PathBuf),
    Restore(PathBuf),
    /// System Checkup of channel state; `fix` cleans what it finds.
    Checkup {
        fix: bool,
    },
    Help,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub command: Command,
    pub listen: String,
    pub db: PathBuf,
    pub threads: usize,
    pub sync: Sync,
    pub public_url: Option<String>,
    /// Per client address on the public endpoints (web chat, webhooks): burst and refill per second.
    pub public_burst: u32,
    pub public_rate: u32,
    /// Open connections one client address (socket peer) may hold; trusted proxies are exempt.
    pub max_connections_per_address: usize,
    /// The first wait after 5 failed sign-ins to one account, doubled per further failure.
    pub signin_backoff_ms: u64,
    /// Failed HTTP Basic authentications one client address may make per minute before 429.
    pub auth_failures_per_minute: u32,
    /// Proxies whose forwarding headers are believed (`--trust-proxy`): (network, prefix length).
    pub trust_proxy: Vec<(std::net::IpAddr, u8)>,
    /// Addresses, networks and host names that user-configured outbound requests may reach
    /// beyond the public internet (`--allow-outbound`; none by default).
    pub allow_outbound: crate::outbound::Guard,
    /// Enables routes that only tests use (an injected panic). Off unless SWITCHBOARD_TEST_HOOKS=1.
    pub test_hooks: bool,
    /// How long a sign-in session of the admin console or the agent desktop lasts (seconds).
    pub session_ttl_secs: i64,
    /// The carrier's REST base URL and credentials (SWITCHBOARD_PROVIDER_URL, _SID, _TOKEN).
    /// With a token set, inbound carrier webhooks must be signed with it.
    pub provider_url: Option<String>,
    pub provider_sid: Option<String>,
    pub provider_token: Option<String>,
    /// The first retry delay of the outbound outbox, doubled per attempt up to a minute
    /// (SWITCHBOARD_RETRY_BASE_MS, default 1000).
    pub retry_base_ms: u64,
}

impl Config {
    /// Defaults for an appliance serving `db` on `listen` (what tests and benchmarks start from).
    pub fn new(listen: &str, db: PathBuf) -> Config {
        Config {
            command: Command::Serve,
            listen: listen.to_string(),
            db,
            threads: default_threads(),
            sync: Sync::Normal,
            public_url: None,
            trust_proxy: parse_cidrs("127.0.0.1/8,::1").unwrap_or_default(),
            allow_outbound: crate::outbound::Guard::default(),
            public_burst: 120,
            public_rate: 30,
            max_connections_per_address: 64,
            signin_backoff_ms: 1000,
            auth_failures_per_minute: 20,
            test_hooks: false,
            session_ttl_secs: 12 * 3600,
            provider_url: None,
            provider_sid: None,
            provider_token: None,
            retry_base_ms: 1000,
        }
    }

    /// Reads `args` (without the program name) over the environment `env`.
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut c = Config::new("127.0.0.1:8080", PathBuf::from("./switchboard.db"));
        if let Some(v) = env("SWITCHBOARD_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("SWITCHBOARD_DB") {
            c.db = PathBuf::from(v);
        }
        if let Some(v) = env("SWITCHBOARD_THREADS") {
            c.threads = parse_threads(&v)?;
        }
        if let Some(v) = env("SWITCHBOARD_SYNC") {
            c.sync = parse_sync(&v)?;
        }
        c.public_url = env("SWITCHBOARD_PUBLIC_URL").filter(|s| !s.is_empty());
        if let Some(v) = env("SWITCHBOARD_TRUST_PROXY") {
            c.trust_proxy = parse_cidrs(&v)?;
        }
        if let Some(v) = env("SWITCHBOARD_ALLOW_OUTBOUND") {
            c.allow_outbound = crate::outbound::Guard::parse(&v)?;
        }
        c.test_hooks = env("SWITCHBOARD_TEST_HOOKS").as_deref() == Some("1");
        c.provider_url = env("SWITCHBOARD_PROVIDER_URL").filter(|s| !s.is_empty());
        c.provider_sid = env("SWITCHBOARD_PROVIDER_SID").filter(|s| !s.is_empty());
        c.provider_token = env("SWITCHBOARD_PROVIDER_TOKEN").filter(|s| !s.is_empty());
        if let Some(v) = env("SWITCHBOARD_RETRY_BASE_MS") {
            c.retry_base_ms = u64::from(parse_rate("SWITCHBOARD_RETRY_BASE_MS", &v)?);
        }
        if let Some(v) = env("SWITCHBOARD_PUBLIC_BURST") {
            c.public_burst = parse_rate("SWITCHBOARD_PUBLIC_BURST", &v)?;
        }
        if let Some(v) = env("SWITCHBOARD_SESSION_TTL") {
            c.session_ttl_secs =
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        format!("SWITCHBOARD_SESSION_TTL must be a number of seconds, not {v:?}")
                    })?;
        }
        if let Some(v) = env("SWITCHBOARD_PUBLIC_RATE") {
            c.public_rate = parse_rate("SWITCHBOARD_PUBLIC_RATE", &v)?;
        }
        if let Some(v) = env("SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS") {
            c.max_connections_per_address = parse_per_address(&v)?;
        }
        if let Some(v) = env("SWITCHBOARD_SIGNIN_BACKOFF_MS") {
            c.signin_backoff_ms = u64::from(parse_rate("SWITCHBOARD_SIGNIN_BACKOFF_MS", &v)?);
        }
        if let Some(v) = env("SWITCHBOARD_AUTH_FAILURES") {
            c.auth_failures_per_minute = parse_rate("SWITCHBOARD_AUTH_FAILURES", &v)?;
        }

        let mut it = args.iter();
        let mut positional = Vec::new();
        let mut fix = false;
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next().cloned())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag {
                "--listen" => c.listen = value()?,
                "--db" => c.db = PathBuf::from(value()?),
                "--threads" => c.threads = parse_threads(&value()?)?,
                "--sync" => c.sync = parse_sync(&value()?)?,
                "--public-url" => c.public_url = Some(value()?),
                "--trust-proxy" => c.trust_proxy = parse_cidrs(&value()?)?,
                "--allow-outbound" => c.allow_outbound = crate::outbound::Guard::parse(&value()?)?,
                "--max-connections-per-address" => {
                    c.max_connections_per_address = parse_per_address(&value()?)?
                }
                "--fix" => fix = true,
                "-h" | "--help" => positional.insert(0, "help".to_string()),
                f if f.starts_with('-') => return Err(format!("unknown option {f}")),
                _ => positional.push(arg.clone()),
            }
        }
        let mut words = positional.into_iter();
        c.command = match words.next().as_deref() {
            None | Some("serve") => Command::Serve,
            Some("credentials") => Command::Credentials,
            Some("rotate-token") => Command::RotateToken,
            Some("backup") => Command::Backup(PathBuf::from(
                words.next().ok_or("backup needs a destination FILE")?,
            )),
            Some("restore") => Command::Restore(PathBuf::from(
                words.next().ok_or("restore needs the backup FILE")?,
            )),
            Some("checkup") => Command::Checkup { fix },
            Some("help") => Command::Help,
            Some(other) => return Err(format!("unknown command {other}")),
        };
        if let Some(extra) = words.next() {
            return Err(format!("unexpected argument {extra}"));
        }
        Ok(c)
    }
}

impl Config {
    /// Whether `ip` is one of the `--trust-proxy` proxies.
    pub fn trusts_proxy(&self, ip: std::net::IpAddr) -> bool {
        crate::outbound::in_networks(&self.trust_proxy, ip)
    }
}

/// `10.0.0.1, 192.168.0.0/16, ::1` (or `none`) → networks with their prefix lengths.
pub fn parse_cidrs(s: &str) -> Result<Vec<(std::net::IpAddr, u8)>, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            crate::outbound::parse_network(p)
                .ok_or_else(|| format!("--trust-proxy takes addresses or CIDRs, not {p:?}"))
        })
        .collect()
}

fn default_threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    (2 * cores).max(4)
}

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!(
            "--threads must be a number from 1 to 1024, not {s:?}"
        )),
    }
}

fn parse_per_address(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "--max-connections-per-address must be a positive number, not {s:?}"
        )),
    }
}

fn parse_rate(name: &str, s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{name} must be a positive number, not {s:?}")),
    }
}

fn parse_sync(s: &str) -> Result<Sync, String> {
    Sync::parse(s).ok_or_else(|| format!("--sync must be normal or full, not {s:?}"))
}

/// SQLite's `synchronous` setting: `Normal` may lose the last transactions on power loss (never
/// corrupts); `Full` makes every acknowledged write durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    Normal,
    Full,
}

impl Sync {
    pub fn parse(s: &str) -> Option<Sync> {
        match s.to_ascii_lowercase().as_str() {
            "normal" => Some(Sync::Normal),
            "full" => Some(Sync::Full),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sync::Normal => "NORMAL",
            Sync::Full => "FULL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_win_over_environment() {
        let env = |k: &str| match k {
            "SWITCHBOARD_LISTEN" => Some("0.0.0.0:9000".to_string()),
            "SWITCHBOARD_SYNC" => Some("full".to_string()),
            _ => None,
        };
        let c = Config::parse(&args(&["--listen", "127.0.0.1:1"]), env).unwrap();
        assert_eq!(c.listen, "127.0.0.1:1");
        assert_eq!(c.sync, Sync::Full);
        assert_eq!(c.command, Command::Serve);
    }

    #[test]
    fn trusted_proxies() {
        let none = |_: &str| None;
        let c = Config::parse(&args(&[]), none).unwrap();
        assert!(c.trusts_proxy("127.0.0.1".parse().unwrap()));
        assert!(c.trusts_proxy("::1".parse().unwrap()));
        assert!(!c.trusts_proxy("10.0.0.1".parse().unwrap()));
        let c = Config::parse(
            &args(&["--trust-proxy", "10.1.0.0/16, 2001:db8::/32"]),
            none,
        )
        .unwrap();
        assert!(c.trusts_proxy("10.1.2.3".parse().unwrap()));
        assert!(c.trusts_proxy("::ffff:10.1.2.3".parse().unwrap()));
        assert!(c.trusts_proxy("2001:db8::5".parse().unwrap()));
        assert!(!c.trusts_proxy("10.2.0.1".parse().unwrap()));
        assert!(!c.trusts_proxy("127.0.0.1".parse().unwrap()));
        let c = Config::parse(&args(&["--trust-proxy=none"]), none).unwrap();
        assert!(!c.trusts_proxy("127.0.0.1".parse().unwrap()));
        assert!(Config::parse(&args(&["--trust-proxy", "10.0.0.0/33"]), none).is_err());
        assert!(Config::parse(&args(&["--trust-proxy", "proxy.lan"]), none).is_err());
    }

    #[test]
    fn commands_and_errors() {
        let none = |_: &str| None;
        let c = Config::parse(&args(&["credentials", "--db=x.db"]), none).unwrap();
        assert_eq!(c.command, Command::Credentials);
        assert_eq!(c.db, PathBuf::from("x.db"));
        assert!(Config::parse(&args(&["--threads", "0"]), none).is_err());
        assert!(Config::parse(&args(&["--sync", "fast"]), none).is_err());
        assert!(Config::parse(&args(&["--bogus"]), none).is_err());
        assert!(Config::parse(&args(&["--db"]), none).is_err());
        assert!(Config::parse(&args(&["--max-connections-per-address", "0"]), none).is_err());
        let c = Config::parse(&args(&["--max-connections-per-address=5"]), none).unwrap();
        assert_eq!(c.max_connections_per_address, 5);
        assert_eq!(
            Config::parse(&args(&["--help"]), none).unwrap().command,
            Command::Help
        );
    }
}
