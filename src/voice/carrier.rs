//! The carrier's Calls API, as the appliance's own threads call it: ring a number
//! (`POST {provider}/2010-04-01/Accounts/{SID}/Calls.json`) or give a live call new TwiML
//! (`…/Calls/{CallSid}.json`), with the carrier's credentials from the configuration. A refusal
//! (4xx) is final; a carrier that cannot be reached is tried again a few times, backing off.
//! https://www.twilio.com/docs/voice/api/call-resource

use crate::config::Config;
use serde_json::Value;
use std::time::Duration;

const ATTEMPTS: u32 = 3;

/// Why the carrier did not do it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarrierError {
    /// SWITCHBOARD_PROVIDER_URL/_SID/_TOKEN are not all set.
    NotConfigured,
    /// The carrier answered 4xx: retrying will not help.
    Refused { status: u16, message: String },
    /// Every attempt failed to reach the carrier (the last error, credentials redacted).
    Unreachable(String),
}

impl std::fmt::Display for CarrierError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CarrierError::NotConfigured => {
                f.write_str("no carrier is configured (SWITCHBOARD_PROVIDER_URL/_SID/_TOKEN)")
            }
            CarrierError::Refused { status, message } => write!(f, "{status}: {message}"),
            CarrierError::Unreachable(why) => write!(f, "the carrier could not be reached: {why}"),
        }
    }
}

/// The configured carrier's account, for its Calls API.
pub struct Carrier<'a> {
    agent: &'a ureq::Agent,
    base: String,
    auth: String,
}

impl<'a> Carrier<'a> {
    /// The carrier of `config`, reached through `agent`.
    pub fn of(config: &Config, agent: &'a ureq::Agent) -> Result<Carrier<'a>, CarrierError> {
        let (Some(url), Some(sid), Some(token)) = (
            &config.provider_url,
            &config.provider_sid,
            &config.provider_token,
        ) else {
            return Err(CarrierError::NotConfigured);
        };
        let auth = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{sid}:{token}"),
        );
        Ok(Carrier {
            agent,
            base: format!("{}/2010-04-01/Accounts/{sid}", url.trim_end_matches('/')),
            auth: format!("Basic {auth}"),
        })
    }

    /// Rings `to` from `from`; the call runs `twiml` when answered. The carrier's call SID.
    pub fn create_call(&self, to: &str, from: &str, twiml: &str) -> Result<String, CarrierError> {
        let body = self.post(
            "/Calls.json",
            &[("To", to), ("From", from), ("Twiml", twiml)],
        )?;
        Ok(body["sid"].as_str().unwrap_or_default().to_string())
    }

    /// Gives the live call `call_sid` new TwiML.
    pub fn update_call(&self, call_sid: &str, twiml: &str) -> Result<(), CarrierError> {
        self.post(&format!("/Calls/{call_sid}.json"), &[("Twiml", twiml)])
            .map(drop)
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<Value, CarrierError> {
        let endpoint = format!("{}{path}", self.base);
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(500 << attempt));
            }
            match self
                .agent
                .post(&endpoint)
                .set("Authorization", &self.auth)
                .send_form(form)
            {
                Ok(r) => return Ok(json_of(r)),
                Err(ureq::Error::Status(status, r)) if (400..500).contains(&status) => {
                    let body = json_of(r);
                    let message = body["message"].as_str().unwrap_or("no reason given");
                    return Err(CarrierError::Refused {
                        status,
                        message: message.to_string(),
                    });
                }
                Err(e) => last = crate::outbound::redact_credentials(&e.to_string()),
            }
        }
        Err(CarrierError::Unreachable(last))
    }
}

fn json_of(r: ureq::Response) -> Value {
    serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or_default()
}
