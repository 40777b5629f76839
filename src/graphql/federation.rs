//! Apollo Federation v2 (`ROSTER_FEDERATION=true`): Roster as a subgraph of a product's
//! supergraph. `_service { sdl }` gives the schema with `@link` and `@key(fields: "id")` on
//! Account, Workspace and Member; `_entities` resolves them by id with the authorization of
//! `node(id:)` (what the viewer may not see is null). The gateway forwards the client's
//! `Authorization` header.
//!
//! Federation is a schema of its own ([`FederatedSchema`]): async-graphql adds `_service` and
//! `_entities` to any schema whose query type resolves entities, and without the setting
//! neither exists.

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, ID, ObjectType, OutputType, Positioned, Schema,
    ServerResult, Value,
};
use std::borrow::Cow;

use super::context::{parse_id, viewer};
use super::node::{Node, find};
use super::{Mutation, Query, Subscription};

/// The types `_entities` resolves, each by its `id`.
const ENTITIES: [&str; 3] = ["Account", "Workspace", "Member"];

/// `Query`, with the entity resolution `_entities` calls (not a field of `Query`: a GraphQL
/// type of the same name, registered as `Query` is, plus the keys).
pub struct FederatedQuery;

impl ContainerType for FederatedQuery {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        Query.resolve_field(ctx).await
    }

    /// One representation (`{__typename, id}`): the object if the viewer may see it (as
    /// `node(id:)` decides), else null; `None` for a type that is no entity.
    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        let Value::Object(params) = params else {
            return Ok(None);
        };
        let typename = match params.get("__typename") {
            Some(Value::String(t)) if ENTITIES.contains(&t.as_str()) => t.as_str(),
            _ => return Ok(None),
        };
        let Some(Value::String(id)) = params.get("id") else {
            return Ok(None);
        };
        let found = async {
            let id = parse_id("id", &ID(id.clone()))?;
            let viewer = viewer(ctx).await?;
            find(ctx, &viewer, id).await
        };
        let found = found
            .await
            .map_err(|e| async_graphql::Error::from(e).into_server_error(ctx.item.pos))?;
        let on = ctx.with_selection_set(&ctx.item.node.selection_set);
        let value = match (typename, found) {
            ("Account", Some(Node::Account(a))) => a.resolve(&on, ctx.item).await?,
            ("Workspace", Some(Node::Workspace(w))) => w.resolve(&on, ctx.item).await?,
            ("Member", Some(Node::Member(m))) => m.resolve(&on, ctx.item).await?,
            _ => Value::Null,
        };
        Ok(Some(value))
    }
}

impl OutputType for FederatedQuery {
    fn type_name() -> Cow<'static, str> {
        Query::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let name = Query::create_type_info(registry);
        for entity in ENTITIES {
            registry.add_keys(entity, "id");
        }
        name
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ObjectType for FederatedQuery {}

pub type FederatedSchema = Schema<FederatedQuery, Mutation, Subscription>;

/// The subgraph schema's SDL, as `_service { sdl }` gives it.
pub fn subgraph_sdl() -> String {
    let options = async_graphql::SDLExportOptions::new()
        .federation()
        .compose_directive();
    Schema::build(FederatedQuery, Mutation, Subscription)
        .enable_federation()
        .finish()
        .sdl_with_options(options)
}
