//! The GraphQL schema. Knows nothing of HTTP: `crate::http` carries requests to it.

pub mod batch;
pub mod context;
pub mod cursor;
pub mod guards;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod observe;
pub mod query;
pub mod subscription;
pub mod types;
pub mod writes;

use async_graphql::Schema;
use std::sync::Arc;

use crate::error::ErrorCodes;
use crate::service::Roster;
use limits::RequestLimits;
use observe::OperationMetrics;

pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type RosterSchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with the configured limits; `roster` is available to every resolver.
///
/// Extensions run outermost first: metrics see the final error codes, codes are added to
/// every error, and [`RequestLimits`] checks each document (text size, tokens, aliases, depth
/// without the introspection fields, NUL characters, variable types) before it is validated.
pub fn build_schema(roster: Roster) -> RosterSchema {
    let limits = roster.config.limits.clone();
    let mut builder = Schema::build(Query, Mutation, Subscription)
        .extension(OperationMetrics)
        .extension(ErrorCodes)
        .extension(writes::LoaderFreshness)
        .extension(RequestLimits(Arc::new(limits.clone())))
        .limit_complexity(limits.max_complexity)
        .limit_directives(limits.max_directives);
    if !roster.config.introspection {
        // Without introspection, "Did you mean ...?" would still leak field names.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.data(roster).finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation, Subscription).finish().sdl()
}
