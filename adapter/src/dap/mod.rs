//! Debug Adapter Protocol transport and dispatch (DESIGN §7): `Content-Length`
//! framing ([`codec`]), the raw request/response/event envelope ([`envelope`]),
//! typed arguments with field-naming errors ([`args`]), the advertised
//! capabilities ([`capabilities`]) and the async message loop ([`server`]).
//!
//! [`engine`] runs the replay session on its own OS thread for the async side.

pub mod args;
pub mod capabilities;
pub mod codec;
pub mod engine;
pub mod envelope;
pub mod handler;
pub mod launch;
pub mod requests;
pub mod server;
