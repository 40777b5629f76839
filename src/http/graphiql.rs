//! GraphiQL at `GET /graphql` (for browsers), with its scripts served by Roster itself from
//! `/graphiql/*` (embedded at build time by build.rs), or from a CDN when the build could not
//! get them.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::sync::LazyLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/graphiql_assets.rs"));
}

const TEMPLATE: &str = include_str!("../../assets/graphiql.html");

fn asset_url(name: &str) -> String {
    url_for(name, is_embedded())
}

/// Where an asset comes from: Roster when embedded, else unpkg at the pinned version.
fn url_for(name: &str, embedded: bool) -> String {
    if embedded {
        return format!("/graphiql/{name}");
    }
    let cdn = "https://unpkg.com";
    match name {
        "react.production.min.js" => {
            format!("{cdn}/react@{}/umd/{name}", embedded::REACT_VERSION)
        }
        "react-dom.production.min.js" => {
            format!("{cdn}/react-dom@{}/umd/{name}", embedded::REACT_DOM_VERSION)
        }
        "graphql-ws.min.js" => {
            format!(
                "{cdn}/graphql-ws@{}/umd/{name}",
                embedded::GRAPHQL_WS_VERSION
            )
        }
        _ => format!("{cdn}/graphiql@{}/{name}", embedded::GRAPHIQL_VERSION),
    }
}

static PAGE: LazyLock<String> = LazyLock::new(|| {
    [
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphql-ws.min.js",
        "graphiql.min.js",
    ]
    .iter()
    .fold(TEMPLATE.to_owned(), |page, name| {
        page.replace(&format!("{{{{{name}}}}}"), &asset_url(name))
    })
});

/// True when the binary carries GraphiQL's assets (works offline).
pub fn is_embedded() -> bool {
    !embedded::FILES.is_empty()
}

pub fn page() -> Response {
    Html(PAGE.as_str()).into_response()
}

pub async fn asset(name: Result<Path<String>, PathRejection>) -> Response {
    let name = name.map(|Path(n)| n).unwrap_or_default();
    match embedded::FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => super::request::HttpError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("no GraphiQL asset named {name}"),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_embedded_assets_the_page_uses_the_pinned_cdn_versions() {
        let react = url_for("react.production.min.js", false);
        assert_eq!(
            react,
            format!(
                "https://unpkg.com/react@{}/umd/react.production.min.js",
                embedded::REACT_VERSION
            )
        );
        assert!(
            url_for("graphiql.min.css", false)
                .contains(&format!("graphiql@{}", embedded::GRAPHIQL_VERSION))
        );
        assert_eq!(
            url_for("graphiql.min.js", true),
            "/graphiql/graphiql.min.js"
        );
        // Every placeholder of the page is filled.
        assert!(!PAGE.contains("{{"), "{}", *PAGE);
    }
}
