//! Pure TaskRouter building blocks: the expression language and the Workflow configuration.
//!
//! Nothing in this module performs I/O, touches SQL or speaks HTTP; callers feed it JSON values
//! and strings and get back parsed, validated structures and boolean decisions.
pub mod expr;
pub mod workflow_config;
