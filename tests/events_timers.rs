//! Issue 2: the event outbox reaches subscribers in commit order and durable subscribers get what
//! they had not acknowledged after a restart; timers fire from SQLite and survive a restart.

mod common;
use common::TempDir;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard::config::Config;
use switchboard::events::{Delivery, EventType, NewEvent};
use switchboard::timers::{self, TimerKind};

fn start(dir: &TempDir) -> switchboard::Running {
    let config = Config::new("127.0.0.1:0", dir.path().join("t.db"));
    switchboard::start(config).expect("start")
}

fn emit(r: &switchboard::Running, n: usize) {
    let app = r.app.clone();
    app.store
        .write(|tx| -> switchboard::store::Result<()> {
            for i in 0..n {
                let ev = NewEvent::new(EventType::TaskCreated, "task", format!("WT{i}"))
                    .data(json!({"TaskSid": format!("WT{i}")}));
                app.record(tx, &ev)?;
            }
            Ok(())
        })
        .unwrap();
}

/// The next `task.created` event (start-up seeding records events of its own, e.g. flows).
fn next_task_event(sub: &switchboard::events::Subscription) -> Arc<switchboard::events::Event> {
    loop {
        let e = sub
            .events
            .recv_timeout(Duration::from_secs(5))
            .expect("event");
        if e.kind == EventType::TaskCreated {
            return e;
        }
    }
}

#[test]
fn durable_subscribers_resume_after_their_cursor() {
    let dir = TempDir::new("bus");
    let r = start(&dir);
    let sub = r
        .app
        .bus
        .subscribe("janitor-test", Delivery::Durable)
        .unwrap();
    emit(&r, 5);
    let got: Vec<_> = (0..5).map(|_| next_task_event(&sub)).collect();
    let seqs: Vec<i64> = got.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "out of order: {seqs:?}"
    );
    assert_eq!(got[0].kind, EventType::TaskCreated);
    // Handled the first three only, then the process goes away.
    sub.ack(got[2].seq).unwrap();
    drop(sub);
    r.shutdown();

    let r = start(&dir);
    let sub = r
        .app
        .bus
        .subscribe("janitor-test", Delivery::Durable)
        .unwrap();
    let again: Vec<String> = (0..2)
        .map(|_| next_task_event(&sub).resource_sid.clone())
        .collect();
    assert_eq!(again, vec!["WT3", "WT4"]);
    assert!(sub.events.recv_timeout(Duration::from_millis(200)).is_err());
    // An ephemeral subscriber sees only what happens after it subscribed.
    let live = r.app.bus.subscribe("page", Delivery::Ephemeral).unwrap();
    emit(&r, 1);
    assert_eq!(
        live.events
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
            .resource_sid,
        "WT0"
    );
    r.shutdown();
}

#[test]
fn timers_fire_and_survive_a_restart() {
    let dir = TempDir::new("timers");
    let r = start(&dir);
    let now = r.app.now_ms();
    r.app
        .store
        .write(|tx| -> switchboard::store::Result<()> {
            timers::schedule(
                tx,
                TimerKind::TaskTtl,
                "WTsoon",
                now + 30_000,
                &json!({"n": 1}),
            )?;
            timers::schedule(
                tx,
                TimerKind::TaskTtl,
                "WTlater",
                now + 3_600_000,
                &json!({"n": 2}),
            )
        })
        .unwrap();
    let fired = Arc::new(Mutex::new(Vec::<String>::new()));
    let f = fired.clone();
    r.app.timers.register(TimerKind::TaskTtl, move |_, t| {
        f.lock().unwrap().push(t.target.clone());
        Ok(())
    });
    assert_eq!(r.app.timers.fire_due(&r.app.core, &r.app.store), 0);
    // The sleeping timer thread wakes when the clock moves: the 30 s timer fires at once.
    r.app.clock.advance(30_000);
    common::wait_until(Duration::from_secs(5), || {
        (fired.lock().unwrap().as_slice() == ["WTsoon"]).then_some(())
    });
    r.shutdown();

    // The later timer was still pending when the process stopped; it fires after the restart
    // (whose clock starts from the system time again) once its hour has passed.
    let r = start(&dir);
    let fired = Arc::new(Mutex::new(Vec::<String>::new()));
    let f = fired.clone();
    r.app.timers.register(TimerKind::TaskTtl, move |_, t| {
        f.lock().unwrap().push(t.target.clone());
        Ok(())
    });
    assert_eq!(r.app.timers.fire_due(&r.app.core, &r.app.store), 0);
    r.app.clock.advance(3_600_000);
    common::wait_until(Duration::from_secs(5), || {
        (fired.lock().unwrap().as_slice() == ["WTlater"]).then_some(())
    });
    // The row goes once the handler has returned.
    common::wait_until(Duration::from_secs(5), || {
        let left = r
            .app
            .store
            .read(switchboard::store::timers::next_due)
            .unwrap();
        left.is_none().then_some(())
    });
    r.shutdown();
}

#[test]
fn a_failing_timer_is_retried_not_lost() {
    let dir = TempDir::new("retry");
    let r = start(&dir);
    let tries = Arc::new(Mutex::new(0));
    let t2 = tries.clone();
    r.app
        .timers
        .register(TimerKind::WebhookDelivery, move |_, _| {
            let mut n = t2.lock().unwrap();
            *n += 1;
            if *n < 2 {
                Err("receiver down".into())
            } else {
                Ok(())
            }
        });
    r.app
        .store
        .write(|tx| timers::schedule(tx, TimerKind::WebhookDelivery, "X", 0, &json!({})))
        .unwrap();
    // The failure moves the timer a second ahead (the first backoff) instead of dropping it.
    common::wait_until(Duration::from_secs(10), || {
        let due = r
            .app
            .store
            .read(switchboard::store::timers::next_due)
            .unwrap();
        due.filter(|&d| d > 0 && *tries.lock().unwrap() == 1)
    });
    r.app.clock.advance(1_000);
    common::wait_until(Duration::from_secs(10), || {
        (*tries.lock().unwrap() >= 2).then_some(())
    });
    common::wait_until(Duration::from_secs(5), || {
        r.app
            .store
            .read(switchboard::store::timers::next_due)
            .unwrap()
            .is_none()
            .then_some(())
    });
    r.shutdown();
}
