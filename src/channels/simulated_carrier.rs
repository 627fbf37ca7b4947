//! The simulated carrier (issue 18 item 6): with no carrier configured (`SWITCHBOARD_PROVIDER_URL`
//! unset) the outbox hands it what an API caller sent through the Api 2010 Messages and Calls —
//! never a conversation's replies, which wait for a real carrier. It takes each request at once
//! with a SID of its own, and the message or call then walks the same states the real carrier's
//! callbacks would move it through (`api_messages::on_outbox`: sent, then delivered), so an
//! integrator's CI runs its back-office code against the box without a carrier account.

use crate::core::Core;
use crate::store::channels::outbox::{Outbound, OutboxKind};

/// No carrier is configured: the simulated one answers.
pub fn is_simulated(app: &Core) -> bool {
    app.config.provider_url.is_none()
}

/// Whether the simulated carrier takes `o` (an API caller's message or call).
pub fn takes(app: &Core, o: &Outbound) -> bool {
    let api_message = o.kind == OutboxKind::Carrier
        && o.message_sid
            .as_deref()
            .is_some_and(|s| s.starts_with("SM"));
    is_simulated(app) && (api_message || o.kind == OutboxKind::CarrierCall)
}

/// The simulated carrier's SID for what it took: its own prefix and the outbox row's digits.
pub fn answer(o: &Outbound) -> String {
    let prefix = if o.kind == OutboxKind::CarrierCall {
        "CA"
    } else {
        "SM"
    };
    format!("{prefix}{}", &o.sid[2..])
}
