//! Roster: a self-hosted workspace-membership GraphQL API.
//!
//! Layers, outermost first: [`http`] (axum) -> [`graphql`] (schema, guards, loaders) ->
//! [`service`] (use cases) -> [`db`] (SQL for SQLite and PostgreSQL). [`domain`] holds the pure
//! rules every layer shares.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod keys_cli;
pub mod mail;
pub mod metrics;
pub mod service;
pub mod shutdown;
pub mod startup;
