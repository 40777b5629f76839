//! Prometheus metrics per GraphQL operation: `roster_graphql_operations_total{operation,
//! outcome}` and `roster_graphql_operation_duration_seconds{operation}`. The operation label is
//! the operation type and its first root field (`query workspaces`, `mutation inviteMembers`),
//! taken only from fields the schema has, so clients cannot invent label values.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::{Response, ServerResult, Variables};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub struct OperationMetrics;

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OneOperation {
            label: Mutex::new(None),
        })
    }
}

struct OneOperation {
    label: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for OneOperation {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let operation = self
            .label
            .lock()
            .ok()
            .and_then(|l| l.clone())
            .unwrap_or_else(|| "invalid".to_owned());
        let outcome = match response.errors.first() {
            None => "ok".to_owned(),
            Some(e) => e
                .extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(|c| c.to_string().trim_matches('"').to_owned())
                .unwrap_or_else(|| "error".to_owned()),
        };
        metrics::counter!("roster_graphql_operations_total", "operation" => operation.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("roster_graphql_operation_duration_seconds", "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let registry = &ctx.schema_env.registry;
        let label = doc.operations.iter().next().map(|(_, op)| {
            let (kind, root) = match op.node.ty {
                OperationType::Query => ("query", Some(&registry.query_type)),
                OperationType::Mutation => ("mutation", registry.mutation_type.as_ref()),
                OperationType::Subscription => {
                    ("subscription", registry.subscription_type.as_ref())
                }
            };
            let field = op
                .node
                .selection_set
                .node
                .items
                .iter()
                .find_map(|item| match &item.node {
                    Selection::Field(f) => Some(f.node.name.node.as_str()),
                    _ => None,
                });
            let known = field.filter(|name| {
                name.starts_with("__")
                    || root
                        .and_then(|r| registry.types.get(r))
                        .and_then(|t| t.field_by_name(name))
                        .is_some()
            });
            format!("{kind} {}", known.unwrap_or("unknown"))
        });
        if let Ok(mut slot) = self.label.lock() {
            *slot = label;
        }
        Ok(doc)
    }
}
