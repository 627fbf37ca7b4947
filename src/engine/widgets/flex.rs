//! send-to-flex and enqueue-call: hand the contact to TaskRouter. The task is created in the
//! write that commits the run (`effects::Op::CreateTask`, under a SID chosen here), with the
//! widget's rendered
//! `attributes` plus what Flex adds (`conversationSid`, `channelType`, `from`, `name`,
//! `call_sid`, `flow_execution_sid`). Then Studio leaves the engagement: the execution ends.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::{text, trigger_payload};
use crate::engine::effects::{refusal_key, Op, TaskOp};
use crate::engine::run::Run;
use crate::flows::definition::State;
use crate::ids::{new_sid, Prefix};
use crate::voice::twiml::Element;
use serde_json::{json, Map, Value};

/// What the widget asks TaskRouter for.
pub struct TaskRequest {
    pub workflow: String,
    pub channel: String,
    pub attributes: Value,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
}

fn number(p: &Map<String, Value>, key: &str) -> Option<i64> {
    text(p, key).trim().parse::<f64>().ok().map(|n| n as i64)
}

/// The widget's attributes JSON with Flex's defaults added where the flow did not set them.
fn attributes(run: &Run, p: &Map<String, Value>, key: &str) -> Result<Value, Fail> {
    let raw = text(p, key);
    let mut attrs: Value = if raw.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&raw)
            .map_err(|e| Fail::widget(format!("{key} is not a JSON object: {e}")))?
    };
    let Some(obj) = attrs.as_object_mut() else {
        return Err(Fail::widget(format!("{key} is not a JSON object")));
    };
    let ctx = run.ctx();
    let contact = ctx["contact"]["channel"]["address"].as_str().unwrap_or("");
    let payload = trigger_payload(ctx).cloned().unwrap_or_default();
    let get = |k: &str| payload.get(k).and_then(Value::as_str).map(str::to_string);
    let mut defaults: Vec<(&str, Option<String>)> = vec![
        ("conversationSid", get("ConversationSid")),
        (
            "channelType",
            get("ChannelType")
                .or_else(|| {
                    payload
                        .get("ChannelAttributes")?
                        .get("channel_type")?
                        .as_str()
                        .map(str::to_string)
                })
                .or_else(|| run.is_call().then(|| "voice".to_string())),
        ),
        ("from", Some(contact.to_string()).filter(|s| !s.is_empty())),
        // The customer's name as the channel knows it (a web chat's), else their address.
        (
            "name",
            get("Name")
                .or_else(|| get("FriendlyName"))
                .filter(|s| !s.trim().is_empty())
                .or_else(|| Some(contact.to_string()).filter(|s| !s.is_empty())),
        ),
        ("flow_execution_sid", Some(run.exec.sid.clone())),
    ];
    if run.is_call() {
        defaults.push(("call_sid", get("CallSid")));
    }
    // A test run's task is real (an agent may take it) and says it is a test.
    if let Some(t) = ctx["flow"]["test_run"].as_object() {
        let mut t = t.clone();
        t.insert("flow_sid".into(), json!(run.exec.flow_sid));
        obj.insert("studio_test_run".into(), Value::Object(t));
    }
    for (k, v) in defaults {
        let unset = obj
            .get(k)
            .is_none_or(|x| x.is_null() || x.as_str() == Some(""));
        if let (true, Some(v)) = (unset, v) {
            obj.insert(k.to_string(), Value::String(v));
        }
    }
    Ok(attrs)
}

pub fn send_to_flex(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let request = TaskRequest {
        workflow: text(&p, "workflow").trim().to_string(),
        channel: text(&p, "channel").trim().to_string(),
        attributes: attributes(run, &p, "attributes")?,
        priority: number(&p, "priority"),
        timeout: number(&p, "timeout"),
    };
    let task_sid = create_task(run, state, &request)?;
    if run.is_call() {
        run.twiml.push(hold(&task_sid, &text(&p, "waitUrl")));
    }
    Ok(Outcome::End {
        event: "taskCreated".into(),
        outputs: json!({"TaskSid": task_sid, "attributes": request.attributes}),
    })
}

/// enqueue-call: with a `workflow_sid`, a TaskRouter task like send-to-flex (the caller waits in
/// a queue named after the task); with only `queue_name`, the carrier's plain queue. Either
/// way the execution waits for the call's `callComplete`.
pub fn enqueue_call(run: &mut Run, state: &State) -> WidgetResult {
    if !run.is_call() {
        return Err(Fail::widget("enqueue-call needs a call"));
    }
    let p = props(run, state)?;
    let workflow = text(&p, "workflow_sid").trim().to_string();
    let queue = if workflow.is_empty() {
        text(&p, "queue_name").trim().to_string()
    } else {
        let request = TaskRequest {
            workflow,
            channel: "voice".into(),
            attributes: attributes(run, &p, "task_attributes")?,
            priority: number(&p, "priority"),
            timeout: number(&p, "timeout"),
        };
        create_task(run, state, &request)?
    };
    run.twiml.push(hold(&queue, &text(&p, "wait_url")));
    Ok(Outcome::Wait {
        wait: WaitFor::Call,
        outputs: json!({"QueueName": queue}),
    })
}

/// `<Enqueue>` into the queue named `queue`, hearing `wait_url` meanwhile (by default the
/// appliance's own hold music).
fn hold(queue: &str, wait_url: &str) -> Element {
    let wait_url = match wait_url.trim() {
        "" => crate::voice::hold::WAIT_PATH,
        url => url,
    };
    Element::new("Enqueue")
        .attr("waitUrl", wait_url)
        .attr("waitUrlMethod", "POST")
        .text(queue)
}

/// Asks for the TaskRouter task, created when the run commits (`effects::create_task` says
/// where); answers its SID. A refusal TaskRouter gave an earlier computation of this run is the
/// widget's failure now.
fn create_task(run: &mut Run, state: &State, r: &TaskRequest) -> Result<String, Fail> {
    let key = refusal_key(&run.exec, &state.name);
    if let Some(message) = run.refusals.get(&key) {
        return Err(Fail::widget(message.clone()));
    }
    let sid = new_sid(Prefix::Task);
    let call_sid = run.ctx()["trigger"]["call"]["CallSid"]
        .as_str()
        .map(str::to_string);
    run.fx.push(Op::CreateTask(TaskOp {
        sid: sid.clone(),
        key,
        workflow: r.workflow.clone(),
        channel: r.channel.clone(),
        attributes: r.attributes.clone(),
        priority: r.priority,
        timeout: r.timeout,
        call_sid,
    }));
    Ok(sid)
}
