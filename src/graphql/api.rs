//! The one way into the schema: every GraphQL operation, over HTTP (one request or a batch) and
//! WebSocket (both subprotocols), runs through [`Api`].
//!
//! [`Api`] does around async-graphql what schema extensions would do, without their price:
//! once a schema has any extension, async-graphql passes every field of every response through
//! each of them (a boxed future per field and extension, and a registry lookup per field), so
//! Roster's schema has none. For each operation, in this order:
//! 1. the size of the text ([`limits::check_text`]), then the document: parsed once per distinct
//!    text and kept, checked, in a small cache ([`Documents`]), with its aliases and depth
//!    checked when it is parsed;
//! 2. what depends on the request: NUL characters, variable values against their declared types;
//! 3. execution under the request's loaders (batches go out when the operation waits on nothing
//!    else, and caches are dropped after each commit: see `batch` and `service::writes`);
//! 4. an `extensions.code` for every error ([`add_codes`]), and the operation's metrics.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::registry::Registry;
use async_graphql::{
    BatchRequest, BatchResponse, Data, Executor, Request, Response, Schema, SchemaEnv, ServerError,
};
use futures_util::stream::{self, BoxStream, StreamExt};
use lru::LruCache;
use std::any::TypeId;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use super::federation::{FederatedQuery, FederatedSchema};
use super::limits::{self, selected_operation};
use super::loaders::Loaders;
use super::manifest::TrustedDocuments;
use super::observe::{OperationTimer, operation_label};
use super::persisted::{Persisted, Reference};
use super::{Mutation, Query, RosterSchema, Subscription};
use crate::config::Limits;
use crate::error::{AppError, add_codes};
use crate::service::writes;

/// Distinct query texts whose checked documents are kept.
const CACHED_DOCUMENTS: usize = 256;
/// Longer texts are parsed every time (so the cache holds at most about 2 MiB of text).
const CACHED_TEXT_BYTES: usize = 8 * 1024;

/// Roster's schema, or the same as a federation subgraph (see `federation`).
#[derive(Clone)]
pub enum AnySchema {
    Plain(RosterSchema),
    Federated(FederatedSchema),
}

impl AnySchema {
    async fn execute(&self, request: Request) -> Response {
        match self {
            AnySchema::Plain(schema) => schema.execute(request).await,
            AnySchema::Federated(schema) => schema.execute(request).await,
        }
    }

    fn stream(&self, request: Request, session: Arc<Data>) -> BoxStream<'static, Response> {
        match self {
            AnySchema::Plain(schema) => schema
                .execute_stream_with_session_data(request, session)
                .boxed(),
            AnySchema::Federated(schema) => schema
                .execute_stream_with_session_data(request, session)
                .boxed(),
        }
    }

    fn federated(&self) -> bool {
        matches!(self, AnySchema::Federated(_))
    }
}

/// The schema with Roster's checks, loaders, error codes and metrics around each operation.
#[derive(Clone)]
pub struct Api(Arc<ApiInner>);

struct ApiInner {
    schema: AnySchema,
    /// The schema's types, for the variable checks (async-graphql keeps its registry private;
    /// see [`schema_env`]).
    env: Option<SchemaEnv>,
    limits: Limits,
    documents: Documents,
    persisted: Persisted,
}

/// A document that passed the checks that depend on its text alone.
pub struct Checked {
    pub doc: ExecutableDocument,
    /// Its metrics label (`query workspaces`), from the first operation.
    label: String,
}

impl Api {
    pub fn new(schema: AnySchema, limits: Limits, trusted: Option<TrustedDocuments>) -> Api {
        Api(Arc::new(ApiInner {
            env: schema_env(schema.federated()),
            schema,
            limits,
            documents: Documents::new(),
            persisted: Persisted::new(trusted),
        }))
    }

