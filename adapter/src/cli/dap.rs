//! `rewind dap`: serve the Debug Adapter Protocol on stdio or TCP.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::dap::connection::Connection;
use crate::dap::server;

/// How long to wait, after the session ended, for blocking helper threads
/// (tokio's stdin reader cannot be interrupted).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

pub fn run(listen: Option<SocketAddr>, allow_remote: bool) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let mut handler = Connection::default();
        match listen {
            None => server::serve_stdio(&mut handler)
                .await
                .context("serving DAP on stdio"),
            Some(addr) => {
                let listener = server::listen(addr, allow_remote).await?;
                let local = listener
                    .local_addr()
                    .context("reading the listening address")?;
                eprintln!("rewind: DAP server listening on {local}");
                let (stream, peer) = listener.accept().await.context("accepting a DAP client")?;
                tracing::info!(%peer, "DAP client connected");
                server::serve_tcp(stream, &mut handler)
                    .await
                    .context("serving DAP over TCP")
            }
        }
        // The handler (and with it the engine thread and the replayed
        // processes) goes before the runtime does.
    });
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result.map(|()| ExitCode::SUCCESS)
}
