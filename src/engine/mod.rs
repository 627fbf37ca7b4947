//! The Studio execution engine: runs a flow's published revision state by state, records each
//! step, keeps the execution context (`trigger`, `widgets`, `flow`, `contact`) and persists
//! waiting executions in SQLite. Pure parts: Liquid rendering (`liquid`) and split conditions
//! (`split`). Nothing here speaks HTTP; outbound HTTP runs on the engine's own worker threads.

pub mod execution;
pub mod liquid;
pub mod split;

pub use execution::{ExecutionStatus, Wait};

use crate::app::App;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Studio's start-up work: seeds the default flows (idempotently). Returns the threads it started.
pub fn start(
    app: &Arc<App>,
    _stop: &crossbeam_channel::Receiver<()>,
) -> Result<Vec<JoinHandle<()>>, String> {
    crate::flows::seed::ensure_defaults(app)
        .map_err(|e| format!("cannot seed the default Studio flows: {e}"))?;
    Ok(Vec::new())
}
