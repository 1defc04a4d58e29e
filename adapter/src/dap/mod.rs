//! The Debug Adapter Protocol side (docs/architecture.md, "Adapter"): the
//! only layer that knows DAP. `Content-Length` framing ([`codec`]), the raw
//! request/response/event envelope ([`envelope`]), typed arguments
//! ([`arguments`]), the advertised capabilities ([`capabilities`]), the async
//! message loop ([`server`]), the state of one client ([`connection`]), the dispatch table ([`dispatch`]) with the
//! request handlers grouped by concern ([`handlers`]), and the JSON bodies
//! built from the debugger's typed answers and news ([`events`]).
//!
//! [`engine_thread`] runs the debugger on its own OS thread for the async side.

pub mod arguments;
pub mod capabilities;
pub mod codec;
pub mod connection;
mod dispatch;
pub mod engine_thread;
pub mod envelope;
pub mod error;
pub mod events;
mod handlers;
pub mod launch;
pub mod progress;
pub mod server;
