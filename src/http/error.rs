//! `ApiError`: Twilio's error JSON (`{"code", "message", "more_info", "status"}`), and the one place
//! where lower layers' errors are mapped to an HTTP status and a Twilio error code.

use crate::store;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: u32,
    pub message: String,
    /// Twilio's optional `details` object (e.g. every error of an invalid flow definition).
    pub details: Option<serde_json::Value>,
    /// Seconds to send as `Retry-After` (a 429 or 503 that knows when to come back).
    pub retry_after: Option<u64>,
}

/// Twilio's error codes where Twilio has one; switchboard's own codes keep Twilio's 20xxx shape.
pub mod code {
    pub const INVALID_PARAMETER: u32 = 20001;
    pub const AUTHENTICATE: u32 = 20003;
    pub const METHOD_NOT_ALLOWED: u32 = 20004;
    pub const FORBIDDEN: u32 = 20403;
    pub const NOT_FOUND: u32 = 20404;
    pub const CONFLICT: u32 = 20409;
    /// `If-Match` named a version the resource no longer has (HTTP 412).
    pub const PRECONDITION_FAILED: u32 = 20412;
    pub const TOO_LARGE: u32 = 20413;
    /// Twilio's "Invalid FriendlyName" (a descriptive name too long).
    pub const INVALID_FRIENDLY_NAME: u32 = 20002;
    pub const TOO_MANY_REQUESTS: u32 = 20429;
    pub const INTERNAL: u32 = 20500;
    pub const UNAVAILABLE: u32 = 20503;
}

impl ApiError {
    pub fn new(status: u16, code: u32, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// Adds `Retry-After`: `wait` rounded up to whole seconds (at least 1).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> ApiError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.retry_after = Some(secs.max(1));
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// 400 for a parameter; the message names it.
    pub fn bad_param(name: &str, problem: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            400,
            code::INVALID_PARAMETER,
            format!("Invalid parameter {name}: {problem}"),
        )
    }

    pub fn missing_param(name: &str) -> ApiError {
        ApiError::new(
            400,
            code::INVALID_PARAMETER,
            format!("Required parameter {name} missing."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, code::INVALID_PARAMETER, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            401,
            code::AUTHENTICATE,
            "Authenticate: HTTP Basic credentials (Account SID and Auth Token, or API key) are required",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(403, code::FORBIDDEN, message)
    }

    pub fn not_found(path: &str) -> ApiError {
        ApiError::new(
            404,
            code::NOT_FOUND,
            format!("The requested resource {path} was not found"),
        )
    }

    pub fn method_not_allowed(method: &str, path: &str) -> ApiError {
        ApiError::new(
            405,
            code::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed on {path}"),
        )
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, code::CONFLICT, message)
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            code::TOO_LARGE,
            format!("The request body is larger than the limit of {limit} bytes"),
        )
    }

    pub fn too_many_requests() -> ApiError {
        ApiError::new(
            429,
            code::TOO_MANY_REQUESTS,
            "Too many requests from this address; slow down and retry",
        )
        .with_retry_after(std::time::Duration::from_secs(1))
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            500,
            code::INTERNAL,
            "Internal server error; the cause is logged",
        )
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(503, code::UNAVAILABLE, message)
    }

    pub fn more_info(&self) -> String {
        format!("https://www.twilio.com/docs/errors/{}", self.code)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut v = json!({
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info(),
            "status": self.status,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> ApiError {
        match e.kind {
            store::ErrorKind::NotFound => ApiError::new(404, code::NOT_FOUND, e.message),
            store::ErrorKind::Conflict => ApiError::conflict(e.message),
            store::ErrorKind::Unavailable => {
                log::error!("{e}");
                ApiError::unavailable(
                    "The database is unavailable (busy, read-only or full); try again",
                )
            }
            _ => {
                log::error!("{e}");
                ApiError::internal()
            }
        }
    }
}

impl From<crate::flows::Error> for ApiError {
    fn from(e: crate::flows::Error) -> ApiError {
        use crate::flows::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(&what),
            E::BadParam(name, problem) => ApiError::bad_param(name, problem),
            E::Invalid(errors) => ApiError::new(
                400,
                code::INVALID_PARAMETER,
                format!(
                    "Invalid Flow Definition: {}",
                    errors
                        .iter()
                        .filter_map(|e| e["message"].as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
            .with_details(json!({ "errors": errors })),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::engine::Error> for ApiError {
    fn from(e: crate::engine::Error) -> ApiError {
        use crate::engine::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(&what),
            E::NotPublished(sid) => {
                ApiError::bad_request(format!("Flow {sid} has no published revision to execute"))
            }
            E::Busy(message) => ApiError::conflict(message),
            E::BadParam(name, problem) => ApiError::bad_param(name, problem),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::channels::Error> for ApiError {
    fn from(e: crate::channels::Error) -> ApiError {
        use crate::channels::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(&what),
            E::Invalid { param, problem } => ApiError::bad_param(&param, problem),
            E::Conflict(m) => ApiError::conflict(m),
            E::Coded(status, code, m) => ApiError::new(status, code, m),
            E::Forbidden(m) => ApiError::forbidden(m),
            E::Integration(m) => {
                log::error!("channels: {m}");
                ApiError::internal()
            }
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::callbacks::Error> for ApiError {
    fn from(e: crate::callbacks::Error) -> ApiError {
        use crate::callbacks::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(&what),
            E::Invalid { param, problem } => ApiError::bad_param(&param, problem),
            E::Conflict(m) => ApiError::conflict(m),
            E::Routing(e) => e.into(),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::schedules::Error> for ApiError {
    fn from(e: crate::schedules::Error) -> ApiError {
        use crate::schedules::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(&what),
            E::Invalid { param, problem } => ApiError::bad_param(&param, problem),
            E::Conflict(m) => ApiError::conflict(m),
            E::Store(e) => e.into(),
        }
    }
}

impl From<crate::routing::Error> for ApiError {
    fn from(e: crate::routing::Error) -> ApiError {
        use crate::routing::ErrorKind;
        if let Some(store) = e.as_store() {
            return store.into();
        }
        match e.kind {
            ErrorKind::NotFound => ApiError::new(404, code::NOT_FOUND, e.message),
            ErrorKind::Invalid => ApiError::bad_request(e.to_string()),
            ErrorKind::IllegalTransition => ApiError::bad_request(e.message),
            ErrorKind::Conflict => ApiError::conflict(e.message),
            ErrorKind::Stale => ApiError::new(412, code::PRECONDITION_FAILED, e.message),
            _ => ApiError::internal(),
        }
    }
}

impl From<crate::users::Error> for ApiError {
    fn from(e: crate::users::Error) -> ApiError {
        use crate::users::Error as E;
        match e {
            E::Invalid(param, problem) => ApiError::bad_param(param, problem),
            E::NotFound(what) => ApiError::not_found(&what),
            E::Conflict(m) => ApiError::conflict(m),
            E::Gone(m) => ApiError::new(410, code::NOT_FOUND, m),
            E::Store(e) => e.into(),
        }
    }
}
