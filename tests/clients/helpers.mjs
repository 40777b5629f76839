// Shared set-up for the client tests: a real roster server (../browser/server.mjs starts it),
// raw GraphQL calls for set-up, and a workspace with members.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { repoRoot, sleep, startRoster, stopRoster } from '../browser/server.mjs';

export { assert, repoRoot, startRoster, stopRoster };

export const PASSWORD = 'correct horse battery';

/** One GraphQL request; throws on errors. */
export async function gql(base, query, variables = {}, token = null) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The token of the newest verification email to `email` (the file name carries the kind). */
async function verificationToken(mailDir, email) {
  for (let i = 0; i < 100; i++) {
    const names = (await readdir(mailDir).catch(() => [])).filter((n) => n.includes('-verify_email-')).sort().reverse();
    for (const name of names) {
      const text = await readFile(path.join(mailDir, name), 'latin1');
      if (!text.toLowerCase().includes(email)) continue;
      const m = text.match(/verify\?token=([A-Za-z0-9_-]+)/);
      if (m) return m[1];
    }
    await sleep(100);
  }
  throw new Error(`no verification email to ${email}`);
}

/** Signs up and verifies the address; returns { token, id, workspace }. */
export async function signUp(server, email, name) {
  const data = await gql(
    server.base,
    'mutation SignUp($i: SignUpInput!) { signUp(input: $i) { accessToken account { id workspaces { id } } } }',
    { i: { email, name, password: PASSWORD } },
  );
  const token = await verificationToken(server.mailDir, email);
  await gql(server.base, 'mutation Verify($t: String!) { verifyEmail(token: $t) { id } }', { t: token });
  const p = data.signUp;
  return { token: p.accessToken, id: p.account.id, workspace: p.account.workspaces[0].id };
}

/** A server and a workspace: an owner and three verified members (EDITOR, NORMAL, NORMAL). */
export async function seeded(env = {}) {
  const server = await startRoster(env);
  const owner = await signUp(server, 'owner@example.com', 'Olga');
  const members = [];
  for (const [email, role] of [['ed@example.com', 'EDITOR'], ['nora@example.com', 'NORMAL'], ['nick@example.com', 'NORMAL']]) {
    const user = await signUp(server, email, email.split('@')[0]);
    await gql(
      server.base,
      'mutation Invite($i: InviteMembersInput!) { inviteMembers(input: $i) { results { status } } }',
      { i: { workspaceId: owner.workspace, emails: [email], role } },
      owner.token,
    );
    members.push({ ...user, email, role });
  }
  return { server, owner, members };
}

/** Runs `body` with a seeded server, stops it whatever happens; prints the outcome. */
export async function run(name, body, env = {}) {
  let setup;
  try {
    setup = await seeded(env);
    await body(setup);
    console.log(`clients: ${name}: ok`);
  } catch (e) {
    console.error(`clients: ${name}: FAILED\n${e.stack || e}`);
    if (setup) console.error(setup.server.output.slice(-20).join('\n'));
    process.exitCode = 1;
  } finally {
    if (setup) await stopRoster(setup.server);
  }
}

export const MEMBERS = `query Members($id: ID!) {
  workspace(id: $id) {
    id
    members(first: 20) { totalCount nodes { id role account { id email } } }
  }
}`;
