//! switchboard library.
