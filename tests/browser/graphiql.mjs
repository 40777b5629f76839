// GraphiQL served by Roster, offline, in Debian's Chromium (playwright-core): every request the
// page makes to anything but the server is aborted (and reported), as on a machine with no
// internet. The page must show GraphiQL, its docs explorer must list Query.workspaces, a query
// with an Authorization header typed into the Headers pane must run, and a subscription must
// deliver an event over /graphql/ws.
//
//   node tests/browser/graphiql.mjs            (from the repository root; after cargo build)
//
// Env: ROSTER_BIN, CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (default
// target/browser-test; the screenshot is graphiql.png there, and its path is printed).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { signUpVerified } from './harness.mjs';
import { repoRoot, sleep, startRoster, stopRoster } from './server.mjs';

const TIMEOUT = 20_000;
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    const value = await fn();
    passed++;
    console.log(`PASS ${name}`);
    return value;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
    throw e;
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function graphql(base, query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Replaces the text of the visible editor inside `selector` the way a person pastes (GraphiQL
 * reads its editors through their change events). */
async function setEditor(page, selector, text) {
  const editor = page.locator(`${selector} .CodeMirror:visible`).first();
  await editor.waitFor({ state: 'visible', timeout: TIMEOUT });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await sleep(500); // GraphiQL re-reads the operation after a short debounce
}

async function responseText(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.graphiql-response .CodeMirror');
    return el ? el.CodeMirror.getValue() : '';
  });
}

async function waitForResponse(page, predicate, what) {
  const deadline = Date.now() + TIMEOUT;
  let text = '';
  while (Date.now() < deadline) {
    text = await responseText(page);
    if (predicate(text)) return text;
    await sleep(100);
  }
  throw new Error(`no ${what} in the response pane; it shows: ${text.slice(0, 400)}`);
}

let server;
let browser;
try {
  server = await startRoster();
  const base = server.base;
  // A verified owner (an unverified account may not invite, and the subscription needs a change).
  const owner = await signUpVerified(
    server,
    { email: 'ada@example.com', name: 'Ada', password: 'correct horse battery' },
    new Set(),
  );
  const token = owner.accessToken;
  const workspace = owner.workspaces[0];

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // No internet: everything but the server is refused, and remembered.
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    blocked.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  await check('GET /graphql shows GraphiQL without the internet', async () => {
    const res = await page.goto(`${base}/graphql`);
    assert(res && res.status() === 200, `HTTP ${res && res.status()}`);
    await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: TIMEOUT });
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ state: 'visible', timeout: TIMEOUT });
    assert(blocked.length === 0, `the page asked for ${blocked.join(', ')}`);
  });

  await check('the docs explorer lists Query.workspaces', async () => {
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ state: 'visible', timeout: TIMEOUT });
    await docs.getByText('Query', { exact: true }).first().click({ timeout: TIMEOUT });
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^workspaces$/ }).first()
      .waitFor({ state: 'visible', timeout: TIMEOUT });
  });

  await check('a query with an Authorization header runs', async () => {
    await setEditor(page, '.graphiql-query-editor', 'query Mine {\n  me { email name }\n  workspaces { id name viewerRole }\n}\n');
    await page.getByRole('button', { name: /^headers$/i }).click();
    await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${token}` }));
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${base}/graphql`);
    await page.locator('.graphiql-execute-button').click();
    const request = await sent;
    const auth = (await request.allHeaders()).authorization;
    assert(auth === `Bearer ${token}`, `the request carried Authorization: ${auth}`);
    const text = await waitForResponse(page, (t) => t.includes('viewerRole'), 'query result');
    const result = JSON.parse(text);
    assert(!result.errors, `errors: ${JSON.stringify(result.errors)}`);
    assert(result.data.me.email === 'ada@example.com', `me is ${JSON.stringify(result.data.me)}`);
    assert(result.data.workspaces[0].viewerRole === 'OWNER', text);
  });

  const shot = path.join(
    path.resolve(process.env.SCREENSHOT_DIR || path.join(repoRoot, 'target', 'browser-test')),
    'graphiql.png',
  );
  mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  console.log(`     screenshot: ${shot}`);

  await check('a subscription delivers events over /graphql/ws', async () => {
    await setEditor(page, '.graphiql-query-editor',
      `subscription Live {\n  memberEvents(workspaceId: "${workspace.id}") { action targetEmail newRole }\n}\n`);
    await page.locator('.graphiql-execute-button').click();
    await sleep(500); // the subscription starts
    await graphql(
      base,
      'mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results { status } } }',
      { i: { workspaceId: workspace.id, emails: ['grace@example.com'], role: 'EDITOR' } },
      token,
    );
    const text = await waitForResponse(page, (t) => t.includes('grace@example.com'), 'memberEvents event');
    assert(text.includes('MEMBER_INVITED'), text);
  });

  await check('nothing left the machine and the page threw nothing', async () => {
    assert(blocked.length === 0, `blocked: ${blocked.join(', ')}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} catch (e) {
  if (!failed) {
    failed++;
    console.log(`FAIL graphiql test: ${e && e.stack ? e.stack : e}`);
  }
  if (server) console.log(`--- roster output ---\n${server.output.join('\n')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopRoster(server);
}
console.log(`graphiql: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
