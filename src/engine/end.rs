//! Ending executions: `Status=ended` on the execution resource (`stop`), deleting one, and
//! ending one with its subflows inside a caller's transaction (a caller hung up, a test run ended).

use super::{effects, run, Error};
use crate::core::Core;
use crate::states::ExecutionStatus;
use crate::store;
use crate::store::studio::executions as db;
use rusqlite::Transaction;

/// Ends an execution (and the subflows it runs): `Status=ended` on the execution resource.
pub fn stop(app: &Core, flow_sid: &str, sid: &str) -> Result<db::Execution, Error> {
    app.store.write(|tx| -> Result<db::Execution, Error> {
        let exec = db::fetch(tx, sid)?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {sid}")))?;
        end_tree(app, tx, exec.clone())?;
        Ok(db::fetch(tx, sid)?.unwrap_or(exec))
    })
}

/// Deletes an execution, ending it (and its subflows) first.
pub fn delete(app: &Core, flow_sid: &str, sid: &str) -> Result<(), Error> {
    app.store.write(|tx| -> Result<(), Error> {
        let exec = db::fetch(tx, sid)?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {sid}")))?;
        end_tree(app, tx, exec)?;
        db::delete(tx, sid)?;
        Ok(())
    })
}

/// Ends an execution and its subflows inside the caller's transaction (a caller hung up, say).
pub fn end_in(app: &Core, tx: &Transaction, execution_sid: &str) -> store::Result<()> {
    match db::fetch(tx, execution_sid)? {
        Some(e) => end_tree(app, tx, e),
        None => Ok(()),
    }
}

pub(super) fn end_tree(app: &Core, tx: &Transaction, exec: db::Execution) -> store::Result<()> {
    let mut pending = vec![exec];
    let mut n = 0;
    while let Some(e) = pending.pop() {
        n += 1;
        if n > 64 {
            break;
        }
        pending.extend(db::active_children(tx, &e.sid)?);
        if e.status != ExecutionStatus::Active {
            continue;
        }
        let mut e = e;
        for op in run::end_execution(&mut e) {
            effects::apply(app, tx, &op).map_err(|e| match e {
                effects::CommitError::Store(e) => e,
                other => store::Error::internal(format!("ending an execution: {other:?}")),
            })?;
        }
        e.updated_at = app.now_ms();
        db::save(tx, &e)?;
    }
    Ok(())
}
