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
        None | Some(Command::Serve) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
                )
                .init();
            roster::app::serve(cli.config).await
        }
    };
    if let Err(e) = result {
        // One line, no backtrace: "roster: cannot connect to PostgreSQL: ..."
        eprintln!("roster: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(1);
    }
}
