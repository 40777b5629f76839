// End-to-end test of the members console (GET /), in Debian's Chromium, with two browser
// contexts: the owner at desktop width, the invitee at phone width. Every page may reach only
// the server (other requests are aborted), and every email is read from ROSTER_MAIL_DIR:
//
//   the owner signs up in the console and verifies the address from the emailed link; invites
//   a pasted list (results per address); the invitee activates from the emailed link and lands
//   in the console; the owner changes the invitee's role and the invitee's page follows live;
//   an editor sees no management controls; forbidden actions (a deep link to the audit log, a
//   removal from a dialog opened before a demotion) are refused by the server and shown as
//   sentences; the owner removes the invitee, whose page follows live; the audit log, the
//   language switch, reload and sign-out work. Then a second workspace: create, rename, 25
//   invitations (paging, filters, search), audit paging, switching, ownership transfer with the
//   emailed code, leaving; expired and rejected access tokens refreshed; change password,
//   "forgot password", sign in with the new password.
//
//   node tests/browser/console.mjs            (from the repository root)
//
// Uses the shared harness (harness.mjs). Env: ROSTER_BIN (default ./target/debug/roster),
// CHROMIUM (default /usr/bin/chromium), SCREENSHOT_DIR (default ./target/browser-test, ignored
// by git; the files are named console-*.png).

import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  assert, check, freePort, graphql, log, pageLink, repoRoot, run, startRoster, waitForEmail, waitForHealth,
} from './harness.mjs';

const shotsDir = path.resolve(process.env.SCREENSHOT_DIR || path.join(repoRoot, 'target', 'browser-test'));

const UI_TIMEOUT_MS = 10_000;
const PASSWORD = 'correct horse battery';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const owner = { name: 'Ada Owner', email: 'ada@example.com' };
const invitee = { name: 'Ina Invitee', email: 'ina@example.com' };
const second = { email: 'sam@example.com' };

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const audited = [];

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on what the page shows; fails on serious or critical
 * violations. The toasts are left out (they fade in, so their contrast is measured mid-way).
 */
async function accessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run({ exclude: [['#toasts']] }, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert(found.length === 0, `accessibility of ${what}: ${found.join('; ')}`);
  audited.push(what);
}

/** Emails already read (each email is used once). */
const seen = new Set();

/** The `<base>/<page>?token=...` link of the next unread email of `kind` to `to`. */
async function nextLink(env, to, kind, page) {
  return pageLink(await waitForEmail(env.mailDir, { to, kind, seen }), env.base, page);
}

/** The 6-digit code of the next unread ownership-transfer email to `to`. */
async function nextTransferCode(env, to) {
  const email = await waitForEmail(env.mailDir, { to, kind: 'transfer_code', seen });
  const m = /^\s*(\d{6})\s*$/m.exec(email.plain || '');
  assert(m, `no 6-digit code in the transfer-code email:\n${email.plain}`);
  return m[1];
}

// ---------------------------------------------------------------------------------------------

/** SPEC section 2, as the console reads it (assets/console/permissions.js is plain JS). */
async function checkRankRule() {
  // Loaded as a module whatever Node makes of a .js file outside a "type": "module" package.
  const source = readFileSync(path.join(repoRoot, 'assets', 'console', 'permissions.js'), 'utf8');
  const p = await import(`data:text/javascript,${encodeURIComponent(source)}`);
  const member = (id, role, status = 'ACTIVE') => ({ account: { id }, role, status });
  const acts = (viewer, target) => p.memberActions(viewer, 'me', target);
  assert(p.grantableRoles('OWNER').join() === 'ADMIN,EDITOR,NORMAL,DATASET_OPERATOR', 'owner grants');
  assert(p.grantableRoles('ADMIN').join() === 'EDITOR,NORMAL,DATASET_OPERATOR', 'admin grants');
  for (const r of ['EDITOR', 'NORMAL', 'DATASET_OPERATOR']) {
    assert(p.grantableRoles(r).length === 0 && !p.canInvite(r) && !p.canSeeAudit(r) && !p.canRename(r), `${r} manages`);
    assert(!acts(r, member('x', 'NORMAL', 'PENDING')).any, `${r} acts on a member`);
    assert(p.canLeave(r) && !p.canTransfer(r), `${r} leave/transfer`);
  }
  assert(acts('OWNER', member('x', 'ADMIN')).remove && acts('OWNER', member('x', 'ADMIN')).changeRole, 'owner on admin');
  assert(!acts('ADMIN', member('x', 'ADMIN')).any, 'admin on admin');
  assert(!acts('ADMIN', member('x', 'ADMIN', 'PENDING')).resend, 'admin resends to a pending admin');
  assert(acts('ADMIN', member('x', 'EDITOR', 'PENDING')).resend, 'admin resends to a pending editor');
  assert(!acts('ADMIN', member('x', 'EDITOR')).resend, 'resend to an active member');
  assert(!acts('OWNER', member('me', 'OWNER')).any, 'owner on self');
  assert(!acts('ADMIN', member('x', 'OWNER')).any, 'admin on owner');
  assert(!p.canLeave('OWNER') && p.canTransfer('OWNER') && p.canLeave('ADMIN') && !p.canTransfer('ADMIN'), 'leave/transfer');
}

