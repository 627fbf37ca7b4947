//! Voice: TwiML for the voice widgets (`twiml`), the calls the appliance answers and their
//! status callbacks (`calls`), the carrier's Calls API (`carrier`), the bridge to the agent when a voice reservation is accepted
//! (`bridge`, a durable bus subscriber on its own thread), and the hold music (`hold`). Calls
//! enter Studio through the flow webhook (`http::api::studio::webhook`).

pub mod bridge;
pub mod calls;
pub mod carrier;
pub mod hold;
pub mod twiml;

use crate::core::Core;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Voice's start-up work: the bridge thread.
pub fn start(
    app: &Arc<Core>,
    stop: &crossbeam_channel::Receiver<()>,
) -> Result<Vec<JoinHandle<()>>, String> {
    Ok(vec![bridge::start(app, stop)?])
}
