//! The GraphQL schema. Knows nothing of HTTP: `crate::http` carries requests to it.

pub mod batch;
pub mod context;
pub mod cursor;
pub mod guards;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;
pub mod writes;

use async_graphql::Schema;

use crate::error::ErrorCodes;
use crate::service::Roster;

pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type RosterSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with the configured limits; `roster` is available to every resolver.
pub fn build_schema(roster: Roster) -> RosterSchema {
    let limits = roster.config.limits.clone();
    let mut builder = Schema::build(Query, Mutation, Subscription)
        .extension(ErrorCodes)
        .extension(writes::LoaderFreshness)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity);
    if !roster.config.introspection {
        builder = builder.disable_introspection();
    }
    builder.data(roster).finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation, Subscription).finish().sdl()
}
