//! Issue 21 item 1: every tag, operator and filter of Twilio's "Liquid Template Language" page
//! (Studio user guide) has a case of its own here, written from that page's examples and
//! Shopify Liquid's definitions, with Studio's specifics: `to_json`, spaces around the dots of
//! a path, numbers held as text (`" 1 " | plus: 1`), the 15-iteration loop cap and undefined
//! variables rendering empty. The test fails when a name of the lists has no case. The last
//! test runs issue 21's two real-flow templates through the binary's REST trigger.

mod common;
mod studio_common;
use common::*;
use studio_common::*;
use switchboard::liquid::Liquid;

const TAGS: &[&str] = &[
    "if",
    "elsif",
    "else",
    "unless",
    "case",
    "when",
    "for",
    "break",
    "continue",
    "cycle",
    "assign",
    "capture",
    "increment",
    "decrement",
    "raw",
    "comment",
];

const OPERATORS: &[&str] = &[
    "==", "!=", "<>", "<", ">", "<=", ">=", "and", "or", "contains",
];

const FILTERS: &[&str] = &[
    "abs",
    "append",
    "at_least",
    "at_most",
    "capitalize",
    "ceil",
    "compact",
    "concat",
    "date",
    "default",
    "divided_by",
    "downcase",
    "escape",
    "escape_once",
    "first",
    "floor",
    "join",
    "last",
    "lstrip",
    "map",
    "minus",
    "modulo",
    "newline_to_br",
    "plus",
    "prepend",
    "remove",
    "remove_first",
    "replace",
    "replace_first",
    "reverse",
    "round",
    "rstrip",
    "size",
    "slice",
    "sort",
    "sort_natural",
    "split",
    "strip",
    "strip_html",
    "strip_newlines",
    "times",
    "truncate",
    "truncatewords",
    "uniq",
    "upcase",
    "url_decode",
    "url_encode",
    "where",
    "to_json",
];

fn ctx() -> Value {
    json!({
        "flow": {"variables": {"count": 2, "retry": " 1 ", "name": "ann", "tags": ["b", "a", "c"]}},
        "trigger": {"message": {"Body": "Hello World", "From": "+15550001111"}},
        "widgets": {"http": {"parsed": {"items": [
            {"name": "x", "price": 3, "sale": true},
            {"name": "y", "price": 5, "sale": false},
            {"name": "z", "price": 1, "sale": true}
        ]}}}
    })
}

