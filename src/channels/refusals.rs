//! What a carrier's error code means, in words an agent reads: the codes Twilio's Messaging API
//! answers a send with (4xx) or reports in a failed status callback (`ErrorCode`), the ones a
//! contact center meets every day. https://www.twilio.com/docs/api/errors

/// The words for carrier error `code`; an unknown code still says what happened.
pub fn words(code: i64) -> String {
    let known = match code {
        21211 => "This is not a valid phone number. Check it and try again.",
        21214 | 30005 => "This number does not exist or is no longer in service.",
        21408 => "The office's carrier account may not send messages to this country.",
        21610 => "This customer has opted out of messages from this number (they replied STOP).",
        21612 => "This number cannot be reached by text message from the office's number.",
        21614 | 30006 => {
            "This number cannot receive text messages (a landline, or no mobile number)."
        }
        30003 => "The customer's phone is unreachable (switched off or out of coverage).",
        30004 => "The customer's phone or carrier blocked the message.",
        30007 => "The customer's carrier filtered the message as unwanted.",
        63003 | 63024 => "This number has no WhatsApp account.",
        63016 => {
            "WhatsApp lets a business write first only with an approved template: this customer \
             has not written to the office in the last 24 hours."
        }
        63018 => "WhatsApp is limiting how fast the office's number may send; try again shortly.",
        _ => return format!("The carrier could not deliver the message (error {code})."),
    };
    known.to_string()
}

/// Twilio's error code in a carrier's answer body (`{"code": 21211, "message": "…"}`), if any.
pub fn code_in(body: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .get("code")?
        .as_i64()
}

/// What the outbox keeps of a carrier's refusal (HTTP `status`, its answer's body): the words
/// for the log and the error code, when the answer named one.
pub fn of_answer(status: u16, body: Option<String>) -> (String, Option<i64>) {
    let code = body.as_deref().and_then(code_in);
    let why = match code {
        Some(e) => format!("the carrier refused the message ({status}, error {e})"),
        None => format!("the carrier refused the message ({status})"),
    };
    (why, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_codes_are_words() {
        assert!(words(63016).contains("24 hours"));
        assert!(words(21211).contains("not a valid phone number"));
        assert_eq!(
            words(12345),
            "The carrier could not deliver the message (error 12345)."
        );
        assert_eq!(code_in(r#"{"code": 21211, "message": "x"}"#), Some(21211));
        assert_eq!(code_in("<html>"), None);
    }
}