    /// Gives a request that names a persisted operation (APQ hash, `documentId`) its text; the
    /// error, with its code, when it cannot (see `persisted`).
    pub fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        let reference = Reference::of(request).map_err(server_error)?;
        let max_text = self.0.limits.max_query_bytes;
        self.0
            .persisted
            .resolve(request, reference, max_text)
            .map_err(server_error)
    }

    pub fn schema(&self) -> &AnySchema {
        &self.0.schema
    }

    /// Runs one query or mutation under the loaders the request carries.
    pub async fn execute(&self, mut request: Request) -> Response {
        let loaders = find::<Loaders>(&request.data).cloned();
        let timer = OperationTimer::start();
        let checked = match self.prepare(&mut request) {
            Ok(checked) => checked,
            Err(e) => return timer.finish(None, add_codes(Response::from_errors(vec![e]))),
        };
        let schema = &self.0.schema;
        let response = match loaders {
            Some(loaders) => under(&loaders, schema.execute(request)).await,
            None => schema.execute(request).await,
        };
        timer.finish(Some(&checked.label), add_codes(response))
    }

    /// Runs a batch, one operation after the other (a mutation sees what the previous one did).
    pub async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        match batch {
            BatchRequest::Single(request) => BatchResponse::Single(self.execute(request).await),
            BatchRequest::Batch(requests) => {
                let mut responses = Vec::with_capacity(requests.len());
                for request in requests {
                    responses.push(self.execute(request).await);
                }
                BatchResponse::Batch(responses)
            }
        }
    }

    /// A subscription's events (or a query or mutation sent over a WebSocket: one answer, run
    /// like [`Api::execute`] with the connection's loaders).
    pub fn subscribe(
        &self,
        mut request: Request,
        session: Arc<Data>,
    ) -> BoxStream<'static, Response> {
        let checked = match self.prepare(&mut request) {
            Ok(checked) => checked,
            Err(e) => {
                let refused = add_codes(Response::from_errors(vec![e]));
                return stream::once(async move { refused }).boxed();
            }
        };
        let subscription = selected_operation(&checked.doc, request.operation_name.as_deref())
            .map(|op| op.ty == OperationType::Subscription);
        let loaders = find::<Loaders>(&request.data)
            .or_else(|| find::<Loaders>(&session))
            .cloned();
        let events = self.0.schema.stream(request, session);
        match (subscription, loaders) {
            (Some(false), Some(loaders)) => stream::once(async move {
                let mut events = events;
                add_codes(under(&loaders, events.next()).await.unwrap_or_default())
            })
            .boxed(),
            _ => events.map(add_codes).boxed(),
        }
    }

    /// The document of `query`, parsed and checked once per distinct text (the HTTP layer asks
    /// first, to answer transport errors with a status; execution then finds it cached).
    pub fn document(&self, query: &str) -> Result<Arc<Checked>, ServerError> {
        let limits = &self.0.limits;
        let registry = self.registry()?;
        limits::check_text(query, limits)?;
        self.0.documents.get_or_parse(query, |query| {
            let doc = parse_query(query)?;
            limits::check_document(&doc, limits)?;
            let label = operation_label(&doc, registry);
            Ok(Checked { doc, label })
        })
    }

    fn registry(&self) -> Result<&Registry, ServerError> {
        self.0.env.as_ref().map(|env| &env.registry).ok_or_else(|| {
            server_error(AppError::Internal(anyhow::anyhow!(
                "the schema's types are unknown"
            )))
        })
    }

    /// The checks of `limits`, with the document parsed (or found) and set on the request.
    fn prepare(&self, request: &mut Request) -> Result<Arc<Checked>, ServerError> {
        self.0
            .persisted
            .admits(&request.query)
            .map_err(server_error)?;
        let checked = self.document(&request.query)?;
        limits::check_request(
            self.registry()?,
            &checked.doc,
            request.operation_name.as_deref(),
            &request.variables,
        )?;
        request.set_parsed_query(checked.doc.clone());
        Ok(checked)
    }
}

impl Executor for Api {
    async fn execute(&self, request: Request) -> Response {
        Api::execute(self, request).await
    }

    async fn execute_batch(&self, batch: BatchRequest) -> BatchResponse {
        Api::execute_batch(self, batch).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        self.subscribe(request, session.unwrap_or_default())
    }
}

