#!/usr/bin/env python3
"""Login flood beside members-page reads (issue 19): does password hashing stay in its budget?

For each backend: starts target/release/roster on a fresh database (ROSTER_TRUSTED_PROXIES so
every login comes from its own client address), signs up 64 accounts and fills one workspace
with 50 members, then measures with wrk:
  1. the members page alone (16 clients, BENCH_ALONE seconds): p99;
  2. per flood kind ("unknown": unknown addresses, wrong password, a random client address
     each; "correct": the right passwords of the 64 accounts): 64 concurrent logins for
     BENCH_FLOOD seconds beside the same members-page load, sampling the server's RSS every
     100 ms; then RSS BENCH_AFTER seconds after the flood.
Writes bench/out/flood-*.txt (raw wrk output) and the "Login flood" section of bench/RESULTS.md.

Run it with bench/flood.sh (builds first). Settings: BENCH_BACKENDS ("sqlite postgres"),
BENCH_FLOOD (30), BENCH_AFTER (30), BENCH_ALONE (10), BENCH_PORT (18090), BENCH_PG_URL,
BENCH_ROSTER (the binary), BENCH_LABEL (a section of its own, e.g. "before").
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
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROSTER = os.environ.get("BENCH_ROSTER", os.path.join(ROOT, "target/release/roster"))
PORT = int(os.environ.get("BENCH_PORT", "18090"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
FLOOD = int(os.environ.get("BENCH_FLOOD", "30"))
AFTER = int(os.environ.get("BENCH_AFTER", "30"))
ALONE = int(os.environ.get("BENCH_ALONE", "10"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite postgres").split()
OUT = os.path.join(ROOT, "bench/out")
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "flood bench password"
ACCOUNTS = 64
PAGE = "query($w: ID!) { workspace(id: $w) { members(first: 50) { nodes { role status account { email name } } } } }"


def log(msg):
    print(f"== {msg}", file=sys.stderr, flush=True)


def gql(query, variables, token=None):
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(BASE + "/graphql", data=body, method="POST")
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        answer = json.load(r)
    if answer.get("errors"):
        raise RuntimeError(f"{query[:40]}...: {answer['errors']}")
    return answer["data"]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def verify_link(mail_dir, to):
    """The verification token in the newest email to `to` (written as .eml files)."""
    for _ in range(100):
        for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml")), key=os.path.getmtime, reverse=True):
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f)
            if to not in str(msg.get("To", "")):
                continue
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode()
                    m = re.search(r"/verify\?token=([A-Za-z0-9_-]+)", text)
                    if m:
                        return m.group(1)
        time.sleep(0.1)
    raise RuntimeError(f"no verification email to {to}")


def seed(mail_dir):
    tokens = []
    for i in range(ACCOUNTS):
        data = gql(
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken account { workspaces { id } } } }",
            {"i": {"email": f"flood{i}@bench.example", "name": f"Flood {i}", "password": PASSWORD}},
        )
        tokens.append(data["signUp"])
    owner = tokens[0]
    gql("mutation($t: String!) { verifyEmail(token: $t) { id } }",
        {"t": verify_link(mail_dir, "flood0@bench.example")})
    workspace = owner["account"]["workspaces"][0]["id"]
    emails = [f"member{i}@bench.example" for i in range(49)]
    gql("mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results { status } } }",
        {"i": {"workspaceId": workspace, "emails": emails, "role": "NORMAL"}}, owner["accessToken"])
    return owner["accessToken"], workspace


def parse_wrk(text):
    def ms(value):
        m = re.match(r"([\d.]+)(us|ms|s)$", value)
        if not m:
            return None
        n, unit = float(m.group(1)), m.group(2)
        return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n
    out = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M)
        out[f"p{pct}"] = ms(m.group(1)) if m else None
    for key in ("checked", "refused", "failed", "errors", "responses"):
        m = re.search(rf"{key}=(\d+)", text)
        if m:
            out[key] = int(m.group(1))
    return out


def wrk(args, name):
    path = os.path.join(OUT, f"flood-{name}.txt")
    with open(path, "w") as f:
        return subprocess.Popen(["wrk", *args], stdout=f, stderr=subprocess.STDOUT), path


def reads(token, body_file, seconds, name):
    return wrk(["-t1", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s", "-H", f"Authorization: Bearer {token}",
                "-s", os.path.join(ROOT, "bench/request.lua"), BASE + "/graphql", "--", "POST", body_file], name)


def run_backend(backend, tmp):
    mail_dir = os.path.join(tmp, f"mail-{backend}")
    os.makedirs(mail_dir)
    if backend == "sqlite":
        url = f"sqlite://{tmp}/flood.db"
    else:
        subprocess.run(["psql", "-q", "-d", f"{PG_URL}/postgres", "-c", "DROP DATABASE IF EXISTS roster_flood WITH (FORCE)",
                        "-c", "CREATE DATABASE roster_flood"], check=True)
        url = f"{PG_URL}/roster_flood"
    env = dict(os.environ, DATABASE_URL=url, ROSTER_LISTEN=f"127.0.0.1:{PORT}", ROSTER_MAIL_DIR=mail_dir,
               ROSTER_TRUSTED_PROXIES="127.0.0.1", RUST_LOG="warn")
    server = subprocess.Popen([ROSTER], env=env, stdout=open(os.path.join(OUT, f"flood-{backend}-server.log"), "w"),
                              stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(BASE + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rest = rss_kib(server.pid)
        log(f"{backend}: seeding")
        token, workspace = seed(mail_dir)
        body_file = os.path.join(tmp, "page.json")
        with open(body_file, "w") as f:
            json.dump({"query": PAGE, "variables": {"w": workspace}}, f)
        time.sleep(2)
        resting = rss_kib(server.pid)
        log(f"{backend}: members page alone ({ALONE} s)")
        proc, path = reads(token, body_file, ALONE, f"{backend}-page-alone")
        proc.wait()
        result = {"rss_start_kib": rest, "rss_resting_kib": resting, "alone": parse_wrk(open(path).read())}
        for kind in ("unknown", "correct"):
            log(f"{backend}: {kind} flood ({FLOOD} s) beside the members page")
            samples, stop = [], threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append((time.time(), rss_kib(server.pid)))
                    time.sleep(0.1)
            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.time()
            login_args = ["-t1", "-c64", f"-d{FLOOD}s", "--latency", "--timeout", "10s", "-s", os.path.join(ROOT, "bench/login.lua"),
                          BASE + "/graphql", "--", kind, str(ACCOUNTS), PASSWORD]
            flood, flood_path = wrk(login_args, f"{backend}-{kind}-logins")
            page, page_path = reads(token, body_file, FLOOD, f"{backend}-{kind}-page")
            flood.wait()
            page.wait()
            ended = time.time()
            time.sleep(AFTER)
            stop.set()
            sampler.join()
            during = [kib for t, kib in samples if t <= ended + 0.5]
            result[kind] = {
                "logins": parse_wrk(open(flood_path).read()),
                "page": parse_wrk(open(page_path).read()),
                "rss_peak_kib": max(during) if during else None,
                "rss_after_kib": samples[-1][1] if samples else None,
                "seconds": round(ended - started, 1),
            }
        result["vm_hwm_kib"] = rss_kib(server.pid, "VmHWM")
        return result
    finally:
        server.terminate()
        server.wait()


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def fmt_ms(v):
    return "n/a" if v is None else f"{v:.1f} ms"


def report(results, commit):
    label = os.environ.get("BENCH_LABEL", "")
    mark = f"flood{'-' + label if label else ''}"
    lines = [
        f"<!-- {mark}:begin -->",
        f"## Login flood beside the members page (issue 19){': ' + label if label else ''}",
        "",
        f"`bash bench/flood.sh`, commit {commit}; {FLOOD} s of 64 concurrent logins (wrk -t1 -c64, every",
        "request from its own client address through `ROSTER_TRUSTED_PROXIES`) beside the members page",
        f"(first 50 of 50 members, wrk -t1 -c16); RSS sampled every 100 ms, and {AFTER} s after the flood.",
        f"Hashing budget: {os.environ.get('ROSTER_HASH_THREADS', 'the default')} threads (default: one per core), "
        f"{os.environ.get('ROSTER_HASH_QUEUE', 'the default')} places in the queue (default 64). Binary: `{os.path.relpath(ROSTER, ROOT)}`.",
        "",
        "| | " + " | ".join(f"{b} unknown | {b} correct" for b in results) + " |",
        "|---|" + "---|---|" * len(results),
    ]

    def row(label, fn):
        cells = []
        for b, r in results.items():
            for kind in ("unknown", "correct"):
                cells.append(fn(r, r[kind]))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("RSS at rest (after seeding)", lambda r, k: mib(r["rss_resting_kib"]))
    row("peak RSS during the flood (goal < 200 MiB)", lambda r, k: mib(k["rss_peak_kib"]))
    row(f"RSS {AFTER} s after the flood", lambda r, k: mib(k["rss_after_kib"]))
    row("passwords checked per second", lambda r, k: f"{k['logins'].get('checked', 0) / max(k['seconds'], 1):.0f}")
    row("logins refused at capacity (503) per second",
        lambda r, k: f"{k['logins'].get('refused', 0) / max(k['seconds'], 1):.0f}")
    row("other login answers", lambda r, k: str(k["logins"].get("failed", "n/a")))
    row("login p50 / p99 (all answers)", lambda r, k: f"{fmt_ms(k['logins']['p50'])} / {fmt_ms(k['logins']['p99'])}")
    row("members page p99 alone", lambda r, k: fmt_ms(r["alone"]["p99"]))
    row("members page p99 during the flood (goal <= 2x alone)", lambda r, k: fmt_ms(k["page"]["p99"]))
    row("ratio", lambda r, k: "n/a" if not (k["page"]["p99"] and r["alone"]["p99"])
        else f"{k['page']['p99'] / r['alone']['p99']:.2f}x")
    row("members page req/s alone / during",
        lambda r, k: f"{r['alone']['rps']:.0f} / {k['page']['rps']:.0f}")
    row("members page failed answers during", lambda r, k: str(k["page"].get("errors", "n/a")))
    row("VmHWM of the whole run", lambda r, k: mib(r["vm_hwm_kib"]))
    lines += [f"<!-- {mark}:end -->", ""]
    section = "\n".join(lines)
    path = os.path.join(ROOT, "bench/RESULTS.md")
    text = open(path).read() if os.path.exists(path) else ""
    if f"<!-- {mark}:begin -->" in text:
        text = re.sub(rf"<!-- {mark}:begin -->.*?<!-- {mark}:end -->\n?", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    open(path, "w").write(text)
    print(section)


def main():
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is needed (apt-get install wrk)")
    os.makedirs(OUT, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    tmp = tempfile.mkdtemp(prefix="roster-flood.")
    try:
        results = {b: run_backend(b, tmp) for b in BACKENDS}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(OUT, "flood.json"), "w") as f:
        json.dump(results, f, indent=2)
    report(results, commit)


if __name__ == "__main__":
    main()
