//! The GraphQL spec's input rules, checked before anything runs (SPEC section 15):
//! - a value must fit its type: variables against their declared types, arguments (variables
//!   substituted) against theirs ([`coerce`]);
//! - an enum value is a name, never a string literal: `role: ADMIN`, not `role: "ADMIN"`
//!   ([`enum_literal`]; a variable's JSON string is how an enum travels in variables, so it is
//!   fine);
//! - no string holds a NUL (valid GraphQL, but PostgreSQL's text refuses it), except where the
//!   use case judges each item itself ([`NUL_JUDGED_BY_USE_CASE`]: one invited address with a NUL
//!   is that address's `INVALID_EMAIL`, the others go on).
//!
//! Every problem names the input *field* it is in (`extensions.field`: `name`, `after`, `role`),
//! never the GraphQL variable that carried it.

use async_graphql::parser::types::{BaseType, ExecutableDocument, Selection, SelectionSet, Type};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Name, Value};
use async_graphql_value::Value as Written;

/// Why an input does not fit, and the input field it is in (when it is inside an input
/// object; otherwise the caller names the argument).
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    fn new(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
        }
    }

    fn within(self, field: &str, prefix: String) -> Problem {
        Problem {
            field: self.field.or_else(|| Some(field.to_owned())),
            message: format!("{prefix}: {}", self.message),
        }
    }
}

pub const NUL_MESSAGE: &str = "strings must not contain the NUL character (U+0000)";

/// Input fields whose strings may hold a NUL: their use case refuses each item on its own.
const NUL_JUDGED_BY_USE_CASE: &[(&str, &str)] = &[("InviteMembersInput", "emails")];

/// Why `value` cannot be a `ty`, if it cannot.
pub fn coerce(registry: &Registry, ty: &Type, value: &Value, nesting: usize) -> Option<Problem> {
    coerce_in(registry, ty, value, nesting, false)
}

fn coerce_in(
    registry: &Registry,
    ty: &Type,
    value: &Value,
    nesting: usize,
    nul_ok: bool,
) -> Option<Problem> {
    if nesting > 32 {
        return Some(Problem::new("the value is nested too deep"));
    }
    if matches!(value, Value::Null) {
        return (!ty.nullable).then(|| Problem::new(format!("expected {ty}, found null")));
    }
    match &ty.base {
        BaseType::List(inner) => match value {
            Value::List(items) => items.iter().enumerate().find_map(|(i, item)| {
                coerce_in(registry, inner, item, nesting + 1, nul_ok).map(|p| Problem {
                    message: format!("item {i}: {}", p.message),
                    ..p
                })
            }),
            // A single value stands for a list of one.
            single => coerce_in(registry, inner, single, nesting + 1, nul_ok),
        },
        BaseType::Named(name) => coerce_named(registry, name, value, nesting, nul_ok),
    }
}