/// Runs `operation` under the request's loaders: batches go out when it waits on nothing else,
/// and caches are dropped after each commit it makes.
async fn under<F: Future>(loaders: &Loaders, operation: F) -> F::Output {
    writes::counting(loaders.loader().writes(), loaders.dispatching(operation)).await
}

/// An application error as a request error (with its code once `add_codes` runs).
fn server_error(e: AppError) -> ServerError {
    async_graphql::Error::from(e).into_server_error(Default::default())
}

fn find<T: 'static>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())
        .and_then(|d| d.downcast_ref::<T>())
}

/// Checked documents by query text, the most recently used kept.
struct Documents(Mutex<LruCache<Box<str>, Arc<Checked>>>);

impl Documents {
    fn new() -> Documents {
        let size = NonZeroUsize::new(CACHED_DOCUMENTS).unwrap_or(NonZeroUsize::MIN);
        Documents(Mutex::new(LruCache::new(size)))
    }

    fn get_or_parse(
        &self,
        query: &str,
        parse: impl FnOnce(&str) -> Result<Checked, ServerError>,
    ) -> Result<Arc<Checked>, ServerError> {
        let cacheable = query.len() <= CACHED_TEXT_BYTES;
        if cacheable && let Some(found) = self.lock().get(query) {
            return Ok(found.clone());
        }
        let checked = Arc::new(parse(query)?);
        if cacheable {
            self.lock().put(query.into(), checked.clone());
        }
        Ok(checked)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<Checked>>> {
        // Nothing can be left half-written by a panic: keep using the cache.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The schema's environment (its registry of types). async-graphql hands it only to
/// extensions, so a schema built the same way with one extension answers `{ __typename }` once
/// and keeps it. Roster's own schema stays free of extensions (see the module's comment).
fn schema_env(federated: bool) -> Option<SchemaEnv> {
    let slot = Arc::new(Mutex::new(None));
    let schema = if federated {
        let query = FederatedQuery;
        AnySchema::Federated(
            Schema::build(query, Mutation, Subscription)
                .enable_federation()
                .extension(KeepEnv(slot.clone()))
                .finish(),
        )
    } else {
        AnySchema::Plain(
            Schema::build(Query, Mutation, Subscription)
                .extension(KeepEnv(slot.clone()))
                .finish(),
        )
    };
    // Nothing in it waits: one poll runs it to the end.
    let mut answer = std::pin::pin!(schema.execute(Request::new("{ __typename }")));
    let _ = answer
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    slot.lock().ok().and_then(|mut s| s.take())
}

struct KeepEnv(Arc<Mutex<Option<SchemaEnv>>>);

impl ExtensionFactory for KeepEnv {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(KeepEnv(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl Extension for KeepEnv {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(ctx.schema_env.clone());
        }
        next.run(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Checked, ServerError> {
        Ok(Checked {
            doc: parse_query(query)?,
            label: String::new(),
        })
    }

    #[test]
    fn a_text_is_parsed_once_and_a_long_one_every_time() {
        let documents = Documents::new();
        let first = documents.get_or_parse("{ me { id } }", parse).ok();
        let again = documents.get_or_parse("{ me { id } }", |_| panic!("parsed twice"));
        assert!(matches!((first, again), (Some(a), Ok(b)) if Arc::ptr_eq(&a, &b)));

        let long = format!("{{ me {{ id }} }}{}", " ".repeat(CACHED_TEXT_BYTES));
        assert!(documents.get_or_parse(&long, parse).is_ok());
        let mut parsed = false;
        let _ = documents.get_or_parse(&long, |q| {
            parsed = true;
            parse(q)
        });
        assert!(parsed, "a text over the cached size is not kept");
    }

    #[test]
    fn a_syntax_error_is_not_kept() {
        let documents = Documents::new();
        assert!(documents.get_or_parse("{ me {", parse).is_err());
        let mut parsed = false;
        let _ = documents.get_or_parse("{ me {", |q| {
            parsed = true;
            parse(q)
        });
        assert!(parsed);
    }
}
