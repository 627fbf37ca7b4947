//! switchboard library.
pub mod routing;
