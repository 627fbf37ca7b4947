//! `Req`, a decoded request as handlers see it, and `Reply`, what they answer.

use super::encoding::Params;
use super::error::ApiError;
use crate::account::Principal;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

/// A decoded request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    /// The path without the query string, as sent (percent-escapes decoded per segment on match).
    pub path: String,
    pub raw_query: String,
    pub query: Params,
    /// The form body (empty for JSON or no body).
    pub form: Params,
    /// The body parsed as JSON, when it was sent as `application/json`.
    pub json: Option<Value>,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    /// `{Name}` captures of the matched route, in order.
    pub path_params: Vec<(&'static str, String)>,
    pub principal: Option<Principal>,
    /// `scheme://host[:port]` the client used (or the configured public URL), for absolute links.
    pub base_url: String,
    pub remote_addr: String,
}

impl Req {
    /// A path capture, e.g. `req.param("WorkspaceSid")`.
    pub fn param(&self, name: &str) -> &str {
        self.path_params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The full URL the client requested, query included (what X-Twilio-Signature signs).
    pub fn full_url(&self) -> String {
        if self.raw_query.is_empty() {
            self.url(&self.path)
        } else {
            format!("{}{}?{}", self.base_url, self.path, self.raw_query)
        }
    }
}

/// A response body.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Bytes {
        content_type: &'static str,
        bytes: Vec<u8>,
    },
    Empty,
}

/// What a handler answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Body,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, v: Value) -> Reply {
        Reply {
            status,
            body: Body::Json(v),
            headers: Vec::new(),
        }
    }

    pub fn ok(v: Value) -> Reply {
        Reply::json(200, v)
    }

    pub fn created(v: Value) -> Reply {
        Reply::json(201, v)
    }

    /// 204, as Twilio answers a DELETE.
    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            body: Body::Empty,
            headers: Vec::new(),
        }
    }

    pub fn bytes(status: u16, content_type: &'static str, bytes: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            body: Body::Bytes {
                content_type,
                bytes: bytes.into(),
            },
            headers: Vec::new(),
        }
    }

    /// TwiML, as carriers expect it.
    pub fn twiml(xml: impl Into<Vec<u8>>) -> Reply {
        Reply::bytes(200, "application/xml; charset=utf-8", xml)
    }

    pub fn error(e: &ApiError) -> Reply {
        let reply = Reply::json(e.status, e.to_json());
        match e.retry_after {
            Some(secs) => reply.with_header("Retry-After", secs.to_string()),
            None => reply,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}
