//! `Custom::LogsDestination`: a CloudFormation custom resource for CloudWatch Logs destinations.
//!
//! The flow of a request: [`event`] classifies what arrived, [`properties`] validates it,
//! [`lifecycle`] carries it out through [`destinations`], and [`response`] answers
//! CloudFormation. [`handler`] ties them together under a watchdog, so that every request
//! this function receives is answered.

pub mod allowlist;
pub mod attributes;
pub mod audit;
pub mod cli;
pub mod destinations;
pub mod enabled_regions;
pub mod event;
pub mod handler;
pub mod invoked;
pub mod lifecycle;
pub mod metrics;
pub mod mode;
pub mod partitions;
pub mod preview;
pub mod properties;
pub mod public_policy;
pub mod response;
mod sdk_error;
pub mod stacks;
pub mod verifier;
pub mod watchdog;