async function main(state) {
  const started = Date.now();
  await check('the console’s rank rule (permissions.js) is SPEC section 2', checkRankRule);
  const rosterBin = process.env.ROSTER_BIN ? path.resolve(process.env.ROSTER_BIN) : path.join(repoRoot, 'target', 'debug', 'roster');
  const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
  await check('roster binary and chromium exist', () => {
    assert(existsSync(rosterBin), `no roster binary at ${rosterBin} (cargo build, or set ROSTER_BIN)`);
    assert(existsSync(chromiumPath), `no chromium at ${chromiumPath} (run scripts/browser-test.sh, or set CHROMIUM)`);
  });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'roster-console-'));
  state.tmp = tmp; // removed when every check passed
  const mailDir = path.join(tmp, 'mail');
  mkdirSync(mailDir);
  mkdirSync(shotsDir, { recursive: true });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { base, mailDir };
  state.roster = startRoster(rosterBin, {
    PATH: process.env.PATH,
    HOME: process.env.HOME || tmp,
    RUST_LOG: 'warn',
    ROSTER_LISTEN: `127.0.0.1:${port}`,
    ROSTER_PUBLIC_URL: base,
    DATABASE_URL: `sqlite://${path.join(tmp, 'roster.db')}`,
    ROSTER_MAIL_DIR: mailDir,
    ROSTER_MAIL_POLL_MS: '100',
    ROSTER_JWT_SECRET: 'console-test-secret-console-test-secret',
  });
  await check(`roster answers GET /healthz on ${base}`, () => waitForHealth(base, state.roster));

  const { chromium } = await import('playwright-core');
  state.browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    timeout: 30_000,
  });

  const pageErrors = [];
  const blocked = [];
  let refreshes = 0;
  async function newContext(viewport) {
    const context = await state.browser.newContext({ viewport, locale: 'en-US' });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    // The console must work offline: only the server may be reached.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`) || url === base) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (req) => { if ((req.postData() || '').includes('mutation Refresh')) refreshes++; });
    page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`); });
    return { context, page };
  }
  // Full-page shots, except with a dialog open (its backdrop covers the viewport only).
  const shot = async (page, name) => {
    const file = path.join(shotsDir, `console-${name}.png`);
    const dialogOpen = await page.locator('dialog[open]').count() > 0;
    await page.screenshot({ path: file, fullPage: !dialogOpen });
    log(`     screenshot: ${path.relative(repoRoot, file)}`);
  };
  const row = (page, email) => page.locator(`tr[data-email="${email}"]`);
  // At phone width nothing may stick out sideways.
  const noSideScroll = async (page) => {
    const [content, viewport] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert(content <= viewport, `the page is ${content} px wide in a ${viewport} px viewport`);
  };

  const A = await newContext(DESKTOP); // the owner
  const B = await newContext(PHONE); // the invitee

  // The invitee's live connection passes through the test, which can drop it and hold it down.
  const live = { sockets: [], held: false };
  await B.context.routeWebSocket(/\/graphql\/ws$/, (ws) => {
    if (live.held) {
      ws.close({ code: 4000, reason: 'held down by the test' });
      return;
    }
    live.sockets.push({ page: ws, server: ws.connectToServer() });
  });
  const ownerPage = A.page;
  const inviteePage = B.page;

  // --- the owner signs up -------------------------------------------------------------------
  const workspaceId = await check('owner signs up in the console and lands on the members page', async () => {
    const res = await ownerPage.goto(`${base}/`);
    assert(res.status() === 200, `GET / answered ${res.status()}`);
    await ownerPage.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await accessible(ownerPage, 'the sign-in page');
    await ownerPage.getByRole('link', { name: 'Create account' }).click();
    await accessible(ownerPage, 'the sign-up page');
    await ownerPage.getByLabel('Your name').fill(owner.name);
    await ownerPage.getByLabel('Email').fill(owner.email);
    await ownerPage.getByLabel('Password').fill(PASSWORD);
    await ownerPage.getByRole('button', { name: 'Create account' }).click();
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await row(ownerPage, owner.email).getByText('Owner', { exact: true }).waitFor();
    await ownerPage.locator('#verify-banner').waitFor();
    await shot(ownerPage, 'desktop-new-owner');
    await accessible(ownerPage, 'the members page with the verification banner');
    const m = /\/workspaces\/([^/]+)\/members$/.exec(new URL(ownerPage.url()).pathname);
    assert(m, `landed on ${ownerPage.url()}`);
    return m[1];
  });

  await check('before verifying, inviting is refused with a sentence saying what to do', async () => {
    await ownerPage.getByRole('button', { name: 'Invite members' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Invite members' });
    await dialog.getByLabel('Email addresses').fill(invitee.email);
    await dialog.getByRole('button', { name: 'Send invitations' }).click();
    await dialog.getByRole('alert').getByText(`Verify your email address before inviting anyone: open the link we sent to ${owner.email}`).waitFor();
    await ownerPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  await check('owner verifies the email address from the emailed link', () => verifyOwnerEmail(ownerPage, env));

  // --- invite a pasted list -----------------------------------------------------------------
  await check('owner invites a pasted list and sees each address’s result', async () => {
    await ownerPage.getByRole('button', { name: 'Invite members' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Invite members' });
    await dialog.getByLabel('Email addresses').fill(`${invitee.email}\nnot-an-email, ${owner.email}; Sam <${second.email}>`);
    await dialog.getByText('4 addresses').waitFor();
    await dialog.getByLabel('Role').selectOption('NORMAL');
    await dialog.getByRole('button', { name: 'Send invitations' }).click();
    await dialog.getByRole('heading', { name: 'Results' }).waitFor();
    const results = await dialog.locator('.invite-result').evaluateAll((els) => els.map((e) => [e.dataset.email, e.dataset.status, e.textContent]));
    const statuses = results.map(([email, status]) => `${email}=${status}`).join(' ');
    assert(statuses === `${invitee.email}=INVITED not-an-email=INVALID_EMAIL ${owner.email}=ALREADY_MEMBER ${second.email}=INVITED`, statuses);
    assert(results[0][2].includes('Invited'), `no sentence for INVITED: ${results[0][2]}`);
    assert(results[1][2].includes('Not a valid email address'), `no sentence for INVALID_EMAIL: ${results[1][2]}`);
    await shot(ownerPage, 'desktop-invite-results');
    await accessible(ownerPage, 'the invite results');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(ownerPage, invitee.email).getByText('Pending').waitFor();
  });

  await check('keyboard: Enter opens the invite dialog on its first field; Escape closes it and focus returns', async () => {
    const invite = ownerPage.getByRole('button', { name: 'Invite members' });
    await invite.focus();
    await ownerPage.keyboard.press('Enter');
    const dialog = ownerPage.getByRole('dialog', { name: 'Invite members' });
    await dialog.waitFor();
    const focused = await ownerPage.evaluate(() => document.activeElement && document.activeElement.name);
    assert(focused === 'emails', `focus is on "${focused}"`);
    await ownerPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const back = await ownerPage.evaluate(() => document.activeElement && document.activeElement.id);
    assert(back === 'invite-button', `focus went to "${back}"`);
  });

  // --- the invitee activates from the emailed link ---------------------------------------------
  await check('invitee activates from the emailed link and lands in the console', async () => {
    const link = await nextLink(env, invitee.email, 'invitation', 'activate');
    await inviteePage.goto(link);
    await inviteePage.locator('#name').fill(invitee.name);
    await inviteePage.locator('#password').fill(PASSWORD);
    await inviteePage.locator('#confirm').fill(PASSWORD);
    await inviteePage.locator('#submit').click();
    await inviteePage.locator('#success').waitFor();
    await inviteePage.getByRole('link', { name: 'Continue to Roster' }).click(); // hands the session over
    await inviteePage.getByRole('heading', { name: 'Members' }).waitFor();
    await row(inviteePage, invitee.email).getByText('you', { exact: true }).waitFor();
    await row(inviteePage, invitee.email).getByText('Member', { exact: true }).waitFor();
    await inviteePage.locator('#live-state.live-live').waitFor();
  });

  await check('the owner’s page tells, live, who accepted (by their new name), and lists them active', async () => {
    await ownerPage.locator('#toasts').getByText(`${invitee.name} accepted the invitation.`).waitFor();
    await row(ownerPage, invitee.email).getByText('Active').waitFor();
  });

  // --- role changes, live ------------------------------------------------------------------------
  async function ownerSetsRole(role) {
    await row(ownerPage, invitee.email).getByRole('button', { name: `Manage ${invitee.name}` }).click();
    const dialog = ownerPage.getByRole('dialog', { name: `Manage ${invitee.name}` });
    await dialog.getByRole('radio', { name: new RegExp(`^${role}`) }).check();
    await dialog.getByRole('button', { name: 'Save role' }).click();
    await dialog.getByText(`${invitee.name} is now ${role}.`).waitFor();
    await ownerPage.keyboard.press('Escape'); // Escape closes the dialog
    await dialog.waitFor({ state: 'detached' });
  }

  await check('owner changes the invitee to Editor; the invitee’s page updates live', async () => {
    await ownerSetsRole('Editor');
    await row(inviteePage, invitee.email).getByText('Editor', { exact: true }).waitFor();
    await row(ownerPage, invitee.email).getByText('Editor', { exact: true }).waitFor();
  });

  await check('an editor sees no management controls', async () => {
    await inviteePage.getByRole('heading', { name: 'Members' }).waitFor();
    await row(inviteePage, second.email).waitFor();
    const manage = await inviteePage.getByRole('button', { name: /^Manage/ }).count();
    const invite = await inviteePage.getByRole('button', { name: 'Invite members' }).count();
    const audit = await inviteePage.getByRole('link', { name: 'Audit log' }).count();
    assert(manage === 0 && invite === 0 && audit === 0, `manage ${manage}, invite ${invite}, audit tab ${audit}`);
    await noSideScroll(inviteePage);
    await shot(inviteePage, 'phone-editor-members');
    await accessible(inviteePage, 'the members page at phone width');
  });

  await check('a dropped live connection comes back and catches up with what it missed', async () => {
    live.held = true;
    for (const { page, server } of live.sockets.splice(0)) {
      await server.close();
      await page.close({ code: 4000, reason: 'dropped by the test' });
    }
    await inviteePage.locator('#live-state.live-offline').waitFor();
    const token = await ownerPage.evaluate(() => JSON.parse(window.localStorage.getItem('roster.session')).accessToken);
    await graphql(base, `mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results { status } } }`,
      { i: { workspaceId, emails: ['late@example.com'], role: 'NORMAL' } }, token);
    live.held = false; // while offline, nothing told the invitee's page about late@
    await inviteePage.locator('#live-state.live-live').waitFor();
    await row(inviteePage, 'late@example.com').waitFor();
  });

  await check('a deep link to the audit log is refused by the server and shown as a sentence', async () => {
    await inviteePage.goto(`${base}/workspaces/${workspaceId}/audit`);
    const alert = inviteePage.getByRole('alert').filter({ hasText: 'not allowed' });
    await alert.waitFor();
    const text = (await alert.locator('p').textContent()).trim();
    assert(/^You are not allowed to do this\./.test(text) && !/[{}"]/.test(text), `alert says "${text}"`);
    log(`     alert: ${text}`);
    await inviteePage.getByRole('link', { name: 'Members' }).click();
    await inviteePage.getByRole('heading', { name: 'Members' }).waitFor();
  });

  await check('owner makes the invitee Admin; management controls appear live', async () => {
    await ownerSetsRole('Admin');
    await inviteePage.getByRole('button', { name: 'Invite members' }).waitFor();
    await row(inviteePage, second.email).getByRole('button', { name: /^Manage/ }).waitFor();
  });

  await check('a removal from a dialog opened before a demotion is refused and shown as a sentence', async () => {
    await row(inviteePage, second.email).getByRole('button', { name: /^Manage/ }).click();
    const dialog = inviteePage.getByRole('dialog', { name: /^Manage/ });
    await dialog.getByRole('button', { name: 'Resend invitation' }).waitFor();
    await noSideScroll(inviteePage);
    await shot(inviteePage, 'phone-manage-dialog');
    await accessible(inviteePage, 'the member dialog');
    await ownerSetsRole('Editor'); // meanwhile, in the owner's browser
    await dialog.getByRole('button', { name: 'Remove from workspace' }).click();
    const confirm = inviteePage.getByRole('dialog', { name: /^Remove/ });
    await confirm.getByRole('button', { name: 'Remove member' }).click();
    const alert = confirm.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()).trim();
    assert(/^You are not allowed to do this\. .+\.$/.test(text) && !/[{}"]/.test(text), `alert says "${text}"`);
    log(`     alert: ${text}`);
    await inviteePage.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await inviteePage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await row(inviteePage, invitee.email).getByText('Editor', { exact: true }).waitFor();
    assert(await inviteePage.getByRole('button', { name: 'Invite members' }).count() === 0, 'the Invite button is still offered');
  });

  // --- removal, live -----------------------------------------------------------------------------
  await check('owner removes the invitee (with confirmation); the invitee’s page updates live', async () => {
    await row(ownerPage, invitee.email).getByRole('button', { name: `Manage ${invitee.name}` }).click();
    const dialog = ownerPage.getByRole('dialog', { name: `Manage ${invitee.name}` });
    await dialog.getByRole('button', { name: 'Remove from workspace' }).click();
    const confirm = ownerPage.getByRole('dialog', { name: `Remove ${invitee.name}?` });
    await confirm.getByRole('button', { name: 'Remove member' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row(ownerPage, invitee.email).waitFor({ state: 'detached' });
    await inviteePage.getByRole('heading', { name: 'You are not in any workspace' }).waitFor();
    await shot(inviteePage, 'phone-removed');
  });

  await check('owner re-sends, then revokes, the pending invitation of another address', async () => {
    await row(ownerPage, second.email).getByRole('button', { name: /^Manage/ }).click();
    const dialog = ownerPage.getByRole('dialog', { name: /^Manage/ });
    await dialog.getByRole('button', { name: 'Resend invitation' }).click();
    await dialog.getByText(`A new invitation was emailed to ${second.email}`).waitFor();
    await nextLink(env, second.email, 'invitation', 'activate'); // the first
    await nextLink(env, second.email, 'invitation', 'activate'); // the one re-sent
    await dialog.getByRole('button', { name: 'Revoke invitation link' }).click();
    await dialog.getByText(`The invitation link of ${second.email} no longer works.`).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  await check('the audit log tells the story, newest first', async () => {
    await ownerPage.getByRole('link', { name: 'Audit log' }).click();
    await ownerPage.getByRole('heading', { name: 'Audit log' }).waitFor();
    const first = ownerPage.locator('.audit-table tbody tr').first();
    await first.getByText('revoked the invitation of sam').waitFor();
    await ownerPage.getByText(`removed ${invitee.name}`).waitFor();
    await ownerPage.getByText(`changed the role of ${invitee.name} from Member to Editor`).waitFor();
    await shot(ownerPage, 'desktop-audit');
    await accessible(ownerPage, 'the audit log');
  });

  await check('the members page at phone width and in Simplified Chinese', async () => {
    await ownerPage.getByRole('link', { name: 'Members' }).click();
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await shot(ownerPage, 'desktop-members');
    await ownerPage.emulateMedia({ colorScheme: 'dark' });
    await shot(ownerPage, 'desktop-members-dark');
    await accessible(ownerPage, 'the members page in dark mode');
    await ownerPage.emulateMedia({ colorScheme: 'light' });
    await ownerPage.getByRole('button', { name: `Signed in as ${owner.name}` }).click();
    await ownerPage.getByLabel('Language').selectOption('zh-Hans');
    await ownerPage.getByRole('heading', { name: '成员' }).waitFor();
    await ownerPage.setViewportSize(PHONE);
    await noSideScroll(ownerPage);
    await shot(ownerPage, 'phone-members-zh');
    await accessible(ownerPage, 'the members page in Chinese at phone width');
    await ownerPage.getByRole('button', { name: '邀请成员' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: '邀请成员' });
    await dialog.getByLabel('邮箱地址').fill('a@example.com b@example.com');
    await dialog.getByText('2 个地址').waitFor();
    await noSideScroll(ownerPage);
    await shot(ownerPage, 'phone-invite-zh');
    await accessible(ownerPage, 'the invite dialog in Chinese at phone width');
    await ownerPage.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await ownerPage.getByRole('button', { name: `当前账号：${owner.name}` }).click();
    await ownerPage.getByLabel('语言').selectOption('en-US');
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await ownerPage.setViewportSize(DESKTOP);
  });

  // --- a second workspace: create, rename, paging and filters, ownership transfer, leave --------
  await check('owner creates a workspace from the workspace menu', async () => {
    await ownerPage.getByRole('button', { name: /^Workspace / }).click();
    await ownerPage.getByRole('button', { name: '+ New workspace' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Create a workspace' });
    await dialog.getByLabel('Workspace name').fill('Launch Team');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await ownerPage.getByRole('button', { name: 'Workspace Launch Team' }).waitFor();
    await ownerPage.getByText('Showing 1–1 of 1').waitFor();
  });

  await check('owner renames it in Settings; the header follows', async () => {
    await ownerPage.getByRole('link', { name: 'Settings' }).click();
    await ownerPage.getByRole('heading', { name: 'Settings' }).waitFor();
    await ownerPage.getByRole('textbox', { name: 'Workspace name' }).fill('Launch Crew');
    await ownerPage.getByRole('button', { name: 'Rename' }).click();
    await ownerPage.getByRole('button', { name: 'Workspace Launch Crew' }).waitFor();
    await ownerPage.getByText('The workspace is now called “Launch Crew”.').waitFor();
    await shot(ownerPage, 'desktop-settings');
    await accessible(ownerPage, 'the settings page');
  });

  // A key's own request, straight to the API (what a machine does with the secret).
  const asKey = async (secret, query, variables = {}) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query, variables }),
    });
    return res.json();
  };
  await check('Settings -> API keys: create, the secret once with copy, list with last use, revoke', async () => {
    await A.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await ownerPage.getByRole('button', { name: 'Create API key' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel('Name').fill('CI bot');
    await dialog.getByLabel('Role').selectOption('ADMIN');
    await dialog.getByRole('button', { name: 'Create API key' }).click();
    await dialog.getByText('Copy the secret of “CI bot” now. It is shown only this once').waitFor();
    const secret = await dialog.getByLabel('Secret').inputValue();
    assert(/^rsk_[A-Za-z0-9_-]{43}$/.test(secret), `secret ${secret}`);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText(/^(Copied\.|Select the text and copy it\.)$/).waitFor();
    await shot(ownerPage, 'desktop-api-key-secret');
    await accessible(ownerPage, 'the new API key dialog');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    const keyRow = ownerPage.locator('tr[data-state="active"]', { hasText: 'CI bot' });
    await keyRow.getByText('Never').waitFor();
    assert(!(await ownerPage.content()).includes(secret.slice(12)), 'the list shows the secret');
    const ws = await asKey(secret, 'query($id: ID!) { workspace(id: $id) { name viewerRole } }',
      { id: ownerPage.url().split('/')[4] });
    assert(ws.data && ws.data.workspace.name === 'Launch Crew' && ws.data.workspace.viewerRole === 'ADMIN', JSON.stringify(ws));
    await ownerPage.reload();
    await ownerPage.getByRole('heading', { name: 'API keys' }).waitFor();
    const lastUsed = ownerPage.locator('tr[data-state="active"]', { hasText: 'CI bot' }).locator('td[data-label="Last used"]');
    await lastUsed.waitFor();
    assert((await lastUsed.textContent()) !== 'Never', 'the key’s use is listed');
    await shot(ownerPage, 'desktop-api-keys');
    await accessible(ownerPage, 'the settings page with API keys');
    await ownerPage.getByRole('button', { name: `Signed in as ${owner.name}` }).click();
    await ownerPage.getByLabel('Language').selectOption('zh-Hans');
    await ownerPage.getByRole('heading', { name: 'API 密钥' }).waitFor();
    await shot(ownerPage, 'desktop-api-keys-zh');
    await ownerPage.setViewportSize(PHONE);
    await noSideScroll(ownerPage);
    await shot(ownerPage, 'phone-api-keys-zh');
    await accessible(ownerPage, 'the API keys in Chinese at phone width');
    await ownerPage.getByRole('button', { name: '吊销 CI bot' }).click();
    const confirm = ownerPage.getByRole('dialog', { name: '吊销“CI bot”？' });
    await confirm.getByText('从下一次请求起会被拒绝').waitFor();
    await shot(ownerPage, 'phone-api-key-revoke-zh');
    await confirm.getByRole('button', { name: '吊销' }).click();
    await confirm.waitFor({ state: 'detached' });
    await ownerPage.locator('tr[data-state="revoked"]', { hasText: 'CI bot' }).waitFor();
    const refused = await asKey(secret, '{ serverInfo { version } workspaces { id } }');
    assert(refused.errors && refused.errors[0].extensions.code === 'UNAUTHENTICATED', JSON.stringify(refused));
    await ownerPage.getByRole('button', { name: `当前账号：${owner.name}` }).click();
    await ownerPage.getByLabel('语言').selectOption('en-US');
    await ownerPage.getByRole('heading', { name: 'API keys' }).waitFor();
    await ownerPage.getByRole('button', { name: 'Create API key' }).click();
    const nightly = ownerPage.getByRole('dialog', { name: 'Create an API key' });
    await nightly.getByLabel('Name').fill('Nightly sync');
    await nightly.getByLabel('Expires on (optional)').fill('2999-12-31');
    await noSideScroll(ownerPage);
    await shot(ownerPage, 'phone-api-key-create');
    await nightly.getByRole('button', { name: 'Create API key' }).click();
    await nightly.getByLabel('Secret').waitFor();
    await noSideScroll(ownerPage);
    await shot(ownerPage, 'phone-api-key-secret');
    await accessible(ownerPage, 'the new API key dialog at phone width');
    await nightly.getByRole('button', { name: 'Done' }).click();
    await ownerPage.setViewportSize(DESKTOP);
    await ownerPage.locator('tr[data-state="active"]', { hasText: 'Nightly sync' }).getByText(/^Expires /).waitFor();
    await shot(ownerPage, 'desktop-api-keys-revoked');
  });

  const crew = Array.from({ length: 24 }, (_, i) => `crew${String(i + 1).padStart(2, '0')}@example.com`);
  await check('25 invitations at once (an active account is added); paging, filters and search', async () => {
    await ownerPage.getByRole('link', { name: 'Members' }).click();
    await ownerPage.getByRole('button', { name: 'Invite members' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Invite members' });
    await dialog.getByLabel('Email addresses').fill([invitee.email, ...crew].join('\n'));
    await dialog.getByLabel('Role').selectOption('EDITOR');
    await dialog.getByRole('button', { name: 'Send invitations' }).click();
    await dialog.getByText('25 of 25 addresses done.').waitFor();
    const first = dialog.locator('.invite-result').first();
    assert(await first.getAttribute('data-status') === 'ADDED', `${invitee.email}: ${await first.getAttribute('data-status')}`);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await ownerPage.getByText('Showing 1–20 of 26').waitFor();
    await shot(ownerPage, 'desktop-members-page1');
    await ownerPage.getByRole('button', { name: /Next page/ }).click();
    await ownerPage.getByText('Showing 21–26 of 26').waitFor();
    await ownerPage.getByRole('button', { name: /Previous page/ }).click();
    await ownerPage.getByText('Showing 1–20 of 26').waitFor();
    await ownerPage.getByLabel('Status').selectOption('ACTIVE');
    await ownerPage.getByText('Showing 1–2 of 2').waitFor();
    await ownerPage.getByLabel('Status').selectOption('');
    await ownerPage.getByLabel('Role').selectOption('OWNER');
    await ownerPage.getByText('Showing 1–1 of 1').waitFor();
    await ownerPage.getByLabel('Role').selectOption('');
    await ownerPage.getByLabel('Search').fill('crew1');
    await ownerPage.getByText('Showing 1–10 of 10').waitFor();
    await ownerPage.getByLabel('Search').fill('nobody-like-this');
    await ownerPage.getByText('No members match these filters.').first().waitFor();
    await ownerPage.getByRole('button', { name: 'Clear filters' }).click();
    await ownerPage.getByText('Showing 1–20 of 26').waitFor();
  });

  await check('the audit log pages with "Load older events"', async () => {
    await ownerPage.getByRole('link', { name: 'Audit log' }).click();
    // 27 membership events and 3 of API keys (two made, one revoked).
    await ownerPage.getByText('30 events').waitFor();
    const rows = ownerPage.locator('.audit-table tbody tr');
    await ownerPage.getByRole('button', { name: 'Load older events' }).click();
    await ownerPage.locator('.audit-table tbody tr:nth-child(30)').waitFor();
    assert(await rows.count() === 30, `${await rows.count()} rows`);
    await ownerPage.getByText('revoked an API key with the role Admin').waitFor();
    await rows.last().getByText('created the workspace').waitFor();
    assert(await ownerPage.getByRole('button', { name: 'Load older events' }).count() === 0, 'still offers older events');
  });

  await check('the workspace menu switches workspaces', async () => {
    await ownerPage.getByRole('button', { name: 'Workspace Launch Crew' }).click();
    await ownerPage.getByRole('link', { name: new RegExp(`^${owner.name}'s Workspace`) }).click();
    await ownerPage.getByRole('button', { name: `Workspace ${owner.name}'s Workspace` }).waitFor();
    await ownerPage.getByRole('heading', { name: 'Audit log' }).waitFor(); // the same page
    await ownerPage.getByRole('button', { name: `Workspace ${owner.name}'s Workspace` }).click();
    await ownerPage.getByRole('link', { name: /^Launch Crew/ }).click();
    await ownerPage.getByRole('button', { name: 'Workspace Launch Crew' }).waitFor();
  });

  await check('owner transfers ownership with the emailed code, then leaves', async () => {
    await ownerPage.getByRole('link', { name: 'Settings' }).click();
    await ownerPage.getByRole('button', { name: 'Transfer ownership' }).click();
    const dialog = ownerPage.getByRole('dialog', { name: /^Transfer ownership/ });
    await dialog.getByRole('button', { name: 'Email me a code' }).click();
    await dialog.getByText(`Code sent to ${owner.email}.`).waitFor();
    const code = await nextTransferCode(env, owner.email);
    await dialog.getByLabel('New owner').selectOption({ label: `${invitee.name} (${invitee.email})` });
    await dialog.getByLabel('Code from the email').fill(code);
    await shot(ownerPage, 'desktop-transfer');
    await accessible(ownerPage, 'the transfer dialog');
    await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
    await dialog.waitFor({ state: 'detached' });
    await ownerPage.getByText(`Owner: ${invitee.name} (${invitee.email})`).waitFor();
    await ownerPage.getByRole('button', { name: 'Leave workspace' }).click();
    const confirm = ownerPage.getByRole('dialog', { name: 'Leave Launch Crew?' });
    await confirm.getByRole('button', { name: 'Leave workspace' }).click();
    await ownerPage.getByRole('button', { name: `Workspace ${owner.name}'s Workspace` }).waitFor();
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
  });

  // The stored session, edited as time would: the page must refresh it and go on.
  const editSessionAndReload = (page, edit) => page.evaluate((how) => {
    const s = JSON.parse(window.localStorage.getItem('roster.session'));
    if (how === 'expired') s.expiresAt = Date.now() - 1000;
    if (how === 'rejected') { s.accessToken = 'revoked.or.garbled'; s.expiresAt = Date.now() + 600_000; }
    window.localStorage.setItem('roster.session', JSON.stringify(s));
    window.location.reload();
  }, edit);

  await check('an expired access token is refreshed before use (the refresh token rotates)', async () => {
    const before = refreshes;
    const old = await ownerPage.evaluate(() => JSON.parse(window.localStorage.getItem('roster.session')).refreshToken);
    await editSessionAndReload(ownerPage, 'expired');
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await row(ownerPage, owner.email).waitFor();
    const now = await ownerPage.evaluate(() => JSON.parse(window.localStorage.getItem('roster.session')).refreshToken);
    assert(refreshes === before + 1, `${refreshes - before} refreshes`);
    assert(now && now !== old, 'the refresh token did not rotate');
  });

  await check('an access token the server rejects is refreshed once and the call retried', async () => {
    const before = refreshes;
    await editSessionAndReload(ownerPage, 'rejected');
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await row(ownerPage, owner.email).waitFor();
    assert(refreshes === before + 1, `${refreshes - before} refreshes`);
  });

  const newPassword = 'a brand new passphrase';
  await check('owner changes the password in Settings', async () => {
    await ownerPage.getByRole('link', { name: 'Settings' }).click();
    await ownerPage.getByLabel('Current password').fill('not the password');
    await ownerPage.getByLabel('New password').fill(newPassword);
    await ownerPage.getByRole('button', { name: 'Change password' }).click();
    // The server's refusal of one field is a sentence under that field.
    await ownerPage.getByText('The current password is not right.').waitFor();
    assert(await ownerPage.getByLabel('Current password').getAttribute('aria-invalid') === 'true', 'the field is not marked');
    await ownerPage.getByLabel('Current password').fill(PASSWORD);
    await ownerPage.getByRole('button', { name: 'Change password' }).click();
    await ownerPage.getByText('Password changed.').waitFor();
    await ownerPage.getByRole('link', { name: 'Members' }).click();
  });

  await check('the session survives a reload; sign-out ends it', async () => {
    await ownerPage.reload();
    await ownerPage.getByRole('heading', { name: 'Members' }).waitFor();
    await ownerPage.getByRole('button', { name: `Signed in as ${owner.name}` }).click();
    await ownerPage.getByRole('button', { name: 'Sign out' }).click();
    await ownerPage.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await ownerPage.reload();
    await ownerPage.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await shot(ownerPage, 'desktop-sign-in');
  });

  await check('"forgot password" emails a reset link', async () => {
    await ownerPage.getByRole('link', { name: 'Forgot password?' }).click();
    await ownerPage.getByLabel('Email').fill(owner.email);
    await ownerPage.getByRole('button', { name: 'Send reset link' }).click();
    await ownerPage.getByText(`If an account exists for ${owner.email}`).waitFor();
    await nextLink(env, owner.email, 'password_reset', 'reset');
    await ownerPage.getByRole('link', { name: 'Back to sign in' }).click();
  });

  await check('a deep link opened signed out leads through sign-in (a wrong password is a sentence) back to it', async () => {
    await ownerPage.goto(`${base}/workspaces/${workspaceId}/audit`);
    await ownerPage.getByRole('heading', { name: 'Sign in to Roster' }).waitFor();
    await ownerPage.getByLabel('Email').fill(owner.email);
    await ownerPage.getByLabel('Password').fill(PASSWORD);
    await ownerPage.getByRole('button', { name: 'Sign in' }).click();
    await ownerPage.getByRole('alert').getByText('The email or password is incorrect.').waitFor();
    await ownerPage.getByLabel('Password').fill(newPassword);
    await ownerPage.getByRole('button', { name: 'Sign in' }).click();
    await ownerPage.getByRole('heading', { name: 'Audit log' }).waitFor();
    await ownerPage.getByRole('button', { name: `Workspace ${owner.name}'s Workspace` }).waitFor();
    assert(new URL(ownerPage.url()).pathname === `/workspaces/${workspaceId}/audit`, ownerPage.url());
  });

  await check('axe-core found no serious accessibility problem', () => {
    log(`     audited: ${audited.join('; ')}`);
    assert(audited.length >= 10, `only ${audited.length} audits ran`);
  });

  await check('no page errors, and nothing but the server was reached', () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
    assert(blocked.length === 0, `blocked requests: ${blocked.join(', ')}`);
  });
  log(`     the story took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Sign-up leaves the address unverified (an unverified account cannot invite): open the link
 * of the verification email, then the console's banner goes away.
 */
async function verifyOwnerEmail(page, env) {
  const banner = page.locator('#verify-banner');
  await banner.waitFor();
  await nextLink(env, owner.email, 'verify_email', 'verify'); // the sign-up email
  await banner.getByRole('button', { name: 'Resend verification email' }).click();
  await banner.getByText(`Verification email sent to ${owner.email}.`).waitFor();
  const link = await nextLink(env, owner.email, 'verify_email', 'verify'); // the one re-sent
  const res = await page.goto(link);
  assert(res.status() === 200, `GET /verify answered ${res.status()}`);
  await page.getByRole('link', { name: 'Continue to Roster' }).click();
  await page.getByRole('heading', { name: 'Members' }).waitFor();
  await page.locator('#verify-banner').waitFor({ state: 'detached' });
}

run(main);
