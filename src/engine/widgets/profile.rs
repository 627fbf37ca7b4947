//! search-for-profile: looks up a local customer profile (`/v1/Profiles`) by phone number or
//! email — the `identifier` property (default: the contact's address). Found: `found` with the
//! profile and its traits in `widgets.NAME.profile`; else `notFound`.

use super::{props, Outcome, WidgetResult};
use crate::engine::context::text;
use crate::engine::run::Run;
use crate::flows::definition::State;
use crate::store::studio::profiles;
use serde_json::json;

pub fn search(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let mut identifier = text(&p, "identifier").trim().to_string();
    if identifier.is_empty() {
        identifier = run.ctx()["contact"]["channel"]["address"]
            .as_str()
            .unwrap_or("")
            .to_string();
    }
    let id = identifier
        .trim_start_matches("whatsapp:")
        .trim_start_matches("sms:")
        .to_string();
    let found = run.app.store.read(|c| {
        if id.contains('@') {
            profiles::find(c, None, Some(&id))
        } else {
            profiles::find(c, Some(&id), None)
        }
    })?;
    Ok(match found {
        Some(pf) => Outcome::next(
            "found",
            json!({"profile": {"sid": pf.sid, "friendly_name": pf.friendly_name, "phone": pf.phone,
                               "email": pf.email, "traits": pf.traits}}),
        ),
        None => Outcome::next("notFound", json!({"identifier": identifier})),
    })
}
