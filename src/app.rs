//! Running the server.

use anyhow::Context as _;
use std::net::SocketAddr;

use std::sync::Arc;
use tokio::sync::Notify;

use crate::config::Config;
use crate::http::router;
use crate::mail::Mailer;
use crate::mail::worker::OutboxWorker;
use crate::service::Roster;

/// Connects, migrates, binds and serves until Ctrl-C / SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let roster = Roster::connect(config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mailer = Mailer::from_config(&roster.config)?;
    let worker = OutboxWorker::new(roster.clone(), mailer)?;
    let stop = Arc::new(Notify::new());
    let worker = tokio::spawn(worker.run(stop.clone()));
    crate::metrics::handle();
    if roster.config.console {
        tracing::info!(
            database = roster.db.backend(),
            "Roster is listening; members console at http://{addr}/, GraphiQL at http://{addr}/graphql"
        );
    } else {
        tracing::info!(
            database = roster.db.backend(),
            "Roster is listening; GraphiQL at http://{addr}/graphql"
        );
    }
    let served = axum::serve(
        listener,
        router(roster).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("server error");
    stop.notify_one();
    let _ = worker.await;
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
