//! The bodies of the DAP requests, one file per concern, matching the
//! debugger's files: each parses its arguments, asks the debugger on the
//! engine thread, and turns the typed answer into the response's JSON.

pub mod breakpoints;
pub mod console;
pub mod inspect;
pub mod lifecycle;
pub mod memory;
pub mod modules;
pub mod movement;
pub mod watch;
