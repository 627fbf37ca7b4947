//! Issue 6: the pages in a real browser. Debian's headless Chromium (`/usr/bin/chromium`) is driven
//! over the DevTools protocol by playwright-core (`tests/browser/`, installed with `npm ci`; it
//! never downloads a browser) against the real binary. Screenshots land in
//! `target/browser-artifacts/`. `.ci/run` installs both; without them these tests fail and say why.

mod carrier;
mod common;
use common::*;
use std::path::PathBuf;
use std::process::Command;

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn corpus() -> String {
    std::env::var("SWITCHBOARD_CORPUS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/studio-flows").to_string()
    })
}

/// Runs node with `args` in tests/browser; panics with its output unless it exits 0.
fn node(args: &[&str], env: &[(&str, String)]) -> String {
    let dir = browser_dir();
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (.ci/run does)"
    );
    let mut cmd = Command::new("node");
    cmd.args(args)
        .current_dir(&dir)
        .env("SWITCHBOARD_CORPUS", corpus());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run node (install nodejs): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "node {args:?} failed:\n{text}");
    text
}

/// The flow picture's layered layout (static/flowgraph.mjs) and the Studio canvas's geometry over the
/// corpus (static/studio-canvas.mjs) and the revision diff (static/studio-diff.mjs), unit-tested under node.
#[test]
fn flow_picture_layout() {
    node(
        &[
            "--test",
            "flowgraph.test.mjs",
            "studio-canvas.test.mjs",
            "queue-rules.test.mjs",
            "studio-diff.test.mjs",
        ],
        &[],
    );
}

/// Every page scenario of the "Done when", in headless Chromium.
#[test]
fn pages_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: `apt-get install chromium` (.ci/run does)"
    );
    // A carrier that takes every message, so the desk's outbound SMS and WhatsApp go out (a
    // scenario plays its later status callbacks).
    let carrier = carrier::Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PUBLIC_BURST", "100000"),
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
    ]);
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    node(
        &["pages.mjs"],
        &[
            ("BASE_URL", format!("http://{}", s.addr)),
            ("ACCOUNT_SID", s.sid.clone()),
            ("AUTH_TOKEN", s.token.clone()),
            ("ARTIFACTS", artifacts.display().to_string()),
            ("CHROMIUM", chromium),
        ],
    );
}
