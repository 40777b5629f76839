// Apollo Client 4 with InMemoryCache's defaults (no typePolicies): members are normalized by
// `__typename` + `id`, so a role change shows in the cached list without a refetch, and a
// removed member is evicted by `cache.identify`. Then the APQ link, over GET.
//
// Before Member had an id: `cache.identify(member)` was undefined and the cached list kept the
// old role until a refetch (issue 20).

import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import * as persisted from '@apollo/client/link/persisted-queries';

import { MEMBERS, assert, run } from './helpers.mjs';

const UPDATE_ROLE = gql`
  mutation UpdateRole($w: ID!, $a: ID!, $r: Role!) {
    updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { id role }
  }
`;
const REMOVE = gql`
  mutation RemoveMember($w: ID!, $a: ID!) {
    removeMember(workspaceId: $w, accountId: $a) { removedMemberId workspace { id memberCount } }
  }
`;

/** fetch that records each request (method, body or query string). */
function countingFetch(log) {
  return (url, init = {}) => {
    log.push({ method: init.method || 'GET', url: String(url), body: init.body ? String(init.body) : '' });
    return fetch(url, init);
  };
}

await run('apollo', async ({ server, owner, members }) => {
  const requests = [];
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: new HttpLink({
      uri: `${server.base}/graphql`,
      headers: { authorization: `Bearer ${owner.token}` },
      fetch: countingFetch(requests),
    }),
  });
  const vars = { id: owner.workspace };
  const { data } = await client.query({ query: gql(MEMBERS), variables: vars });
  const ed = data.workspace.members.nodes.find((m) => m.account.email === 'ed@example.com');
  assert.equal(client.cache.identify(ed), `Member:${ed.id}`);

  const before = requests.length;
  await client.mutate({ mutation: UPDATE_ROLE, variables: { w: owner.workspace, a: members[0].id, r: 'ADMIN' } });
  const cached = client.readQuery({ query: gql(MEMBERS), variables: vars });
  assert.equal(cached.workspace.members.nodes.find((m) => m.id === ed.id).role, 'ADMIN');
  assert.equal(requests.length, before + 1, 'the mutation only: no refetch');

  await client.mutate({
    mutation: REMOVE,
    variables: { w: owner.workspace, a: members[0].id },
    update(cache, { data: { removeMember } }) {
      cache.evict({ id: cache.identify({ __typename: 'Member', id: removeMember.removedMemberId }) });
      cache.gc();
    },
  });
  const after = client.readQuery({ query: gql(MEMBERS), variables: vars });
  const ids = after.workspace.members.nodes.map((m) => m.id);
  assert.ok(!ids.includes(ed.id), 'the removed member is gone from the cached list');
  assert.equal(ids.length, 3);
  assert.equal(after.workspace.members.nodes.length, 3);

  // Automatic persisted queries: a hash over GET, the text once when the server does not know it.
  const sha256 = (text) => createHash('sha256').update(text).digest('hex');
  const options = { sha256, useGETForHashedQueries: true };
  const pqLink = persisted.PersistedQueryLink
    ? new persisted.PersistedQueryLink(options)
    : persisted.createPersistedQueryLink(options);
  const apqRequests = [];
  const apq = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      pqLink,
      new HttpLink({
        uri: `${server.base}/graphql`,
        headers: { authorization: `Bearer ${owner.token}` },
        fetch: countingFetch(apqRequests),
      }),
    ]),
  });
  const first = await apq.query({ query: gql(MEMBERS), variables: vars, fetchPolicy: 'network-only' });
  assert.equal(first.data.workspace.members.totalCount, 3);
  const second = await apq.query({ query: gql(MEMBERS), variables: vars, fetchPolicy: 'network-only' });
  assert.equal(second.data.workspace.members.totalCount, 3);
  const last = apqRequests.at(-1);
  assert.equal(last.method, 'GET');
  assert.ok(last.url.includes('persistedQuery') && !last.url.includes('query=query'), `hash only: ${last.url}`);
  assert.ok(apqRequests.length <= 3, `${apqRequests.length} requests for two queries`);
});
