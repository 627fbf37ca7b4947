//! The test build's clock control (`POST /__test/clock`): account credentials only, exactly one
//! of `AdvanceMs` / `Now`, the clock only moved forward by `AdvanceMs`, and what the API reports
//! as "now" follows it. A release binary has no such route (`cfg(debug_assertions)`, see
//! ARCHITECTURE.md "Time").

mod common;
use common::*;

#[test]
fn the_clock_control_needs_credentials_and_one_valid_move() {
    let s = TestServer::start();
    s.request("POST", "/__test/clock", &[], b"AdvanceMs=1000")
        .expect_error(401);
    s.post("/__test/clock", &[]).expect_error(400);
    s.post("/__test/clock", &[("AdvanceMs", "-1")])
        .expect_error(400);
    s.post("/__test/clock", &[("AdvanceMs", "soon")])
        .expect_error(400);
    s.post("/__test/clock", &[("Now", "yesterday")])
        .expect_error(400);
    s.post("/__test/clock", &[("AdvanceMs", "1"), ("Now", "0")])
        .expect_error(400);
    s.get("/__test/clock").expect_error(405);

    let v = s
        .post("/__test/clock", &[("Now", "2030-01-02T03:04:05Z")])
        .expect(200)
        .json();
    assert_eq!(v["now_iso"], "2030-01-02T03:04:05Z", "{v}");
    let later = s.advance_clock(86_400_000);
    assert!(later - v["now"].as_i64().unwrap() >= 86_400_000);
    assert!(clock_iso(later).starts_with("2030-01-03T03:04"), "{later}");
}

#[test]
fn resources_are_stamped_with_the_moved_clock() {
    let s = TestServer::start();
    let at = s.set_clock(1_900_000_000_000); // 2030-03-17T17:46:40Z
    assert!(at >= 1_900_000_000_000);
    let ws = s
        .post("/v1/Workspaces", &[("FriendlyName", "later")])
        .expect(201)
        .json();
    assert!(
        ws["date_created"]
            .as_str()
            .is_some_and(|d| d.starts_with("2030-03-17T17:4")),
        "{ws}"
    );
    s.advance_clock(3_600_000);
    let path = format!("/v1/Workspaces/{}", ws["sid"].as_str().unwrap());
    let ws = s
        .post(&path, &[("FriendlyName", "an hour later")])
        .expect(200)
        .json();
    assert!(
        ws["date_updated"]
            .as_str()
            .is_some_and(|d| d.starts_with("2030-03-17T18:4")),
        "{ws}"
    );
}

fn clock_iso(ms: i64) -> String {
    switchboard::clock::iso8601(ms)
}
