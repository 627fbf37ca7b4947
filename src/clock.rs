//! Time. [`Clock`] is the appliance's one source of "now" (Unix milliseconds): every due time,
//! timestamp and expiry reads it through `Core::clock`, never the system time directly, so a test
//! build can move it (`advance`, `set`; only with `debug_assertions`, never in a release binary)
//! and the timer thread, woken by the move, fires what became due. [`wall_ms`] is the real time
//! for what must not move with it (log lines, SID ordering, the `Date` header). ISO 8601
//! (`2026-11-24T10:00:00Z`) and RFC 2822 as Twilio's answers spell them, pure: dates are stored
//! as integers; only the HTTP layer formats them.

#[cfg(debug_assertions)]
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Real milliseconds since the Unix epoch, for what must not follow a moved [`Clock`]: log
/// lines, SID ordering, the HTTP `Date` header.
pub fn wall_ms() -> i64 {
    wall_us() / 1000
}

/// Real microseconds since the Unix epoch (TaskRouter's queue order key).
pub fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// The appliance's clock: the system time, plus (in builds with `debug_assertions`) an offset a
/// test moves through `POST /__test/clock`. Cheap to clone; clones share the offset. In a release
/// build it is an empty value: nothing in it can move.
#[derive(Clone, Default)]
pub struct Clock {
    #[cfg(debug_assertions)]
    moved: Arc<Moved>,
}

#[cfg(debug_assertions)]
struct FrozenAt(std::sync::atomic::AtomicI64);

#[cfg(debug_assertions)]
impl Default for FrozenAt {
    fn default() -> FrozenAt {
        FrozenAt(std::sync::atomic::AtomicI64::new(i64::MIN))
    }
}

/// How far a test build's clock was moved, and who to wake when it moves again.
#[cfg(debug_assertions)]
#[derive(Default)]
struct Moved {
    offset_ms: std::sync::atomic::AtomicI64,
    /// The instant a test froze the clock at (`freeze`); `i64::MIN` while it runs. A frozen
    /// clock moves only when moved, so a test's seeded times are exact to the millisecond.
    frozen_ms: FrozenAt,
    /// Poked after every move, so threads sleeping until a due time look again.
    wakers: std::sync::Mutex<Vec<crossbeam_channel::Sender<()>>>,
}

impl Clock {
    /// The system clock (not moved).
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Milliseconds since the Unix epoch, as the appliance sees them.
    pub fn now_ms(&self) -> i64 {
        #[cfg(debug_assertions)]
        {
            let frozen = self
                .moved
                .frozen_ms
                .0
                .load(std::sync::atomic::Ordering::SeqCst);
            if frozen != i64::MIN {
                return frozen;
            }
            wall_ms()
                + self
                    .moved
                    .offset_ms
                    .load(std::sync::atomic::Ordering::SeqCst)
        }
        #[cfg(not(debug_assertions))]
        {
            wall_ms()
        }
    }

    /// Registers a channel poked (without blocking) whenever the clock is moved. A release build
    /// never moves its clock, so there it only drops the sender.
    pub fn wake_on_move(&self, tx: crossbeam_channel::Sender<()>) {
        #[cfg(debug_assertions)]
        self.moved
            .wakers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        #[cfg(not(debug_assertions))]
        drop(tx);
    }
}

#[cfg(debug_assertions)]
impl Clock {
    /// Moves the clock `ms` forward (test builds only); returns the new now.
    pub fn advance(&self, ms: i64) -> i64 {
        use std::sync::atomic::Ordering::SeqCst;
        let _ = self
            .moved
            .frozen_ms
            .0
            .fetch_update(SeqCst, SeqCst, |f| (f != i64::MIN).then(|| f + ms));
        self.moved.offset_ms.fetch_add(ms, SeqCst);
        self.wake();
        self.now_ms()
    }

    /// Sets the clock to `now_ms` (test builds only); it runs on from there.
    pub fn set(&self, now_ms: i64) -> i64 {
        use std::sync::atomic::Ordering::SeqCst;
        let _ = self
            .moved
            .frozen_ms
            .0
            .fetch_update(SeqCst, SeqCst, |f| (f != i64::MIN).then_some(now_ms));
        self.moved.offset_ms.store(now_ms - wall_ms(), SeqCst);
        self.wake();
        self.now_ms()
    }

