//! Studio's SQL: flows and their revisions, executions and steps, the engine's outbound HTTP
//! jobs, and customer profiles (one file per aggregate).

pub mod executions;
pub mod flows;
pub mod http_jobs;
pub mod profiles;
pub mod test_runs;

use serde_json::Value;

/// Parses a stored JSON column; a damaged value reads as `null` rather than failing the row.
pub(crate) fn json_col(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::Null)
}
