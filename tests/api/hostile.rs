//! A corpus of malformed and hostile HTTP requests: transport (content types, bodies, sizes,
//! methods), GraphQL documents (syntax, limits, directives, variables), tokens, ids, cursors,
//! emails, names, unicode, injection strings, NUL bytes and bounded floods. Each is answered
//! with its documented status and `extensions.code`, never a 5xx, never Rust debug text, and
//! the server is healthy afterwards. On both backends: many cases reach the database.
//! (The WebSocket corpus is in `hostile_ws.rs`.)

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use base64::Engine;
use futures_util::stream;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, User};

both!(
    hostile_http_requests_get_documented_answers,
    refused_input_names_its_field
);

/// What a case must get back: a status and the first error's code (`None`: no errors at all).
struct Expect(u16, Option<&'static str>);

const OK: Expect = Expect(200, None);

fn bad(status: u16) -> Expect {
    Expect(status, Some("BAD_USER_INPUT"))
}

fn field(code: &'static str) -> Expect {
    Expect(200, Some(code))
}

fn too_complex(status: u16) -> Expect {
    Expect(status, Some("QUERY_TOO_COMPLEX"))
}

struct Case {
    name: String,
    request: Request<Body>,
    expect: Expect,
}

/// Builds the corpus; `user` is a signed-up owner of `user.workspace`.
struct Corpus {
    cases: Vec<Case>,
    token: String,
    workspace: String,
}

impl Corpus {
    fn raw(&mut self, name: &str, request: Request<Body>, expect: Expect) {
        self.cases.push(Case {
            name: name.to_owned(),
            request,
            expect,
        });
    }

    /// POST with this content type (None: no header) and body, accepting the new media type.
    fn post(
        &mut self,
        name: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
        expect: Expect,
    ) {
        let mut r = Request::post("/graphql").header("accept", "application/graphql-response+json");
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        self.raw(name, r.body(body.into()).expect("request"), expect);
    }

    fn json(&mut self, name: &str, body: Value, expect: Expect) {
        self.post(name, Some("application/json"), body.to_string(), expect);
    }

    /// A GraphQL operation (accepting `application/graphql-response+json`, so request errors
    /// are 400), optionally as the signed-in owner.
    fn op(&mut self, name: &str, signed_in: bool, query: &str, variables: Value, expect: Expect) {
        let mut r = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", "application/graphql-response+json");
        if signed_in {
            r = r.header("authorization", format!("Bearer {}", self.token));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.raw(name, r.body(Body::from(body)).expect("request"), expect);
    }

    fn with_token(&mut self, name: &str, authorization: &[u8], expect: Expect) {
        let r = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", authorization)
            .body(Body::from(json!({ "query": "{ me { id } }" }).to_string()))
            .expect("request");
        self.raw(name, r, expect);
    }

    fn get(&mut self, name: &str, uri: &str, expect: Expect) {
        let r = Request::get(uri)
            .header("accept", "application/graphql-response+json")
            .body(Body::empty())
            .expect("request");
        self.raw(name, r, expect);
    }
}

fn transport(c: &mut Corpus) {
    let q = json!({ "query": "{ serverInfo { version } }" }).to_string();
    c.post("no content type", None, q.clone(), bad(415));
    for ct in [
        "text/plain",
        "text/plain; charset=utf-8",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/xml",
        "application/json; charset=latin1",
        "",
    ] {
        c.post(
            &format!("content type {ct:?}"),
            Some(ct),
            q.clone(),
            bad(415),
        );
    }
    c.post(
        "content type in capitals",
        Some("Application/JSON; Charset=UTF-8"),
        q.clone(),
        OK,
    );
    let j = Some("application/json");
    c.post("empty body", j, "", bad(400));
    c.post("whitespace body", j, " \n\t ", bad(400));
    c.post("truncated JSON", j, "{\"query\": \"{ serverInfo", bad(400));
    c.post("JSON null", j, "null", bad(400));
    c.post("JSON number", j, "42", bad(400));
    c.post("JSON string", j, "\"{ serverInfo { version } }\"", bad(400));
    c.post("empty batch", j, "[]", bad(400));
    c.post("batch of a number", j, "[1]", bad(400));
    c.post(
        "invalid UTF-8",
        j,
        Bytes::from_static(b"{\"query\": \"\xff\xfe\"}"),
        bad(400),
    );
    c.post(
        "lone surrogate escape",
        j,
        r#"{"query": "{ serverInfo { version } }", "variables": {"s": "\ud800"}}"#,
        bad(400),
    );
    c.post("JSON nested 100 000 deep", j, "[".repeat(100_000), bad(400));
    c.post("trailing garbage", j, format!("{q} x"), bad(400));
    c.json(
        "no query",
        json!({ "qeury": "{ serverInfo { version } }" }),
        bad(400),
    );
    c.json("query null", json!({ "query": null }), bad(400));
    c.json("query number", json!({ "query": 1 }), bad(400));
    c.json("query object", json!({ "query": { "a": 1 } }), bad(400));
    c.json(
        "query list",
        json!({ "query": ["{ serverInfo { version } }"] }),
        bad(400),
    );
    c.json(
        "variables string",
        json!({ "query": "{ serverInfo { version } }", "variables": "{}" }),
        bad(400),
    );
    c.json(
        "variables list",
        json!({ "query": "{ serverInfo { version } }", "variables": [] }),
        bad(400),
    );
    c.json(
        "operationName number",
        json!({ "query": "{ serverInfo { version } }", "operationName": 1 }),
        bad(400),
    );
    c.json(
        "extensions string",
        json!({ "query": "{ serverInfo { version } }", "extensions": "x" }),
        bad(400),
    );
    let op = json!({ "query": "{ serverInfo { version } }" });
    c.json(
        "batch of 11",
        Value::Array(vec![op.clone(); 11]),
        too_complex(400),
    );
    c.json("batch with a string", json!([op, "x"]), bad(400));
    let big =
        json!({ "query": format!("{{ serverInfo {{ version }} }} #{}", "x".repeat(1 << 20)) })
            .to_string();
    c.post(
        "1 MiB body with Content-Length",
        j,
        big.clone(),
        too_complex(413),
    );
    let chunks: Vec<Result<Bytes, std::io::Error>> = big
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    c.post(
        "1 MiB body chunked",
        j,
        Body::from_stream(stream::iter(chunks)),
        too_complex(413),
    );
    for method in ["PUT", "DELETE", "PATCH"] {
        let r = Request::builder()
            .method(method)
            .uri("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(q.clone()))
            .expect("request");
        c.raw(&format!("{method} /graphql"), r, bad(405));
    }
    c.raw(
        "unknown path",
        Request::get("/wp-admin").body(Body::empty()).expect("r"),
        Expect(404, Some("NOT_FOUND")),
    );
    c.raw(
        "POST /healthz",
        Request::post("/healthz").body(Body::empty()).expect("r"),
        bad(405),
    );
    c.raw(
        "unknown GraphiQL asset",
        Request::get("/graphiql/%2e%2e%2fCargo.toml")
            .body(Body::empty())
            .expect("r"),
        Expect(404, Some("NOT_FOUND")),
    );
    c.raw(
        "non-UTF-8 GraphiQL asset name",
        Request::get("/graphiql/%FF")
            .body(Body::empty())
            .expect("r"),
        Expect(404, Some("NOT_FOUND")),
    );
    c.get("GET without query", "/graphql", bad(400));
    c.get(
        "GET with invalid variables",
        "/graphql?query=%7B__typename%7D&variables=%7B",
        bad(400),
    );
    c.get(
        "GET with list variables",
        "/graphql?query=%7B__typename%7D&variables=%5B%5D",
        bad(400),
    );
    c.get(
        "GET with non-UTF-8 query",
        "/graphql?query=%FF%FE",
        bad(400),
    );
    c.get(
        "GET mutation",
        "/graphql?query=mutation%7BcreateWorkspace(name:%22x%22)%7Bid%7D%7D",
        bad(405),
    );
    c.get(
        "GET subscription",
        "/graphql?query=subscription%7BmemberEvents(workspaceId:%22x%22)%7Baction%7D%7D",
        bad(400),
    );
    c.get(
        "GET query",
        "/graphql?query=%7BserverInfo%7Bversion%7D%7D",
        OK,
    );
}

fn documents(c: &mut Corpus) {
    let none = json!({});
    c.op(
        "syntax error",
        false,
        "{ serverInfo { version ",
        none.clone(),
        bad(400),
    );
    c.op("empty document", false, "", none.clone(), bad(400));
    c.op("only a comment", false, "# nothing", none.clone(), bad(400));
    c.op(
        "unknown field",
        false,
        "{ serverInf { version } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "unknown directive",
        false,
        "{ serverInfo @foo { version } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "unknown directives x100",
        false,
        &format!("{{ serverInfo {{ version {} }} }}", "@foo ".repeat(100)),
        none.clone(),
        too_complex(400),
    );
    c.op(
        "repeated directive",
        false,
        "{ serverInfo { version @skip(if: false) @skip(if: false) } }",
        none.clone(),
        bad(400),
    );
    c.op("6 directives on a field", false, "{ serverInfo { version @include(if: true) @skip(if: false) @include(if: true) @skip(if: false) @include(if: true) @skip(if: false) } }", none.clone(), too_complex(400));
    let aliases: String = (0..31)
        .map(|i| format!("a{i}: serverInfo {{ version }} "))
        .collect();
    c.op(
        "31 aliases",
        false,
        &format!("{{ {aliases} }}"),
        none.clone(),
        too_complex(400),
    );
    let aliases: String = (0..101).map(|i| format!("a{i}: __typename ")).collect();
    c.op(
        "101 aliases",
        false,
        &format!("{{ {aliases} }}"),
        none.clone(),
        too_complex(400),
    );
    let mut deep = String::from("name");
    for _ in 0..7 {
        deep = format!("workspaces {{ owner {{ {deep} }} }}");
    }
    c.op(
        "too deep",
        true,
        &format!("{{ me {{ {deep} }} }}"),
        none.clone(),
        too_complex(400),
    );
    c.op(
        "query text over 64 KiB",
        false,
        &format!("{{ serverInfo {{ version }} }} #{}", "x".repeat(70_000)),
        none.clone(),
        too_complex(400),
    );
    c.op(
        "6000 tokens",
        false,
        &format!("{{ serverInfo {{ {} }} }}", "version ".repeat(6000)),
        none.clone(),
        too_complex(400),
    );
    c.op(
        "nesting 600 brackets",
        false,
        &format!(
            "{{ serverInfo(x: {}{}) {{ version }} }}",
            "[".repeat(600),
            "]".repeat(600)
        ),
        none.clone(),
        too_complex(400),
    );
    c.op(
        "two operations, no name",
        false,
        "query A { serverInfo { version } } query B { serverInfo { version } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "subscription over POST",
        false,
        "subscription { memberEvents(workspaceId: \"x\") { action } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "fragment cycle",
        false,
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        none.clone(),
        too_complex(400),
    );
    c.op(
        "unused variable",
        false,
        "query($x: Int) { serverInfo { version } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "missing required variable",
        true,
        "query($w: ID!) { workspace(id: $w) { name } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "null for a required variable",
        true,
        "query($w: ID!) { workspace(id: $w) { name } }",
        json!({ "w": null }),
        bad(400),
    );
    c.op(
        "string for Int",
        true,
        "query($n: Int) { workspaces { members(first: $n) { totalCount } } }",
        json!({ "n": "ten" }),
        bad(400),
    );
    c.op(
        "Int overflow",
        true,
        "query($n: Int) { workspaces { members(first: $n) { totalCount } } }",
        json!({ "n": 2_147_483_648_i64 }),
        bad(400),
    );
    c.op(
        "string for an input object",
        false,
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": "x" }),
        bad(400),
    );
    c.op(
        "inline string for an input object",
        false,
        "mutation { signUp(input: \"x\") { accessToken } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "inline string for an input list",
        true,
        "{ workspaces { members(roles: \"x\") { totalCount } } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "inline number in a nested input object",
        false,
        "mutation { login(input: {email: 1, password: \"x\"}) { accessToken } }",
        none.clone(),
        bad(400),
    );
    c.op(
        "unknown input field",
        false,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": "a@b.co", "password": "x", "admin": true } }),
        bad(400),
    );
    c.op(
        "unknown enum value",
        true,
        "query($r: [Role!]) { workspaces { members(roles: $r) { totalCount } } }",
        json!({ "r": ["KING"] }),
        bad(400),
    );
    c.json(
        "batch with a bad operation",
        json!([{ "query": "{ serverInfo { version } }" }, { "query": "{ nope }" }]),
        OK,
    );
}

fn inputs(c: &mut Corpus) {
    let ws = c.workspace.clone();
    let page = "query($w: ID!, $a: String) { workspace(id: $w) { members(first: 5, after: $a) { totalCount } } }";
    let audit = "query($w: ID!, $a: String) { workspace(id: $w) { auditLog(first: 5, after: $a) { totalCount } } }";
    let nul = "a\u{0}b";
    // NUL bytes: refused before SQL (PostgreSQL's text cannot hold them).
    c.op(
        "NUL in members(search:)",
        true,
        "query($w: ID!, $s: String) { workspace(id: $w) { members(search: $s) { totalCount } } }",
        json!({ "w": ws, "s": nul }),
        bad(400),
    );
    c.op(
        "NUL inline",
        true,
        &format!(
            "{{ workspace(id: \"{ws}\") {{ members(search: \"a\\u0000\") {{ totalCount }} }} }}"
        ),
        json!({}),
        bad(400),
    );
    c.op(
        "NUL in login email",
        false,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": format!("ada{nul}@example.com"), "password": "whatever1" } }),
        bad(400),
    );
    c.op(
        "NUL in sign-up name",
        false,
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": { "email": "nul@example.com", "name": nul, "password": "whatever1" } }),
        bad(400),
    );
    c.op(
        "NUL in workspace name",
        true,
        "mutation($n: String!) { createWorkspace(name: $n) { id } }",
        json!({ "n": nul }),
        bad(400),
    );
    c.op(
        "NUL in refresh token",
        false,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": nul }),
        bad(400),
    );
    c.op(
        "NUL in invitation token",
        false,
        "query($t: String!) { invitation(token: $t) { email } }",
        json!({ "t": nul }),
        bad(400),
    );
    // That address is INVALID_EMAIL; the call goes on (SPEC section 15).
    c.op("NUL in an invite email", true, crate::helpers::INVITE, json!({ "i": { "workspaceId": ws, "emails": [format!("x{nul}@example.com")], "role": "NORMAL" } }), OK);
    // Tokens.
    c.with_token(
        "garbage bearer",
        b"Bearer garbage",
        field("UNAUTHENTICATED"),
    );
    c.with_token("empty bearer", b"Bearer ", field("UNAUTHENTICATED"));
    c.with_token("alg none JWT", b"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.", field("UNAUTHENTICATED"));
    c.with_token(
        "8 KiB token",
        format!("Bearer {}", "a".repeat(8192)).as_bytes(),
        field("UNAUTHENTICATED"),
    );
    c.with_token(
        "non-ASCII token bytes",
        b"Bearer \xe2\x82\xac",
        field("UNAUTHENTICATED"),
    );
    c.op(
        "garbage refresh token",
        false,
        "mutation { refreshToken(refreshToken: \"garbage\") { accessToken } }",
        json!({}),
        field("UNAUTHENTICATED"),
    );
    c.op(
        "garbage invitation token",
        false,
        "{ invitation(token: \"' OR 1=1 --\") { email } }",
        json!({}),
        OK,
    );
    // Ids.
    for (label, id) in [
        ("malformed id", "not-a-uuid"),
        ("empty id", ""),
        ("SQL in an id", "'; DROP TABLE members; --"),
        ("emoji id", "🙂"),
        ("long id", &"9".repeat(10_000)),
    ] {
        c.op(
            label,
            true,
            "query($w: ID!) { workspace(id: $w) { name } }",
            json!({ "w": id }),
            field("BAD_USER_INPUT"),
        );
    }
    c.op(
        "unknown workspace id",
        true,
        "query($w: ID!) { workspace(id: $w) { name } }",
        json!({ "w": uuid::Uuid::new_v4() }),
        field("NOT_FOUND"),
    );
    c.op("malformed account id", true, "mutation($w: ID!) { removeMember(workspaceId: $w, accountId: \"1 OR 1=1\") { removedAccountId } }", json!({ "w": ws }), field("BAD_USER_INPUT"));
    // Cursors and paging.
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for (label, cursor) in [
        ("garbage cursor", "garbage!".to_owned()),
        ("empty cursor", String::new()),
        ("cursor with a bad uuid", b64("m:1:1795000000000000:nope")),
        (
            "cursor with a huge time",
            b64(&format!("m:1:{}:{}", i64::MAX, uuid::Uuid::nil())),
        ),
        (
            "audit cursor for members",
            b64(&format!("a:1795000000000000:{}", uuid::Uuid::nil())),
        ),
        ("cursor of SQL", b64("m:1 OR 1=1:0:x")),
    ] {
        c.op(
            label,
            true,
            page,
            json!({ "w": ws, "a": cursor }),
            field("BAD_USER_INPUT"),
        );
    }
    c.op(
        "member cursor for the audit log",
        true,
        audit,
        json!({ "w": ws, "a": b64(&format!("m:1:1795000000000000:{}", uuid::Uuid::nil())) }),
        field("BAD_USER_INPUT"),
    );
    c.op(
        "first: -1",
        true,
        "query($w: ID!) { workspace(id: $w) { members(first: -1) { totalCount } } }",
        json!({ "w": ws }),
        field("BAD_USER_INPUT"),
    );
    c.op(
        "first: 101",
        true,
        "query($w: ID!) { workspace(id: $w) { members(first: 101) { totalCount } } }",
        json!({ "w": ws }),
        field("BAD_USER_INPUT"),
    );
    // Emails.
    let sign_up = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }";
    for (label, email) in [
        ("not an email", "not-an-email".to_owned()),
        (
            "email of 300 characters",
            format!("{}@example.com", "a".repeat(300)),
        ),
        (
            "header injection in an email",
            "a@b.co\r\nBcc: victim@example.com".to_owned(),
        ),
        ("display-name email", "Ada <ada@example.com>".to_owned()),
        ("IP-literal email", "ada@[127.0.0.1]".to_owned()),
    ] {
        c.op(
            label,
            false,
            sign_up,
            json!({ "i": { "email": email, "name": "X", "password": "whatever1" } }),
            field("BAD_USER_INPUT"),
        );
    }
    c.op(
        "SQL in a login email",
        false,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": "' OR '1'='1", "password": "' OR '1'='1" } }),
        field("UNAUTHENTICATED"),
    );
    c.op("hostile invite emails are per-address results", true, crate::helpers::INVITE, json!({ "i": { "workspaceId": ws, "emails": ["<script>@x.com", "a@b@c", "'; DROP TABLE accounts; --@x.com", "\u{202e}moc.elpmaxe@a"], "role": "NORMAL" } }), OK);
    // Names and text.
    let create = "mutation($n: String!) { createWorkspace(name: $n) { id name } }";
    c.op(
        "empty name",
        true,
        create,
        json!({ "n": "   " }),
        field("BAD_USER_INPUT"),
    );
    c.op(
        "name of 10 000 characters",
        true,
        create,
        json!({ "n": "x".repeat(10_000) }),
        field("BAD_USER_INPUT"),
    );
    c.op(
        "control characters in a name",
        true,
        create,
        json!({ "n": "a\u{7}\u{1b}[31mred" }),
        field("BAD_USER_INPUT"),
    );
    for (label, name) in [
        (
            "SQL in a name is stored as text",
            "Robert'); DROP TABLE workspaces;--",
        ),
        (
            "HTML in a name is stored as text",
            "<script>alert(1)</script>",
        ),
        ("emoji and ZWJ in a name", "👩‍👩‍👧 Team ✨"),
        ("CJK and RTL in a name", "研发部 فريق"),
    ] {
        c.op(label, true, create, json!({ "n": name }), OK);
    }
    c.op(
        "search of 101 characters",
        true,
        "query($w: ID!, $s: String) { workspace(id: $w) { members(search: $s) { totalCount } } }",
        json!({ "w": ws, "s": "x".repeat(101) }),
        field("BAD_USER_INPUT"),
    );
    for (label, search) in [
        ("LIKE wildcards in a search", "%_%\\"),
        ("SQL in a search", "' OR 1=1 --"),
        ("unicode search", "字 é 🙂"),
    ] {
        c.op(label, true, "query($w: ID!, $s: String) { workspace(id: $w) { members(search: $s) { totalCount } } }", json!({ "w": ws, "s": search }), OK);
    }
    c.op(
        "role OWNER is never granted by invitation",
        true,
        crate::helpers::INVITE,
        json!({ "i": { "workspaceId": ws, "emails": ["o@example.com"], "role": "OWNER" } }),
        field("FORBIDDEN"),
    );
    c.op("101 invite emails", true, crate::helpers::INVITE, json!({ "i": { "workspaceId": ws, "emails": (0..101).map(|i| format!("u{i}@example.com")).collect::<Vec<_>>(), "role": "NORMAL" } }), field("BAD_USER_INPUT"));
}

async fn hostile_http_requests_get_documented_answers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner: User = app.sign_up("owner@example.com", "Olga").await;
    // Twice: the second pass meets every accepted text in the server's document cache, and
    // must still refuse what depends on the request (variables, NUL characters, operation name).
    for pass in 1..=2 {
        let mut corpus = Corpus {
            cases: Vec::new(),
            token: owner.token.clone(),
            workspace: owner.workspace.clone(),
        };
        transport(&mut corpus);
        documents(&mut corpus);
        inputs(&mut corpus);
        let total = corpus.cases.len();
        assert!(total >= 120, "the corpus shrank to {total} cases");
        eprintln!("hostile HTTP corpus: {total} cases ({backend:?}), pass {pass}");

        let mut failures = Vec::new();
        for case in corpus.cases {
            let (status, _, body) = app.send(case.request).await;
            let text = String::from_utf8_lossy(&body).into_owned();
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let errors = v
                .get("errors")
                .or_else(|| v.get(0).and_then(|first| first.get("errors")));
            let got_code = errors
                .and_then(|e| e[0]["extensions"]["code"].as_str())
                .map(str::to_owned);
            let Expect(want_status, want_code) = case.expect;
            let mut problems = Vec::new();
            if status.as_u16() != want_status {
                problems.push(format!("status {status}, want {want_status}"));
            }
            if got_code.as_deref() != want_code {
                problems.push(format!("code {got_code:?}, want {want_code:?}"));
            }
            if v.is_null() {
                problems.push("body is not JSON".to_owned());
            }
            if let Some(errors) = errors.and_then(Value::as_array) {
                for e in errors {
                    let message = e["message"].as_str().unwrap_or_default();
                    if message.is_empty()
                        || [
                            "Error(",
                            "InvalidRequest",
                            "BatchRequest",
                            "panicked",
                            " --> ",
                        ]
                        .iter()
                        .any(|debug| message.contains(debug))
                    {
                        problems.push(format!("message {message:?}"));
                    }
                }
            }
            if status.is_server_error() || text.contains("\"INTERNAL\"") {
                problems.push("server error".to_owned());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{}: {} -> {}",
                    case.name,
                    problems.join("; "),
                    text.chars().take(300).collect::<String>()
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {total} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    // A bounded flood: 40 concurrent requests, then the server is still healthy.
    let flood = (0..40).map(|_| {
        app.gql(
            Some(&owner.token),
            "{ me { email } workspaces { members(first: 5) { totalCount } } }",
            json!({}),
        )
    });
    for v in futures_util::future::join_all(flood).await {
        assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    }
    let (status, _, _) = app
        .send(Request::get("/readyz").body(Body::empty()).expect("r"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let data = app
        .ok(Some(&owner.token), "{ workspaces { name } }", json!({}))
        .await;
    let names: Vec<&str> = data["workspaces"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|w| w["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Robert'); DROP TABLE workspaces;--"),
        "{names:?}"
    );
}

async fn refused_input_names_its_field(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.as_str();
    let search =
        "query($w: ID!, $s: String) { workspace(id: $w) { members(search: $s) { totalCount } } }";
    for (query, variables, field) in [
        // Named by the input field, never the variable (SPEC section 15).
        (search, json!({ "w": ws, "s": "a\u{0}" }), "search"),
        (
            "query($w: ID!) { workspace(id: $w) { members(search: \"\\u0000\") { totalCount } } }",
            json!({ "w": ws }),
            "search",
        ),
        (
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": "a@b.co" } }),
            "name",
        ),
        (
            "mutation { signUp(input: 7) { accessToken } }",
            json!({}),
            "input",
        ),
    ] {
        let e = app.err(Some(&owner.token), query, variables).await;
        assert_eq!(crate::helpers::code(&e), "BAD_USER_INPUT", "{e}");
        assert_eq!(e["extensions"]["field"], field, "{query}: {e}");
    }
}
