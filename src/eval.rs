//! Offline evaluation: how well retrieval and advisors would have done on an incident history,
//! replayed without leakage (each incident sees only incidents created before it).

pub mod retrieval;
