//! Twilio Studio flow definitions: the lossless serde model of the exported JSON, the validator
//! that turns untrusted JSON into a `ValidatedFlow`, flows with revisions (`revisions`) and the
//! default flows a new appliance ships (`seed`). Flows are stored through `store::studio::flows`;
//! nothing here speaks HTTP.

pub mod definition;
pub mod revisions;
pub mod seed;
pub mod split;
pub mod validate;

use std::fmt;

pub use crate::states::FlowStatus;

/// Why a flow operation failed.
#[derive(Debug, Clone)]
pub enum Error {
    NotFound(String),
    /// A parameter is missing or malformed; the first field names it.
    BadParam(&'static str, String),
    /// The definition has errors; every one of them, each with its location.
    Invalid(Vec<serde_json::Value>),
    Store(crate::store::Error),
}

impl From<crate::store::Error> for Error {
    fn from(e: crate::store::Error) -> Error {
        Error::Store(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "{what} was not found"),
            Error::BadParam(p, m) => write!(f, "{p}: {m}"),
            Error::Invalid(errors) => {
                write!(f, "invalid flow definition ({} errors)", errors.len())
            }
            Error::Store(e) => e.fmt(f),
        }
    }
}
