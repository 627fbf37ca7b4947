//! Api 2010 Calls (issue 18 item 6): calls an API caller places through the carrier's Calls API.

use super::Result;
use crate::core::Core;
use crate::store::channels::outbox::Outbound;
use rusqlite::Connection;

/// The outbox's answer for a call's row, in its transaction.
pub fn on_outbox(
    _tx: &Connection,
    _app: &Core,
    _o: &Outbound,
    _provider_sid: Option<&str>,
    _failed: Option<&str>,
) -> Result<()> {
    Ok(())
}

/// The carrier URL and credentials a call's outbox row is posted to.
pub fn carrier_request(_app: &Core, _o: &Outbound) -> Option<(String, Option<String>)> {
    None
}
