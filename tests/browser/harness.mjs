// Shared by the browser tests (activate.mjs, links.mjs): a dependency-free MIME parser for the
// emails Roster writes to ROSTER_MAIL_DIR, a check harness, and the setup every test needs: the
// real roster binary on a free port with a fresh SQLite database, and Debian's Chromium driven
// by playwright-core, its pages allowed to reach nothing but that server.
//
// Env: ROSTER_BIN (default ./target/debug/roster), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT_DIR (default ./target/browser-test, ignored by git).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

const OVERALL_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 30_000;
const MAIL_TIMEOUT_MS = 20_000;
const UI_TIMEOUT_MS = 15_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------------------------
// MIME parsing (RFC 2045/2046/2047): just enough for the emails Roster sends, written without
// dependencies. Works on "binary strings" (one char per byte) so charsets are decoded last.

/** Splits an entity into its header block and body (the blank line may be CRLF or LF). */
function splitEntity(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { head: raw, body: '' };
  return { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

/** Header block -> Map(lower-case name -> [values]), with folded lines unfolded. */
export function parseHeaders(head) {
  const headers = new Map();
  const unfolded = head.replace(/\r?\n(?=[ \t])/g, '');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (!headers.has(name)) headers.set(name, []);
    headers.get(name).push(value);
  }
  return headers;
}

/** `type/subtype; a=b; c="d"` -> { type, params } (type and param names lower-cased). */
export function parseContentType(value) {
  const v = value || 'text/plain; charset=us-ascii';
  const semi = v.indexOf(';');
  const type = (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  const params = {};
  const re = /;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  let m;
  while ((m = re.exec(semi < 0 ? '' : v.slice(semi)))) {
    let val = m[2].trim();
    if (val.startsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    params[m[1].toLowerCase()] = val;
  }
  return { type, params };
}

/** Quoted-printable (binary string in, Buffer out); soft line breaks removed. */
export function decodeQuotedPrintable(s) {
  const text = s.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(buf, charset) {
  const label = (charset || 'utf-8').toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(buf);
  } catch {
    return new TextDecoder('utf-8').decode(buf);
  }
}

function decodeTransfer(body, encoding) {
  switch ((encoding || '7bit').toLowerCase()) {
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    default:
      return Buffer.from(body, 'latin1');
  }
}

/** RFC 2047 encoded words in a header value (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`). */
export function decodeHeaderWords(value) {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const buf = enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeCharset(buf, charset);
    });
}

/**
 * Parses one MIME entity (a whole message or a part). Returns
 * { headers, type, params, encoding, disposition, text (decoded, for text/*), parts }.
 * Throws when a multipart body has no closing delimiter: the file is incomplete.
 */
export function parseEntity(raw) {
  const { head, body } = splitEntity(raw);
  const headers = parseHeaders(head);
  const first = (name) => (headers.get(name) || [])[0];
  const { type, params } = parseContentType(first('content-type'));
  const encoding = (first('content-transfer-encoding') || '7bit').trim().toLowerCase();
  const disposition = (first('content-disposition') || '').split(';')[0].trim().toLowerCase();
  const entity = { headers, type, params, encoding, disposition, text: null, parts: [] };
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (!boundary) throw new Error(`${type} without a boundary`);
    const delimiter = `--${boundary}`;
    const lines = body.split('\n');
    let current = null;
    let closed = false;
    for (const rawLine of lines) {
      const line = rawLine.replace(/\r$/, '');
      const trimmed = line.replace(/[ \t]+$/, '');
      if (trimmed === `${delimiter}--`) {
        if (current) entity.parts.push(parseEntity(current.join('\n')));
        closed = true;
        break;
      }
      if (trimmed === delimiter) {
        if (current) entity.parts.push(parseEntity(current.join('\n')));
        current = [];
        continue;
      }
      if (current) current.push(line);
    }
    if (!closed) throw new Error(`${type} is not closed (incomplete message?)`);
  } else if (type.startsWith('text/')) {
    entity.text = decodeCharset(decodeTransfer(body, encoding), params.charset);
  }
  return entity;
}

