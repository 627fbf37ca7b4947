//! The channels layer's one error type; `http::error` maps it to a status and Twilio code.

use crate::store;
use std::fmt;

#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The named resource does not exist.
    NotFound(String),
    /// A parameter is missing or wrong; `param` is its Twilio name.
    Invalid {
        param: String,
        problem: String,
    },
    /// The request contradicts existing state (a second enabled inbound handler, a duplicate
    /// participant, a closed conversation).
    Conflict(String),
    /// The caller may not do this (a web chat token for another chat, a bad signature).
    Forbidden(String),
    /// Another module (routing, Studio) refused or failed; logged, answered as 500.
    Integration(String),
    /// A refusal Twilio gives its own code (e.g. 50416, a binding already in another
    /// conversation): HTTP status, Twilio code, message.
    Coded(u16, u32, String),
    Store(store::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn invalid(param: &str, problem: impl Into<String>) -> Error {
        Error::Invalid {
            param: param.to_string(),
            problem: problem.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound(what.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(w) => write!(f, "{w} was not found"),
            Error::Invalid { param, problem } => write!(f, "Invalid parameter {param}: {problem}"),
            Error::Conflict(m) | Error::Forbidden(m) | Error::Integration(m) => f.write_str(m),
            Error::Coded(_, _, m) => f.write_str(m),
            Error::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}
