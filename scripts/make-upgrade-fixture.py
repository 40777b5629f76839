#!/usr/bin/env python3
"""Makes the upgrade fixture: a database of each backend written by a release of Roster, for
tests/api/upgrade.rs to check that the current code upgrades it with every row intact and every
session still valid.

  python3 scripts/make-upgrade-fixture.py BINARY NAME

BINARY is the `roster` of the release (build it from its commit), NAME the fixture's folder
under tests/fixtures/upgrade/ (the release's commit). It starts BINARY on a fresh SQLite file
and on a fresh PostgreSQL database (postgres://postgres@127.0.0.1:5432), plays the same story
through the GraphQL API on each, and writes roster.sqlite, postgres.sql (pg_dump) and
fixture.json (what the story made: ids, tokens, the members and the audit log's length).
"""

import email
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

PORT = 18095
BASE = f"http://127.0.0.1:{PORT}"
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "upgrade fixture password"


def gql(query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(BASE + "/graphql", data=body, method="POST")
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.load(r)
    if answer.get("errors"):
        raise RuntimeError(f"{query[:50]}: {answer['errors']}")
    return answer["data"]


def link_token(mail_dir, to, path):
    for _ in range(100):
        for file in sorted(glob.glob(os.path.join(mail_dir, "*.eml")), key=os.path.getmtime, reverse=True):
            msg = email.message_from_binary_file(open(file, "rb"))
            if to not in str(msg.get("To", "")):
                continue
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    m = re.search(rf"/{path}\?token=([A-Za-z0-9_-]+)", part.get_payload(decode=True).decode())
                    if m:
                        return m.group(1)
        time.sleep(0.1)
    raise RuntimeError(f"no {path} link to {to}")


SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken account { id workspaces { id } } } }"
INVITE = "mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results { email status } } }"


def story(mail_dir):
    users = {}
    for name in ("ada", "bob", "cy"):
        data = gql(SIGN_UP, {"i": {"email": f"{name}@example.com", "name": name.title(), "password": PASSWORD}})
        users[name] = data["signUp"]
    for name in ("ada", "bob"):
        gql("mutation($t: String!) { verifyEmail(token: $t) { id } }",
            {"t": link_token(mail_dir, f"{name}@example.com", "verify")})
    ada = users["ada"]
    ws = ada["account"]["workspaces"][0]["id"]
    gql(INVITE, {"i": {"workspaceId": ws, "emails": ["bob@example.com", "dee@example.com", "cy@example.com"],
                       "role": "EDITOR"}}, ada["accessToken"])
    gql("mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: ADMIN) { role } }",
        {"w": ws, "a": users["bob"]["account"]["id"]}, ada["accessToken"])
    gql("mutation($w: ID!) { renameWorkspace(workspaceId: $w, name: \"Analytical Engines\") { name } }",
        {"w": ws}, ada["accessToken"])
    # A rotated refresh token (the family's second) and a fresh login of Bob's.
    refreshed = gql("mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
                    {"t": ada["refreshToken"]})["refreshToken"]
    bob = gql("mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
              {"i": {"email": "bob@example.com", "password": PASSWORD}})["login"]
    page = gql("query($w: ID!) { workspace(id: $w) { name memberCount members { nodes { role status account { email } } }"
               " auditLog(first: 100) { totalCount } } }", {"w": ws}, refreshed["accessToken"])["workspace"]
    return {
        "created_at": int(time.time()),
        "password": PASSWORD,
        "workspace": ws,
        "ada": {"id": ada["account"]["id"], "access_token": refreshed["accessToken"],
                "refresh_token": refreshed["refreshToken"]},
        "bob": {"id": users["bob"]["account"]["id"], "access_token": bob["accessToken"],
                "refresh_token": bob["refreshToken"]},
        "workspace_name": page["name"],
        "members": [[n["account"]["email"], n["role"], n["status"]] for n in page["members"]["nodes"]],
        "audit_events": page["auditLog"]["totalCount"],
    }


def run(binary, url, mail_dir):
    # No ROSTER_JWT_SECRET: the secret is generated and kept in the database, as by default.
    env = dict(os.environ, DATABASE_URL=url, ROSTER_LISTEN=f"127.0.0.1:{PORT}", ROSTER_MAIL_DIR=mail_dir,
               RUST_LOG="warn")
    server = subprocess.Popen([binary], env=env)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(BASE + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        return story(mail_dir)
    finally:
        server.terminate()
        server.wait()


def main():
    binary, name = sys.argv[1], sys.argv[2]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "upgrade", name)
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp()
    try:
        db = os.path.join(tmp, "roster.db")
        sqlite = run(binary, f"sqlite://{db}", os.path.join(tmp, "mail-sqlite"))
        subprocess.run(["sqlite3", db, f"VACUUM INTO '{os.path.join(out, 'roster.sqlite')}'"], check=True)
        subprocess.run(["psql", "-q", "-d", f"{PG}/postgres", "-c", "DROP DATABASE IF EXISTS roster_fixture WITH (FORCE)",
                        "-c", "CREATE DATABASE roster_fixture"], check=True)
        postgres = run(binary, f"{PG}/roster_fixture", os.path.join(tmp, "mail-postgres"))
        with open(os.path.join(out, "postgres.sql"), "w") as f:
            subprocess.run(["pg_dump", "--no-owner", "--no-privileges", f"{PG}/roster_fixture"], stdout=f, check=True)
        subprocess.run(["psql", "-q", "-d", f"{PG}/postgres", "-c", "DROP DATABASE roster_fixture WITH (FORCE)"], check=True)
        fixture = {"release": name, "sqlite": sqlite, "postgres": postgres}
        with open(os.path.join(out, "fixture.json"), "w") as f:
            json.dump(fixture, f, indent=2)
            f.write("\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
