//! Runs each operation counting its commits in its loaders' write counter, so a mutation's
//! payload is read fresh (see `loaders::FreshCache` and `service::writes`).

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
                writes::counting(loaders.loader().writes(), next.run(ctx, operation_name)).await
            }
            None => next.run(ctx, operation_name).await,
        }
    }
}
