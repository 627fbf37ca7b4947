//! Schema steps 25 and 27's backfill sums the history rows from before it exactly as `contribution` and
//! `apply` do for the rows after it.

use super::*;
use std::collections::BTreeMap;

type Key = (bool, String, i64);

fn rollups(conn: &Connection) -> BTreeMap<Key, (Sums, Vec<(String, i64)>)> {
    let mut out = BTreeMap::new();
    for by_worker in [false, true] {
        let (from, to) = (i64::MIN / SLOT_MS, i64::MAX / SLOT_MS);
        for (slot, subject, s, mut codes) in slots(conn, "WS1", by_worker, from, to).unwrap() {
            codes.sort();
            out.insert((by_worker, subject, slot), (s, codes));
        }
    }
    out
}

#[test]
fn the_backfill_sums_rows_as_the_live_rollup_does() {
    let rows = [
        // sid, queue, worker, created, answered, wrapup, ended, outcome, code
        (
            "WT1",
            Some("WQa"),
            Some("WKa"),
            1_000_000,
            Some(1_010_000),
            Some(1_310_000),
            Some(1_370_000),
            Some("completed"),
            Some("sold"),
        ),
        (
            "WT2",
            Some("WQa"),
            Some("WKa"),
            1_200_000,
            Some(1_290_000),
            None,
            Some(1_500_000),
            Some("completed"),
            None,
        ),
        (
            "WT3",
            Some("WQa"),
            None,
            1_300_000,
            None,
            None,
            Some(1_390_000),
            Some("canceled"),
            None,
        ),
        (
            "WT4",
            Some("WQb"),
            Some("WKb"),
            5_000_000,
            Some(5_020_000),
            None,
            None,
            None,
            None,
        ),
        ("WT5", None, None, 5_100_000, None, None, None, None, None),
    ];
    let seed = |conn: &Connection| {
        for r in &rows {
            conn.execute(
                "INSERT INTO tr_task_history (task_sid, workspace_sid, queue_sid, worker_sid, created_at,
                    answered_at, wrapup_at, ended_at, outcome, wrapup_code)
                 VALUES (?1, 'WS1', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8],
            )
            .unwrap();
        }
    };
    // Before step 25: the rows exist, then steps 25 and 27 backfill them.
    let mut old = Connection::open_in_memory().unwrap();
    crate::store::migrate::migrate_to(&mut old, 24).unwrap();
    seed(&old);
    crate::store::migrate::migrate(&mut old).unwrap();
    // After it: the same rows, each added through `apply`.
    let mut new = Connection::open_in_memory().unwrap();
    crate::store::migrate::migrate(&mut new).unwrap();
    seed(&new);
    new.execute(
        "UPDATE tr_task_history SET sla_met = (answered_at - created_at) <= 60000 WHERE answered_at IS NOT NULL",
        [],
    )
    .unwrap();
    for r in &rows {
        let c = contribution(&new, r.0).unwrap().unwrap();
        apply(&new, &c, 1).unwrap();
    }
    assert_eq!(rollups(&old), rollups(&new));
    // `rebuild` computes the same from the history alone.
    let live = rollups(&new);
    rebuild(&new, "WS1").unwrap();
    assert_eq!(rollups(&new), live);
    assert_eq!(
        live[&(true, "WKa".to_string(), 1)].1,
        vec![("sold".to_string(), 1)]
    );
    let a = rollups(&new)[&(false, "WQa".to_string(), 1)].0;
    assert_eq!(
        (a.offered, a.handled, a.abandoned, a.within_sla, a.wait_ms),
        (3, 2, 1, 1, 100_000)
    );
    assert_eq!(
        (a.handle_n, a.handle_ms, a.wrap_n, a.wrap_ms),
        (2, 570_000, 1, 60_000)
    );

    // Taking a contribution back leaves nothing to read.
    let c = contribution(&new, "WT4").unwrap().unwrap();
    apply(&new, &c, -1).unwrap();
    assert!(!rollups(&new).contains_key(&(false, "WQb".to_string(), 5)));
    assert!(!rollups(&new).contains_key(&(true, "WKb".to_string(), 5)));
}
