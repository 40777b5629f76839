//! Build steps: embedded email templates, and GraphiQL's browser assets.
//!
//! GraphiQL, React and graphql-ws come from npm at build time, at the versions pinned by
//! `assets/graphiql/package-lock.json`, installed with `npm ci` into `OUT_DIR` (never into the
//! source tree) and embedded into the binary, so `/graphql` works with no internet (CI,
//! air-gapped installs). When npm cannot provide them the build says so with a warning and the
//! page loads the same versions from a CDN instead. `ROSTER_GRAPHIQL_CDN=1` skips npm on purpose.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (file served under /graphiql/, path inside node_modules, content type)
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "react.production.min.js",
        "react/umd/react.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphql-ws.min.js",
        "graphql-ws/umd/graphql-ws.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.js",
        "graphiql/graphiql.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.css",
        "graphiql/graphiql.min.css",
        "text/css; charset=utf-8",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // Email templates are compiled into the binary.
    minijinja_embed::embed_templates!("templates/email", &[".subject", ".txt", ".html"]);
    graphiql_assets();
}

fn graphiql_assets() {
    println!("cargo:rerun-if-changed=assets/graphiql/package.json");
    println!("cargo:rerun-if-changed=assets/graphiql/package-lock.json");
    println!("cargo:rerun-if-env-changed=ROSTER_GRAPHIQL_CDN");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = fs::read_to_string("assets/graphiql/package.json").unwrap_or_default();
    let versions = ["graphiql", "react", "react-dom", "graphql-ws"].map(|name| {
        let version = pinned_version(&manifest, name).unwrap_or_else(|| "latest".to_owned());
        format!(
            "pub const {}_VERSION: &str = {version:?};\n",
            name.replace('-', "_").to_uppercase()
        )
    });
    let bundled = if std::env::var_os("ROSTER_GRAPHIQL_CDN").is_some() {
        Err("ROSTER_GRAPHIQL_CDN is set".to_owned())
    } else {
        install(&out.join("graphiql-npm"))
    };
    let files = match bundled {
        Ok(node_modules) => ASSETS
            .iter()
            .map(|(name, path, content_type)| {
                let file = node_modules.join(path);
                format!("    ({name:?}, {content_type:?}, include_bytes!({file:?})),\n")
            })
            .collect::<String>(),
        Err(reason) => {
            println!(
                "cargo:warning=GraphiQL assets could not be installed from npm ({reason}); \
                 /graphql will load GraphiQL from a CDN (unpkg.com) instead, which needs internet \
                 access in the browser"
            );
            String::new()
        }
    };
    let code = format!(
        "{}/// (file name, content type, bytes); empty when the build could not get them.\n\
         pub static FILES: &[(&str, &str, &[u8])] = &[\n{files}];\n",
        versions.concat()
    );
    fs::write(out.join("graphiql_assets.rs"), code).expect("write graphiql_assets.rs");
}

/// `"name": "1.2.3"` in package.json's dependencies.
fn pinned_version(manifest: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\":");
    let rest = &manifest[manifest.find(&key)? + key.len()..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

/// `npm ci` of the pinned packages into `dir`; reuses an install made from the same lockfile.
fn install(dir: &Path) -> Result<PathBuf, String> {
    let lock = fs::read("assets/graphiql/package-lock.json")
        .map_err(|e| format!("cannot read assets/graphiql/package-lock.json: {e}"))?;
    let node_modules = dir.join("node_modules");
    let stamp = dir.join("installed-lock.json");
    let complete = || {
        ASSETS
            .iter()
            .all(|(_, p, _)| node_modules.join(p).is_file())
    };
    if fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) && complete() {
        return Ok(node_modules);
    }
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    fs::copy("assets/graphiql/package.json", dir.join("package.json"))
        .map_err(|e| e.to_string())?;
    fs::write(dir.join("package-lock.json"), &lock).map_err(|e| e.to_string())?;
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let output = Command::new(npm)
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .env("npm_config_fetch_retries", "1")
        .env("npm_config_fetch_timeout", "30000")
        .env("npm_config_update_notifier", "false")
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("npm ci failed: {first}"));
    }
    if !complete() {
        return Err("npm ci did not install every expected file".to_owned());
    }
    fs::write(&stamp, &lock).map_err(|e| e.to_string())?;
    Ok(node_modules)
}
