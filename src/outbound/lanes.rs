//! Lanes: where outbound requests run, so one slow target can't hold up the rest. Each job has a
//! key (the target's `host:port`); at most `per_key` jobs of one key run at once, and the others
//! of that key wait in line without holding a thread, while jobs of other keys go on. Threads are
//! started when work arrives and none is idle (up to `max_threads`) and end after `idle_exit`
//! without work, so an idle process holds none of them: twenty hanging targets hold at most
//! `20 × per_key` threads for their timeout, and a healthy target still finds one.
//!
//! Ordering is the caller's: a caller that needs one conversation's requests in order submits the
//! next only after the previous one's outcome (the outbox sends only the head of each queue).

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// How many lanes, and how wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneLimits {
    /// Threads running jobs at once, all keys together.
    pub max_threads: usize,
    /// Jobs of one key running at once.
    pub per_key: usize,
    /// A thread with nothing to run ends after this long.
    pub idle_exit: Duration,
}

impl LaneLimits {
    /// The process's lanes: 32 threads at most, 4 requests at once per host, threads kept 30 s.
    pub const DEFAULT: LaneLimits = LaneLimits {
        max_threads: 32,
        per_key: 4,
        idle_exit: Duration::from_secs(30),
    };
}

/// The executor; cheap to clone (all clones share the threads).
#[derive(Clone)]
pub struct Lanes {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    limits: LaneLimits,
    state: Mutex<State>,
    work: Condvar,
}

#[derive(Default)]
struct State {
    threads: usize,
    idle: usize,
    queue: VecDeque<(String, Job)>,
    running: HashMap<String, usize>,
}

impl State {
    fn can_run(&self, key: &str, per_key: usize) -> bool {
        self.running.get(key).copied().unwrap_or(0) < per_key
    }

    /// Takes the first queued job whose key has room, marking it running.
    fn take_runnable(&mut self, per_key: usize) -> Option<(String, Job)> {
        let at = self
            .queue
            .iter()
            .position(|(k, _)| self.can_run(k, per_key))?;
        let (key, job) = self.queue.remove(at)?;
        *self.running.entry(key.clone()).or_default() += 1;
        Some((key, job))
    }

    fn done(&mut self, key: &str) {
        if let Some(n) = self.running.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                self.running.remove(key);
            }
        }
    }
}

/// What the lanes hold at one moment (for `/metrics` and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LaneStats {
    pub threads: usize,
    pub running: usize,
    pub waiting: usize,
}

/// The process's shared lanes (`Core::state::<Lanes>()`): Studio's HTTP requests and the
/// outbox's deliveries share the per-host limits.
impl Default for Lanes {
    fn default() -> Lanes {
        Lanes::new("outbound", LaneLimits::DEFAULT)
    }
}

impl Lanes {
    /// Lanes whose threads are named `{name}-N`.
    pub fn new(name: &str, limits: LaneLimits) -> Lanes {
        Lanes {
            inner: Arc::new(Inner {
                name: name.to_string(),
                limits: LaneLimits {
                    max_threads: limits.max_threads.max(1),
                    per_key: limits.per_key.max(1),
                    idle_exit: limits.idle_exit,
                },
                state: Mutex::new(State::default()),
                work: Condvar::new(),
            }),
        }
    }

    /// Queues `job` under `key`; it runs as soon as its key and the thread limit allow.
    pub fn submit(&self, key: &str, job: impl FnOnce() + Send + 'static) {
        let limits = self.inner.limits;
        let mut st = self.lock();
        let runnable = st.can_run(key, limits.per_key);
        st.queue.push_back((key.to_string(), Box::new(job)));
        if !runnable {
            // Its key is at its limit: the thread that finishes one of that key's jobs takes it.
            return;
        }
        if st.idle > 0 {
            drop(st);
            self.inner.work.notify_all();
            return;
        }
        if st.threads < limits.max_threads {
            st.threads += 1;
            let n = st.threads;
            drop(st);
            let inner = self.inner.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{}-{n}", self.inner.name))
                .spawn(move || work(&inner));
            if let Err(e) = spawned {
                log::error!("{}: cannot start a thread: {e}", self.inner.name);
                self.lock().threads -= 1;
            }
        }
    }