fn coerce_named(
    registry: &Registry,
    name: &str,
    value: &Value,
    nesting: usize,
    nul_ok: bool,
) -> Option<Problem> {
    let wrong = || Problem::new(format!("expected {name}, found {}", describe(value)));
    if let Value::String(s) = value
        && s.contains('\0')
        && !nul_ok
    {
        return Some(Problem::new(NUL_MESSAGE));
    }
    match registry.types.get(name)? {
        MetaType::Scalar { is_valid, .. } => match is_valid {
            Some(is_valid) if !is_valid(value) => Some(wrong()),
            _ => None,
        },
        MetaType::Enum { enum_values, .. } => match value {
            Value::String(s) if enum_values.contains_key(s.as_str()) => None,
            Value::Enum(e) if enum_values.contains_key(e.as_str()) => None,
            _ => Some(wrong()),
        },
        MetaType::InputObject { input_fields, .. } => {
            let Value::Object(fields) = value else {
                return Some(wrong());
            };
            if let Some(unknown) = fields
                .keys()
                .find(|k| !input_fields.contains_key(k.as_str()))
            {
                let unknown = unknown.replace('\0', "");
                return Some(Problem {
                    field: Some(unknown.clone()),
                    message: format!("{name} has no field {unknown}"),
                });
            }
            input_fields.values().find_map(|field| {
                let ty = Type::new(&field.ty)?;
                let at = format!("{name}.{}", field.name);
                match fields.get(field.name.as_str()) {
                    Some(v) => {
                        let nul_ok = NUL_JUDGED_BY_USE_CASE.contains(&(name, field.name.as_str()));
                        coerce_in(registry, &ty, v, nesting + 1, nul_ok)
                            .map(|p| p.within(&field.name, at))
                    }
                    None if !ty.nullable && field.default_value.is_none() => Some(Problem {
                        field: Some(field.name.clone()),
                        message: format!("{at} is required"),
                    }),
                    None => None,
                }
            })
        }
        // Output types cannot be variables; validation says so.
        _ => None,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a string".to_owned(),
        Value::Boolean(b) => format!("{b}"),
        Value::Binary(_) => "binary data".to_owned(),
        Value::Enum(e) => format!("the enum value {e}"),
        Value::List(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A string literal written where `ty` expects an enum value (at any depth of lists and input
/// objects). Variables are not looked into: their JSON strings are how enums are sent.
pub fn enum_literal(
    registry: &Registry,
    ty: &Type,
    value: &Written,
    nesting: usize,
) -> Option<Problem> {
    if nesting > 32 {
        return None; // `coerce` reports the nesting
    }
    match (&ty.base, value) {
        (_, Written::Variable(_) | Written::Null) => None,
        (BaseType::List(inner), Written::List(items)) => items
            .iter()
            .find_map(|item| enum_literal(registry, inner, item, nesting + 1)),
        (BaseType::List(inner), single) => enum_literal(registry, inner, single, nesting + 1),
        (BaseType::Named(name), value) => match (registry.types.get(name.as_str())?, value) {
            (MetaType::Enum { .. }, Written::String(s)) => Some(Problem::new(format!(
                "{name} is an enum: write its value without quotes ({s}, not \"{s}\")"
            ))),
            (MetaType::InputObject { input_fields, .. }, Written::Object(fields)) => {
                input_fields.values().find_map(|field| {
                    let ty = Type::new(&field.ty)?;
                    let v = fields.get(field.name.as_str())?;
                    enum_literal(registry, &ty, v, nesting + 1)
                        .map(|p| p.within(&field.name, format!("{name}.{}", field.name)))
                })
            }
            _ => None,
        },
    }
}

/// The input field where the variable `$name` is used: the argument it is passed to, or the
/// input-object field it fills.
pub fn variable_use(doc: &ExecutableDocument, name: &str) -> Option<String> {
    fn used_at(value: &Written, name: &str, field: &str) -> Option<String> {
        match value {
            Written::Variable(v) if v.as_str() == name => Some(field.to_owned()),
            Written::List(items) => items.iter().find_map(|i| used_at(i, name, field)),
            Written::Object(fields) => fields.iter().find_map(|(k, v)| used_at(v, name, k)),
            _ => None,
        }
    }
    arguments(doc).find_map(|(argument, value)| used_at(value, name, argument.as_str()))
}

/// Every argument written in the document (fields and directives, operations and fragments).
fn arguments(doc: &ExecutableDocument) -> impl Iterator<Item = (&Name, &Written)> {
    let sets = doc
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    let mut all = Vec::new();
    for set in sets {
        collect_arguments(set, &mut all);
    }
    all.into_iter()
}

fn collect_arguments<'d>(set: &'d SelectionSet, out: &mut Vec<(&'d Name, &'d Written)>) {
    for item in &set.items {
        let (directives, inner) = match &item.node {
            Selection::Field(f) => {
                out.extend(f.node.arguments.iter().map(|(n, v)| (&n.node, &v.node)));
                (&f.node.directives, &f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => (&f.node.directives, &f.node.selection_set.node),
            Selection::FragmentSpread(f) => {
                for d in &f.node.directives {
                    out.extend(d.node.arguments.iter().map(|(n, v)| (&n.node, &v.node)));
                }
                continue;
            }
        };
        for d in directives {
            out.extend(d.node.arguments.iter().map(|(n, v)| (&n.node, &v.node)));
        }
        collect_arguments(inner, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn a_variable_is_named_by_where_it_is_used() {
        let doc =
            parse_query("query($c: String, $n: String) { a(after: $c) b(input: {name: $n}) }");
        let doc = doc.ok();
        let doc = doc.as_ref();
        assert_eq!(
            doc.and_then(|d| variable_use(d, "c")).as_deref(),
            Some("after")
        );
        assert_eq!(
            doc.and_then(|d| variable_use(d, "n")).as_deref(),
            Some("name")
        );
        assert_eq!(doc.and_then(|d| variable_use(d, "x")), None);
    }
}
