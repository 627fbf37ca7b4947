//! `routing::Error`: what TaskRouter operations refuse, without saying how HTTP reports it
//! (`http::error` maps each kind to a status and Twilio code).

use crate::store;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A SID (in the path or a parameter) names nothing in this workspace.
    NotFound,
    /// A parameter is missing or invalid; `Error::param` names it.
    Invalid,
    /// The resource is in a state that does not allow the change (e.g. completing a pending task).
    IllegalTransition,
    /// A name is taken, or the resource is still in use.
    Conflict,
    /// The resource changed since the version the client named (`If-Match`).
    Stale,
    /// The store failed.
    Store(store::ErrorKind),
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// The request parameter at fault, when there is one.
    pub param: Option<String>,
    /// A sentence for the client (for `Store`, for the log).
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn not_found(what: &str, sid: &str) -> Error {
        Error {
            kind: ErrorKind::NotFound,
            param: None,
            message: format!("The requested {what} {sid} was not found"),
        }
    }

    pub fn invalid(param: &str, message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Invalid,
            param: Some(param.to_string()),
            message: message.into(),
        }
    }

    pub fn illegal(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::IllegalTransition,
            param: None,
            message: message.into(),
        }
    }

    pub fn stale(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Stale,
            param: None,
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Conflict,
            param: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(p) => write!(f, "Invalid parameter {p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error {
            kind: ErrorKind::Store(e.kind),
            param: None,
            message: e.message,
        }
    }
}

impl Error {
    /// The store error this wraps, for `http::error` to map as it maps any store failure.
    pub fn as_store(&self) -> Option<store::Error> {
        match &self.kind {
            ErrorKind::Store(k) => Some(store::Error::new(k.clone(), self.message.clone())),
            _ => None,
        }
    }
}
