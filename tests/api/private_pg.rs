//! A PostgreSQL server of a test's own (initdb in a temporary folder, its own port), for fault
//! tests that stop and start it. The shared server on 5432 is never restarted by a test.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::free_port;

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PrivatePostgres {
    dir: PathBuf,
    pub port: u16,
}

/// Runs a PostgreSQL tool as the `postgres` user when the test runs as root (initdb refuses
/// root), as the test's own user otherwise.
fn pg_tool(tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    let path = format!("{BIN}/{tool}");
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    if as_root {
        Command::new("runuser")
            .args(["-u", "postgres", "--", &path])
            .args(args)
            .output()
    } else {
        Command::new(path).args(args).output()
    }
}

impl PrivatePostgres {
    /// Creates and starts a fresh server (about 3 s).
    pub fn start() -> PrivatePostgres {
        let dir = std::env::temp_dir().join(format!("roster-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let _ = Command::new("chown")
            .args(["postgres:postgres", &dir.display().to_string()])
            .status();
        let data = dir.join("data");
        let out = pg_tool(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        )
        .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pg = PrivatePostgres {
            dir,
            port: free_port(),
        };
        pg.start_again();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (after [`PrivatePostgres::stop`]); waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        let out = pg_tool(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-o",
                &options,
                "-l",
                &log.display().to_string(),
                "-w",
                "start",
            ],
        )
        .expect("pg_ctl start");
        assert!(out.status.success(), "pg_ctl start: {}", read(&log));
    }

    /// Stops the server at once (`-m fast`: open connections are closed).
    pub fn stop(&self) {
        let _ = pg_tool(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
