//! Reading `~/.aws/config` and editing only Lanyard's own blocks in it, byte for byte: the
//! dependency-free `lanyard-ini` crate (kept apart so `fuzz/` can exercise it alone).

pub use lanyard_ini::*;
