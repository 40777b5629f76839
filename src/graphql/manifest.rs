//! Trusted documents: the manifest of the only operations a deployment runs
//! (`ROSTER_TRUSTED_DOCUMENTS`), and the console's own operations as such a manifest
//! (`roster trusted-documents`).
//!
//! Two formats are read, the ones client tools write:
//! - Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`, and what
//!   `roster trusted-documents` prints): `{"format": "apollo-persisted-query-manifest",
//!   "version": 1, "operations": [{"id", "name", "type", "body"}]}`;
//! - a plain map of document id to text (`{"<id>": "<document>"}`: graphql-codegen's
//!   `persisted-documents.json`, relay-compiler's `persistConfig` output).
//!
//! Every document is found by its id and by the SHA-256 of its text (hex), so clients may send
//! `documentId`, an APQ `sha256Hash`, or the full text of a listed document.

use async_graphql::parser::parse_query;
use async_graphql::parser::types::OperationType;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The documents a deployment runs, by id and by SHA-256.
#[derive(Clone, Default)]
pub struct TrustedDocuments {
    by_key: Arc<HashMap<String, Arc<str>>>,
}

impl fmt::Debug for TrustedDocuments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustedDocuments({} keys)", self.by_key.len())
    }
}

/// Lower-case hex SHA-256 of a document's text.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl TrustedDocuments {
    /// Reads a manifest file (a clap value parser: the message names what is wrong).
    pub fn load(path: &str) -> Result<TrustedDocuments, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the trusted documents manifest {path}: {e}"))?;
        TrustedDocuments::parse(&text).map_err(|e| format!("{path}: {e}"))
    }

    /// Parses either manifest format.
    pub fn parse(text: &str) -> Result<TrustedDocuments, String> {
        let json: Value = serde_json::from_str(text)
            .map_err(|e| format!("the trusted documents manifest is not JSON: {e}"))?;
        let Value::Object(map) = json else {
            return Err("the trusted documents manifest must be a JSON object".to_owned());
        };
        let mut entries: Vec<(String, String)> = Vec::new();
        if let Some(operations) = map.get("operations") {
            let operations = operations
                .as_array()
                .ok_or("\"operations\" must be an array")?;
            for (i, op) in operations.iter().enumerate() {
                let (Some(id), Some(body)) = (op["id"].as_str(), op["body"].as_str()) else {
                    return Err(format!("operation {i} needs a string \"id\" and \"body\""));
                };
                entries.push((id.to_owned(), body.to_owned()));
            }
        } else {
            for (id, body) in map {
                let Value::String(body) = body else {
                    return Err(format!("document {id} must be a string"));
                };
                entries.push((id, body));
            }
        }
        let mut by_key = HashMap::new();
        for (id, body) in entries {
            let body: Arc<str> = body.into();
            by_key.insert(sha256_hex(&body), body.clone());
            by_key.insert(id, body);
        }
        Ok(TrustedDocuments {
            by_key: Arc::new(by_key),
        })
    }

    /// The document with this id (`sha256:` prefix allowed) or SHA-256.
    pub fn get(&self, key: &str) -> Option<Arc<str>> {
        let key = key.strip_prefix("sha256:").unwrap_or(key);
        self.by_key.get(key).cloned()
    }

    /// Is this exact text one of the documents?
    pub fn contains_text(&self, text: &str) -> bool {
        self.by_key
            .get(&sha256_hex(text))
            .is_some_and(|body| &**body == text)
    }
}

/// The console's and the emailed-link pages' JavaScript: every document they send is a string
/// constant in these files.
const CONSOLE_SOURCES: &[&str] = &[
    include_str!("../../assets/console/queries.js"),
    include_str!("../../assets/pages/activate.js"),
    include_str!("../../assets/pages/reset.js"),
    include_str!("../../assets/pages/verify.js"),
];

/// The operations the console and its pages send, exactly as they send them.
pub fn console_operations() -> Vec<String> {
    CONSOLE_SOURCES
        .iter()
        .flat_map(|source| js_string_constants(source))
        .map(|(_, text)| text)
        .filter(|text| parse_query(text).is_ok_and(|doc| doc.operations.iter().next().is_some()))
        .collect()
}

/// The console's operations as an Apollo persisted query manifest (ids are SHA-256 of the
/// text, as Apollo's generator writes them).
pub fn console_manifest() -> Value {
    let operations: Vec<Value> = console_operations()
        .iter()
        .filter_map(|body| {
            let doc = parse_query(body).ok()?;
            let (name, op) = doc.operations.iter().next()?;
            let ty = match op.node.ty {
                OperationType::Query => "query",
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
            };
            Some(json!({
                "id": sha256_hex(body),
                "name": name.map(|n| n.to_string()),
                "type": ty,
                "body": body,
            }))
        })
        .collect();
    json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": operations,
    })
}

