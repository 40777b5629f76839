// End-to-end test of the pages that emailed links open, /verify and /reset, in Debian's
// Chromium, as their recipients live them:
//   (a) a person signs up through the API; the verify_email email's link is opened; the page
//       confirms the address; the same link opened again says it was already used;
//   (b) the same person asks for a password reset through the API; the password_reset email's
//       link is opened; a new password is typed (keyboard only) and submitted; the page says it
//       is changed and hands the session to the console at /; login works with the new password
//       and fails with the old one; the same link used again says it was already used;
//   plus: the pages speak Chinese for `lang=zh-Hans` and say what to do without a token; all
//   three link pages hold no inline style or script, load the shared assets/pages/pages.css and
//   pages.js and then their own script, under one strict Content-Security-Policy (no
//   'unsafe-inline'), and request nothing else.
//
//   node tests/browser/links.mjs               (from the repository root)
//
// Env: see harness.mjs. scripts/browser-test.sh installs Chromium and playwright-core first.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  assert, check, finalChecks, graphql, graphqlBody, log, pageLink, repoRoot, run, setup,
  waitForEmail, waitForState,
} from './harness.mjs';

const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken account { email emailVerified } } }`;

const PAGES = ['activate', 'verify', 'reset'];
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src data:; base-uri 'none'; form-action 'none'";

/** What an assets/ page loads: its CSP, stylesheets, scripts, and any inline style or script. */
function pageParts(page) {
  const html = readFileSync(path.join(repoRoot, 'assets', `${page}.html`), 'utf8');
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  return {
    csp: csp && csp[1],
    styles: [...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((m) => m[1]),
    scripts: [...html.matchAll(/<script src="([^"]*)"><\/script>/g)].map((m) => m[1]),
    inline: /<style|<script(?![^>]*\ssrc=)|\sstyle=|\son[a-z]+=|javascript:/i.test(html),
  };
}

async function main(state) {
  await check('the three pages load the shared stylesheet and script, then their own, under one strict CSP', () => {
    for (const page of PAGES) {
      const p = pageParts(page);
      assert(p.csp === CSP, `${page}.html's CSP is ${JSON.stringify(p.csp)}`);
      assert(!p.inline, `${page}.html holds an inline style, script or handler`);
      assert(JSON.stringify(p.styles) === JSON.stringify(['/assets/pages/pages.css']),
        `${page}.html's stylesheets: ${JSON.stringify(p.styles)}`);
      const scripts = ['/assets/pages/pages.js', `/assets/pages/${page}.js`];
      assert(JSON.stringify(p.scripts) === JSON.stringify(scripts), `${page}.html's scripts: ${JSON.stringify(p.scripts)}`);
      assert(existsSync(path.join(repoRoot, 'assets', 'pages', `${page}.js`)), `no assets/pages/${page}.js`);
    }
  });

  const env = await setup(state);
  const { base, mailDir } = env;
  const seen = new Set();
  const person = { email: 'vera@example.com', name: 'Vera Verify', password: 'first-password-1' };
  const newPassword = 'second-password-2';

  // --- (a) the verification link ----------------------------------------------------------
  await check(`${person.email} signs up through the API (unverified)`, async () => {
    const data = await graphql(
      base,
      `mutation($i: SignUpInput!) { signUp(input: $i) { account { emailVerified } } }`,
      { i: person },
    );
    assert(data.signUp.account.emailVerified === false, 'the new account is already verified');
  });

  const verifyLink = await check('the verify_email email holds a /verify link with lang', async () => {
    const e = await waitForEmail(mailDir, { to: person.email, kind: 'verify_email', seen });
    log(`     ${path.basename(e.file)}: "${e.subject}"`);
    const link = pageLink(e, base, 'verify');
    assert(new URL(link).searchParams.get('lang') === 'en-US', `link ${link} lacks lang=en-US`);
    return link;
  });

  const page = await env.newPage();
  await check('/verify confirms the address', async () => {
    const res = await page.goto(verifyLink);
    assert(res && res.status() === 200, `GET /verify answered HTTP ${res && res.status()}`);
    const text = await waitForState(page, '#success', ['#error', '#invalid']);
    log(`     #success: ${text}`);
    assert(text.includes(`Your email address ${person.email} is confirmed`), `#success says "${text}"`);
    assert((await page.locator('#continue').getAttribute('href')) === '/', 'no lead-on link to /');
    assert((await page.getAttribute('html', 'lang')) === 'en-US', '<html lang> is not en-US');
  });
  await env.screenshot(page, 'verify-en-success');

  await check('the account is verified (login says emailVerified)', async () => {
    const data = await graphql(base, LOGIN, { i: { email: person.email, password: person.password } });
    assert(data.login.account.emailVerified === true, 'emailVerified is false');
  });

  await check('/verify with the same link again says it was already used', async () => {
    await page.goto(verifyLink);
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    log(`     #invalid: ${text}`);
    assert(/already used/.test(text), `#invalid says "${text}"`);
    assert(await page.locator('#invalid a[href="/"]').isVisible(), 'no lead-on link to /');
  });
  await env.screenshot(page, 'verify-en-used');

  await check('/verify with a made-up token says the link is not valid', async () => {
    await page.goto(`${base}/verify?token=made-up&lang=en-US`);
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    assert(/not valid/.test(text), `#invalid says "${text}"`);
  }, { soft: true });

  await check('/verify without a token says to open the link from the email again', async () => {
    await page.goto(`${base}/verify`);
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    assert(/incomplete/i.test(text) && /from the email again/.test(text), `#invalid says "${text}"`);
  }, { soft: true });

  await check('/verify speaks Chinese for lang=zh-Hans', async () => {
    await page.goto(`${base}/verify?token=made-up&lang=zh-Hans`);
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    log(`     #invalid: ${text}`);
    assert(text.includes('此确认链接无效'), `#invalid says "${text}"`);
    assert((await page.getAttribute('html', 'lang')) === 'zh-Hans', '<html lang> is not zh-Hans');
  }, { soft: true });
  await env.screenshot(page, 'verify-zh-invalid');

  // --- (b) the password reset link ----------------------------------------------------------
  await check('requestPasswordReset answers true', async () => {
    const data = await graphql(base, `mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: person.email });
    assert(data.requestPasswordReset === true, 'not true');
  });

  const resetLink = await check('the password_reset email holds a /reset link', async () => {
    const e = await waitForEmail(mailDir, { to: person.email, kind: 'password_reset', seen });
    log(`     ${path.basename(e.file)}: "${e.subject}"`);
    return pageLink(e, base, 'reset');
  });

  let resetRequests = 0;
  page.on('request', (req) => {
    if (req.method() === 'POST' && (req.postData() || '').includes('resetPassword')) resetRequests++;
  });

  await check('/reset shows a labelled form, focused on the new password', async () => {
    const res = await page.goto(resetLink);
    assert(res && res.status() === 200, `GET /reset answered HTTP ${res && res.status()}`);
    await page.getByLabel('New password', { exact: true }).waitFor({ state: 'visible' });
    await page.getByLabel('Confirm password', { exact: true }).waitFor({ state: 'visible' });
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert(focused === 'password', `focus is on #${focused}`);
  });

  await check('client-side checks: a short and a mismatched password, nothing sent', async () => {
    await page.keyboard.type('short');
    await page.keyboard.press('Tab');
    await page.keyboard.type('other');
    await page.keyboard.press('Enter');
    await page.locator('#password[aria-invalid="true"]').waitFor();
    const pw = (await page.locator('#password-error').textContent()).trim();
    const confirm = (await page.locator('#confirm-error').textContent()).trim();
    assert(pw === 'Use at least 8 characters.', `#password-error says "${pw}"`);
    assert(confirm === 'The passwords do not match.', `#confirm-error says "${confirm}"`);
    const described = await page.getAttribute('#password', 'aria-describedby');
    assert(described.split(' ').includes('password-error'), 'the error is not tied to the field');
    assert(resetRequests === 0, 'resetPassword was sent');
  }, { soft: true });
  await env.screenshot(page, 'reset-en-errors');

  await check('a new password typed with the keyboard only changes it and leads on to /', async () => {
    await page.locator('#password').fill('');
    await page.locator('#confirm').fill('');
    await page.locator('#password').focus();
    await page.keyboard.type(newPassword);
    await page.keyboard.press('Tab');
    await page.keyboard.type(newPassword);
    await page.keyboard.press('Enter');
    const text = await waitForState(page, '#success', ['#error', '#invalid']);
    log(`     #success: ${text}`);
    assert(text.includes('Your password is changed') && text.includes(person.email), `#success says "${text}"`);
    assert((await page.locator('#continue').getAttribute('href')) === '/', 'no lead-on link to /');
    assert(!(await page.locator('#form').isVisible()), 'the form is still visible');
    assert(resetRequests === 1, `resetPassword sent ${resetRequests} times`);
  });
  await env.screenshot(page, 'reset-en-success');

  await check('the session is handed to the console (sessionStorage, like /activate)', async () => {
    const stored = await page.evaluate(() => [
      sessionStorage.getItem('roster.accessToken'),
      sessionStorage.getItem('roster.refreshToken'),
    ]);
    assert(stored[0] && stored[1], `sessionStorage holds ${JSON.stringify(stored)}`);
  }, { soft: true });

  await check('login works with the new password', async () => {
    const data = await graphql(base, LOGIN, { i: { email: person.email, password: newPassword } });
    assert(data.login.accessToken, 'no accessToken');
  });

  await check('login fails with the old password', async () => {
    const body = await graphqlBody(base, LOGIN, { i: { email: person.email, password: person.password } });
    const code = body.errors?.[0]?.extensions?.code;
    assert(code === 'UNAUTHENTICATED', `answer: ${JSON.stringify(body)}`);
  });

  await check('/reset with the same link again says it was already used (after submitting)', async () => {
    await page.goto(resetLink);
    await page.locator('#password').fill('third-password-3');
    await page.locator('#confirm').fill('third-password-3');
    await page.locator('#submit').click();
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    log(`     #invalid: ${text}`);
    assert(/already used/.test(text), `#invalid says "${text}"`);
    assert(await page.getByLabel('Email', { exact: true }).isVisible(), 'no form to ask for a new link');
    assert(await page.locator('#invalid a[href="/"]').isVisible(), 'no lead-on link to /');
  });
  await env.screenshot(page, 'reset-en-used');

  await check('the old password still fails, the new one still works (the used link changed nothing)', async () => {
    const body = await graphqlBody(base, LOGIN, { i: { email: person.email, password: 'third-password-3' } });
    assert(body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED', `answer: ${JSON.stringify(body)}`);
    await graphql(base, LOGIN, { i: { email: person.email, password: newPassword } });
  }, { soft: true });

  await check('from the used-link state, a new link can be asked for (and is emailed)', async () => {
    await page.getByLabel('Email', { exact: true }).fill(person.email);
    await page.locator('#again-submit').click();
    const text = await waitForState(page, '#again-sent', ['#error']);
    assert(text.includes(person.email), `#again-sent says "${text}"`);
    await waitForEmail(mailDir, { to: person.email, kind: 'password_reset', seen });
  }, { soft: true });
  await env.screenshot(page, 'reset-en-new-link');

  await check('/reset speaks Chinese for lang=zh-Hans; without a token it says so', async () => {
    await page.goto(`${base}/reset?lang=zh-Hans`);
    const text = await waitForState(page, '#invalid', ['#error', '#success']);
    log(`     #invalid: ${text}`);
    assert(text.includes('链接不完整') && text.includes('获取新链接'), `#invalid says "${text}"`);
    assert((await page.getAttribute('html', 'lang')) === 'zh-Hans', '<html lang> is not zh-Hans');
  }, { soft: true });
  await env.screenshot(page, 'reset-zh-incomplete');

  await check('each page, opened, fetches its stylesheet and scripts from the server (typed), styled, and nothing else', async () => {
    const probe = await env.newPage();
    try {
      for (const page of PAGES) {
        const seenRequests = [];
        const onResponse = (res) => seenRequests.push({
          method: res.request().method(),
          path: new URL(res.url()).pathname,
          status: res.status(),
          type: res.headers()['content-type'] || '',
        });
        probe.on('response', onResponse);
        await probe.goto(`${base}/${page}?lang=en-US`); // no token: no GraphQL call
        await waitForState(probe, '#invalid', ['#error', '#success']);
        await probe.waitForLoadState('load');
        probe.off('response', onResponse);
        const got = seenRequests.map((r) => `${r.method} ${r.path} ${r.status} ${r.type}`).sort();
        const want = [
          `GET /${page} 200 text/html; charset=utf-8`,
          'GET /assets/pages/pages.css 200 text/css; charset=utf-8',
          'GET /assets/pages/pages.js 200 text/javascript; charset=utf-8',
          `GET /assets/pages/${page}.js 200 text/javascript; charset=utf-8`,
        ].sort();
        assert(JSON.stringify(got) === JSON.stringify(want), `/${page} fetched ${JSON.stringify(got)}`);
        const radius = await probe.evaluate(() => getComputedStyle(document.querySelector('main')).borderTopLeftRadius);
        assert(radius === '12px', `/${page}: <main> has border-radius ${radius} (stylesheet not applied?)`);
      }
    } finally {
      await probe.close();
    }
  }, { soft: true });

  await check('/reset form in Chinese', async () => {
    await page.goto(`${base}/reset?token=made-up&lang=zh-Hans`);
    await page.getByLabel('新密码', { exact: true }).waitFor({ state: 'visible' });
    await page.getByLabel('新密码', { exact: true }).fill('还不够长');
    await page.getByLabel('确认密码', { exact: true }).fill('还不够长');
    await page.locator('#submit').click();
    await page.locator('#password[aria-invalid="true"]').waitFor();
    const msg = (await page.locator('#password-error').textContent()).trim();
    assert(msg === '密码至少需要 8 个字符。', `#password-error says "${msg}"`);
  }, { soft: true });
  await env.screenshot(page, 'reset-zh-form');

  // For a person to look at: dark mode on a desktop-sized window.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${base}/reset?token=made-up&lang=en-US`);
  await page.locator('#password').waitFor({ state: 'visible' });
  await page.locator('#submit').click();
  await page.locator('#password[aria-invalid="true"]').waitFor();
  await env.screenshot(page, 'reset-en-dark-desktop');
  await page.goto(`${base}/verify?token=made-up&lang=en-US`);
  await waitForState(page, '#invalid', ['#error', '#success']);
  await env.screenshot(page, 'verify-en-dark-desktop');

  await finalChecks(env);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(main);
}
