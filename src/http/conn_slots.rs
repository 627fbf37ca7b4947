//! Who gets a connection slot, as pure bookkeeping for the loop (`conn.rs`): the cap on open
//! connections, the share one socket peer may hold (`--max-connections-per-address`; trusted
//! proxies exempt), and the connections that have not sent a request yet, oldest first — at the
//! cap, the oldest of those is the one closed to make room, so a client that talks is served
//! while silent ones wait in line. When none is silent, the keep-alive connection idle the
//! longest (answered, no request since, for `IDLE_RESERVE_AFTER` or more) makes room instead,
//! as a server closes idle keep-alives under pressure: its client reconnects when it next has
//! something to ask, and a newcomer is not turned away for a minute by connections doing
//! nothing. A request in flight (a parked long-poll included) is never closed to make room.
//! The last `ConnLimits::reserved` slots are a strict reserve: a connection opened while the
//! others are all taken may only carry requests from the office's own side (the account's
//! credentials, a console or agent session, a request the carrier signed); anything else on it is
//! answered 503 and the connection closed (`http::handle`), so a crowd of anonymous clients that
//! all keep talking (web chat long-polls, say) still leaves the agents and the API a way in.
//! No sockets here: the loop asks `admit`, then reports what it opened, what spoke, what was
//! answered and what closed.

use super::conn::ConnLimits;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long an answered connection must have been idle before it may make room at the cap.
pub const IDLE_RESERVE_AFTER: Duration = Duration::from_secs(2);

/// Open connections beyond this are answered 503 and closed at once (lower when the process
/// may open fewer files: see `connection_cap`).
pub const MAX_CONNECTIONS: usize = 16_000;
/// File descriptors kept for everything but client connections (SQLite, outbound HTTP, ...).
const RESERVED_FDS: usize = 128;

/// The strict reserve for a cap of `cap` connections: a sixteenth of it (1,000 of the default
/// 16,000; 8 of 128), none below 16 connections.
pub fn reserve_for(cap: usize) -> usize {
    cap / 16
}

/// `MAX_CONNECTIONS`, or fewer when the soft limit on open files (`/proc/self/limits`) would run
/// out first: past the cap a client gets a clear 503 instead of waiting in the accept queue.
pub fn connection_cap() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        });
    match soft {
        Some(n) => MAX_CONNECTIONS.min(n.saturating_sub(RESERVED_FDS).max(16)),
        None => MAX_CONNECTIONS,
    }
}

/// The answer to a new connection.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// There is a slot.
    Yes,
    /// Only a slot of the strict reserve is left: the connection may carry only the office's
    /// own requests.
    Reserve,
    /// Its address holds its share already: turn it away (429).
    AddressFull,
    /// Every slot is taken, none by a silent or long-idle connection: turn it away (503).
    Full,
    /// Every slot is taken: close this connection (the oldest silent one, else the one idle the
    /// longest) first, then admit.
    Evict(usize),
}

pub(super) struct Slots {
    limits: ConnLimits,
    open: usize,
    /// Open connections per socket peer (only peers with one or more).
    held: HashMap<IpAddr, usize>,
    /// Connections (tokens, which grow with time) that have not sent a complete request yet.
    silent: BTreeSet<usize>,
    /// Answered connections with no request since: when each was answered.
    idle: HashMap<usize, Instant>,
    /// Connections turned away at the cap so far (logged at powers of two).
    refused: u64,
}

impl Slots {
    pub(super) fn new(limits: ConnLimits) -> Slots {
        Slots {
            limits,
            open: 0,
            held: HashMap::new(),
            silent: BTreeSet::new(),
            idle: HashMap::new(),
            refused: 0,
        }
    }

    pub(super) fn cap(&self) -> usize {
        self.limits.max_connections.max(1)
    }

    /// The slots anyone may take; the rest of `cap` is the strict reserve.
    fn shared(&self) -> usize {
        self.cap().saturating_sub(self.limits.reserved).max(1)
    }

