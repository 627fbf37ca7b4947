//! Issue 18 item 7: conformance against Twilio's own OpenAPI definitions (the pinned
//! `@twilio/cli-core` npm package, `npm ci --prefix tests/oai`). Starts the real binary, seeds
//! resources through the API, then calls every path + method of TaskRouter v1, Studio v2, Flex v1
//! (without PluginService, Insights, account/provision), Conversations v1 and the 2010 Accounts and
//! Keys under each product's own prefix, and validates each answer against the operation's
//! response schema (every listed property present, types with `nullable`, enums, formats), its
//! status against the definition's, and its `url`/`links` against the box (they must point under
//! the product's prefix and a GET of them must not be 404). Prints the table per product and
//! asserts floors, so a regression fails.
//!
//! Order: each product's creates (POST to a collection, shallow paths first; each created SID is
//! kept for that collection's later paths and its DELETE), then every GET (a list's first item
//! seeds the SIDs no create gave), then the other POSTs, then the DELETEs (deepest first).

mod carrier;
#[path = "common/channels.rs"]
mod channels;
mod common;
#[path = "common/oai.rs"]
mod oai;
#[path = "oai/params.rs"]
mod params;
#[path = "common/taskrouter.rs"]
mod taskrouter;
use carrier::Carrier;
use channels::{served_sms, WAIT};
use common::*;
use oai::{echoes, gettable, Op, Spec};
use std::collections::{HashMap, HashSet};
use taskrouter::Tr;

struct Product {
    label: &'static str,
    file: &'static str,
    prefix: &'static str,
    in_scope: fn(&str) -> bool,
    /// The floors: endpoints answered, answers matching the definition.
    floor: (usize, usize),
}

const PRODUCTS: [Product; 5] = [
    Product {
        label: "TaskRouter v1",
        file: "twilio_taskrouter_v1.json",
        prefix: "/taskrouter",
        in_scope: |_| true,
        floor: (61, 61),
    },
    Product {
        label: "Studio v2",
        file: "twilio_studio_v2.json",
        prefix: "/studio",
        in_scope: |_| true,
        floor: (19, 19),
    },
    Product {
        label: "Conversations v1",
        file: "twilio_conversations_v1.json",
        prefix: "/conversations",
        in_scope: |_| true,
        floor: (101, 101),
    },
    Product {
        label: "Flex v1 (without PluginService, Insights, provision)",
        file: "twilio_flex_v1.json",
        prefix: "/flex-api",
        in_scope: |p| {
            !p.starts_with("/v1/PluginService")
                && !p.starts_with("/v1/Insights")
                && !p.starts_with("/v1/account/provision")
        },
        floor: (30, 30),
    },
    Product {
        label: "Api 2010 (Accounts, Keys, Messages, Calls)",
        file: "twilio_api_v2010.json",
        prefix: "/api",
        in_scope: |p| {
            p == "/2010-04-01/Accounts.json"
                || p == "/2010-04-01/Accounts/{Sid}.json"
                || p.starts_with("/2010-04-01/Accounts/{AccountSid}/Keys")
                || p == "/2010-04-01/Accounts/{AccountSid}/Messages.json"
                || p == "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
                || p == "/2010-04-01/Accounts/{AccountSid}/Calls.json"
                || p == "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"
        },
        floor: (19, 18),
    },
];

use params::{CUSTOMER, OUR_NUMBER};

/// The collection each `{Capture}` of a path template names: the literal segments before it,
/// without the version (`/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}` → `Workspaces`,
/// `Workspaces/Workers`).
fn captures(template: &str) -> Vec<(String, String)> {
    let mut lits: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for seg in template.trim_start_matches('/').split('/').skip(1) {
        if let Some(rest) = seg.strip_prefix('{') {
            let (name, _) = rest.split_once('}').unwrap();
            out.push((name.to_string(), lits.join("/")));
        } else {
            lits.push(seg.trim_end_matches(".json").to_string());
        }
    }
    out
}

/// The collection a path without a trailing capture lists or creates in.
fn collection(template: &str) -> String {
    template
        .trim_start_matches('/')
        .split('/')
        .skip(1)
        .filter(|s| !s.starts_with('{'))
        .map(|s| s.trim_end_matches(".json"))
        .collect::<Vec<_>>()
        .join("/")
}

fn is_instance(template: &str) -> bool {
    template.trim_end_matches(".json").ends_with('}')
}

