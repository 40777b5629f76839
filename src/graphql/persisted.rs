//! Persisted operations (SPEC section 15): automatic persisted queries (APQ: a client sends
//! `extensions.persistedQuery.sha256Hash` alone, and the text once when the server does not know
//! it) and trusted documents (`ROSTER_TRUSTED_DOCUMENTS`: only the manifest's operations run).
//!
//! [`Persisted::resolve`] turns a request's reference (hash, `documentId`) into its text before
//! anything else looks at it (so a persisted mutation over GET is still refused);
//! [`Persisted::admits`] is the trusted-documents gate that every operation passes, over HTTP and
//! WebSocket alike (`graphql::api`).

use async_graphql::{Request, Value};
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use super::manifest::{TrustedDocuments, sha256_hex};
use crate::error::AppError;

/// Texts an APQ cache keeps (each at most the configured query size).
const APQ_ENTRIES: usize = 1000;

/// The APQ cache, or the trusted documents.
pub struct Persisted {
    apq: Mutex<LruCache<String, Arc<str>>>,
    trusted: Option<TrustedDocuments>,
}

/// What a request names besides (or instead of) its text.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reference {
    /// `extensions.persistedQuery.sha256Hash` (version 1).
    pub sha256: Option<String>,
    /// GraphQL-over-HTTP's `documentId`.
    pub document_id: Option<String>,
}

impl Reference {
    /// The reference in a request's `extensions` (where the HTTP layer also puts a
    /// `documentId` parameter). A malformed `persistedQuery` is `BAD_USER_INPUT`.
    pub fn of(request: &Request) -> Result<Reference, AppError> {
        let document_id = match request.extensions.get("documentId") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => {
                return Err(AppError::bad_input(
                    "documentId",
                    "documentId must be a string",
                ));
            }
        };
        let sha256 = match request.extensions.get("persistedQuery") {
            None | Some(Value::Null) => None,
            Some(Value::Object(pq)) => {
                let version = pq.get("version");
                if !matches!(version, Some(Value::Number(n)) if n.as_u64() == Some(1)) {
                    return Err(AppError::bad_input(
                        "persistedQuery",
                        "persistedQuery.version must be 1",
                    ));
                }
                match pq.get("sha256Hash") {
                    Some(Value::String(h))
                        if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        Some(h.to_ascii_lowercase())
                    }
                    _ => {
                        return Err(AppError::bad_input(
                            "persistedQuery",
                            "persistedQuery.sha256Hash must be 64 hex digits",
                        ));
                    }
                }
            }
            Some(_) => {
                return Err(AppError::bad_input(
                    "persistedQuery",
                    "persistedQuery must be an object",
                ));
            }
        };
        Ok(Reference {
            sha256,
            document_id,
        })
    }
}

impl Persisted {
    pub fn new(trusted: Option<TrustedDocuments>) -> Persisted {
        let size = NonZeroUsize::new(APQ_ENTRIES).unwrap_or(NonZeroUsize::MIN);
        Persisted {
            apq: Mutex::new(LruCache::new(size)),
            trusted,
        }
    }

    /// Sets `request.query` from what `reference` names: the text sent along (checked against
    /// the hash, and remembered for APQ), the APQ cache, or the trusted documents.
    /// `max_text` bounds what the APQ cache keeps.
    pub fn resolve(
        &self,
        request: &mut Request,
        reference: Reference,
        max_text: usize,
    ) -> Result<(), AppError> {
        let has_text = !request.query.is_empty();
        if let Some(id) = &reference.document_id {
            let found = match &self.trusted {
                Some(trusted) => trusted.get(id),
                None => id.strip_prefix("sha256:").and_then(|h| self.cached(h)),
            };
            let text = found.ok_or(AppError::PersistedQueryNotFound)?;
            if has_text && *request.query != *text {
                return Err(AppError::bad_input(
                    "documentId",
                    "the query text is not the document documentId names",
                ));
            }
            request.query = text.to_string();
            return Ok(());
        }
        let Some(hash) = reference.sha256 else {
            return Ok(()); // the text alone: `admits` decides
        };
        if has_text {
            if sha256_hex(&request.query) != hash {
                return Err(AppError::bad_input(
                    "sha256Hash",
                    "persistedQuery.sha256Hash is not the SHA-256 of the query text",
                ));
            }
            if self.trusted.is_none() && request.query.len() <= max_text {
                let text: Arc<str> = request.query.as_str().into();
                self.lock().put(hash, text);
            }
            return Ok(());
        }
        let found = match &self.trusted {
            Some(trusted) => trusted.get(&hash),
            None => self.cached(&hash),
        };
        request.query = found.ok_or(AppError::PersistedQueryNotFound)?.to_string();
        Ok(())
    }