    /// Whether a new connection from `ip` gets a slot at `now`. `Evict(t)` has already taken
    /// `t` off the silent or idle list; the loop closes it (and reports it `closed`) before
    /// opening the new one.
    pub(super) fn admit(&mut self, ip: IpAddr, now: Instant) -> Admit {
        let ip = ip.to_canonical();
        let held = self.held.get(&ip).copied().unwrap_or(0);
        if held >= self.limits.per_address && !(self.limits.exempt)(ip) {
            return Admit::AddressFull;
        }
        if self.open < self.shared() {
            return Admit::Yes;
        }
        if let Some(t) = self.silent.pop_first() {
            return Admit::Evict(t);
        }
        let longest = self
            .idle
            .iter()
            .filter(|(_, at)| now.saturating_duration_since(**at) >= IDLE_RESERVE_AFTER)
            .min_by_key(|(t, at)| (**at, **t))
            .map(|(t, _)| *t);
        if let Some(t) = longest {
            self.idle.remove(&t);
            return Admit::Evict(t);
        }
        if self.open < self.cap() {
            return Admit::Reserve;
        }
        self.refused += 1;
        if self.refused.is_power_of_two() {
            log::warn!(
                "connection cap ({}) reached: {} refused so far",
                self.cap(),
                self.refused
            );
        }
        Admit::Full
    }

    /// A connection `token` from `ip` is open (and silent until it `spoke`); true if it holds a
    /// slot of the strict reserve (every shared slot was taken when it came).
    pub(super) fn opened(&mut self, token: usize, ip: IpAddr) -> bool {
        let reserved = self.open >= self.shared();
        self.open += 1;
        *self.held.entry(ip.to_canonical()).or_insert(0) += 1;
        self.silent.insert(token);
        reserved
    }

    /// `token` sent a complete request: it is no longer the first to make room, nor idle.
    pub(super) fn spoke(&mut self, token: usize) {
        self.silent.remove(&token);
        self.idle.remove(&token);
    }

    /// `token` was answered at `at` and waits for its next request (keep-alive).
    pub(super) fn answered(&mut self, token: usize, at: Instant) {
        self.idle.insert(token, at);
    }