struct Run<'a> {
    s: &'a TestServer,
    /// SIDs by collection (`Workspaces/Workers`), per product label.
    seeds: HashMap<String, String>,
    created: HashMap<String, String>,
    extra: HashMap<&'static str, String>,
    n: usize,
    checked_links: HashSet<String>,
    /// Lists that answered no items (their item schema went unchecked).
    empty: Vec<String>,
}

/// What one call found.
struct Outcome {
    answered: bool,
    errors: Vec<String>,
}

impl Run<'_> {
    fn path_of(&self, template: &str) -> Result<String, String> {
        let mut path = template.to_string();
        for (name, coll) in captures(template) {
            let v = self
                .seeds
                .get(&coll)
                .ok_or_else(|| format!("nothing seeded for {{{name}}} ({coll})"))?;
            path = path.replacen(&format!("{{{name}}}"), v, 1);
        }
        Ok(path)
    }

    fn x(&self, k: &str) -> String {
        self.extra.get(k).cloned().unwrap_or_default()
    }

    /// The form parameters (or query) a call sends; `n` keeps unique names unique.
    fn params(&mut self, method: &str, t: &str) -> Vec<(String, String)> {
        self.n += 1;
        params::params(method, t, self.n, &|k| self.x(k))
    }

    fn call(&mut self, spec: &Spec, prefix: &str, op: &Op) -> Outcome {
        let fail = |e: String| Outcome {
            answered: false,
            errors: vec![e],
        };
        let mut path = match self.path_of(&op.path) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let is_delete = op.method == "DELETE";
        if is_delete {
            // A DELETE removes what this run's create made, when there is one.
            let coll = collection(&op.path);
            if let (Some(last), Some(sid)) = (captures(&op.path).last(), self.created.get(&coll)) {
                if last.1 == coll {
                    let seeded = &self.seeds[&coll];
                    path = path.replacen(seeded.as_str(), sid, 1);
                }
            }
        }
        let params = self.params(&op.method, &op.path);
        let refs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = format!("{prefix}{path}");
        let r = match op.method.as_str() {
            "GET" if refs.is_empty() => self.s.get(&url),
            "GET" => self.s.get(&format!("{url}?{}", form_encode(&refs))),
            "POST" => self.s.post(&url, &refs),
            _ => self.s.delete(&url),
        };
        if r.status == 404 || r.status == 405 {
            return fail(format!("{} {}", r.status, short(&r.text())));
        }
        let mut out = Outcome {
            answered: true,
            errors: Vec::new(),
        };
        if !op.statuses().contains(&r.status) {
            out.errors.push(format!(
                "status {} (the definition lists {:?}): {}",
                r.status,
                op.statuses(),
                short(&r.text())
            ));
            return out;
        }
        let Some(schema) = op.schema(r.status) else {
            return out;
        };
        let v: Value = match serde_json::from_slice(&r.body) {
            Ok(v) => v,
            Err(e) => {
                out.errors.push(format!("not JSON ({e})"));
                return out;
            }
        };
        spec.validate(schema, &v, "", &mut out.errors);
        if op.method == "POST" {
            echoes(&params, &v, &mut out.errors);
        }
        self.learn(op, &v);
        self.check_links(spec, prefix, &v, &mut out.errors);
        out
    }

    /// Keeps the SID a create made, or a list's first item's, for the paths that need one.
    fn learn(&mut self, op: &Op, v: &Value) {
        let coll = collection(&op.path);
        if is_instance(&op.path) {
            return;
        }
        let sid = if op.method == "POST" {
            let sid = v["sid"].as_str().map(str::to_string);
            if let Some(sid) = &sid {
                self.created.entry(coll.clone()).or_insert(sid.clone());
            }
            sid
        } else {
            let list = v
                .as_object()
                .and_then(|o| o.iter().find(|(k, a)| *k != "meta" && a.is_array()));
            let is_list = v.get("meta").is_some() || v.get("start").is_some();
            if is_list && list.is_some_and(|(_, a)| a.as_array().is_some_and(Vec::is_empty)) {
                self.empty.push(op.path.clone());
            }
            let item = list.and_then(|(_, a)| a.as_array()?.first().cloned());
            item.and_then(|i| {
                if coll.ends_with("Revisions") {
                    return i["revision"].as_i64().map(|r| r.to_string());
                }
                i["sid"]
                    .as_str()
                    .or(i["conversation_sid"].as_str())
                    .map(str::to_string)
            })
        };
        if let Some(sid) = sid {
            self.seeds.entry(coll).or_insert(sid);
        }
    }

    /// `url`, `links` and paging URLs point under the product's prefix on the box, and resolve.
    fn check_links(&mut self, spec: &Spec, prefix: &str, v: &Value, errs: &mut Vec<String>) {
        let base = format!("http://{}{prefix}/", self.s.addr);
        let mut urls: Vec<(String, String)> = Vec::new();
        let mut take = |name: String, u: &Value| {
            if let Some(u) = u.as_str() {
                urls.push((name, u.to_string()));
            }
        };
        take("url".into(), &v["url"]);
        take("meta.url".into(), &v["meta"]["url"]);
        take("meta.first_page_url".into(), &v["meta"]["first_page_url"]);
        for (k, u) in v["links"].as_object().into_iter().flatten() {
            take(format!("links.{k}"), u);
        }
        for (name, u) in urls {
            let Some(rest) = u.strip_prefix(&base) else {
                errs.push(format!("{name}: {u} is not under {base}"));
                continue;
            };
            let path = format!("{prefix}/{rest}");
            let key = path.split('?').next().unwrap_or("").to_string();
            // Only what the definition says can be read (a bulk statistics `url` is POST-only).
            if !gettable(spec, &key[prefix.len()..]) || !self.checked_links.insert(key) {
                continue;
            }
            // 405: the path is there, without a GET (as on Twilio, a participant's `url`).
            let st = self.s.get(&path).status;
            if st == 404 {
                errs.push(format!("{name}: GET {path} answers {st}"));
            }
        }
    }
}

