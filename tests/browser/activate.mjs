// End-to-end test of the invitation flow, as an invitee lives it, in Debian's Chromium:
// an owner signs up (and confirms the address: unverified accounts cannot invite) and invites
// someone; the invitation email (written to ROSTER_MAIL_DIR by the mail worker) is parsed and
// its link opened; the activation page is filled in; the new account logs in; the used link
// says to sign in, a made-up one shows the "invalid" state. Then the same in Simplified Chinese,
// for an invitation sent with `language: "zh-Hans"`.
//
//   node tests/browser/activate.mjs            (from the repository root)
//
// Env: see harness.mjs. scripts/browser-test.sh installs Chromium and playwright-core first.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  assert, check, decodeHtmlEntities, finalChecks, findActivationLinks, graphql, htmlHrefs, log,
  run, setup, signUpVerified, sleep, waitForEmail, waitForState,
} from './harness.mjs';

const INVITE = `mutation($i: InviteMembersInput!) {
  inviteMembers(input: $i) { results { email status activationUrl message } }
}`;

async function main(state) {
  const env = await setup(state);
  const { base, mailDir } = env;
  const seen = new Set();

  // --- the owner signs up, confirms the address and invites -----------------------------------
  const owner = { email: 'owner@example.com', name: 'Olivia Owner', password: 'owner-password-1' };
  const invitee = { email: 'invitee@example.com', name: 'Ivy Invitee', password: 'invitee-password-1' };

  const signUp = await check('owner signs up and confirms the address (verify_email link)', async () => {
    const p = await signUpVerified(env, owner, seen);
    assert(p.accessToken, 'no accessToken');
    assert(p.workspaces.length === 1, `expected 1 workspace, got ${p.workspaces.length}`);
    return p;
  });
  const workspace = signUp.workspaces[0];

  const invited = await check(`owner invites ${invitee.email} to "${workspace.name}"`, async () => {
    const data = await graphql(
      base,
      INVITE,
      { i: { workspaceId: workspace.id, emails: [invitee.email], role: 'NORMAL' } },
      signUp.accessToken,
    );
    const r = data.inviteMembers.results;
    assert(r.length === 1 && r[0].status === 'INVITED', `unexpected results ${JSON.stringify(r)}`);
    return r[0];
  });

  // --- the invitation email ----------------------------------------------------------------
  const email = await check(`invitation email for ${invitee.email} is written to the mail dir`, async () => {
    const e = await waitForEmail(mailDir, { to: invitee.email, kind: 'invitation', seen });
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

  await check('inviteMembers gives no activationUrl (links go only to the address)', () => {
    assert(invited.activationUrl === null, `activationUrl is ${invited.activationUrl}`);
  }, { soft: true });

  // --- the browser ---------------------------------------------------------------------------
  const page = await env.newPage();
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
    const lang = await page.getAttribute('html', 'lang');
    assert(lang === 'en-US', `<html lang="${lang}">, expected en-US`);
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
    assert(activateRequests === 0, 'activateAccount was sent despite invalid input');
    assert(!(await page.locator('#success').isVisible()), '#success is visible');
  }, { soft: true });
  await env.screenshot(page, 'activate-en-errors');

  // A second tab on the same link, opened before activation: submitting it afterwards must show
  // the server's refusal as a sentence and keep the form.
  const staleTab = await env.newPage();
  await staleTab.goto(link);
  await staleTab.locator('#greeting').waitFor({ state: 'visible' });

  await check('invitee activates the account, and is led on to /', async () => {
    await page.fill('#name', invitee.name);
    await page.fill('#password', invitee.password);
    await page.fill('#confirm', invitee.password);
    await page.click('#submit');
    const text = await waitForState(page, '#success');
    assert(text.includes('Your account is active'), `#success says "${text}"`);
    assert(text.includes(invitee.email), `#success lacks ${invitee.email}`);
    assert(!(await page.locator('#form').isVisible()), 'the form is still visible');
    const next = page.locator('#success a[href="/"]');
    assert((await next.textContent()).includes('Continue to Roster'), 'no "Continue to Roster" link to /');
    assert(activateRequests === 1, `activateAccount sent ${activateRequests} times`);
  });

  await check('tokens stored in sessionStorage (the console at / adopts them)', async () => {
    const stored = await page.evaluate(() => [
      sessionStorage.getItem('roster.accessToken'),
      sessionStorage.getItem('roster.refreshToken'),
    ]);
    assert(stored[0] && stored[1], `sessionStorage holds ${JSON.stringify(stored)}`);
  }, { soft: true });
  await env.screenshot(page, 'activate-en-success');

  await check('a stale tab says the link was used (sentence, sign-in link) and keeps the form', async () => {
    await staleTab.fill('#password', invitee.password);
    await staleTab.fill('#confirm', invitee.password);
    await staleTab.click('#submit');
    const error = staleTab.locator('#error');
    await error.waitFor({ state: 'visible' });
    const text = (await error.textContent()).replace(/\s+/g, ' ').trim();
    log(`     #error: ${text}`);
    assert(/already used/i.test(text), `#error says "${text}"`);
    assert(!/[{}]|BAD_USER_INPUT/.test(text), `#error shows raw data: "${text}"`);
    assert(await staleTab.locator('#error a[href="/"]').isVisible(), 'no sign-in link in #error');
    assert(await staleTab.locator('#form').isVisible(), 'the form was hidden');
    assert(!(await staleTab.locator('#success').isVisible()), '#success is visible');
  }, { soft: true });
  await env.screenshot(staleTab, 'activate-en-stale-tab');
  await staleTab.close();

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

  /** Opens url in a new page; the text of #invalid once visible (the form must not be). */
  const expectInvalid = async (url, shot) => {
    const p = await env.newPage();
    try {
      await p.goto(url);
      const text = await waitForState(p, '#invalid');
      assert(!(await p.locator('#form').isVisible()), 'the form is visible');
      if (shot) await env.screenshot(p, shot);
      return { text, signIn: await p.locator('#invalid a[href="/"]').isVisible() };
    } finally {
      await p.close().catch(() => {});
    }
  };

  await check('the used link says "already used — sign in", with a link to /', async () => {
    const { text, signIn } = await expectInvalid(link, 'activate-en-used');
    assert(/already used/i.test(text) && /sign in/i.test(text), `#invalid says "${text}"`);
    assert(signIn, 'no visible link to /');
  }, { soft: true });
  await check('a made-up token shows #invalid', async () => {
    const { text } = await expectInvalid(`${base}/activate?token=garbage`);
    assert(/can’t be used/.test(text), `#invalid says "${text}"`);
  }, { soft: true });
  await check('a link without token says it is incomplete', async () => {
    const { text } = await expectInvalid(`${base}/activate`);
    assert(/incomplete/i.test(text), `#invalid says "${text}"`);
  }, { soft: true });

  await check('a link without token and with lang=zh-Hans says so in Chinese', async () => {
    const { text } = await expectInvalid(`${base}/activate?lang=zh-Hans`);
    assert(text.includes('链接不完整'), `#invalid says "${text}"`);
  }, { soft: true });

  // --- the same in Simplified Chinese -----------------------------------------------------------
  const zhInvitee = { email: 'zhang.wei@example.com', name: '张伟', password: '张伟的密码-2026' };

  await check(`owner invites ${zhInvitee.email} with language zh-Hans`, async () => {
    const data = await graphql(
      base,
      INVITE,
      { i: { workspaceId: workspace.id, emails: [zhInvitee.email], role: 'EDITOR', language: 'zh-Hans' } },
      signUp.accessToken,
    );
    const r = data.inviteMembers.results;
    assert(r.length === 1 && r[0].status === 'INVITED', `unexpected results ${JSON.stringify(r)}`);
  });

  const zhLink = await check('the zh-Hans invitation email holds an activation link', async () => {
    const e = await waitForEmail(mailDir, { to: zhInvitee.email, kind: 'invitation', seen });
    log(`     ${path.basename(e.file)}: "${e.subject}"`);
    const links = findActivationLinks(e.plain || '');
    assert(links.length > 0, `no /activate link in:\n${e.plain}`);
    return links[0];
  });

  const zh = await env.newPage();
  await check('the activation page speaks Chinese (<html lang="zh-Hans">)', async () => {
    await zh.goto(zhLink);
    const text = await waitForState(zh, '#greeting');
    log(`     greeting: ${text}`);
    assert(text.includes('邀请您加入') && text.includes(workspace.name) && text.includes(owner.name),
      `greeting "${text}"`);
    assert((await zh.getAttribute('html', 'lang')) === 'zh-Hans', '<html lang> is not zh-Hans');
    assert((await zh.locator('label[for="password"]').textContent()).trim() === '密码', 'password label not in Chinese');
    assert((await zh.locator('#submit').textContent()).trim() === '激活账号', 'button not in Chinese');
    assert(/[\u4e00-\u9fff]/.test(await zh.title()), `title "${await zh.title()}"`);
  });

  await check('Chinese field errors for a short password', async () => {
    await zh.fill('#password', '短');
    await zh.fill('#confirm', '短');
    await zh.click('#submit');
    await zh.locator('#password[aria-invalid="true"]').waitFor();
    const msg = (await zh.locator('#password-error').textContent()).trim();
    assert(msg === '密码至少需要 8 个字符。', `#password-error says "${msg}"`);
  }, { soft: true });
  await env.screenshot(zh, 'activate-zh-form');

  await check('zh-Hans invitee activates the account, and is led on to / in Chinese', async () => {
    await zh.fill('#name', zhInvitee.name);
    await zh.fill('#password', zhInvitee.password);
    await zh.fill('#confirm', zhInvitee.password);
    await zh.click('#submit');
    const text = await waitForState(zh, '#success');
    log(`     #success: ${text}`);
    assert(text.includes('您的账号已激活') && text.includes(zhInvitee.email), `#success says "${text}"`);
    const next = (await zh.locator('#success a[href="/"]').textContent()).trim();
    assert(next === '进入 Roster', `lead-on link says "${next}"`);
  });
  await env.screenshot(zh, 'activate-zh-success');
  await zh.close();

  await check('zh-Hans: reopening the used link says "already used — sign in" in Chinese', async () => {
    const { text, signIn } = await expectInvalid(zhLink, 'activate-zh-used');
    log(`     #invalid: ${text}`);
    assert(text.includes('已被使用') && text.includes('登录'), `#invalid says "${text}"`);
    assert(signIn, 'no visible link to /');
  });

  await check('zh-Hans invitee logs in with the chosen password', async () => {
    const data = await graphql(
      base,
      `mutation($i: LoginInput!) { login(input: $i) { account { name language } } }`,
      { i: { email: zhInvitee.email, password: zhInvitee.password } },
    );
    assert(data.login.account.name === zhInvitee.name, `account is ${JSON.stringify(data.login.account)}`);
  }, { soft: true });

  await finalChecks(env);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(main);
}
