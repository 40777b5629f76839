//! The GraphQL schema. Knows nothing of HTTP: `crate::http` carries requests to it.

pub mod context;
pub mod cursor;
pub mod guards;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::error::ErrorCodes;
use crate::service::Roster;

pub use mutation::Mutation;
pub use query::Query;

pub type RosterSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with the configured limits; `roster` is available to every resolver.
pub fn build_schema(roster: Roster) -> RosterSchema {
    let limits = roster.config.limits.clone();
    let mut builder = Schema::build(Query, Mutation, EmptySubscription)
        .extension(ErrorCodes)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity);
    if !roster.config.introspection {
        builder = builder.disable_introspection();
    }
    builder.data(roster).finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation, EmptySubscription)
        .finish()
        .sdl()
}
