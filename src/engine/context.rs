//! The execution context every template renders against, shaped as Studio's:
//! `{"flow": {flow_sid, sid, channel: {address}, data, variables}, "contact": {channel:
//! {address}}, "trigger": {message|conversation|call|request|parent: …}, "widgets": {NAME: …}}`.
//! Pure: no I/O.

use crate::liquid::Liquid;
use serde_json::{json, Map, Value};

/// Builds the context of a new execution.
pub fn new_context(
    flow_sid: &str,
    execution_sid: &str,
    contact: &str,
    channel_address: &str,
    trigger_key: &str,
    payload: Value,
    data: Value,
) -> Value {
    let mut trigger = Map::new();
    trigger.insert(trigger_key.to_string(), payload);
    json!({
        "flow": {
            "flow_sid": flow_sid,
            "sid": execution_sid,
            "channel": {"address": channel_address},
            "data": data,
            "variables": {},
        },
        "contact": {"channel": {"address": contact}},
        "trigger": Value::Object(trigger),
        "widgets": {},
    })
}

/// A template failed to render; names the property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub property: String,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.property, self.message)
    }
}

/// Renders one template with the engine's `Liquid` (in `Core::state`, so its parse cache is
/// shared by every thread that runs executions).
pub fn render(
    liquid: &Liquid,
    ctx: &Value,
    property: &str,
    template: &str,
) -> Result<String, RenderError> {
    liquid.render(template, ctx).map_err(|e| RenderError {
        property: property.to_string(),
        message: e.message,
    })
}

/// Renders every string inside a widget's properties (except the canvas `offset`).
pub fn render_properties(
    liquid: &Liquid,
    ctx: &Value,
    props: &Map<String, Value>,
) -> Result<Map<String, Value>, RenderError> {
    let mut out = Map::new();
    for (k, v) in props {
        if k == "offset" {
            continue;
        }
        out.insert(k.clone(), render_value(liquid, ctx, k, v)?);
    }
    Ok(out)
}

fn render_value(liquid: &Liquid, ctx: &Value, path: &str, v: &Value) -> Result<Value, RenderError> {
    Ok(match v {
        Value::String(s) => Value::String(render(liquid, ctx, path, s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| render_value(liquid, ctx, &format!("{path}[{i}]"), x))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| {
                    Ok((
                        k.clone(),
                        render_value(liquid, ctx, &format!("{path}.{k}"), x)?,
                    ))
                })
                .collect::<Result<_, RenderError>>()?,
        ),
        other => other.clone(),
    })
}

/// A rendered property as text ("" when absent; numbers and booleans printed).
pub fn text(props: &Map<String, Value>, key: &str) -> String {
    match props.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Merges `outputs` into `widgets.NAME` (object fields are replaced one by one).
pub fn set_outputs(ctx: &mut Value, name: &str, outputs: Value) {
    if outputs.is_null() {
        return;
    }
    let widgets = &mut ctx["widgets"];
    if !widgets.is_object() {
        *widgets = json!({});
    }
    match (widgets.get_mut(name), outputs) {
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                existing.insert(k, v);
            }
        }
        (_, outputs) => {
            widgets[name] = outputs;
        }
    }
}

/// Sets `flow.variables.KEY`.
pub fn set_variable(ctx: &mut Value, key: &str, value: Value) {
    let vars = &mut ctx["flow"]["variables"];
    if !vars.is_object() {
        *vars = json!({});
    }
    vars[key] = value;
}

/// `[{key, value}]` pairs of a rendered `parameters` / `variables` property.
pub fn pairs(props: &Map<String, Value>, key: &str) -> Vec<(String, String)> {
    props
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|p| {
                    let k = p.get("key")?.as_str()?.to_string();
                    let v = match p.get("value") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    };
                    Some((k, v))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The first object under `trigger` (the inbound payload), if any.
pub fn trigger_payload(ctx: &Value) -> Option<&Map<String, Value>> {
    ctx["trigger"]
        .as_object()?
        .values()
        .find_map(Value::as_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_properties_and_merges_outputs() {
        let mut ctx = new_context(
            "FW1",
            "FN1",
            "+1555",
            "+1666",
            "message",
            json!({"Body": "hi"}),
            json!({}),
        );
        let props = json!({"body": "You said {{trigger.message.Body}}", "offset": {"x": 1},
                           "parameters": [{"key": "a", "value": "{{contact.channel.address}}"}]});
        let out = render_properties(&Liquid::new(), &ctx, props.as_object().unwrap()).unwrap();
        assert_eq!(out["body"], "You said hi");
        assert!(out.get("offset").is_none());
        assert_eq!(
            pairs(&out, "parameters"),
            vec![("a".into(), "+1555".into())]
        );
        set_outputs(&mut ctx, "ask", json!({"outbound": 1}));
        set_outputs(&mut ctx, "ask", json!({"inbound": 2}));
        assert_eq!(ctx["widgets"]["ask"], json!({"outbound": 1, "inbound": 2}));
        set_variable(&mut ctx, "n", json!("3"));
        assert_eq!(
            render(&Liquid::new(), &ctx, "x", "{{flow.variables.n | plus: 1}}").unwrap(),
            "4"
        );
        assert!(render(&Liquid::new(), &ctx, "x", "{{ 1 | divided_by: 0 }}").is_err());
    }
}
