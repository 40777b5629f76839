//! The `roster` binary: help, schema export, and a clean failure on a bad database.

use std::process::Command;

fn roster() -> Command {
    Command::new(env!("CARGO_BIN_EXE_roster"))
}

#[test]
fn help_lists_every_setting() {
    let out = roster().arg("--help").output().expect("run roster");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "ROSTER_LISTEN",
        "DATABASE_URL",
        "ROSTER_JWT_SECRET",
        "ROSTER_PUBLIC_URL",
        "ROSTER_SMTP_URL",
        "ROSTER_MAIL_DIR",
        "ROSTER_MAIL_FROM",
        "ROSTER_ALLOW_SIGNUP",
        "ROSTER_INTROSPECTION",
        "ROSTER_MAX_MEMBERS",
        "ROSTER_TRANSFER_CODE",
        "ROSTER_INVITE_TTL_HOURS",
    ] {
        assert!(help.contains(var), "--help lacks {var}");
    }
}

#[test]
fn schema_subcommand_prints_the_sdl() {
    let out = roster().arg("schema").output().expect("run roster");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), roster::graphql::sdl());
}

#[test]
fn an_unreachable_or_invalid_database_exits_with_one_line() {
    for url in [
        "postgres://postgres@127.0.0.1:1/none",
        "mysql://x",
        "sqlite:///nonexistent-dir/x/y.db",
    ] {
        let out = roster()
            .env("DATABASE_URL", url)
            .env("ROSTER_LISTEN", "127.0.0.1:0")
            .output()
            .expect("run roster");
        assert_eq!(out.status.code(), Some(1), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("roster: "))
            .collect();
        assert_eq!(lines.len(), 1, "{url}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
