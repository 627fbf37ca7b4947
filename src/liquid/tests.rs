//! Unit tests of the Liquid engine: Studio semantics, budgets, odd input.

use super::*;
use serde_json::json;

fn check(template: &str) -> Result<(), TemplateError> {
    Liquid::new().check(template)
}

fn render(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    Liquid::new().render(template, ctx)
}

fn ctx() -> Value {
    json!({
        "trigger": {"message": {"Body": "Hello", "From": "+15550001"}},
        "widgets": {"ask": {"inbound": {"Body": " YES "}}, "get-name": {"parsed": {"name": "Ann", "list": [1, 2]}}},
        "flow": {"variables": {"count": 2}, "data": {}}
    })
}

#[test]
fn integer_literal_overflow_is_an_error_not_a_panic() {
    // Found by tests/fuzz.rs: liquid-core panics on an integer literal beyond i64.
    assert!(check("{{ 99999999999999999999 }}").is_err());
    assert!(render(
        "{% if 99999999999999999999 > 1 %}x{% endif %}",
        &serde_json::json!({})
    )
    .is_err());
}

#[test]
fn renders_trigger_body() {
    assert_eq!(
        render("{{trigger.message.Body}}", &ctx()).as_deref(),
        Ok("Hello")
    );
}

#[test]
fn renders_filters() {
    assert_eq!(
        render("{{flow.variables.count | plus: 1}}", &ctx()).as_deref(),
        Ok("3")
    );
    assert_eq!(
        render("{{widgets.ask.inbound.Body | strip | downcase}}", &ctx()).as_deref(),
        Ok("yes")
    );
}

#[test]
fn renders_if_blocks() {
    let t = "{% if flow.variables.count > 1 %}many{% else %}few{% endif %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("many"));
}

#[test]
fn undefined_variables_render_empty() {
    assert_eq!(
        render("a{{trigger.message.Nope}}b", &ctx()).as_deref(),
        Ok("ab")
    );
    assert_eq!(render("a{{nothing.at.all}}b", &ctx()).as_deref(), Ok("ab"));
    assert_eq!(
        render(
            "{% if flow.variables.missing %}x{% else %}y{% endif %}",
            &ctx()
        )
        .as_deref(),
        Ok("y")
    );
    assert_eq!(
        render("{{widgets.get-name.parsed.name}}", &ctx()).as_deref(),
        Ok("Ann")
    );
}

#[test]
fn assign_and_for_still_work() {
    let t = "{% assign x = flow.variables.count | plus: 5 %}{{x}}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("7"));
    let t = "{% for i in widgets.get-name.parsed.list %}{{forloop.index0}}{{i}};{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("01;12;"));
}

