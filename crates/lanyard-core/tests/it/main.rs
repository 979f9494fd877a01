//! lanyard-core against an in-process lanyard-emulator: nothing touches the real ~/.aws, the
//! network or process environment variables.

mod accounts;
mod codecommit;
mod service;
mod sso;
mod support;
