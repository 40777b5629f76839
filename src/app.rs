//! Running the server.

use anyhow::Context as _;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

use crate::config::Config;
use crate::http::router_with_shutdown;
use crate::mail::Mailer;
use crate::mail::worker::OutboxWorker;
use crate::service::Roster;
use crate::shutdown::Shutdown;

/// Connects, migrates, binds and serves until Ctrl-C / SIGTERM. Then it stops accepting
/// connections, lets in-flight requests and the email being sent finish (at most
/// `shutdown_grace_secs` each), closes WebSockets with 1001 and returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    crate::startup::check_database_url(&config.database_url)?;
    let listen = config.listen.clone();
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let roster = Roster::connect(config).await?;
    // `bind` resolves host names: `localhost:8000` works as well as `127.0.0.1:8000`.
    let listener = tokio::net::TcpListener::bind(listen.as_str())
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mailer = Mailer::from_config(&roster.config)?;
    let worker = OutboxWorker::new(roster.clone(), mailer)?;
    let stop = Arc::new(Notify::new());
    let worker = tokio::spawn(worker.run(stop.clone()));
    crate::metrics::handle();
    let graphiql_assets = if crate::http::graphiql_is_embedded() {
        "embedded"
    } else {
        "CDN"
    };
    if roster.config.console {
        tracing::info!(
            database = roster.db.backend(),
            graphiql_assets,
            "Roster is listening; members console at http://{addr}/, GraphiQL at http://{addr}/graphql"
        );
    } else {
        tracing::info!(
            database = roster.db.backend(),
            graphiql_assets,
            "Roster is listening; GraphiQL at http://{addr}/graphql"
        );
    }
    let shutdown = Shutdown::new();
    let signalled = {
        let shutdown = shutdown.clone();
        async move {
            shutdown_signal().await;
            shutdown.trigger();
        }
    };
    let server = axum::serve(
        listener,
        router_with_shutdown(roster, shutdown.clone())
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signalled)
    .into_future();
    let served = tokio::select! {
        served = server => served.context("server error"),
        () = async { shutdown.wait().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("requests still running {}s after the shutdown signal; stopping anyway", grace.as_secs());
            Ok(())
        }
    };
    stop.notify_one();
    if tokio::time::timeout(grace, worker).await.is_err() {
        tracing::warn!("the email worker did not finish in time; unsent emails stay queued");
    }
    tracing::info!("stopped");
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
    tracing::info!("shutting down: finishing in-flight requests and emails");
}
