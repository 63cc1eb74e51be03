//! Faulty node (to come).
