//! Twilio Workflow `configuration` JSON (placeholder, filled in below).
