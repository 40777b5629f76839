//! Roster's integration tests: real HTTP requests to the axum app, on SQLite and PostgreSQL.
//! One binary (faster to link); every storage test runs once per backend via [`both!`].

mod helpers;

mod api_keys;
mod auth;
mod capacity;
mod cli;
mod concurrency;
mod console;
mod email;
mod federation;
mod hostile;
mod hostile_ws;
mod http;
mod inputs;
mod introspection;
mod invites;
mod members;
mod nodes;
mod operations;
mod outages;
mod ownership;
mod persisted;
mod private_pg;
mod properties;
mod reads;
mod schema;
mod tokens;
mod trust;
mod upgrade;
mod workspaces;
mod ws;
