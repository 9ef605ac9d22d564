//! One destination name across many Regions (not wired yet: `Regions` is not accepted).

pub mod plan;
