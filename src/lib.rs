//! switchboard library.
pub mod engine;
pub mod flows;