/** The first non-attachment part of the given type, depth first. */
export function findPart(entity, type) {
  if (entity.type === type && entity.disposition !== 'attachment') return entity;
  for (const part of entity.parts) {
    const found = findPart(part, type);
    if (found) return found;
  }
  return null;
}

/** Lower-cased addresses in To/Cc/Bcc header values. */
export function headerRecipients(entity) {
  const values = ['to', 'cc', 'bcc'].flatMap((h) => entity.headers.get(h) || []);
  return values
    .map(decodeHeaderWords)
    .flatMap((v) => v.match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) || [])
    .map((a) => a.toLowerCase());
}

const HTML_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeHtmlEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(n) ? String.fromCodePoint(n) : whole;
    }
    return HTML_ENTITIES[e.toLowerCase()] ?? whole;
  });
}

/** Every href in an HTML document, entity-decoded. */
export function htmlHrefs(html) {
  const out = [];
  const re = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
  let m;
  while ((m = re.exec(html))) out.push(decodeHtmlEntities(m[1] ?? m[2] ?? m[3]));
  return out;
}

/** Links to `<page>` (`.../activate?...`, `.../verify?...`) in plain text, trailing punctuation trimmed. */
export function findPageLinks(text, page) {
  const re = new RegExp(`https?://[^\\s<>"'()[\\]]+/${page}\\?[^\\s<>"'()[\\]]+`, 'g');
  return (text.match(re) || []).map((u) => u.replace(/[.,;:!?]+$/, ''));
}

/** Activation links (`.../activate?...`) in plain text, trailing punctuation trimmed. */
export function findActivationLinks(text) {
  return findPageLinks(text, 'activate');
}

/** Parses an .eml file's bytes into { message, subject, recipients, plain, html }. */
export function parseEml(bytes) {
  const raw = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : String(bytes);
  const message = parseEntity(raw);
  const plain = findPart(message, 'text/plain');
  const html = findPart(message, 'text/html');
  return {
    message,
    subject: decodeHeaderWords((message.headers.get('subject') || [''])[0]),
    recipients: headerRecipients(message),
    plain: plain ? plain.text : null,
    html: html ? html.text : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Test harness

let passed = 0;
let failed = 0;

export class Abort extends Error {}

export function log(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs one check. Its return value is passed through. A failing check prints FAIL and, unless
 * `soft`, aborts the run (later checks depend on it).
 */
export async function check(name, fn, { soft = false } = {}) {
  try {
    const value = await fn();
    passed++;
    log(`PASS ${name}`);
    return value;
  } catch (e) {
    failed++;
    log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
    if (!soft) throw new Abort(name);
    return undefined;
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
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

/** Starts roster; keeps the last lines of its output for the failure report. */
export function startRoster(bin, env) {
  const output = [];
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line) output.push(line);
    }
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => {
      output.push(`spawn error: ${err.message}`);
      resolve({ code: null, signal: null, error: err });
    });
  });
  return { child, output, exited, done: false };
}

export async function stopRoster(roster) {
  if (!roster || roster.done) return;
  roster.done = true;
  const { child, exited } = roster;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const result = await Promise.race([exited, sleep(5000).then(() => 'timeout')]);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

export async function waitForHealth(base, roster) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  let gone = null;
  roster.exited.then((r) => { gone = r; });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`roster exited early (code ${gone.code}, signal ${gone.signal})`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await sleep(200);
  }
  throw new Error(`GET /healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last})`);
}

/** POSTs one operation; the whole body ({data, errors}). */
export async function graphqlBody(base, query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  return body;
}

/** POSTs one operation; its data, or throws with the errors. */
export async function graphql(base, query, variables, token) {
  const body = await graphqlBody(base, query, variables, token);
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}


/**
 * Polls mailDir for an email of `kind` (invitation, verify_email, password_reset, ...) to `to`,
 * skipping the files in `seen` (a Set the caller keeps, so a second email of the same kind is
 * told from the first). Files are written atomically as
 * `YYYYMMDD-HHMMSS-<recipient>-<kind>-<id8>.eml`: the kind is read from the name, the recipient
 * from the To header. Adds the file found to `seen`.
 */
