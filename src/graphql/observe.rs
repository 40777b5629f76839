//! Prometheus metrics per GraphQL operation: `roster_graphql_operations_total{operation,
//! outcome}` and `roster_graphql_operation_duration_seconds{operation}`. The operation label is
//! the operation type and its first root field (`query workspaces`, `mutation inviteMembers`),
//! taken only from fields the schema has, so clients cannot invent label values.

use async_graphql::Response;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use async_graphql::registry::Registry;
use std::time::Instant;

/// Times one operation; [`OperationTimer::finish`] records it.
pub struct OperationTimer(Instant);

impl OperationTimer {
    pub fn start() -> OperationTimer {
        OperationTimer(Instant::now())
    }

    /// Records the operation (`label`: see [`operation_label`]; `None` for a document that was
    /// refused before it had one) with the outcome `response` tells, and hands it back.
    pub fn finish(self, label: Option<&str>, response: Response) -> Response {
        let operation = label.unwrap_or("invalid").to_owned();
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
            .record(self.0.elapsed().as_secs_f64());
        response
    }
}

/// The metrics label of a document: the type of its first operation and that operation's first
/// root field, if the schema has it (`unknown` otherwise).
pub fn operation_label(doc: &ExecutableDocument, registry: &Registry) -> String {
    let Some((_, op)) = doc.operations.iter().next() else {
        return "invalid".to_owned();
    };
    let (kind, root) = match op.node.ty {
        OperationType::Query => ("query", Some(&registry.query_type)),
        OperationType::Mutation => ("mutation", registry.mutation_type.as_ref()),
        OperationType::Subscription => ("subscription", registry.subscription_type.as_ref()),
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
}
