//! `rewind dap`: serve the Debug Adapter Protocol on stdio or TCP.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

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
                let served = server::serve_tcp(stream, &mut handler);
                tokio::pin!(served);
                // Clients that come while this one is served are told why
                // nobody answers them (they would otherwise wait forever).
                let mut refusals = FuturesUnordered::new();
                loop {
                    tokio::select! {
                        result = &mut served => break result.context("serving DAP over TCP"),
                        accepted = listener.accept() => match accepted {
                            Ok((extra, peer)) => {
                                tracing::warn!(%peer, "a second DAP client connected; refusing it");
                                refusals.push(server::refuse_tcp(extra));
                            }
                            Err(error) => tracing::warn!(%error, "accepting a second DAP client failed"),
                        },
                        Some(result) = refusals.next(), if !refusals.is_empty() => {
                            if let Err(error) = result {
                                tracing::debug!(%error, "a refused DAP client's connection failed");
                            }
                        }
                    }
                }
            }
        }
        // The handler (and with it the engine thread and the replayed
        // processes) goes before the runtime does.
    });
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result.map(|()| ExitCode::SUCCESS)
}