/// `const NAME = ...;` and `var NAME = ...;` declarations whose value is string literals
/// joined by `+` (template literals may interpolate earlier constants), in order, with their
/// values as JavaScript computes them. Other declarations are skipped.
pub fn js_string_constants(source: &str) -> Vec<(String, String)> {
    let mut known: Vec<(String, String)> = Vec::new();
    let chars: Vec<char> = source.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let at_word = i == 0 || !is_ident(chars[i - 1]);
        let keyword = ["const ", "var "].into_iter().find(|k| {
            let end = i + k.len();
            end <= chars.len() && chars[i..end].iter().copied().eq(k.chars())
        });
        let Some(keyword) = keyword.filter(|_| at_word) else {
            i += 1;
            continue;
        };
        i += keyword.len();
        if let Some((name, value, next)) = declaration(&chars, i, &known) {
            known.push((name, value));
            i = next;
        }
    }
    known
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

/// `NAME = 'a' + `b` ;` from `i`: the name, the value and where it ends.
fn declaration(
    chars: &[char],
    i: usize,
    known: &[(String, String)],
) -> Option<(String, String, usize)> {
    let mut i = skip_space(chars, i);
    let start = i;
    while i < chars.len() && is_ident(chars[i]) {
        i += 1;
    }
    let name: String = chars[start..i].iter().collect();
    i = skip_space(chars, i);
    if name.is_empty() || chars.get(i) != Some(&'=') {
        return None;
    }
    let mut value = String::new();
    loop {
        i = skip_space(chars, i + 1);
        let (part, next) = string_literal(chars, i, known)?;
        value.push_str(&part);
        i = skip_space(chars, next);
        match chars.get(i) {
            Some('+') => continue,
            Some(';') => return Some((name, value, i + 1)),
            _ => return None,
        }
    }
}

/// A '...', "..." or `...` literal at `i`: its value and the index after it.
fn string_literal(chars: &[char], i: usize, known: &[(String, String)]) -> Option<(String, usize)> {
    let quote = *chars.get(i).filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let mut out = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            c if c == quote => return Some((out, j + 1)),
            '\\' => {
                let escaped = *chars.get(j + 1)?;
                out.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                j += 2;
            }
            '$' if quote == '`' && chars.get(j + 1) == Some(&'{') => {
                let end = j + chars[j..].iter().position(|&c| c == '}')?;
                let name: String = chars[j + 2..end].iter().collect();
                let (_, value) = known.iter().rev().find(|(n, _)| *n == name.trim())?;
                out.push_str(value);
                j = end + 1;
            }
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_read_as_javascript_computes_them() {
        let source = "const A = 'x y';\nexport const B = `q { ${A} }`;\n  var C =\n    'a(' +\n    \"b\\\") \";\nconst D = f('no');\nconst E = `${UNKNOWN}`;";
        let constants = js_string_constants(source);
        assert_eq!(
            constants,
            [
                ("A".to_owned(), "x y".to_owned()),
                ("B".to_owned(), "q { x y }".to_owned()),
                ("C".to_owned(), "a(b\") ".to_owned()),
            ]
        );
    }

    #[test]
    fn the_console_operations_are_named_and_listed() {
        let operations = console_operations();
        assert!(operations.len() >= 25, "{}", operations.len());
        for op in &operations {
            let doc = parse_query(op).expect("parses");
            assert!(
                doc.operations.iter().all(|(name, _)| name.is_some()),
                "an unnamed console operation: {op}"
            );
        }
        let manifest = TrustedDocuments::parse(&console_manifest().to_string()).expect("manifest");
        assert!(operations.iter().all(|op| manifest.contains_text(op)));
        let first = &operations[0];
        assert_eq!(
            manifest.get(&sha256_hex(first)).as_deref(),
            Some(first.as_str())
        );
        assert_eq!(
            manifest
                .get(&format!("sha256:{}", sha256_hex(first)))
                .as_deref(),
            Some(first.as_str())
        );
    }

    #[test]
    fn both_manifest_formats_are_read() {
        let plain = TrustedDocuments::parse(r#"{"abc": "{ me { id } }"}"#).expect("plain");
        assert_eq!(plain.get("abc").as_deref(), Some("{ me { id } }"));
        assert!(plain.contains_text("{ me { id } }"));
        assert!(!plain.contains_text("{ me { email } }"));
        assert!(TrustedDocuments::parse("[]").is_err());
        assert!(TrustedDocuments::parse(r#"{"operations": [{"id": 1}]}"#).is_err());
    }
}
