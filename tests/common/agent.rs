//! An agent's desk session for the tests: the admin sets the worker's password, the agent signs
//! in at `/agent/api/session`, and requests carry its cookie (and the CSRF token on changes).
#![allow(dead_code)]

use crate::common::*;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

pub struct AgentSession {
    pub cookie: String,
    pub csrf: String,
    /// The worker's SID.
    pub sid: String,
}

impl AgentSession {
    /// Sets `worker_sid`'s password (`{name}-secret`) as the admin and signs `name` in.
    pub fn sign_in(s: &TestServer, worker_sid: &str, name: &str) -> AgentSession {
        let pw = format!("{name}-secret");
        s.post(
            &format!("/admin/api/workers/{worker_sid}/password"),
            &[("Password", &pw)],
        )
        .expect(200);
        let r = s
            .request(
                "POST",
                "/agent/api/session",
                &[FORM],
                form_encode(&[("Worker", name), ("Password", &pw)]).as_bytes(),
            )
            .expect(201);
        let set = r
            .header("Set-Cookie")
            .expect("a session cookie")
            .to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        AgentSession {
            cookie: set.split(';').next().unwrap().to_string(),
            csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
            sid: worker_sid.to_string(),
        }
    }

    /// Creates a worker `name` with `attributes` in `ws`, then signs it in.
    pub fn new_worker(s: &TestServer, ws: &str, name: &str, attributes: &Value) -> AgentSession {
        let w = s
            .post(
                &format!("/v1/Workspaces/{ws}/Workers"),
                &[
                    ("FriendlyName", name),
                    ("Attributes", &attributes.to_string()),
                ],
            )
            .expect(201)
            .json();
        AgentSession::sign_in(s, w["sid"].as_str().unwrap(), name)
    }

    pub fn get(&self, s: &TestServer, path: &str) -> Resp {
        s.request("GET", path, &[("Cookie", &self.cookie)], b"")
    }

    pub fn send(&self, s: &TestServer, method: &str, path: &str, params: &[(&str, &str)]) -> Resp {
        s.request(
            method,
            path,
            &[FORM, ("Cookie", &self.cookie), ("X-CSRF-Token", &self.csrf)],
            form_encode(params).as_bytes(),
        )
    }

    pub fn post(&self, s: &TestServer, path: &str, params: &[(&str, &str)]) -> Resp {
        self.send(s, "POST", path, params)
    }
}