    pub fn stats(&self) -> LaneStats {
        let st = self.lock();
        LaneStats {
            threads: st.threads,
            running: st.running.values().sum(),
            waiting: st.queue.len(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn work(inner: &Inner) {
    let limits = inner.limits;
    let mut st = inner.lock();
    loop {
        if let Some((key, job)) = st.take_runnable(limits.per_key) {
            drop(st);
            if catch_unwind(AssertUnwindSafe(job)).is_err() {
                log::error!("{}: a job panicked (key {key})", inner.name);
            }
            st = inner.lock();
            st.done(&key);
            // A job of this key that waited for room can run now, on an idle thread.
            if st.idle > 0 && !st.queue.is_empty() {
                inner.work.notify_all();
            }
            continue;
        }
        st.idle += 1;
        let (next, timeout) = inner
            .work
            .wait_timeout(st, limits.idle_exit)
            .unwrap_or_else(|p| p.into_inner());
        st = next;
        st.idle -= 1;
        if timeout.timed_out() && !st.queue.iter().any(|(k, _)| st.can_run(k, limits.per_key)) {
            st.threads -= 1;
            return;
        }
    }
}

/// The lane key of a URL: its `host:port` (scheme default port when none), or the whole URL
/// when it does not parse (then it is its own lane).
pub fn key_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let lower = host_port.to_ascii_lowercase();
    let has_port = match lower.rfind(']') {
        Some(end) => lower[end..].contains(':'),
        None => lower.contains(':'),
    };
    if has_port {
        lower
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        format!("{lower}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn lanes(max_threads: usize, per_key: usize) -> Lanes {
        Lanes::new(
            "test-lanes",
            LaneLimits {
                max_threads,
                per_key,
                idle_exit: Duration::from_millis(200),
            },
        )
    }

    #[test]
    fn a_blocked_key_does_not_hold_up_another() {
        let l = lanes(8, 2);
        let (release_tx, release_rx) = crossbeam_channel::unbounded::<()>();
        for _ in 0..6 {
            let rx = release_rx.clone();
            l.submit("slow:80", move || {
                let _ = rx.recv();
            });
        }
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        let started = Instant::now();
        for i in 0..10 {
            let tx = done_tx.clone();
            l.submit("fast:80", move || {
                let _ = tx.send(i);
            });
        }
        for _ in 0..10 {
            done_rx
                .recv_timeout(Duration::from_secs(5))
                .expect("fast jobs run while slow ones hang");
        }
        assert!(started.elapsed() < Duration::from_secs(2));
        let s = l.stats();
        assert_eq!(
            s.waiting, 4,
            "slow jobs beyond per_key wait without a thread"
        );
        assert!(s.threads <= 8);
        for _ in 0..6 {
            release_tx.send(()).unwrap();
        }
    }

    #[test]
    fn per_key_limit_holds_and_every_job_runs() {
        let l = lanes(16, 3);
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (done_tx, done_rx) = crossbeam_channel::unbounded();
        for _ in 0..30 {
            let (now, most, tx) = (now.clone(), most.clone(), done_tx.clone());
            l.submit("k:1", move || {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
                let _ = tx.send(());
            });
        }
        for _ in 0..30 {
            done_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn idle_threads_end_and_a_panic_does_not_lose_the_thread_count() {
        let l = lanes(4, 4);
        l.submit("a:1", || panic!("boom"));
        let (tx, rx) = crossbeam_channel::unbounded();
        l.submit("a:1", move || {
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while l.stats().threads > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(l.stats(), LaneStats::default());
    }

    #[test]
    fn keys_are_host_and_port() {
        assert_eq!(key_of("https://Api.Example.com/x?y"), "api.example.com:443");
        assert_eq!(key_of("http://u:p@10.0.0.1:8080/a"), "10.0.0.1:8080");
        assert_eq!(key_of("http://[::1]/a"), "[::1]:80");
        assert_eq!(key_of("http://[::1]:9/a"), "[::1]:9");
        assert_eq!(key_of("nonsense"), "nonsense");
    }
}