#[test]
fn to_json_serializes_variables() {
    assert_eq!(
        render("{{flow.variables | to_json}}", &ctx()).as_deref(),
        Ok(r#"{"count":2}"#)
    );
    assert_eq!(
        render("{{ missing | to_json }}", &ctx()).as_deref(),
        Ok("null")
    );
    assert_eq!(
        render("{{flow.variables | to_json | replace: '2','X'}}", &ctx()).as_deref(),
        Ok(r#"{"count":X}"#)
    );
    assert_eq!(
        render("{{ 'a' | upcase | to_json }}", &ctx()).as_deref(),
        Ok(r#""A""#)
    );
    assert!(check("{{trigger | to_json}}").is_ok());
}

#[test]
fn spaces_around_path_dots_are_accepted() {
    assert!(check("{% if widgets. \nget-name .parsed.name == 'Ann' %}y{% endif %}").is_ok());
    assert_eq!(
        render("{{widgets.get-name.parsed. name}}", &ctx()).as_deref(),
        Ok("Ann")
    );
    assert_eq!(render("{{ 'a. b' }}", &ctx()).as_deref(), Ok("a. b"));
    let t = "{% for i in (1..2) %}{{i}}{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("12"));
}

#[test]
fn unterminated_trailing_output_is_literal_when_rendering() {
    assert!(check("id={{flow.variables.count").is_err());
    assert_eq!(
        unterminated_tail("id={{flow.variables.count"),
        Some(("id=", "{{flow.variables.count"))
    );
    assert_eq!(unterminated_tail("{{ a }} {% if x %}"), None);
    assert_eq!(unterminated_tail("{{ a }"), None);
    assert_eq!(unterminated_tail("{{ a | upcase"), None);
    assert_eq!(unterminated_tail("{{ a.b[0] "), Some(("", "{{ a.b[0] ")));
    assert_eq!(
        render("{{flow.variables.count}}={{flow.variables.count", &ctx()).as_deref(),
        Ok("2={{flow.variables.count")
    );
}

#[test]
fn nil_is_zero_for_numeric_filters() {
    assert_eq!(
        render("{{ flow.variables.nope | plus: 1 }}", &ctx()).as_deref(),
        Ok("1")
    );
    let t = "{% assign i = flow.variables.idx | minus: 0 %}[{{ widgets.none.parsed.list[i] }}]";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("[]"));
    assert_eq!(
        render("{{ 5 | plus: flow.variables.nope }}", &ctx()).as_deref(),
        Ok("5")
    );
    let t = "{% for i in (1..flow.variables.nope) %}{{i}}{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok(""));
    let t = "{% assign i = 'x' %}[{{ widgets.get-name.parsed[i].y }}]";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("[]"));
    assert_eq!(
        render("[{{ flow.variables.nope | upcase }}]", &ctx()).as_deref(),
        Ok("[]")
    );
}

#[test]
fn odd_inputs_never_panic() {
    let nasty =
        "é{{ a . b[ 'x' ] | to_json }}{% if widgets. \nx[i].y == 1 %}{{ (1..n) }}{% endif %}\
                 {{ x[-1] | plus: y[ }}{{ 'q | to_json }}{% raw %}{{ z {% endraw %}{{";
    let cut_points = nasty.char_indices().map(|(i, _)| i).chain([nasty.len()]);
    for end in cut_points {
        let t = &nasty[..end];
        let _ = check(t);
        let _ = render(t, &ctx());
        let _ = render(&nasty[end..], &ctx());
    }
    for t in [
        "{{",
        "{%",
        "{{}}",
        "{%%}",
        "{{ | to_json }}",
        "{{ a[ }}",
        "}}{{",
        "{{ ... }}",
    ] {
        let _ = check(t);
        let _ = render(t, &ctx());
        let _ = render(t, &Value::Null);
    }
    assert!(render("{{a}}", &json!([1])).is_err());
}

#[test]
fn plain_text_is_returned_as_is() {
    assert_eq!(
        render("no markup { here }", &ctx()).as_deref(),
        Ok("no markup { here }")
    );
}

#[test]
fn syntax_errors_are_errors() {
    assert!(check("{{ foo").is_err());
    assert!(check("{% if x %}open").is_err());
    assert!(check("{% if %}{% endif %}").is_err());
    assert!(check("{{ x | no_such_filter }}").is_err());
    assert!(render("{% if x %}open", &ctx()).is_err());
    assert!(render("{{ a | nope }}", &ctx()).is_err());
    assert!(check("{{ trigger.message.Body | downcase }}").is_ok());
}

#[test]
fn loops_are_capped_at_fifteen_iterations() {
    let t = "{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}";
    assert_eq!(render(t, &ctx()).map(|s| s.len()), Ok(15 * 15));
    let t = "{% for i in (1..20) %}{{ forloop.length }}{% endfor %}";
    assert_eq!(render(t, &ctx()).unwrap(), "15".repeat(15));
    let t = "{% for i in (1..999999999999999999) reversed %}{{ i }},{% endfor %}";
    assert!(render(t, &ctx()).unwrap().starts_with("15,14,"));
    let t = "{% for i in (1..5) offset: 2 limit: 2 %}{{ i }}{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("34"));
    let t = "{% for i in (1..5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("12"));
    let t = "{% for i in nope %}x{% else %}empty{% endfor %}";
    assert_eq!(render(t, &ctx()).as_deref(), Ok("empty"));
}

#[test]
fn nesting_and_output_are_bounded() {
    let deep = "{% if true %}".repeat(2000) + "x" + &"{% endif %}".repeat(2000);
    assert!(check(&deep).unwrap_err().message.contains("nested"));
    assert!(render(&deep, &ctx()).is_err());
    let fine = "{% if true %}".repeat(MAX_NESTING) + "x" + &"{% endif %}".repeat(MAX_NESTING);
    assert_eq!(render(&fine, &ctx()).as_deref(), Ok("x"));
    let mut grow = String::from("{% assign s = 'xxxxxxxxxx' %}");
    grow.push_str(&"{% assign s = s | append: s %}".repeat(30));
    grow.push_str("{{ s | size }}");
    assert!(render(&grow, &ctx())
        .unwrap_err()
        .message
        .contains("budget"));
    let wide = "{% for a in (1..15) %}{% for b in (1..15) %}{% for c in (1..15) %}\
                {% for d in (1..15) %}0123456789{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
    assert!(render(wide, &ctx()).is_err());
}

#[test]
fn numbers_coerce_and_dates_parse() {
    let t =
        "{% if flow.variables.retry %} {{flow.variables.retry| plus: 1}} {% else %} 1 {% endif %}";
    let mut c = ctx();
    let first = render(t, &c).unwrap();
    assert_eq!(first, " 1 ");
    c["flow"]["variables"]["retry"] = Value::String(first);
    assert_eq!(render(t, &c).unwrap().trim(), "2");
    assert_eq!(
        render("{{ '2024-03-05T10:20:00Z' | date: '%Y/%m/%d %H:%M' }}", &c).as_deref(),
        Ok("2024/03/05 10:20")
    );
    assert_eq!(render("{{ 7 | divided_by: 2 }}", &c).as_deref(), Ok("3"));
    assert_eq!(render("{{ -7 | divided_by: 2 }}", &c).as_deref(), Ok("-4"));
    assert_eq!(render("{{ '3.5' | ceil }}", &c).as_deref(), Ok("4"));
}