    /// Stops the clock where it is (`true`, test builds only: it then moves only by `advance` /
    /// `set`) or lets it run on from where it stands (`false`); returns the now.
    pub fn freeze(&self, frozen: bool) -> i64 {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now_ms();
        self.moved.offset_ms.store(now - wall_ms(), SeqCst);
        let at = if frozen { now } else { i64::MIN };
        self.moved.frozen_ms.0.store(at, SeqCst);
        self.wake();
        now
    }

    fn wake(&self) {
        for tx in self
            .moved
            .wakers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = tx.try_send(());
        }
    }
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Formats Unix milliseconds as RFC 2822 (`Wed, 18 Aug 2010 20:01:40 +0000`), as Twilio's 2010 API does.
pub fn rfc2822(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or with an offset / fraction, into Unix ms.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = s.get(0..10)?;
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let hh: i64 = rest.get(0..2)?.parse().ok()?;
    let mm: i64 = rest.get(3..5)?.parse().ok()?;
    let ss: i64 = rest.get(6..8)?.parse().ok()?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    ms += (hh * 3600 + mm * 60 + ss) * 1000;
    let mut tail = rest.get(8..)?;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.chars().take_while(|c| c.is_ascii_digit()).count();
        let millis: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        ms += millis.parse::<i64>().ok()?;
        tail = &frac[digits..];
    }
    match tail {
        "" | "Z" | "z" => Some(ms),
        off => {
            let sign = match off.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = off.get(1..3)?.parse().ok()?;
            let om: i64 = off.get(off.len() - 2..)?.parse().ok()?;
            Some(ms - sign * (oh * 3600 + om * 60) * 1000)
        }
    }
}

// Howard Hinnant's civil-date algorithms (public domain), valid far beyond our range.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_clock_runs_on_from_where_it_was_moved_and_wakes_its_sleepers() {
        let clock = Clock::system();
        let (tx, rx) = crossbeam_channel::bounded(1);
        clock.wake_on_move(tx);
        let before = clock.now_ms();
        assert!((before - wall_ms()).abs() < 1_000);
        assert!(rx.try_recv().is_err());
        let after = clock.clone().advance(86_400_000);
        assert!(after - before >= 86_400_000 && after - before < 86_401_000);
        assert!(clock.now_ms() >= after, "clones share the offset");
        assert!(rx.try_recv().is_ok(), "advance pokes the sleepers");
        assert_eq!(clock.set(1_795_000_000_000) / 1000, 1_795_000_000);
        assert!(rx.try_recv().is_ok());
        assert!(clock.now_ms() - 1_795_000_000_000 < 1_000);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_moved() {
        let clock = Clock::system();
        let at = clock.set(1_795_000_000_000);
        let frozen = clock.freeze(true);
        assert!(frozen >= at);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now_ms(), frozen, "it does not run");
        assert_eq!(clock.advance(1_500), frozen + 1_500);
        assert_eq!(clock.set(1_796_000_000_000), 1_796_000_000_000);
        assert_eq!(clock.clone().now_ms(), 1_796_000_000_000);
        assert_eq!(clock.freeze(false), 1_796_000_000_000);
        std::thread::sleep(std::time::Duration::from_millis(5));
        let running = clock.now_ms();
        assert!(
            running > 1_796_000_000_000 && running < 1_796_000_001_000,
            "it runs on from there"
        );
    }

    #[test]
    fn formats_and_parses_round_trip() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_795_000_000_000), "2026-11-18T11:06:40Z");
        let t = parse_iso8601("2026-11-18T11:06:40Z").unwrap();
        assert_eq!(t, 1_795_000_000_000);
        assert_eq!(parse_iso8601("2024-02-29").unwrap(), 1_709_164_800_000);
        assert_eq!(
            parse_iso8601("2026-11-18T13:06:40.250+02:00").unwrap(),
            1_795_000_000_250
        );
        assert!(parse_iso8601("2026-13-01").is_none());
        assert!(parse_iso8601("garbage").is_none());
        assert!(parse_iso8601("").is_none());
        assert_eq!(
            rfc2822(1_282_161_700_000),
            "Wed, 18 Aug 2010 20:01:40 +0000"
        );
    }
}
