//! The checked-in `schema.graphql` is the code's SDL; migrations of both backends stay in step.

use std::path::Path;

#[test]
fn schema_graphql_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = roster::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test schema` and commit it"
    );
}

#[test]
fn the_spec_operations_are_in_the_schema() {
    let sdl = roster::graphql::sdl();
    for needle in [
        "type Query",
        "type Mutation",
        "me: Account!",
        "workspaces: [Workspace!]!",
        "workspace(id: ID!): Workspace!",
        "serverInfo: ServerInfo!",
        "signUp(input: SignUpInput!): AuthPayload!",
        "login(input: LoginInput!): AuthPayload!",
        "refreshToken(refreshToken: String!): AuthPayload!",
        "createWorkspace(name: String!): Workspace!",
        "renameWorkspace(workspaceId: ID!, name: String!): Workspace!",
    ] {
        assert!(sdl.contains(needle), "schema lacks `{needle}`");
    }
}

#[test]
fn migration_folders_stay_in_step() {
    let names = |backend: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn the_subgraph_sdl_keys_accounts_workspaces_and_members() {
    let sdl = roster::graphql::federation::subgraph_sdl();
    for ty in ["Account", "Workspace", "Member"] {
        let line = sdl
            .lines()
            .find(|l| l.starts_with(&format!("type {ty} ")))
            .unwrap_or_else(|| panic!("no type {ty}:\n{sdl}"));
        assert!(line.contains("@key(fields: \"id\")"), "{line}");
    }
    assert!(sdl.contains("@link"), "{sdl}");
    assert!(!sdl.contains("type Entities"), "{sdl}");
    // Without ROSTER_FEDERATION the schema has neither.
    let plain = roster::graphql::sdl();
    assert!(!plain.contains("_entities") && !plain.contains("_service") && !plain.contains("@key"));
}
