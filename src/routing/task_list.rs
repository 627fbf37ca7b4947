//! Task lists as the API asks for them: filters by SID or name, Twilio's `Ordering` with several
//! keys, and `EvaluateTaskAttributes`, streamed so a search never holds the backlog in memory.
//! https://www.twilio.com/docs/taskrouter/api/task#read-multiple-task-resources

use super::states::TaskStatus;
use super::{Error, Result};
use crate::core::Core;
use crate::store::taskrouter::tasks::{self as db, Task, TaskFilter, TaskOrder};
use crate::store::taskrouter::{channels, workflows};
use crate::store::{Page, Window};
use std::ops::ControlFlow;

/// A task list as the API asks for it: filters by SID or name, Twilio's `Ordering`
/// (`Priority:desc,DateCreated:asc`), and an `EvaluateTaskAttributes` expression.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub statuses: Vec<TaskStatus>,
    pub workflow_sid: Option<String>,
    pub workflow_name: Option<String>,
    pub queue_sid: Option<String>,
    pub queue_name: Option<String>,
    /// A task channel's unique name or SID.
    pub channel: Option<String>,
    pub ordering: Option<String>,
    pub evaluate: Option<String>,
}

/// The most tasks an `EvaluateTaskAttributes` list looks at; past it the client is asked to
/// narrow the list (by status, queue, workflow or channel) rather than the box scanning on.
pub const MAX_EVALUATED: usize = 100_000;

/// Parses Twilio's `Ordering`: comma-separated `Attribute:asc|desc` with `DateCreated`,
/// `Priority` or `VirtualStartTime` (not both DateCreated and VirtualStartTime).
pub fn parse_ordering(s: &str) -> Result<Vec<(TaskOrder, bool)>> {
    let mut out: Vec<(TaskOrder, bool)> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (attr, dir) = part.split_once(':').unwrap_or((part, "asc"));
        let key = match attr.trim().to_ascii_lowercase().as_str() {
            "datecreated" => TaskOrder::DateCreated,
            "priority" => TaskOrder::Priority,
            "virtualstarttime" => TaskOrder::VirtualStartTime,
            _ => {
                return Err(Error::invalid(
                    "Ordering",
                    format!("{attr:?} is not DateCreated, Priority or VirtualStartTime"),
                ))
            }
        };
        let desc = match dir.trim().to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(Error::invalid(
                    "Ordering",
                    format!("{dir:?} is not asc or desc"),
                ))
            }
        };
        if out.iter().any(|(k, _)| *k == key) {
            return Err(Error::invalid("Ordering", format!("{attr} is named twice")));
        }
        out.push((key, desc));
    }
    let has = |k| out.iter().any(|(o, _)| *o == k);
    if has(TaskOrder::DateCreated) && has(TaskOrder::VirtualStartTime) {
        return Err(Error::invalid(
            "Ordering",
            "DateCreated and VirtualStartTime cannot be paired",
        ));
    }
    Ok(out)
}

/// Lists a workspace's tasks: names resolved and the page read in one read; an
/// `EvaluateTaskAttributes` list streams the filtered rows, keeping only the page.
pub fn list(app: &Core, ws: &str, q: &TaskQuery, w: Window) -> Result<Page<Task>> {
    let order = match &q.ordering {
        Some(o) => parse_ordering(o)?,
        None => Vec::new(),
    };
    let evaluate = match &q.evaluate {
        Some(src) => Some(super::queues::check_expression(
            "EvaluateTaskAttributes",
            src,
        )?),
        None => None,
    };
    app.store.read(|c| -> Result<Page<Task>> {
        let mut f = TaskFilter {
            statuses: q.statuses.iter().map(|s| s.as_str().to_string()).collect(),
            workflow_sid: q.workflow_sid.clone(),
            queue_sid: q.queue_sid.clone(),
            channel_sid: None,
            order,
        };
        // A name that names nothing matches no task (an empty SID), as Twilio answers.
        if let Some(name) = &q.workflow_name {
            f.workflow_sid = Some(
                workflows::find_by_name(c, ws, name)?
                    .map(|w| w.sid)
                    .unwrap_or_default(),
            );
        }
        if let Some(name) = &q.queue_name {
            f.queue_sid = Some(
                crate::store::taskrouter::queues::find_by_name(c, ws, name)?
                    .map(|q| q.sid)
                    .unwrap_or_default(),
            );
        }
        if let Some(ch) = &q.channel {
            f.channel_sid = Some(channels::find(c, ws, ch)?.map(|c| c.sid).unwrap_or_default());
        }
        let Some(e) = &evaluate else {
            return Ok(db::list(c, ws, &f, Some(w))?);
        };
        let (skip, want) = (w.offset as usize, w.limit as usize + 1);
        let (mut seen, mut matched, mut rows, mut too_many) = (0usize, 0usize, Vec::new(), false);
        db::scan(c, ws, &f, |t| {
            seen += 1;
            if seen > MAX_EVALUATED {
                too_many = true;
                return ControlFlow::Break(());
            }
            let hit = e.eval(&super::expr::Scope {
                task: Some(&t.attributes),
                worker: None,
                default: super::expr::Root::Task,
            });
            if hit {
                matched += 1;
                if matched > skip {
                    rows.push(t);
                }
            }
            if rows.len() >= want {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        if too_many {
            return Err(Error::invalid(
                "EvaluateTaskAttributes",
                format!(
                    "looked at {MAX_EVALUATED} tasks without filling the page; narrow the list with AssignmentStatus, TaskQueueSid, WorkflowSid or TaskChannel"
                ),
            ));
        }
        Ok(Page::from_rows(rows, w))
    })
}
