// Starting and stopping a real `roster` server for the node tests (audit, GraphiQL): a fresh
// SQLite database and mail folder in a temporary directory, a free port, /healthz polled.
//
// Env: ROSTER_BIN (default ./target/debug/roster, from the repository root).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts roster with `extraEnv`; resolves once /healthz answers. */
export async function startRoster(extraEnv = {}) {
  const bin = process.env.ROSTER_BIN
    ? path.resolve(process.env.ROSTER_BIN)
    : path.join(repoRoot, 'target', 'debug', 'roster');
  if (!existsSync(bin)) throw new Error(`no roster binary at ${bin} (cargo build, or set ROSTER_BIN)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-node-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ROSTER_') && k !== 'DATABASE_URL' && k !== 'RUST_LOG') env[k] = v;
  }
  Object.assign(env, {
    ROSTER_LISTEN: `127.0.0.1:${port}`,
    DATABASE_URL: `sqlite://${path.join(tmp, 'roster.db')}`,
    ROSTER_MAIL_DIR: path.join(tmp, 'mail'),
    ROSTER_PUBLIC_URL: base,
    RUST_LOG: 'warn',
    ...extraEnv,
  });
  const output = [];
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const server = { base, child, output, exited, tmp, mailDir: env.ROSTER_MAIL_DIR };
  const deadline = Date.now() + 30_000;
  let gone = null;
  exited.then((r) => { gone = r; });
  for (;;) {
    if (gone) throw new Error(`roster exited early (${JSON.stringify(gone)}):\n${output.join('\n')}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return server;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`roster did not answer /healthz:\n${output.join('\n')}`);
    await sleep(150);
  }
}

/** SIGTERM (SIGKILL after 5 s), then removes the temporary directory. */
export async function stopRoster(server) {
  if (!server) return;
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    const r = await Promise.race([server.exited, sleep(5000).then(() => 'timeout')]);
    if (r === 'timeout') {
      server.child.kill('SIGKILL');
      await Promise.race([server.exited, sleep(2000)]);
    }
  }
  rmSync(server.tmp, { recursive: true, force: true });
}
