//! Issue 9: crash safety. Mixed writes run against the real binary at `--sync full` while it is
//! killed with SIGKILL at random moments, 20 times; after each restart every acknowledged write
//! must be there and the invariants must hold.

mod common;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Acknowledged writes, by kind, as the clients saw them.
#[derive(Default)]
struct Acked {
    keys: Vec<String>,
}

fn load(
    addr: String,
    auth: String,
    account_path: String,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let body = form_encode(&[("FriendlyName", &format!("crash-{n}"))]);
        let r = http(
            &addr,
            "POST",
            &format!("{account_path}/Keys.json"),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        );
        // Only a complete 201 is an acknowledgement; a connection cut by the kill is not.
        if let Ok(r) = r {
            if r.status == 201 {
                if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
                    if let Some(sid) = v["sid"].as_str() {
                        acked.lock().unwrap().keys.push(sid.to_string());
                    }
                }
            }
        }
    }
}

#[test]
fn acknowledged_writes_survive_twenty_kills() {
    let mut s = TestServer::start_with(&[("SWITCHBOARD_SYNC", "full")]);
    let token = s.token.clone();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut total_kills = 0;
    for round in 0..20 {
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let (addr, auth, path, acked, stop) = (
                    s.addr.clone(),
                    s.auth(),
                    s.account_path(),
                    acked.clone(),
                    stop.clone(),
                );
                std::thread::spawn(move || load(addr, auth, path, acked, stop))
            })
            .collect();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(30 + rng % 200));
        s.kill();
        total_kills += 1;
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.join().unwrap();
        }
        s.restart();
        s.token = token.clone();
        // Every acknowledged key is there after the restart.
        let expected = acked.lock().unwrap().keys.clone();
        let mut found = std::collections::HashSet::new();
        let mut path = format!("{}/Keys.json?PageSize=1000", s.account_path());
        loop {
            let page = s.get(&path).expect(200).json();
            for k in page["keys"].as_array().unwrap() {
                found.insert(k["sid"].as_str().unwrap().to_string());
            }
            match page["next_page_uri"].as_str() {
                Some(next) => path = next.to_string(),
                None => break,
            }
        }
        let missing: Vec<_> = expected.iter().filter(|k| !found.contains(*k)).collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} acknowledged keys lost: {missing:?}",
            missing.len()
        );
    }
    let acked_total = acked.lock().unwrap().keys.len();
    println!(
        "crash test: {total_kills} kills survived, {acked_total} acknowledged writes all found"
    );
    assert!(
        acked_total > 20,
        "the load made too few writes to mean anything ({acked_total})"
    );
}
