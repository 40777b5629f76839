// urql with Graphcache 9 and no `keys` config: every object of the members page has a key
// (`Member.id`), so Graphcache warns about none, and a role change updates the cached list.
// A removal invalidates the member by `removedMemberId`; the list then reads without it.
//
// Before Member had an id: Graphcache warned `Invalid key ... create a custom keys config for
// Member` and kept the old role (issue 20).

import { Client, fetchExchange, gql } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';

import { MEMBERS, assert, run } from './helpers.mjs';

const UPDATE_ROLE = gql`
  mutation UpdateRole($w: ID!, $a: ID!, $r: Role!) {
    updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { id role }
  }
`;
const REMOVE = gql`
  mutation RemoveMember($w: ID!, $a: ID!) {
    removeMember(workspaceId: $w, accountId: $a) { removedMemberId }
  }
`;

const warnings = [];
const warn = console.warn;
console.warn = (...args) => {
  warnings.push(args.join(' '));
};

await run('urql', async ({ server, owner, members }) => {
  let fetches = 0;
  const client = new Client({
    url: `${server.base}/graphql`,
    exchanges: [
      cacheExchange({
        updates: {
          Mutation: {
            removeMember(result, _args, cache) {
              cache.invalidate({ __typename: 'Member', id: result.removeMember.removedMemberId });
            },
          },
        },
      }),
      fetchExchange,
    ],
    fetch: (url, init) => {
      fetches += 1;
      return fetch(url, init);
    },
    fetchOptions: () => ({ headers: { authorization: `Bearer ${owner.token}` } }),
  });
  const vars = { id: owner.workspace };
  const first = await client.query(MEMBERS, vars).toPromise();
  assert.ifError(first.error);
  const ed = first.data.workspace.members.nodes.find((m) => m.account.email === 'ed@example.com');

  const changed = await client
    .mutation(UPDATE_ROLE, { w: owner.workspace, a: members[0].id, r: 'ADMIN' })
    .toPromise();
  assert.ifError(changed.error);
  const before = fetches;
  const cached = await client.query(MEMBERS, vars, { requestPolicy: 'cache-only' }).toPromise();
  assert.equal(cached.data.workspace.members.nodes.find((m) => m.id === ed.id).role, 'ADMIN');
  assert.equal(fetches, before, 'read from the cache');

  const removed = await client.mutation(REMOVE, { w: owner.workspace, a: members[0].id }).toPromise();
  assert.ifError(removed.error);
  const after = await client.query(MEMBERS, vars).toPromise();
  assert.ok(!after.data.workspace.members.nodes.some((m) => m.id === ed.id), 'the member is gone');

  const keyWarnings = warnings.filter((w) => w.includes('Invalid key'));
  assert.deepEqual(keyWarnings, [], 'Graphcache found a key for every object');
});
console.warn = warn;
if (warnings.length) console.error(`clients: urql: console.warn said:\n${warnings.join('\n')}`);
