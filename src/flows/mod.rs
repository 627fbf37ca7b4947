//! Twilio Studio flow definitions: the lossless serde model of the exported
//! JSON and the validator that turns untrusted JSON into a `ValidatedFlow`.
//! This module owns no I/O, SQL or HTTP; it only looks at text and values.

pub mod definition;
pub mod validate;
