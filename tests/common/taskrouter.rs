//! Helpers for the TaskRouter tests: a workspace with named activities, workers, queues,
//! workflows and tasks over the real binary's REST API, and waits on reservations.
#![allow(dead_code)]

use crate::common::*;
use std::time::Duration;

pub struct Tr<'a> {
    pub s: &'a TestServer,
    pub ws: String,
    pub offline: String,
    pub available: String,
}

impl<'a> Tr<'a> {
    /// A fresh workspace (with the default activities and channels).
    pub fn new(s: &'a TestServer, name: &str) -> Tr<'a> {
        let ws = s
            .post("/v1/Workspaces", &[("FriendlyName", name)])
            .expect(201)
            .json();
        let ws = ws["sid"].as_str().unwrap().to_string();
        let mut tr = Tr {
            s,
            ws,
            offline: String::new(),
            available: String::new(),
        };
        tr.offline = tr.activity("Offline");
        tr.available = tr.activity("Available");
        tr
    }

    /// A workspace created elsewhere.
    pub fn existing(s: &'a TestServer, ws: &str) -> Tr<'a> {
        let mut tr = Tr {
            s,
            ws: ws.to_string(),
            offline: String::new(),
            available: String::new(),
        };
        tr.offline = tr.activity("Offline");
        tr.available = tr.activity("Available");
        tr
    }

    /// The default "Flex Task Assignment" workspace.
    pub fn default(s: &'a TestServer) -> Tr<'a> {
        let list = s
            .get("/v1/Workspaces?FriendlyName=Flex%20Task%20Assignment")
            .expect(200)
            .json();
        let ws = list["workspaces"][0]["sid"]
            .as_str()
            .expect("default workspace")
            .to_string();
        let mut tr = Tr {
            s,
            ws,
            offline: String::new(),
            available: String::new(),
        };
        tr.offline = tr.activity("Offline");
        tr.available = tr.activity("Available");
        tr
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/v1/Workspaces/{}{rest}", self.ws)
    }

    pub fn activity(&self, name: &str) -> String {
        let v = self
            .s
            .get(&self.path(&format!("/Activities?FriendlyName={}", enc(name))))
            .expect(200)
            .json();
        v["activities"][0]["sid"]
            .as_str()
            .unwrap_or_else(|| panic!("no activity {name}"))
            .to_string()
    }

    /// A worker created available with these attributes.
    pub fn worker(&self, name: &str, attrs: Value) -> String {
        let w = self
            .s
            .post(
                &self.path("/Workers"),
                &[
                    ("FriendlyName", name),
                    ("Attributes", &attrs.to_string()),
                    ("ActivitySid", &self.available),
                ],
            )
            .expect(201)
            .json();
        w["sid"].as_str().unwrap().to_string()
    }

    pub fn set_activity(&self, worker: &str, activity: &str) -> Value {
        self.s
            .post(
                &self.path(&format!("/Workers/{worker}")),
                &[("ActivitySid", activity)],
            )
            .expect(200)
            .json()
    }

    pub fn queue(&self, name: &str, target: &str, extra: &[(&str, &str)]) -> String {
        let mut p = vec![("FriendlyName", name), ("TargetWorkers", target)];
        p.extend_from_slice(extra);
        let q = self
            .s
            .post(&self.path("/TaskQueues"), &p)
            .expect(201)
            .json();
        q["sid"].as_str().unwrap().to_string()
    }

    pub fn workflow(&self, name: &str, config: Value, extra: &[(&str, &str)]) -> String {
        let mut p = vec![("FriendlyName", name)];
        let c = config.to_string();
        p.push(("Configuration", &c));
        p.extend_from_slice(extra);
        let w = self.s.post(&self.path("/Workflows"), &p).expect(201).json();
        w["sid"].as_str().unwrap().to_string()
    }

    /// A workflow sending everything to one queue.
    pub fn simple_workflow(&self, queue: &str) -> String {
        self.workflow(
            "to-queue",
            json!({"task_routing": {"default_filter": {"queue": queue}}}),
            &[],
        )
    }

    pub fn task(&self, workflow: &str, attrs: Value, extra: &[(&str, &str)]) -> Value {
        let a = attrs.to_string();
        let mut p = vec![("WorkflowSid", workflow), ("Attributes", a.as_str())];
        p.extend_from_slice(extra);
        self.s.post(&self.path("/Tasks"), &p).expect(201).json()
    }

    pub fn fetch_task(&self, sid: &str) -> Value {
        self.s
            .get(&self.path(&format!("/Tasks/{sid}")))
            .expect(200)
            .json()
    }

    pub fn reservations_of_task(&self, task: &str) -> Vec<Value> {
        let v = self
            .s
            .get(&self.path(&format!("/Tasks/{task}/Reservations")))
            .expect(200)
            .json();
        v["reservations"].as_array().unwrap().clone()
    }

    pub fn reservations_of_worker(&self, worker: &str, status: &str) -> Vec<Value> {
        let v = self
            .s
            .get(&self.path(&format!(
                "/Workers/{worker}/Reservations?ReservationStatus={status}&PageSize=1000"
            )))
            .expect(200)
            .json();
        v["reservations"].as_array().unwrap().clone()
    }

    /// Waits for a pending reservation on the task and returns it.
    pub fn wait_reservation(&self, task: &str) -> Value {
        wait_until(Duration::from_secs(10), || {
            self.reservations_of_task(task)
                .into_iter()
                .find(|r| r["reservation_status"] == "pending")
        })
    }

    pub fn update_reservation(&self, task: &str, res: &str, params: &[(&str, &str)]) -> Resp {
        self.s.post(
            &self.path(&format!("/Tasks/{task}/Reservations/{res}")),
            params,
        )
    }

    /// Event types of the workspace (oldest first), optionally about one task.
    pub fn events(&self, task: Option<&str>) -> Vec<String> {
        let q = match task {
            Some(t) => format!("/Events?PageSize=1000&TaskSid={t}"),
            None => "/Events?PageSize=1000".to_string(),
        };
        let v = self.s.get(&self.path(&q)).expect(200).json();
        let mut out: Vec<String> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_string())
            .collect();
        out.reverse();
        out
    }
}
