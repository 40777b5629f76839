use clap::Parser;
use roster::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Schema) => {
            print!("{}", roster::graphql::sdl());
            Ok(())
        }
        Some(Command::MailSink { listen }) => {
            init_tracing();
            mail_sink(&listen).await
        }
        None | Some(Command::Serve) => {
            init_tracing();
            roster::app::serve(cli.config).await
        }
    };
    if let Err(e) = result {
        // One line, no backtrace: "roster: cannot connect to PostgreSQL: ..."
        eprintln!("roster: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(1);
    }
}

fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
}

/// Prints every message the sink receives, until Ctrl-C.
async fn mail_sink(listen: &str) -> anyhow::Result<()> {
    let sink = roster::mail::sink::SmtpSink::start(listen).await?;
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