    /// With trusted documents, only their texts run (`PERSISTED_QUERY_REQUIRED` otherwise).
    pub fn admits(&self, query: &str) -> Result<(), AppError> {
        match &self.trusted {
            Some(trusted) if !trusted.contains_text(query) => Err(AppError::PersistedQueryRequired),
            _ => Ok(()),
        }
    }

    fn cached(&self, hash: &str) -> Option<Arc<str>> {
        self.lock().get(hash).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<str>>> {
        // Nothing can be left half-written by a panic: keep using the cache.
        self.apq.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{ me { id } }";

    fn request(text: &str, hash: Option<&str>) -> Request {
        let mut request = Request::new(text);
        if let Some(hash) = hash {
            let ext = serde_json::json!({ "version": 1, "sha256Hash": hash });
            request.extensions.insert(
                "persistedQuery".into(),
                Value::from_json(ext).unwrap_or_default(),
            );
        }
        request
    }

    fn resolve(p: &Persisted, mut r: Request, id: Option<&str>) -> Result<String, AppError> {
        if let Some(id) = id {
            r.extensions
                .insert("documentId".into(), Value::String(id.to_owned()));
        }
        let reference = Reference::of(&r)?;
        p.resolve(&mut r, reference, 1 << 16)?;
        Ok(r.query)
    }

    #[test]
    fn apq_registers_a_text_then_runs_its_hash() {
        let p = Persisted::new(None);
        let hash = sha256_hex(TEXT);
        let miss = resolve(&p, request("", Some(&hash)), None);
        assert!(matches!(miss, Err(AppError::PersistedQueryNotFound)));
        assert_eq!(
            resolve(&p, request(TEXT, Some(&hash)), None)
                .ok()
                .as_deref(),
            Some(TEXT)
        );
        assert_eq!(
            resolve(&p, request("", Some(&hash)), None).ok().as_deref(),
            Some(TEXT)
        );
        let wrong = resolve(&p, request("{ me { email } }", Some(&hash)), None);
        assert!(matches!(
            wrong,
            Err(AppError::BadInput {
                field: "sha256Hash",
                ..
            })
        ));
        assert!(p.admits("{ anything }").is_ok());
    }

    #[test]
    fn trusted_documents_run_alone() {
        let manifest = serde_json::json!({ "doc1": TEXT }).to_string();
        let p = Persisted::new(TrustedDocuments::parse(&manifest).ok());
        assert_eq!(
            resolve(&p, request("", None), Some("doc1")).ok().as_deref(),
            Some(TEXT)
        );
        let by_hash = format!("sha256:{}", sha256_hex(TEXT));
        assert_eq!(
            resolve(&p, request("", None), Some(&by_hash))
                .ok()
                .as_deref(),
            Some(TEXT)
        );
        assert!(matches!(
            resolve(&p, request("", None), Some("doc2")),
            Err(AppError::PersistedQueryNotFound)
        ));
        assert!(p.admits(TEXT).is_ok());
        assert!(matches!(
            p.admits("{ me { email } }"),
            Err(AppError::PersistedQueryRequired)
        ));
        // APQ registration of another text registers nothing.
        let other = "{ me { email } }";
        let _ = resolve(&p, request(other, Some(&sha256_hex(other))), None);
        assert!(resolve(&p, request("", Some(&sha256_hex(other))), None).is_err());
    }

    #[test]
    fn a_malformed_reference_is_bad_input() {
        let mut r = Request::new(TEXT);
        let ext = serde_json::json!({ "version": 2, "sha256Hash": "x" });
        r.extensions.insert(
            "persistedQuery".into(),
            Value::from_json(ext).unwrap_or_default(),
        );
        assert!(matches!(Reference::of(&r), Err(AppError::BadInput { .. })));
    }
}