fn short(s: &str) -> String {
    let s = s.replace('\n', " ");
    if s.len() > 160 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(157).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// The order of a product's calls: creates (shallow first), GETs, other POSTs, DELETEs (deep first).
fn phase(op: &Op) -> (u8, i64, bool) {
    let depth = captures(&op.path).len() as i64;
    let users_first = !op.path.contains("/Users/");
    match (op.method.as_str(), is_instance(&op.path)) {
        ("POST", false) => (0, depth, false),
        ("GET", _) => (1, depth, false),
        ("POST", true) => (2, depth, false),
        // A user's conversation goes before the participant it stands for.
        _ => (3, -depth, users_first),
    }
}

/// TaskRouter: a workspace whose task is reserved to an available worker.
fn seed_taskrouter(s: &TestServer, run: &mut Run) {
    let tr = Tr::new(s, "oai conformance");
    let queue = tr.queue("everyone", "1==1", &[]);
    let workflow = tr.simple_workflow(&queue);
    let worker = tr.worker("alice", json!({"skill": "oai"}));
    let task = tr.task(&workflow, json!({"type": "oai"}), &[]);
    let task = task["sid"].as_str().unwrap().to_string();
    tr.wait_reservation(&task);
    run.extra.insert("queue", queue.clone());
    run.extra.insert("workflow", workflow.clone());
    for (k, v) in [
        ("Workspaces", tr.ws.clone()),
        ("Workspaces/TaskQueues", queue),
        ("Workspaces/Workflows", workflow),
        ("Workspaces/Workers", worker),
        ("Workspaces/Tasks", task),
    ] {
        run.seeds.insert(k.into(), v);
    }
}

/// Conversations: in the plain path and in the default service, a conversation with a customer
/// on SMS and a message the carrier delivered (so it has a receipt).
fn seed_conversations(s: &TestServer, run: &mut Run) {
    let service = s
        .post("/conversations/v1/Services", &[("FriendlyName", "oai")])
        .expect(201)
        .json();
    let service = service["sid"].as_str().unwrap().to_string();
    run.seeds.insert("Services".into(), service.clone());
    for (i, (base, key)) in [
        ("/conversations/v1".to_string(), ""),
        (format!("/conversations/v1/Services/{service}"), "Services/"),
    ]
    .into_iter()
    .enumerate()
    {
        let conv = s
            .post(&format!("{base}/Conversations"), &[])
            .expect(201)
            .json();
        let conv = conv["sid"].as_str().unwrap().to_string();
        let path = format!("{base}/Conversations/{conv}");
        s.post(
            &format!("{path}/Participants"),
            &[
                ("MessagingBinding.Address", &format!("+1555333000{i}")),
                ("MessagingBinding.ProxyAddress", "+15553330100"),
            ],
        )
        .expect(201);
        // "oai-user" is a user in the conversation (its User Conversations).
        let user = s
            .post(&format!("{base}/Users"), &[("Identity", "oai-user")])
            .expect(201)
            .json();
        s.post(&format!("{path}/Participants"), &[("Identity", "oai-user")])
            .expect(201);
        run.seeds
            .insert(format!("{key}Users"), user["sid"].as_str().unwrap().into());
        let m = s
            .post(
                &format!("{path}/Messages"),
                &[("Author", "agent"), ("Body", "shipped")],
            )
            .expect(201)
            .json();
        let m = m["sid"].as_str().unwrap().to_string();
        let receipt = wait_until(WAIT, || {
            let v = s
                .get(&format!("{path}/Messages/{m}/Receipts"))
                .expect(200)
                .json();
            Some(
                v["delivery_receipts"].as_array()?.first()?["sid"]
                    .as_str()?
                    .to_string(),
            )
        });
        run.seeds.insert(format!("{key}Conversations"), conv);
        run.seeds.insert(format!("{key}Conversations/Messages"), m);
        run.seeds
            .insert(format!("{key}Conversations/Messages/Receipts"), receipt);
    }
}

/// Flex: an SMS conversation served by alice through a Flex Flow, bound to an interaction.
fn seed_flex(s: &TestServer, run: &mut Run) {
    let tr = Tr::default(s);
    let wf = s.get(&tr.path("/Workflows")).expect(200).json()["workflows"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    tr.worker("flex-alice", json!({}));
    let bob = tr.worker("flex-bob", json!({}));
    tr.set_activity(&bob, &tr.offline);
    let (conv, _) = served_sms(
        s,
        &tr,
        "oai support line",
        "flex-alice",
        OUR_NUMBER,
        CUSTOMER,
    );
    let channel = json!({"type": "sms", "properties": {"media_channel_sid": conv}});
    let i = s
        .post("/v1/Interactions", &[("Channel", &channel.to_string())])
        .expect(200)
        .json();
    tr.set_activity(&bob, &tr.available);
    let spare = s.post("/v1/Conversations", &[]).expect(201).json();
    run.extra
        .insert("spare_conv", spare["sid"].as_str().unwrap().to_string());
    let flows = s.get("/flex-api/v1/FlexFlows").expect(200).json();
    let web = flows["flex_flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["channel_type"] == "web")
        .expect("a web Flex Flow");
    run.extra
        .insert("web_flow", web["sid"].as_str().unwrap().to_string());
    run.extra.insert(
        "chat_service",
        web["chat_service_sid"].as_str().unwrap().to_string(),
    );
    run.extra.insert("flex_ws", tr.ws.clone());
    run.extra.insert("flex_wf", wf);
    run.extra.insert("bob", bob);
    run.seeds
        .insert("Interactions".into(), i["sid"].as_str().unwrap().into());
    run.seeds.insert(
        "Interactions/Channels".into(),
        i["channel"]["sid"].as_str().unwrap().into(),
    );
}

#[test]
fn every_in_scope_endpoint_answers_as_twilios_definitions_say() {
    let carrier = Carrier::start();
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PROVIDER_URL", &carrier.url),
        ("SWITCHBOARD_RETRY_BASE_MS", "50"),
    ]);
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for product in &PRODUCTS {
        let spec = Spec::load(product.file);
        let mut run = Run {
            s: &s,
            seeds: HashMap::new(),
            created: HashMap::new(),
            extra: HashMap::new(),
            n: 0,
            checked_links: HashSet::new(),
            empty: Vec::new(),
        };
        match product.prefix {
            "/taskrouter" => seed_taskrouter(&s, &mut run),
            "/flex-api" => seed_flex(&s, &mut run),
            "/conversations" => seed_conversations(&s, &mut run),
            "/api" => {
                run.seeds.insert("Accounts".into(), s.sid.clone());
            }
            _ => {}
        }
        let mut ops: Vec<Op> = spec
            .ops()
            .into_iter()
            .filter(|o| (product.in_scope)(&o.path))
            .collect();
        ops.sort_by_key(phase);
        let (mut answered, mut matching) = (0, 0);
        for op in &ops {
            let out = run.call(&spec, product.prefix, op);
            answered += out.answered as usize;
            if out.answered && out.errors.is_empty() {
                matching += 1;
            } else {
                failures.push(format!(
                    "{} {} {}{}:\n    {}",
                    product.label,
                    op.method,
                    product.prefix,
                    op.path,
                    out.errors.join("\n    ")
                ));
            }
        }
        if !run.empty.is_empty() {
            println!(
                "{}: lists answered empty (items unchecked): {:?}",
                product.label, run.empty
            );
        }
        table.push((product, ops.len(), answered, matching));
    }
    println!("\n{}", failures.join("\n"));
    println!(
        "\n| Twilio product (definition) | endpoints | answered | answer matches the schema |"
    );
    println!("|---|---|---|---|");
    for (p, total, answered, matching) in &table {
        println!("| {} | {total} | {answered} | {matching} |", p.label);
    }
    for (p, _, answered, matching) in &table {
        assert!(
            *answered >= p.floor.0 && *matching >= p.floor.1,
            "{}: {answered} answered, {matching} matching, below the floors {:?} (see the list above)",
            p.label,
            p.floor
        );
    }
}

/// The checks themselves fail where they should: each kind of mismatch is reported once.
#[test]
fn the_validator_and_the_echo_check_report_each_kind_of_mismatch() {
    let spec = Spec::from_doc(
        "synthetic",
        json!({"components": {"schemas": {
            "state": {"type": "string", "enum": ["open", "closed"]},
            "thing": {"type": "object", "properties": {
                "sid": {"type": "string", "pattern": "^WK[0-9a-fA-F]{32}$", "nullable": true},
                "count": {"type": "integer"},
                "note": {"type": "string", "nullable": true},
                "state": {"$ref": "#/components/schemas/state"},
                "date_created": {"type": "string", "format": "date-time", "nullable": true},
                "url": {"type": "string", "format": "uri", "nullable": true},
                "links": {"type": "object", "format": "uri-map", "nullable": true},
                "tags": {"type": "array", "items": {"type": "string"}}}}}}}),
    );
    let schema = json!({"$ref": "#/components/schemas/thing"});
    let good = json!({"sid": format!("WK{}", "a".repeat(32)), "count": 1, "note": null,
        "state": "open", "date_created": "2026-12-03T13:00:00Z", "url": "http://h/x",
        "links": {"a": "http://h/a"}, "tags": ["x"]});
    let mut errs = Vec::new();
    spec.validate(&schema, &good, "", &mut errs);
    assert_eq!(errs, Vec::<String>::new());
    let bad = json!({"sid": "WKnot-a-sid", "count": null, "note": 3, "state": "ajar",
        "date_created": "Thu, 03 Dec 2026 13:00:00 +0000", "url": "h/x",
        "links": {"a": 1}, "tags": [1]});
    spec.validate(&schema, &bad, "", &mut errs);
    for (field, what) in [
        (".sid", "pattern"),
        (".count", "null"),
        (".note", "type string"),
        (".state", "not one of"),
        (".date_created", "format"),
        (".url", "URI"),
        (".links.a", "URI"),
        (".tags[0]", "type string"),
    ] {
        assert!(
            errs.iter()
                .any(|e| e.starts_with(&format!("{field}:")) && e.contains(what)),
            "{field} ({what}) not reported: {errs:?}"
        );
    }
    let mut errs = Vec::new();
    spec.validate(&schema, &json!({"count": 1}), "", &mut errs);
    assert!(errs.contains(&".state: missing".to_string()), "{errs:?}");

    let sent = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    let mut errs = Vec::new();
    echoes(
        &sent("FriendlyName", "a"),
        &json!({"friendly_name": "a"}),
        &mut errs,
    );
    echoes(&sent("Priority", "5"), &json!({"priority": 5}), &mut errs);
    echoes(
        &sent("Attributes", r#"{"a":1}"#),
        &json!({"attributes": "{\"a\": 1, \"b\": 2}"}),
        &mut errs,
    );
    echoes(
        &sent("TestUsers", "u"),
        &json!({"test_users": ["u"]}),
        &mut errs,
    );
    assert_eq!(errs, Vec::<String>::new());
    echoes(
        &sent("FriendlyName", "a"),
        &json!({"friendly_name": "b"}),
        &mut errs,
    );
    echoes(&sent("Priority", "5"), &json!({"priority": 0}), &mut errs);
    echoes(
        &sent("Attributes", r#"{"a":1}"#),
        &json!({"attributes": "{}"}),
        &mut errs,
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
}
