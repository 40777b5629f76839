//! Guardrails on every GraphQL document, over HTTP and WebSocket alike (SPEC section 6): the
//! size of the query text (bytes and tokens), aliases, depth (not counting the introspection
//! fields, so graphql-js's `getIntrospectionQuery()` passes), NUL characters in strings (valid
//! GraphQL, but PostgreSQL's text refuses them), and variable values that do not fit their
//! declared types (refused before anything runs, as GraphQL-over-HTTP expects).
//!
//! async-graphql's own `limit_depth` counts `__schema { types { fields { type { ofType ... } } } }`
//! and so refuses the standard introspection query; [`check_document`] replaces it. `graphql::api`
//! applies the checks to every operation: [`check_text`] before parsing, [`check_document`] once
//! per parsed text, [`check_request`] per request.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet, Type,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{ErrorExtensionValues, Name, ServerError, ServerResult, Variables};
use std::collections::HashMap;

use super::input_rules::{self, Problem, coerce};
use crate::config::Limits;

/// A request-level error with its `extensions.code` already set.
fn refused(code: &str, message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    err.extensions = Some(ext);
    err
}

fn too_complex(message: impl Into<String>) -> ServerError {
    refused("QUERY_TOO_COMPLEX", message)
}

/// `BAD_USER_INPUT` naming the input (`extensions.field`), as SPEC section 5 asks.
fn bad_input_at(field: impl Into<String>, message: impl Into<String>) -> ServerError {
    let mut err = refused("BAD_USER_INPUT", message);
    if let Some(ext) = err.extensions.as_mut() {
        ext.set("field", field.into());
    }
    err
}

/// Checks the raw query text before it is parsed: its size in bytes, then in tokens.
pub fn check_text(query: &str, limits: &Limits) -> ServerResult<()> {
    if query.len() > limits.max_query_bytes {
        return Err(too_complex(format!(
            "the query text is {} bytes; at most {} are accepted",
            query.len(),
            limits.max_query_bytes
        )));
    }
    let scan = scan(query, limits.max_query_tokens);
    if scan.tokens > limits.max_query_tokens {
        return Err(too_complex(format!(
            "the query has more than {} tokens",
            limits.max_query_tokens
        )));
    }
    // The parser recurses once per bracket: a few hundred levels overflow a thread's stack.
    if scan.nesting > MAX_NESTING {
        return Err(too_complex(format!(
            "the query nests brackets more than {MAX_NESTING} deep"
        )));
    }
    Ok(())
}

/// Deepest nesting of `{`, `[` and `(` accepted before parsing (async-graphql refuses more
/// than 32 levels of selections and values after parsing anyway).
const MAX_NESTING: usize = 64;

/// What [`scan`] finds in a query text.
#[derive(Debug, PartialEq, Eq)]
pub struct Scan {
    /// Lexical tokens, counted up to one past the `stop` given.
    pub tokens: usize,
    /// Deepest bracket nesting seen.
    pub nesting: usize,
}

/// Counts GraphQL lexical tokens, stopping once `stop` is passed.
pub fn count_tokens(query: &str, stop: usize) -> usize {
    scan(query, stop).tokens
}

/// Counts GraphQL lexical tokens (names, numbers, strings, punctuators) and bracket nesting,
/// stopping once `stop` tokens are passed. Whitespace, commas and comments are not tokens.
pub fn scan(query: &str, stop: usize) -> Scan {
    let bytes = query.as_bytes();
    let (mut i, mut n) = (0, 0);
    let (mut depth, mut nesting) = (0usize, 0usize);
    while i < bytes.len() && n <= stop {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
                n += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                n += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                n += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => {
                i += 1;
                while i < bytes.len()
                    && matches!(bytes[i], b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'+' | b'-')
                {
                    i += 1;
                }
                n += 1;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                nesting = nesting.max(depth);
                i += 1;
                n += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
                n += 1;
            }
            _ => {
                // A punctuator, or a stray character (one token; the parser reports it).
                i += 1;
                while i < bytes.len() && !bytes[i].is_ascii() && (bytes[i] & 0xC0) == 0x80 {
                    i += 1;
                }
                n += 1;
            }
        }
    }
    Scan { tokens: n, nesting }
}

