//! The defaults of a new appliance, as a new Flex project has them: the workspace "Flex Task
//! Assignment" with its activities and channels, the queue "Everyone" (`1==1`) and the workflow
//! "Assign to Anyone". Idempotent: a restart finds the default workspace and does nothing.

use super::queues::{self, QueueParams};
use super::workflows::{self, WorkflowParams};
use super::workspaces::{self, WorkspaceParams};
use super::Result;
use crate::core::Core;

pub const WORKSPACE_NAME: &str = "Flex Task Assignment";
pub const QUEUE_NAME: &str = "Everyone";

pub fn ensure_defaults(app: &Core) -> Result<()> {
    app.store.write(|tx| {
        if workspaces::default_sid(tx)?.is_some() {
            return Ok(());
        }
        let ws = workspaces::create_in(
            tx,
            &app.account_sid,
            WorkspaceParams {
                friendly_name: Some(WORKSPACE_NAME.into()),
                ..Default::default()
            },
            true,
            app.now_ms(),
        )?;
        let q = queues::create_in(
            tx,
            app,
            &ws.sid,
            QueueParams {
                friendly_name: Some(QUEUE_NAME.into()),
                target_workers: Some("1==1".into()),
                ..Default::default()
            },
        )?;
        let config = serde_json::json!({
            "task_routing": {
                "filters": [],
                "default_filter": {"queue": q.sid}
            }
        });
        workflows::create_in(
            tx,
            &ws.sid,
            WorkflowParams {
                friendly_name: Some(workflows::DEFAULT_NAME.into()),
                configuration: Some(config.to_string()),
                ..Default::default()
            },
            app.now_ms(),
        )?;
        Ok(())
    })
}
