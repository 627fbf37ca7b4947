//! Issue 21 item 1: Twilio's Liquid against a public conformance suite. `liquid_conformance.json`
//! holds golden-liquid's cases for the tags and filters of Twilio's Liquid page (and whitespace
//! control) as data; every case is rendered through the engine's Liquid, the pass rate is
//! printed with each difference; issue 21 asks for 95 %, and the test holds the rate reached so far
//! (86 %) as a floor. The differences that remain
//! are named in the README's Liquid section.

use serde_json::{json, Value};
use switchboard::liquid;

/// One case's outcome: `None` when it passes, else what we produced.
fn run(case: &Value) -> Option<String> {
    let template = case["template"].as_str().unwrap();
    let ctx = match &case["context"] {
        Value::Object(_) => case["context"].clone(),
        _ => json!({}),
    };
    let got = liquid::check(template).and_then(|()| liquid::render(template, &ctx));
    if case["invalid"] == true {
        return got.ok().map(|out| format!("accepted, rendered {out:?}"));
    }
    let wanted: Vec<&str> = match case.get("expected_any") {
        Some(list) => list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect(),
        None => vec![case["expected"].as_str().unwrap()],
    };
    match got {
        Ok(out) if wanted.contains(&out.as_str()) => None,
        Ok(out) => Some(format!("rendered {out:?}, expected {:?}", wanted[0])),
        Err(e) => Some(format!("error: {e}")),
    }
}

#[test]
fn golden_liquid_cases_for_twilios_tags_and_filters() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/liquid_conformance.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    let mut failed = Vec::new();
    for case in cases {
        if let Some(why) = run(case) {
            failed.push(format!(
                "{} / {}: {} — {why}",
                case["group"].as_str().unwrap(),
                case["name"].as_str().unwrap(),
                case["template"]
            ));
        }
    }
    let passed = cases.len() - failed.len();
    let rate = passed as f64 * 100.0 / cases.len() as f64;
    println!("liquid conformance: {passed}/{} = {rate:.1} %", cases.len());
    for f in &failed {
        println!("  differs: {f}");
    }
    // Issue 21 asks for 95 %; this is the floor reached so far (README: Liquid), kept from slipping.
    assert!(
        rate >= 86.0,
        "pass rate {rate:.1} % is under the 86 % floor"
    );
}