/// The checks that depend on the request, not only on the document: NUL characters in strings
/// and variables, and variable values against the types the operation declares.
pub fn check_request(
    registry: &Registry,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> ServerResult<()> {
    if let Some(op) = selected_operation(doc, operation_name) {
        check_variables(registry, doc, op, variables)?;
        check_arguments(registry, doc, op, variables)?;
    }
    Ok(())
}

/// The operation a request runs: the named one, or the only one.
pub fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Aliases and depth. Depth counts fields the way async-graphql does (a root field is 1) but
/// does not descend into `__schema` / `__type`.
pub fn check_document(doc: &ExecutableDocument, limits: &Limits) -> ServerResult<()> {
    let mut aliases = 0;
    for (_, op) in doc.operations.iter() {
        aliases += count_aliases(&op.node.selection_set.node);
    }
    for fragment in doc.fragments.values() {
        aliases += count_aliases(&fragment.node.selection_set.node);
    }
    if aliases > limits.max_aliases {
        return Err(too_complex(format!(
            "the query uses {aliases} aliases; at most {} are accepted",
            limits.max_aliases
        )));
    }
    let mut depths = Depths {
        doc,
        memo: HashMap::new(),
        visiting: Vec::new(),
    };
    for (_, op) in doc.operations.iter() {
        if depths.of(&op.node.selection_set.node) > limits.max_depth {
            return Err(too_complex(format!(
                "the query is nested too deep: at most {} levels of fields are accepted",
                limits.max_depth
            )));
        }
    }
    Ok(())
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

struct Depths<'d> {
    doc: &'d ExecutableDocument,
    memo: HashMap<&'d str, usize>,
    visiting: Vec<&'d str>,
}

impl<'d> Depths<'d> {
    fn of(&mut self, set: &'d SelectionSet) -> usize {
        let mut deepest = 0;
        for item in &set.items {
            let depth = match &item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    if name == "__schema" || name == "__type" {
                        1
                    } else {
                        1 + self.of(&f.node.selection_set.node)
                    }
                }
                Selection::InlineFragment(f) => self.of(&f.node.selection_set.node),
                Selection::FragmentSpread(s) => self.of_fragment(&s.node.fragment_name.node),
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn of_fragment(&mut self, name: &'d Name) -> usize {
        let key = name.as_str();
        if let Some(depth) = self.memo.get(key) {
            return *depth;
        }
        // A cycle (validation reports it) or an unknown fragment adds nothing.
        if self.visiting.contains(&key) {
            return 0;
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return 0;
        };
        self.visiting.push(key);
        let depth = self.of(&fragment.node.selection_set.node);
        self.visiting.pop();
        self.memo.insert(key, depth);
        depth
    }
}

/// Coerces each variable of `op` against its declared type: a missing non-null variable, a
/// string for an input object, an unknown enum value... are request errors.
fn check_variables(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
) -> ServerResult<()> {
    for def in &op.variable_definitions {
        let name = def.node.name.node.as_str();
        let value =
            variables
                .get(&def.node.name.node)
                .or(def.node.default_value.as_ref().map(|d| &d.node));
        let ty = &def.node.var_type.node;
        let written_default = || {
            let default = def.node.default_value.as_ref()?.node.clone().into_value();
            input_rules::enum_literal(registry, ty, &default, 0)
        };
        let problem = match value {
            None if !ty.nullable => Some(Problem {
                field: None,
                message: format!("a value of type {ty} is required"),
            }),
            None => None,
            Some(value) => coerce(registry, ty, value, 0).or_else(written_default),
        };
        if let Some(problem) = problem {
            // Named by the input field, never the variable (SPEC section 15).
            let field = problem
                .field
                .or_else(|| input_rules::variable_use(doc, name))
                .unwrap_or_else(|| name.to_owned());
            return Err(bad_input_at(
                field,
                format!("variable ${name}: {}", problem.message),
            ));
        }
    }
    Ok(())
}

/// Coerces the arguments written in the operation (variables substituted) against their types.
/// async-graphql's validation lets a scalar through where an input object is expected
/// (`signUp(input: "x")`), which then failed inside the resolver.
fn check_arguments(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
) -> ServerResult<()> {
    let root = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let Some(root) = root else {
        return Ok(());
    };
    let mut walk = ArgumentWalk {
        registry,
        doc,
        variables,
        visited: Vec::new(),
    };
    match walk.set(&op.selection_set.node, root) {
        Some((argument, problem)) => Err(bad_input_at(argument, problem)),
        None => Ok(()),
    }
}

struct ArgumentWalk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    visited: Vec<&'a str>,
}

impl<'a> ArgumentWalk<'a> {
    /// The first argument problem in `set` (argument name, why), whose parent type is
    /// `type_name`.
    fn set(&mut self, set: &'a SelectionSet, type_name: &str) -> Option<(String, String)> {
        for item in &set.items {
            let problem = match &item.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let Some(field) = self
                        .registry
                        .types
                        .get(type_name)
                        .and_then(|t| t.field_by_name(name))
                    else {
                        continue; // unknown fields are validation's to report
                    };
                    let problem = f.node.arguments.iter().find_map(|(arg, value)| {
                        let meta = field.args.get(arg.node.as_str())?;
                        let ty = Type::new(&meta.ty)?;
                        let written = input_rules::enum_literal(self.registry, &ty, &value.node, 0);
                        let problem = written.or_else(|| {
                            let value = value
                                .node
                                .clone()
                                .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                                .ok()?;
                            coerce(self.registry, &ty, &value, 0)
                        })?;
                        Some((
                            problem.field.unwrap_or_else(|| arg.node.to_string()),
                            format!("argument {name}({}:): {}", arg.node, problem.message),
                        ))
                    });
                    problem.or_else(|| {
                        let inner = MetaTypeName::concrete_typename(&field.ty).to_owned();
                        self.set(&f.node.selection_set.node, &inner)
                    })
                }
                Selection::InlineFragment(f) => {
                    let on = f
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str())
                        .to_owned();
                    self.set(&f.node.selection_set.node, &on)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    match self.doc.fragments.get(name) {
                        Some(fragment) if !self.visited.contains(&name.as_str()) => {
                            self.visited.push(name.as_str());
                            let on = fragment.node.type_condition.node.on.node.to_string();
                            self.set(&fragment.node.selection_set.node, &on)
                        }
                        _ => None,
                    }
                }
            };
            if problem.is_some() {
                return problem;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tokens() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens("query($x: [Int!]) { a(x: $x) @skip(if: true) }", 100),
            26
        );
        assert_eq!(count_tokens("# comment only\n", 100), 0);
        assert_eq!(
            count_tokens(r#"{ a(s: "x y \" z", t: """b "" c""") ...F }"#, 100),
            13
        );
        assert_eq!(count_tokens("{ a: b(c: -1.5e3) }", 100), 10);
        assert_eq!(count_tokens(&"a ".repeat(1_000_000), 10), 11);
        assert_eq!(count_tokens("é字 \"unterminated", 100), 3);
        assert_eq!(scan("{ a(x: [[1]]) { b { c } } }", 100).nesting, 4);
        assert_eq!(scan("{ a(s: \"{{{{\") }", 100).nesting, 2);
    }
}
