"""Checks, before anything is timed, that Roster and the baseline answer what the benchmark
expects: the same members in the same order, full pages, no errors.

    python3 bench/check.py GRAPHQL_URL RAW_URL IDS_JSON BODIES_DIR
"""

import json
import sys
import urllib.request

gql_url, raw_url, ids_path, bodies = sys.argv[1:5]
ids = json.load(open(ids_path))


def fetch(url, token, body=None):
    headers = {"authorization": "Bearer " + token}
    if body is not None:
        headers["content-type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def gql(name, token):
    with open(f"{bodies}/{name}.json", "rb") as f:
        out = fetch(gql_url, token, f.read())
    if "errors" in out:
        sys.exit(f"check: {name}: {out['errors']}")
    return out["data"]


def expect(cond, what):
    if not cond:
        sys.exit("check failed: " + what)


viewer, lister = ids["viewer_token"], ids["lister_token"]

# (a) small workspace: 50 members, the same on both.
nodes = gql("page-small", viewer)["workspace"]["members"]["nodes"]
raw = fetch(f"{raw_url}/members?workspace={ids['small']}&first=50", viewer)["members"]
expect(len(nodes) == 50 and len(raw) == 50, "(a) 50 members each")
expect(
    [(n["role"], n["status"], n["account"]["email"], n["account"]["name"]) for n in nodes]
    == [(r["role"], r["status"], r["email"], r["name"]) for r in raw],
    "(a) same members in the same order",
)

# (b) 20 workspaces x 10 members, the same on both.
wss = gql("workspaces", lister)["workspaces"]
raw = fetch(f"{raw_url}/workspaces?per=10", lister)
expect(len(wss) == 20 and len(raw) == 20, "(b) 20 workspaces each")
expect(all(len(w["members"]["nodes"]) == 10 for w in wss), "(b) 10 members each")
expect(
    [[(n["role"], n["account"]["email"]) for n in w["members"]["nodes"]] for w in wss]
    == [[(m["role"], m["email"]) for m in w["members"]] for w in raw],
    "(b) same members in the same order",
)

# (c) huge workspace: full first and deep pages, different members.
first = gql("page-first", viewer)["workspace"]["members"]["nodes"]
deep = gql("page-deep", viewer)["workspace"]["members"]["nodes"]
expect(len(first) == 50 and len(deep) == 50, "(c) full pages")
expect(first[0]["role"] == "OWNER", "(c) the owner first")
expect(
    not {n["account"]["email"] for n in first} & {n["account"]["email"] for n in deep},
    "(c) the deep page is another page",
)
print("  checked: (a) and (b) answers identical on Roster and the baseline; (c) pages full", file=sys.stderr)
