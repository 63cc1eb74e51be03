//! Caller checks (to come).
