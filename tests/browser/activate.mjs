// End-to-end test of the invitation flow, as an invitee lives it, in Debian's Chromium:
// an owner signs up and invites someone; the invitation email (written to ROSTER_MAIL_DIR by the
// mail worker) is parsed and its link opened; the activation page is filled in; the new account
// logs in; the used link (and a made-up one) show the "invalid" state.
//
//   node tests/browser/activate.mjs            (from the repository root)
//
// Env: ROSTER_BIN (default ./target/debug/roster), CHROMIUM (default /usr/bin/chromium).
// scripts/browser-test.sh installs Chromium and playwright-core first.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

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

/** Activation links (`.../activate?...`) in plain text, trailing punctuation trimmed. */
export function findActivationLinks(text) {
  const found = text.match(/https?:\/\/[^\s<>"'()[\]]+\/activate\?[^\s<>"'()[\]]+/g) || [];
  return found.map((u) => u.replace(/[.,;:!?]+$/, ''));
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

class Abort extends Error {}

function log(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs one check. Its return value is passed through. A failing check prints FAIL and, unless
 * `soft`, aborts the run (later checks depend on it).
 */
async function check(name, fn, { soft = false } = {}) {
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

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

/** Starts roster; keeps the last lines of its output for the failure report. */
function startRoster(bin, env) {
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

async function stopRoster(roster) {
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

async function waitForHealth(base, roster) {
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

async function graphql(base, query, variables, token) {
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
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/**
 * Polls mailDir for a complete .eml addressed to `recipient`. A file counts as complete when its
 * .json envelope (written after the .eml) exists, or when it parses and its size held still
 * between two polls.
 */
async function waitForEmail(mailDir, recipient) {
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  const sizes = new Map();
  let seen = [];
  let lastProblem = '';
  while (Date.now() < deadline) {
    let names = [];
    try {
      names = await readdir(mailDir);
    } catch (e) {
      lastProblem = `cannot list ${mailDir}: ${e.code || e.message}`;
    }
    seen = names;
    for (const name of names.filter((n) => n.endsWith('.eml')).sort()) {
      const file = path.join(mailDir, name);
      const envelopeFile = file.replace(/\.eml$/, '.json');
      let envelope = null;
      if (existsSync(envelopeFile)) {
        try {
          envelope = JSON.parse(await readFile(envelopeFile, 'utf8'));
        } catch {
          envelope = null; // still being written
        }
      }
      const size = (await stat(file)).size;
      const stable = sizes.get(file) === size;
      sizes.set(file, size);
      if (!envelope && !stable) continue;
      let email;
      try {
        email = parseEml(await readFile(file));
      } catch (e) {
        lastProblem = `${name}: ${e.message}`;
        continue;
      }
      const envelopeTo = Array.isArray(envelope?.forward_path)
        ? envelope.forward_path.map((a) => String(a).toLowerCase())
        : [];
      const recipients = new Set([...email.recipients, ...envelopeTo]);
      if (recipients.has(recipient.toLowerCase())) return { file, ...email };
    }
    await sleep(250);
  }
  throw new Error(
    `no email to ${recipient} in ${mailDir} within ${MAIL_TIMEOUT_MS / 1000} s ` +
      `(files: ${seen.length ? seen.join(', ') : 'none'}${lastProblem ? `; last problem: ${lastProblem}` : ''})`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main(state) {
  const rosterBin = process.env.ROSTER_BIN
    ? path.resolve(process.env.ROSTER_BIN)
    : path.join(repoRoot, 'target', 'debug', 'roster');
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-browser-'));
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

  // --- the owner signs up and invites ---------------------------------------------------------
  const owner = { email: 'owner@example.com', name: 'Olivia Owner', password: 'owner-password-1' };
  const invitee = { email: 'invitee@example.com', name: 'Ivy Invitee', password: 'invitee-password-1' };

  const signUp = await check('owner signs up', async () => {
    const data = await graphql(
      base,
      `mutation($i: SignUpInput!) {
         signUp(input: $i) { accessToken account { name workspaces { id name } } }
       }`,
      { i: owner },
    );
    const p = data.signUp;
    assert(p.accessToken, 'no accessToken');
    assert(p.account.workspaces.length === 1, `expected 1 workspace, got ${p.account.workspaces.length}`);
    return p;
  });
  const workspace = signUp.account.workspaces[0];

  const invited = await check(`owner invites ${invitee.email} to "${workspace.name}"`, async () => {
    const data = await graphql(
      base,
      `mutation($i: InviteMembersInput!) {
         inviteMembers(input: $i) { results { email status activationUrl message } }
       }`,
      { i: { workspaceId: workspace.id, emails: [invitee.email], role: 'NORMAL' } },
      signUp.accessToken,
    );
    const r = data.inviteMembers.results;
    assert(r.length === 1 && r[0].status === 'INVITED', `unexpected results ${JSON.stringify(r)}`);
    return r[0];
  });

  // --- the invitation email ----------------------------------------------------------------
  const email = await check(`invitation email for ${invitee.email} is written to the mail dir`, async () => {
    const e = await waitForEmail(mailDir, invitee.email);
    log(`     ${path.basename(e.file)}: "${e.subject}"`);
    assert(e.plain !== null, 'the email has no text/plain part');
    assert(e.html !== null, 'the email has no text/html part');
    return e;
  });

  const link = await check('text/plain part holds the activation link', () => {
    const links = findActivationLinks(email.plain);
    assert(links.length > 0, `no /activate link in the text part:\n${email.plain}`);
    const l = links[0];
    assert(
      l.startsWith(`${base}/activate?token=`) && l.length > `${base}/activate?token=`.length,
      `link ${l} does not start with ${base}/activate?token=`,
    );
    log(`     link: ${l}`);
    return l;
  });

  await check('text/html part links to the same URL', () => {
    const hrefs = htmlHrefs(email.html);
    if (!hrefs.includes(link)) {
      const inText = decodeHtmlEntities(email.html).includes(link);
      throw new Error(
        inText
          ? 'the link appears in the HTML part as text but in no href'
          : `no href equal to the link (hrefs: ${JSON.stringify(hrefs)})`,
      );
    }
  }, { soft: true });

  await check('emailed link equals inviteMembers activationUrl', () => {
    assert(invited.activationUrl === link, `activationUrl ${invited.activationUrl} != ${link}`);
  }, { soft: true });

  // --- the browser ---------------------------------------------------------------------------
  const { chromium } = await import('playwright-core');
  state.browser = await check('chromium launches headless', () =>
    chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, timeout: 30_000 }));
  const context = await state.browser.newContext({ viewport: { width: 390, height: 844 } });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const pageErrors = [];
  const watch = (page) => {
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') log(`     console error on ${page.url()}: ${msg.text()}`);
    });
    return page;
  };

  const page = watch(await context.newPage());
  let activateRequests = 0;
  page.on('request', (req) => {
    if (req.method() === 'POST' && (req.postData() || '').includes('activateAccount')) activateRequests++;
  });

  await check('activation page greets the invitee', async () => {
    const res = await page.goto(link);
    assert(res && res.status() === 200, `GET /activate answered HTTP ${res && res.status()}`);
    const type = res.headers()['content-type'] || '';
    assert(type.startsWith('text/html'), `content-type is ${type}`);
    const greeting = page.locator('#greeting');
    await greeting.waitFor({ state: 'visible' });
    const text = await greeting.textContent();
    assert(text.includes(owner.name), `greeting "${text}" lacks the inviter name "${owner.name}"`);
    assert(text.includes(workspace.name), `greeting "${text}" lacks the workspace name "${workspace.name}"`);
    log(`     greeting: ${text}`);
  });

  await check('email shown read-only, name prefilled from it', async () => {
    const shown = await page.locator('#email').inputValue();
    assert(shown === invitee.email, `#email shows "${shown}"`);
    assert(!(await page.locator('#email').isEditable()), '#email is editable');
    const name = await page.locator('#name').inputValue();
    assert(name === 'invitee', `#name prefilled with "${name}"`);
  }, { soft: true });

  await check('client-side validation blocks a short, mismatched password', async () => {
    await page.fill('#password', 'short');
    await page.fill('#confirm', 'different');
    await page.click('#submit');
    await page.locator('#password[aria-invalid="true"]').waitFor();
    const pwError = (await page.locator('#password-error').textContent()).trim();
    const confirmError = (await page.locator('#confirm-error').textContent()).trim();
    assert(pwError, 'no message for the short password');
    assert(confirmError, 'no message for the mismatched confirmation');
    await sleep(300);
    assert(activateRequests === 0, 'activateAccount was sent despite invalid input');
    assert(!(await page.locator('#success').isVisible()), '#success is visible');
  }, { soft: true });

  // A second tab on the same link, opened before activation: submitting it afterwards must show
  // the server's error and keep the form.
  const staleTab = watch(await context.newPage());
  await staleTab.goto(link);
  await staleTab.locator('#greeting').waitFor({ state: 'visible' });

  await check('invitee activates the account', async () => {
    await page.fill('#name', invitee.name);
    await page.fill('#password', invitee.password);
    await page.fill('#confirm', invitee.password);
    await page.click('#submit');
    const success = page.locator('#success');
    const error = page.locator('#error');
    await Promise.race([
      success.waitFor({ state: 'visible' }),
      error.waitFor({ state: 'visible' }).then(async () => {
        throw new Error(`#error shows "${(await error.textContent()).trim()}"`);
      }),
    ]);
    const text = await success.textContent();
    assert(text.includes('Your account is active'), `#success says "${text.trim()}"`);
    assert(text.includes(invitee.email), `#success lacks ${invitee.email}`);
    assert(!(await page.locator('#form').isVisible()), 'the form is still visible');
  });

  await check('tokens stored in sessionStorage', async () => {
    const stored = await page.evaluate(() => [
      sessionStorage.getItem('roster.accessToken'),
      sessionStorage.getItem('roster.refreshToken'),
    ]);
    assert(stored[0] && stored[1], `sessionStorage holds ${JSON.stringify(stored)}`);
  }, { soft: true });

  await check('a stale tab shows the server error in #error and keeps the form', async () => {
    await staleTab.fill('#password', invitee.password);
    await staleTab.fill('#confirm', invitee.password);
    await staleTab.click('#submit');
    const error = staleTab.locator('#error');
    await error.waitFor({ state: 'visible' });
    const text = (await error.textContent()).trim();
    assert(text.length > 0, '#error is empty');
    log(`     #error: ${text}`);
    assert(await staleTab.locator('#form').isVisible(), 'the form was hidden');
    assert(!(await staleTab.locator('#success').isVisible()), '#success is visible');
    await staleTab.close();
  }, { soft: true });

  const shot = path.join(tmp, 'activated.png');
  await page.screenshot({ path: shot, fullPage: true });
  log(`     screenshot: ${shot}`);

  await check('invitee logs in with the new password', async () => {
    const data = await graphql(
      base,
      `mutation($i: LoginInput!) { login(input: $i) { accessToken account { email name status } } }`,
      { i: { email: invitee.email, password: invitee.password } },
    );
    assert(data.login.accessToken, 'no accessToken');
    const a = data.login.account;
    assert(a.status === 'ACTIVE' && a.name === invitee.name, `account is ${JSON.stringify(a)}`);
  });

  const expectInvalid = async (url) => {
    const p = watch(await context.newPage());
    try {
      await p.goto(url);
      await p.locator('#invalid').waitFor({ state: 'visible' });
      assert(!(await p.locator('#form').isVisible()), 'the form is visible');
      return (await p.locator('#invalid').textContent()).replace(/\s+/g, ' ').trim();
    } finally {
      await p.close().catch(() => {});
    }
  };

  await check('the used link shows #invalid', () => expectInvalid(link), { soft: true });
  await check('a made-up token shows #invalid', () => expectInvalid(`${base}/activate?token=garbage`), { soft: true });
  await check('a link without token says it is incomplete', async () => {
    const text = await expectInvalid(`${base}/activate`);
    assert(/incomplete/i.test(text), `#invalid says "${text}"`);
  }, { soft: true });

  await check('no uncaught errors in the page', () => {
    assert(pageErrors.length === 0, pageErrors.join('; '));
  }, { soft: true });
}

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

async function run() {
  const state = { roster: null, browser: null };
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
  log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run();
}
