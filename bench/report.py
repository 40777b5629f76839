"""Turns the wrk outputs of bench/run.sh (bench/out/) into bench/RESULTS.md.

    python3 bench/report.py OUT_DIR RESULTS_MD --backends "sqlite postgres" --duration 10s \
        --elapsed SECONDS --read-args "..." --invite-args "..."
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess

TARGET_RATIO_THROUGHPUT = 0.6
TARGET_RATIO_WORKSPACES = 0.5
TARGET_DEEP_OVER_FIRST = 1.5
TARGET_INVITE_100_OVER_1 = 10.0
TARGET_RSS_MIB = 100.0

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def parse_time_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unknown wrk time {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(path):
    text = open(path).read()
    run = {"errors": 0, "non2xx": 0, "socket_errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    run["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
    run["requests"] = int(m.group(1)) if m else 0
    run["seconds"] = parse_time_ms(m.group(2) + m.group(3)) / 1000 if m else 0.0
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        run[f"p{pct}"] = parse_time_ms(m.group(1)) if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        run["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        run["socket_errors"] = sum(int(g) for g in m.groups())
    m = re.search(r"bench: errors=(\d+) responses=(\d+)(?: invited=(\d+))?", text)
    if m:
        run["errors"] = int(m.group(1))
        run["responses"] = int(m.group(2))
        if m.group(3) is not None:
            run["invited"] = int(m.group(3))
    m = re.search(r"bench: server_pid=(\d+) clk_tck=(\d+)", text)
    b = re.search(r"bench: cpu_before (.*)", text)
    e = re.search(r"bench: cpu_after (.*)", text)
    t = re.search(r"bench: wrk_cpu_secs ([\d.]+) ([\d.]+)", text)
    if m and b and e and run["requests"] and run["seconds"]:
        pid, hz = m.group(1), int(m.group(2))
        before = dict(kv.split("=") for kv in b.group(1).split())
        after = dict(kv.split("=") for kv in e.group(1).split())
        delta = {k: (int(after[k]) - int(before.get(k, 0))) / hz for k in after}
        # PostgreSQL processes that exited during the run are left out (their CPU is unknown).
        delta["postgres"] = sum(v for k, v in delta.items() if k.startswith("pg_"))
        server = delta.get(f"pid_{pid}", 0.0)
        wrk_cpu = float(t.group(1)) + float(t.group(2)) if t else 0.0
        run["cpu_ms_per_req"] = server * 1000 / run["requests"]
        run["db_ms_per_req"] = delta["postgres"] * 1000 / run["requests"]
        run["cores"] = server / run["seconds"]
        run["machine_cores"] = delta["machine_busy"] / run["seconds"]
        other = delta["machine_busy"] - server - delta["postgres"] - wrk_cpu
        run["other_cores"] = max(other, 0.0) / run["seconds"]
    return run


def aggregate(paths):
    """Several rounds of one scenario: medians of the rates, latencies and CPU figures, sums of
    the counts, and the spread of the rates."""
    runs = [parse_wrk(p) for p in sorted(paths)]
    if not runs:
        raise SystemExit(f"report: no wrk output for {paths}")
    out = {"n": len(runs)}
    for key in ("rps", "p50", "p90", "p99", "cpu_ms_per_req", "db_ms_per_req", "cores",
                "machine_cores", "other_cores"):
        values = [r[key] for r in runs if key in r]
        if values:
            out[key] = statistics.median(values)
    for key in ("errors", "non2xx", "socket_errors", "responses", "requests", "invited", "seconds"):
        if any(key in r for r in runs):
            out[key] = sum(r.get(key, 0) for r in runs)
    out["rps_min"] = min(r["rps"] for r in runs)
    out["rps_max"] = max(r["rps"] for r in runs)
    out["p50_all"] = [r["p50"] for r in runs]
    return out


def parse_mem(path):
    mem = {}
    for line in open(path):
        key, value = line.split(":", 1)
        mem[key] = int(value.split()[0]) / 1024  # kB -> MiB
    return mem


def fmt_ms(v):
    if v != v:  # NaN
        return "n/a"
    return f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"


def verdict(ok):
    return "**PASS**" if ok else "**MISS**"


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model or platform.processor()}), {mem}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("results")
    ap.add_argument("--backends", default="sqlite postgres")
    ap.add_argument("--duration", default="10s")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--read-args", default="")
    ap.add_argument("--invite-args", default="")
    ap.add_argument("--conc-args", default="")
    a = ap.parse_args()
    backends = a.backends.split()

    runs, mem, ids = {}, {}, {}
    for b in backends:
        for name in ("a-roster", "a-raw", "a64-roster", "a64-raw", "b-roster", "b-raw", "c-first", "c-deep", "d-invite1", "d-invite100"):
            runs[(b, name)] = aggregate(glob.glob(os.path.join(a.out, f"{b}-{name}-r*.txt")))
        mem[b] = {
            "roster": parse_mem(os.path.join(a.out, f"{b}-roster-mem.txt")),
            "raw": parse_mem(os.path.join(a.out, f"{b}-raw-mem.txt")),
        }
        ids[b] = json.load(open(os.path.join(a.out, f"{b}-ids.json")))

    try:
        commit = open(os.path.join(a.out, "commit.txt")).read().strip() or "unknown"
    except OSError:
        commit = "unknown"
    pg = sh("psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "SHOW server_version")
    autovacuum = sh("psql", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "SHOW autovacuum")
    if pg and autovacuum:
        pg += f", autovacuum {autovacuum}"
    L = []
    w = L.append
    w("# Roster benchmark results")
    w("")
    w(f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    w(f"- Commit: `{commit}`")
    w(f"- Machine: {machine()}" + (f"; PostgreSQL {pg}" if pg else ""))
    w(f"- Command: `bash bench/run.sh` (BENCH_BACKENDS=\"{a.backends}\", BENCH_DURATION={a.duration}); "
      f"whole run {a.elapsed // 60} min {a.elapsed % 60} s including the build")
    w(f"- Reads: {a.rounds} measured runs of each, the two sides of a comparison alternating; the tables give "
      "medians (req/s: median and range). Invites: one run each.")
    w(f"- Load: `wrk {a.read_args}` for reads (`wrk {a.conc_args}` for the 64-client row), `wrk {a.invite_args}` for invites; wrk runs on the same 2 "
      "cores as the servers. Every ratio compares figures of this one run.")
    w("")
    w("## Targets")
    w("")
    w("| target | goal | " + " | ".join(NAMES[b] for b in backends) + " |")
    w("|---|---|" + "---|" * len(backends))

    def row(label, goal, cells):
        w(f"| {label} | {goal} | " + " | ".join(cells) + " |")

    cells = []
    for b in backends:
        r = runs[(b, "a-roster")]["rps"] / max(runs[(b, "a-raw")]["rps"], 1e-9)
        cells.append(f"{r:.2f} x {verdict(r >= TARGET_RATIO_THROUGHPUT)}")
    row("Roster / raw handler throughput, members page (a)", f">= {TARGET_RATIO_THROUGHPUT} x", cells)
    cells = []
    for b in backends:
        r = runs[(b, "c-deep")]["p50"] / runs[(b, "c-first")]["p50"]
        cells.append(f"{r:.2f} x {verdict(r <= TARGET_DEEP_OVER_FIRST)}")
    row("deep page p50 / first page p50, 100 000 members (c)", f"<= {TARGET_DEEP_OVER_FIRST} x", cells)
    cells = []
    for b in backends:
        r = runs[(b, "d-invite100")]["p50"] / runs[(b, "d-invite1")]["p50"]
        cells.append(f"{r:.1f} x {verdict(r <= TARGET_INVITE_100_OVER_1)}")
    row("inviteMembers p50, 100 emails / 1 email (d)", f"<= {TARGET_INVITE_100_OVER_1:.0f} x", cells)
    cells = []
    for b in backends:
        hwm = mem[b]["roster"]["VmHWM"]
        cells.append(f"{hwm:.1f} MiB {verdict(hwm <= TARGET_RSS_MIB)}")
    row("Roster peak RSS (VmHWM) under load (e)", f"<= {TARGET_RSS_MIB:.0f} MiB", cells)
    cells = []
    for b in backends:
        r = runs[(b, "b-roster")]["rps"] / max(runs[(b, "b-raw")]["rps"], 1e-9)
        cells.append(f"{r:.2f} x {verdict(r >= TARGET_RATIO_WORKSPACES)}")
    row("Roster / raw handler throughput, 20 workspaces x 10 members (b)", f">= {TARGET_RATIO_WORKSPACES} x", cells)
    cells = []
    for b in backends:
        r, raw = runs[(b, "a64-roster")], runs[(b, "a64-raw")]
        ratio = r["rps"] / max(raw["rps"], 1e-9)
        cells.append(f"{r['rps']:.0f} req/s, p99 {fmt_ms(r['p99'])} ({ratio:.2f} x raw: {raw['rps']:.0f} req/s, p99 {fmt_ms(raw['p99'])})")
    row("(new) 64 concurrent clients on (a): req/s and p99", "reported", cells)

    labels = [
        ("a-roster", "(a) small workspace, first 50 members + accounts", "Roster GraphQL"),
        ("a-raw", "", "raw axum + sqlx"),
        ("a64-roster", "(a) at 64 concurrent clients", "Roster GraphQL"),
        ("a64-raw", "", "raw axum + sqlx"),
        ("b-roster", "(b) 20 workspaces x first 10 members", "Roster GraphQL"),
        ("b-raw", "", "raw axum + sqlx"),
        ("c-first", "(c) 100 000 members: first page (50)", "Roster GraphQL"),
        ("c-deep", "(c) 100 000 members: page at 90 000", "Roster GraphQL"),
        ("d-invite1", "(d) inviteMembers, 1 new email", "Roster GraphQL"),
        ("d-invite100", "(d) inviteMembers, 100 new emails", "Roster GraphQL"),
    ]
    for b in backends:
        w("")
        w(f"## {NAMES[b]}")
        w("")
        d = ids[b]
        w(f"Seeded {d['accounts']:,} accounts and {d['members']:,} memberships in {d['seed_secs']} s.")
        w("")
        db_col = b == "postgres"
        w("| scenario | server | req/s | p50 | p99 | server CPU / req | server cores |"
          + (" PostgreSQL CPU / req |" if db_col else "") + " machine cores busy (other) | failed |")
        w("|---|---|---:|---:|---:|---:|---:|" + ("---:|" if db_col else "") + "---:|---:|")
        for key, label, server in labels:
            r = runs[(b, key)]
            failed = r["errors"] + r["non2xx"] + r["socket_errors"]
            extra = ""
            if "invited" in r:
                extra = f", {r['invited'] / r['seconds']:.0f} emails/s" if r["seconds"] else ""
            nan = float("nan")
            spread = f" ({r['rps_min']:.0f}-{r['rps_max']:.0f})" if r["n"] > 1 else ""
            w(f"| {label} | {server} | {r['rps']:.0f}{spread}{extra} | {fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | "
              f"{r.get('cpu_ms_per_req', nan):.2f} ms | {r.get('cores', nan):.2f} | "
              + (f"{r.get('db_ms_per_req', nan):.2f} ms | " if db_col else "")
              + f"{r.get('machine_cores', nan):.2f} ({r.get('other_cores', nan):.2f}) | "
              f"{failed} of {r.get('responses', r['requests'])} |")
        m = mem[b]
        pad = "| " * (8 if db_col else 7)
        w(f"| (e) memory after all runs | Roster {pad}VmHWM {m['roster']['VmHWM']:.1f} MiB, "
          f"VmRSS {m['roster']['VmRSS']:.1f} MiB |")
        w(f"| | raw axum + sqlx {pad}VmHWM {m['raw']['VmHWM']:.1f} MiB, "
          f"VmRSS {m['raw']['VmRSS']:.1f} MiB |")

    w("")
    w("## What is measured")
    w("")
    w("- Data (seeded by `examples/bench_raw.rs seed`, multi-row INSERTs after Roster's migrations): "
      "`viewer@bench.test` owns *small* (50 members) and *huge* (100 000 members: 1 owner, 100 admins, "
      "~5 000 editors, ~2 000 dataset operators, the rest normal, joined over a year); `lister@bench.test` "
      "belongs to exactly 20 workspaces of 10 members each, and to nothing else. 100 001 accounts. "
      "On PostgreSQL the database gets `VACUUM ANALYZE` after seeding (what autovacuum does after a bulk "
      "load); SQLite gets nothing (Roster runs no `ANALYZE`).")
    w("- (a) `query($w: ID!) { workspace(id: $w) { members(first: 50) { nodes { role status account "
      "{ email name } } } } }` vs `GET /members?workspace=..&first=50`.")
    w("- (b) `{ workspaces { members(first: 10) { nodes { role account { email } } } } }` (as the lister) vs "
      "`GET /workspaces?per=10`.")
    w("- (c) the query of (a) on *huge*, without and with `after:` the cursor of the member at position "
      "89 999 (so the page holds members 90 000-90 049 in the order role, join time, id).")
    w("- (d) `inviteMembers(input: {workspaceId, emails, role: NORMAL})` with 1 or 100 addresses never seen "
      "before (run prefix + thread + counter), each size into its own fresh workspace, one connection "
      "(latency is the time of one call, without queueing). Mail goes to files (`ROSTER_MAIL_DIR`); the "
      "outbox worker runs as in production. `ROSTER_INVITES_PER_HOUR=100000000`.")
    w("- PostgreSQL is reached at 127.0.0.1 with libpq's default `sslmode=prefer`, so over TLS (sqlx + rustls), "
      "by Roster and the baseline alike. Emails are written as files to a folder on tmpfs (`/dev/shm`).")
    w("- (e) `VmHWM` (peak resident set since start) and `VmRSS` of the Roster process, read from "
      "`/proc/<pid>/status` after all runs.")
    w("- The raw handler (`examples/bench_raw.rs serve`) is what a hand-written endpoint costs: axum + sqlx "
      "with Roster's own pool settings (`Db::connect`: PostgreSQL plans generically, `plan_cache_mode`), it verifies the same HS256 bearer token and checks "
      "membership inside its single SQL statement (PostgreSQL `/workspaces` uses a LATERAL join; SQLite, "
      "which has none, lists the workspaces then runs one UNION ALL of per-workspace LIMIT queries). "
      "It does not re-read the viewer's account (Roster does, to stop banned accounts at once).")
    w("- Before any timing, `bench/check.py` verifies that Roster and the baseline return the same members "
      "in the same order; every timed response is checked by the wrk script (HTTP 200, no GraphQL "
      "`errors`): see the *failed* column. CPU figures come from `/proc` around each run; *machine cores "
      "busy* is out of 2, and *(other)* is what neither the server, PostgreSQL nor wrk used (a build "
      "or test running beside the benchmark; the script waits for a quiet machine before each run). "
      "Raw wrk outputs are in `bench/out/`.")
    w("")
    open(a.results, "w").write("\n".join(L))


if __name__ == "__main__":
    main()
