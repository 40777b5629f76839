use clap::Parser;
use roster::config::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.into_command() {
        Command::Schema => {
            print!("{}", roster::graphql::sdl());
            Ok(())
        }
        Command::Keys { action, config } => {
            init_tracing(LogFormat::Text);
            let database_url = config.database_url.clone();
            roster::keys_cli::run(&action, &config)
                .await
                .map(|out| print!("{out}"))
                .map_err(|e| roster::startup::explain(&e, &database_url))
        }
        Command::TrustedDocuments => {
            println!("{:#}", roster::graphql::manifest::console_manifest());
            Ok(())
        }
        Command::MailSink { listen } => {
            init_tracing(LogFormat::Text);
            mail_sink(&listen).await
        }
        Command::Serve(config) => {
            init_tracing(config.log_format);
            let database_url = config.database_url.clone();
            roster::app::serve(*config)
                .await
                .map_err(|e| roster::startup::explain(&e, &database_url))
        }
    };
    if let Err(e) = result {
        // One line, no backtrace: "roster: cannot connect to PostgreSQL: ... Create it with: ..."
        eprintln!("roster: {e}");
        std::process::exit(1);
    }
}

fn init_tracing(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        // Each line carries its spans, so the HTTP span's request id is on every line.
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

/// Prints every message the sink receives, until Ctrl-C.
async fn mail_sink(listen: &str) -> Result<(), String> {
    let sink = roster::mail::sink::SmtpSink::start(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    println!(
        "SMTP sink on {} (ROSTER_SMTP_URL=smtp://{})",
        sink.addr, sink.addr
    );
    let mut shown = 0;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            messages = sink.wait_for(shown + 1, std::time::Duration::from_secs(3600)) => {
                for m in &messages[shown..] {
                    println!("--- from {} to {}\n{}", m.from, m.to.join(", "), m.data);
                }
                shown = messages.len();
            }
        }
    }
}
