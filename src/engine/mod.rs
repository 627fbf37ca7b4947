//! Pure building blocks of the flow engine: Liquid template rendering and
//! the evaluation of split-based-on conditions. Nothing here performs I/O.

pub mod liquid;
pub mod split;