    /// `token` from `ip` closed: its slot and its address's count are given back.
    pub(super) fn closed(&mut self, token: usize, ip: IpAddr) {
        self.open = self.open.saturating_sub(1);
        self.silent.remove(&token);
        self.idle.remove(&token);
        let ip = ip.to_canonical();
        if let Some(n) = self.held.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.held.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(max_connections: usize, per_address: usize) -> Slots {
        Slots::new(ConnLimits {
            max_connections,
            per_address,
            reserved: 0,
            exempt: Box::new(|ip| ip == IpAddr::from([10, 0, 0, 1])),
        })
    }

    fn now() -> Instant {
        Instant::now()
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn one_address_holds_its_share_and_gets_it_back_as_it_closes() {
        let mut s = slots(100, 2);
        for t in 0..2 {
            assert_eq!(s.admit(ip(1), now()), Admit::Yes);
            s.opened(t, ip(1));
        }
        assert_eq!(s.admit(ip(1), now()), Admit::AddressFull);
        // An IPv4-mapped IPv6 peer is the same address.
        assert_eq!(
            s.admit("::ffff:192.0.2.1".parse().unwrap(), now()),
            Admit::AddressFull
        );
        assert_eq!(
            s.admit(ip(2), now()),
            Admit::Yes,
            "another address has its own share"
        );
        s.closed(0, ip(1));
        assert_eq!(s.admit(ip(1), now()), Admit::Yes);
        s.opened(5, ip(2));
        s.closed(5, ip(2));
        assert!(
            !s.held.contains_key(&ip(2)),
            "only addresses holding some are kept"
        );
        // A trusted proxy carries everyone's connections: no share.
        for t in 10..20 {
            assert_eq!(s.admit(IpAddr::from([10, 0, 0, 1]), now()), Admit::Yes);
            s.opened(t, IpAddr::from([10, 0, 0, 1]));
        }
    }

    #[test]
    fn at_the_cap_the_oldest_silent_connection_makes_room() {
        let mut s = slots(3, 100);
        for t in 1..=3 {
            s.opened(t, ip(t as u8));
        }
        s.spoke(1);
        assert_eq!(
            s.admit(ip(9), now()),
            Admit::Evict(2),
            "2 is the oldest that never spoke"
        );
        s.closed(2, ip(2));
        s.opened(4, ip(9));
        assert_eq!(s.admit(ip(9), now()), Admit::Evict(3));
        s.closed(3, ip(3));
        s.opened(5, ip(9));
        s.spoke(4);
        s.spoke(5);
        assert_eq!(
            s.admit(ip(8), now()),
            Admit::Full,
            "every slot holds a client that spoke"
        );
        s.closed(1, ip(1));
        assert_eq!(s.admit(ip(8), now()), Admit::Yes);
    }

    #[test]
    fn with_none_silent_the_longest_idle_keep_alive_makes_room() {
        let mut s = slots(3, 100);
        let t0 = Instant::now();
        for t in 1..=3 {
            s.opened(t, ip(t as u8));
            s.spoke(t);
        }
        // 2 and 3 were answered and wait; 1 has a request in flight (a parked long-poll).
        s.answered(3, t0);
        s.answered(2, t0 + Duration::from_millis(10));
        assert_eq!(
            s.admit(ip(9), t0 + Duration::from_secs(1)),
            Admit::Full,
            "idle for less than IDLE_RESERVE_AFTER"
        );
        let later = t0 + Duration::from_secs(3);
        assert_eq!(s.admit(ip(9), later), Admit::Evict(3), "idle the longest");
        s.closed(3, ip(3));
        s.opened(4, ip(9));
        s.spoke(4);
        // 2 asks again: busy now, so nothing idle is left and 1 is never taken.
        s.spoke(2);
        assert_eq!(s.admit(ip(9), later), Admit::Full);
    }

    #[test]
    fn past_the_shared_slots_the_strict_reserve_is_handed_out_then_nothing() {
        let mut s = Slots::new(ConnLimits {
            max_connections: 4,
            per_address: 100,
            reserved: 2,
            exempt: Box::new(|_| false),
        });
        let t0 = Instant::now();
        for t in 1..=2 {
            assert_eq!(s.admit(ip(t as u8), t0), Admit::Yes);
            assert!(!s.opened(t, ip(t as u8)), "a shared slot");
            s.spoke(t);
        }
        // The shared slots are busy: a silent connection would make room first...
        s.opened(3, ip(3));
        assert_eq!(s.admit(ip(9), t0), Admit::Evict(3));
        s.closed(3, ip(3));
        // ...but with none silent or idle, what is left is the reserve, then nothing.
        assert_eq!(s.admit(ip(9), t0), Admit::Reserve);
        assert!(s.opened(4, ip(9)), "a reserve slot");
        s.spoke(4);
        assert_eq!(s.admit(ip(9), t0), Admit::Reserve);
        assert!(s.opened(5, ip(9)));
        s.spoke(5);
        assert_eq!(s.admit(ip(9), t0), Admit::Full);
        // A shared slot given back is shared again.
        s.closed(1, ip(1));
        assert_eq!(
            s.admit(ip(9), t0),
            Admit::Reserve,
            "3 open: the shared ones are taken"
        );
        s.closed(4, ip(9));
        s.closed(5, ip(9));
        assert_eq!(s.admit(ip(9), t0), Admit::Yes);
        assert!(!s.opened(6, ip(9)));
        assert_eq!(reserve_for(16_000), 1_000);
        assert_eq!(reserve_for(128), 8);
        assert_eq!(reserve_for(15), 0);
    }
}
