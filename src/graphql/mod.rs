//! The GraphQL schema. Knows nothing of HTTP: `crate::http` carries requests to it.

pub mod api;
pub mod batch;
pub mod context;
pub mod cursor;
pub mod federation;
pub mod guards;
pub mod input_rules;
pub mod limits;
pub mod loaders;
pub mod manifest;
pub mod mutation;
pub mod node;
pub mod observe;
pub mod persisted;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::Schema;

use crate::service::Roster;

pub use api::{AnySchema, Api};
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

pub type RosterSchema = Schema<Query, Mutation, Subscription>;

/// The schema with the configured limits, and [`Api`] around it; `roster` is available to every
/// resolver. The schema has no extensions: what they would do, [`Api`] does around each
/// operation (see `api`).
pub fn build_api(roster: Roster) -> Api {
    let limits = roster.config.limits.clone();
    let trusted = roster.config.trusted_documents.clone();
    macro_rules! finish {
        ($builder:expr) => {{
            let mut builder = $builder
                .limit_complexity(limits.max_complexity)
                .limit_directives(limits.max_directives);
            if !roster.config.introspection {
                // Without introspection, "Did you mean ...?" would still leak field names.
                builder = builder.disable_introspection().disable_suggestions();
            }
            builder.data(roster.clone()).finish()
        }};
    }
    let schema = if roster.config.federation {
        let query = federation::FederatedQuery;
        AnySchema::Federated(finish!(
            Schema::build(query, Mutation, Subscription).enable_federation()
        ))
    } else {
        AnySchema::Plain(finish!(Schema::build(Query, Mutation, Subscription)))
    };
    Api::new(schema, limits, trusted)
}

/// The SDL of the schema, as checked in at `schema.graphql` (`DateTime` with its
/// `@specifiedBy`, as introspection shows it).
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    Schema::build(Query, Mutation, Subscription)
        .finish()
        .sdl_with_options(options)
}