export async function waitForEmail(mailDir, { to, kind, seen = new Set() }) {
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  let names = [];
  let lastProblem = '';
  while (Date.now() < deadline) {
    try {
      names = (await readdir(mailDir)).filter((n) => n.endsWith('.eml')).sort();
    } catch (e) {
      lastProblem = `cannot list ${mailDir}: ${e.code || e.message}`;
    }
    for (const name of names) {
      const file = path.join(mailDir, name);
      if (seen.has(file) || !name.includes(`-${kind}-`)) continue;
      let email;
      try {
        email = parseEml(await readFile(file));
      } catch (e) {
        lastProblem = `${name}: ${e.message}`;
        continue;
      }
      if (email.recipients.includes(to.toLowerCase())) {
        seen.add(file);
        return { file, ...email };
      }
    }
    await sleep(100);
  }
  throw new Error(
    `no ${kind} email to ${to} in ${mailDir} within ${MAIL_TIMEOUT_MS / 1000} s ` +
      `(files: ${names.length ? names.join(', ') : 'none'}${lastProblem ? `; last problem: ${lastProblem}` : ''})`,
  );
}

/** The first `<base>/<page>?...` link in an email's text part (8bit: links are unbroken). */
export function pageLink(email, base, page) {
  const links = findPageLinks(email.plain || '', page);
  if (!links.length) throw new Error(`no /${page} link in the text part:\n${email.plain}`);
  const link = links[0];
  if (!link.startsWith(`${base}/${page}?token=`)) throw new Error(`link ${link} is not under ${base}/${page}?token=`);
  return link;
}

// ---------------------------------------------------------------------------------------------
// Setup: the server, the browser, a context whose pages reach only the server.

/**
 * Starts roster and Chromium. Returns { base, mailDir, tmp, context, newPage, pageErrors,
 * cspViolations, blocked, screenshot }. `newPage()` opens a page that records uncaught errors
 * and Content-Security-Policy violations (a refused script or style); requests to any other
 * origin than the server are aborted and recorded in `blocked`.
 */
export async function setup(state, { viewport = { width: 390, height: 844 } } = {}) {
  const rosterBin = process.env.ROSTER_BIN
    ? path.resolve(process.env.ROSTER_BIN)
    : path.join(repoRoot, 'target', 'debug', 'roster');
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
  const shotDir = path.resolve(process.env.SCREENSHOT_DIR || path.join(repoRoot, 'target', 'browser-test'));
  mkdirSync(shotDir, { recursive: true });

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-browser-'));
  state.tmp = tmp;
  const mailDir = path.join(tmp, 'mail');
  mkdirSync(mailDir);
  log(`temp dir: ${tmp}`);

  await check('roster binary and chromium exist', () => {
    assert(existsSync(rosterBin), `no roster binary at ${rosterBin} (cargo build, or set ROSTER_BIN)`);
    assert(existsSync(chromiumPath), `no chromium at ${chromiumPath} (run scripts/browser-test.sh, or set CHROMIUM)`);
  });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ROSTER_') && k !== 'DATABASE_URL' && k !== 'RUST_LOG') env[k] = v;
  }
  Object.assign(env, {
    DATABASE_URL: `sqlite://${path.join(tmp, 'roster.db')}`,
    ROSTER_LISTEN: `127.0.0.1:${port}`,
    ROSTER_MAIL_DIR: mailDir,
    ROSTER_PUBLIC_URL: base,
    RUST_LOG: 'warn',
  });
  state.roster = startRoster(rosterBin, env);
  await check(`roster answers GET /healthz on ${base}`, () => waitForHealth(base, state.roster));

  const { chromium } = await import('playwright-core');
  state.browser = await check('chromium launches headless', () =>
    chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: 30_000 }));
  const context = await state.browser.newContext({ viewport });
  context.setDefaultTimeout(UI_TIMEOUT_MS);

  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === base) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });

  const pageErrors = [];
  const cspViolations = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      log(`     console error on ${page.url()}: ${msg.text()}`);
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  };

  const screenshot = async (page, name) => {
    const file = path.join(shotDir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log(`     screenshot: ${path.relative(repoRoot, file)}`);
    return file;
  };

  return { base, mailDir, tmp, context, newPage, pageErrors, cspViolations, blocked, screenshot };
}

