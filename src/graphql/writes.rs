//! Runs each operation under its loaders: batches go out when it waits on nothing else, and its
//! commits are counted so its caches are read fresh after a mutation (see `batch` and
//! `service::writes`).

use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use std::sync::Arc;

use super::loaders::Loaders;
use crate::service::writes;

pub struct LoaderFreshness;

impl ExtensionFactory for LoaderFreshness {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LoaderFreshness)
    }
}

#[async_trait::async_trait]
impl Extension for LoaderFreshness {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<Loaders>() {
            Some(loaders) => {
                let operation = loaders.dispatching(next.run(ctx, operation_name));
                writes::counting(loaders.loader().writes(), operation).await
            }
            None => next.run(ctx, operation_name).await,
        }
    }
}
