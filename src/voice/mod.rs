//! Voice: TwiML for the voice widgets (`twiml`). Carrier webhooks, call state and the bridge to
//! the agent build on this (the voice issue).

pub mod twiml;