/**
 * The checks every test ends with: no uncaught page errors, nothing refused by the pages'
 * Content-Security-Policy, nothing fetched off the server.
 */
export async function finalChecks(env) {
  await check('no uncaught errors in the pages', () => {
    assert(env.pageErrors.length === 0, env.pageErrors.join('; '));
  }, { soft: true });
  await check('no Content-Security-Policy violations in the pages', () => {
    assert(env.cspViolations.length === 0, env.cspViolations.join('; '));
  }, { soft: true });
  await check('pages requested nothing but the server', () => {
    assert(env.blocked.length === 0, `blocked: ${env.blocked.join(', ')}`);
  }, { soft: true });
}

/**
 * Signs an account up through the API and confirms its address the way its owner would, with
 * the link from the verify_email email (called through the API, not the page). Returns the
 * AuthPayload of the sign-up plus the account's workspaces.
 */
export async function signUpVerified(env, user, seen) {
  const data = await graphql(
    env.base,
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken account { email emailVerified } } }`,
    { i: user },
  );
  const mail = await waitForEmail(env.mailDir, { to: user.email, kind: 'verify_email', seen });
  const token = new URL(pageLink(mail, env.base, 'verify')).searchParams.get('token');
  const verified = await graphql(
    env.base,
    `mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }`,
    { t: token },
  );
  assert(verified.verifyEmail.emailVerified, 'verifyEmail did not verify');
  const me = await graphql(env.base, `{ workspaces { id name } }`, {}, data.signUp.accessToken);
  return { ...data.signUp, workspaces: me.workspaces };
}

/** Waits until one of the locators is visible; throws with the text of an unexpected one. */
export async function waitForState(page, wanted, unwanted = ['#error']) {
  const bad = unwanted.map((sel) => page.locator(sel).waitFor({ state: 'visible' }).then(async () => {
    throw new Error(`${sel} shows "${(await page.locator(sel).textContent()).replace(/\s+/g, ' ').trim()}"`);
  }));
  const good = page.locator(wanted).waitFor({ state: 'visible' });
  await Promise.race([good, ...bad]);
  bad.forEach((p) => p.catch(() => {}));
  return (await page.locator(wanted).textContent()).replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

async function cleanup(state) {
  if (state.browser) await Promise.race([state.browser.close().catch(() => {}), sleep(5000)]);
  await stopRoster(state.roster);
}

function printRosterLog(state) {
  if (state.roster && state.roster.output.length) {
    log('--- last roster output ---');
    for (const line of state.roster.output.slice(-40)) log(line);
    log('---');
  }
}

/** Runs `main(state)` with an overall timeout; prints the counts and exits. */
export async function run(main) {
  const state = { roster: null, browser: null, tmp: null };
  let finished = false;
  const timer = setTimeout(async () => {
    if (finished) return;
    finished = true;
    failed++;
    log(`FAIL overall timeout: the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
    printRosterLog(state);
    await cleanup(state);
    log(`${passed} passed, ${failed} failed`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);

  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      if (finished) return;
      finished = true;
      log(`interrupted by ${sig}`);
      await cleanup(state);
      log(`${passed} passed, ${failed + 1} failed`);
      process.exit(1);
    });
  }

  try {
    await main(state);
  } catch (e) {
    if (!(e instanceof Abort)) {
      failed++;
      log(`FAIL unexpected error: ${e && e.stack ? e.stack : e}`);
    }
  } finally {
    if (!finished) {
      if (failed) printRosterLog(state);
      await cleanup(state);
    }
  }
  if (finished) return; // the timeout or a signal already reported
  finished = true;
  clearTimeout(timer);
  // The database and the emails stay for a look when something failed.
  if (!failed && state.tmp) rmSync(state.tmp, { recursive: true, force: true });
  log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
