//! Offline evaluation: how well an advisor would have done on an incident history, replayed
//! without leakage, scored with the study's metrics against baselines, and reported as JSON,
//! Markdown and HTML.

pub mod baselines;
pub mod calibration;
pub mod candidates;
pub mod charts;
pub mod harness;
pub mod html;
pub mod markdown;
pub mod metrics;
pub mod oracle;
pub mod protocol;
pub mod report;
pub mod tables;