/// (template, expected).
const CASES: &[(&str, &str)] = &[
    // Tags.
    ("{% if flow.variables.count > 1 %}big{% elsif flow.variables.count == 1 %}one{% else %}none{% endif %}", "big"),
    ("{% unless flow.variables.name == 'bob' %}not bob{% endunless %}", "not bob"),
    ("{% case flow.variables.count %}{% when 1 %}one{% when 2, 3 %}two or three{% else %}many{% endcase %}", "two or three"),
    ("{% for t in flow.variables.tags %}{{ forloop.index }}{{ t }}{% endfor %}", "1b2a3c"),
    ("{% for i in (1..10) %}{% if i == 3 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", "124"),
    ("{% for i in (1..20) %}{{ forloop.length }}{% break %}{% endfor %}", "15"),
    ("{% for i in (1..40) %}.{% endfor %}", "..............."),
    ("{% for x in flow.variables.none %}x{% else %}empty{% endfor %}", "empty"),
    ("{% for i in (1..6) limit: 2 offset: 1 reversed %}{{ i }}{% endfor %}", "32"),
    ("{% for i in (1..4) %}{% cycle 'odd', 'even' %} {% endfor %}", "odd even odd even "),
    ("{% assign greeting = 'Hi ' | append: flow.variables.name %}{{ greeting }}", "Hi ann"),
    ("{% capture full %}{{ flow.variables.name }}-{{ flow.variables.count }}{% endcapture %}{{ full }}", "ann-2"),
    ("{% increment n %}{% increment n %}{% decrement m %}", "01-1"),
    ("{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"),
    ("a{% comment %} {{ hidden }} {% endcomment %}b", "ab"),
    ("  {%- if true -%}  x  {%- endif -%}  ", "x"),
    // Operators.
    ("{% if 'a' == 'a' and 1 != 2 and 1 <> 2 %}y{% endif %}", "y"),
    ("{% if 1 < 2 and 2 > 1 and 2 <= 2 and 3 >= 3 %}y{% endif %}", "y"),
    ("{% if false or true %}y{% endif %}", "y"),
    ("{% if trigger.message.Body contains 'World' and flow.variables.tags contains 'a' %}y{% endif %}", "y"),
    // Studio: undefined is empty, spaces around dots, numbers held as text.
    ("[{{ widgets.nothing.parsed.x }}]", "[]"),
    ("{{flow.variables. count}}{{ widgets. http .parsed.items[0].name }}", "2x"),
    ("{% if flow.variables.retry %}{{ flow.variables.retry | plus: 1 }}{% endif %}", "2"),
    // Filters.
    ("{{ -17 | abs }}", "17"),
    ("{{ 'a' | append: 'b' }}", "ab"),
    ("{{ 4 | at_least: 5 }}{{ 4 | at_most: 3 }}", "53"),
    ("{{ 'my title' | capitalize }}", "My title"),
    ("{{ 1.2 | ceil }}{{ 1.8 | floor }}", "21"),
    ("{{ widgets.http.parsed.items | map: 'none' | compact | size }}", "0"),
    ("{{ flow.variables.tags | concat: flow.variables.tags | size }}", "6"),
    ("{{ '2024-03-05T10:20:00Z' | date: '%Y/%m/%d %H:%M' }}", "2024/03/05 10:20"),
    ("{{ flow.variables.none | default: 'fallback' }}", "fallback"),
    ("{{ 20 | divided_by: 7 }} {{ 20 | divided_by: 8.0 }}", "2 2.5"),
    ("{{ 'ABC' | downcase }}{{ 'abc' | upcase }}", "abcABC"),
    ("{{ '<p>' | escape }} {{ '&lt;p&gt; & <' | escape_once }}", "&lt;p&gt; &lt;p&gt; &amp; &lt;"),
    ("{{ flow.variables.tags | first }}{{ flow.variables.tags | last }}", "bc"),
    ("{{ flow.variables.tags | join: ', ' }}", "b, a, c"),
    ("[{{ '  x  ' | lstrip }}][{{ '  x  ' | rstrip }}][{{ '  x  ' | strip }}]", "[x  ][  x][x]"),
    ("{{ widgets.http.parsed.items | map: 'name' | join: '' }}", "xyz"),
    ("{{ 10 | minus: 3 }} {{ 10 | modulo: 3 }} {{ 10 | times: 3 }} {{ 10 | plus: 3 }}", "7 1 30 13"),
    ("{{ 'a\nb' | newline_to_br }}", "a<br />\nb"),
    ("{{ 'b' | prepend: 'a' }}", "ab"),
    ("{{ 'a-b-a' | remove: 'a' }} {{ 'a-b-a' | remove_first: 'a' }}", "-b- -b-a"),
    ("{{ 'a-b-a' | replace: 'a', 'c' }} {{ 'a-b-a' | replace_first: 'a', 'c' }}", "c-b-c c-b-a"),
    ("{{ flow.variables.tags | reverse | join: '' }}", "cab"),
    ("{{ 2.567 | round: 2 }} {{ 2.5 | round }}", "2.57 3"),
    ("{{ trigger.message.Body | size }} {{ flow.variables.tags.size }}", "11 3"),
    ("{{ 'Liquid' | slice: 1, 3 }} {{ 'Liquid' | slice: -2 }}", "iqu i"),
    ("{{ flow.variables.tags | sort | join: '' }} {{ 'b,A,c' | split: ',' | sort_natural | join: '' }}", "abc Abc"),
    ("{{ 'a,b,,' | split: ',' | size }}", "2"),
    ("{{ '<b>bold</b>' | strip_html }}{{ 'a\nb' | strip_newlines }}", "boldab"),
    ("{{ 'Ground control' | truncate: 8 }} {{ 'one two three' | truncatewords: 2 }}", "Groun... one two..."),
    ("{{ 'a,b,a' | split: ',' | uniq | join: '' }}", "ab"),
    ("{{ 'a%20b+c' | url_decode }} {{ 'a b&c' | url_encode }}", "a b c a+b%26c"),
    ("{{ widgets.http.parsed.items | where: 'sale' | map: 'name' | join: '' }}", "xz"),
    ("{{ widgets.http.parsed.items | sort: 'price' | map: 'name' | join: '' }}", "zxy"),
    ("{{ flow.variables.tags | to_json }} {{ trigger.message.From | to_json }}", r#"["b","a","c"] "+15550001111""#),
];

#[test]
fn every_tag_operator_and_filter_of_twilios_page_renders_as_liquid_does() {
    let liquid = Liquid::new();
    let ctx = ctx();
    let mut failed = Vec::new();
    for (template, want) in CASES {
        match liquid.render(template, &ctx) {
            Ok(got) if got == *want => {}
            other => failed.push(format!("{template:?}: {other:?}, expected {want:?}")),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_name_of_the_lists_has_a_case() {
    let mut missing = Vec::new();
    for tag in TAGS {
        let used = CASES.iter().any(|(t, _)| {
            t.contains(&format!("{{% {tag} "))
                || t.contains(&format!("{{% {tag} %}}"))
                || t.contains(&format!("{{%- {tag} "))
        });
        if !used {
            missing.push(format!("tag {tag}"));
        }
    }
    for op in OPERATORS {
        if !CASES.iter().any(|(t, _)| t.contains(&format!(" {op} "))) {
            missing.push(format!("operator {op}"));
        }
    }
    for f in FILTERS {
        let used = CASES.iter().any(|(t, _)| {
            t.contains(&format!("| {f} "))
                || t.contains(&format!("| {f}:"))
                || t.contains(&format!("| {f} }}"))
        });
        if !used {
            missing.push(format!("filter {f}"));
        }
    }
    assert!(missing.is_empty(), "no case for: {}", missing.join(", "));
}

#[test]
fn bad_templates_are_refused_when_checked() {
    let liquid = Liquid::new();
    for bad in [
        "{% if %}",
        "{% if x %}",
        "{% endif %}",
        "{% for x in %}{% endfor %}",
        "{{ x | nosuchfilter }}",
        "{% nosuchtag %}",
        "{% comment %}",
        "{{ 'a' > 1 }}",
    ] {
        assert!(liquid.check(bad).is_err(), "{bad:?} was accepted");
    }
    // Ordering a string against a number is an error when rendered, as in Shopify Liquid.
    assert!(liquid
        .render("{% if 'a' > 1 %}x{% endif %}", &ctx())
        .is_err());
}

/// Issue 21: a real helpline flow's retry counter (`" 1 "` stored, then `plus: 1` on it, a path
/// with a space after a dot) and `date` on ISO 8601, run by the binary as set-variables widgets.
#[test]
fn the_helpline_retry_loop_and_date_run_in_a_flow() {
    let s = TestServer::start();
    let retry = "{% if flow.variables.retry_counter%} {{flow.variables.retry_counter| plus: 1}} {% else %} 1 {% endif %}";
    let set = |name: &str, next: Option<&str>, vars: Value| {
        json!({"name": name, "type": "set-variables", "properties": {"variables": vars},
               "transitions": [{"event": "next", "next": next}]})
    };
    let def = json!({
        "description": "retry",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingRequest", "next": "first"}]},
            set("first", Some("second"), json!([{"key": "retry_counter", "value": retry}])),
            set("second", Some("third"), json!([{"key": "retry_counter", "value": retry}])),
            set("third", None, json!([
                {"key": "tries", "value": "{{flow.variables. retry_counter | times: 10}}"},
                {"key": "when", "value": "{{ '2024-03-05T10:20:00Z' | date: '%Y/%m/%d %H:%M' }}"}
            ]))
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    });
    let flow = create(&s, "retry", &def);
    let e = execute(&s, &flow, "+15550004444", json!({}))
        .expect(201)
        .json();
    let vars = &e["context"]["flow"]["variables"];
    assert_eq!(vars["retry_counter"], " 2 ", "{e}");
    assert_eq!(vars["tries"], "20", "{e}");
    assert_eq!(vars["when"], "2024/03/05 10:20", "{e}");
    assert_eq!(e["status"], "ended", "{e}");
}
