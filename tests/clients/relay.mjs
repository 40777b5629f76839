// Relay: relay-compiler compiled `@refetchable` fragments on Workspace and Member (they need
// `Node` and `Query.node`) from relay/RosterRelay.js into relay/__generated__; here
// relay-runtime runs them against the server, refetches both by id through `node`, and applies
// `@deleteEdge` with `removeMember`'s `removedMemberId`.
//
// Before: relay-compiler refused `@refetchable` on Workspace and Member, and `@deleteEdge`
// removed nothing (edges 3 -> 3), the payload naming an account, not a member (issue 20).

import relay from 'relay-runtime';

import Query from './relay/__generated__/RosterRelayQuery.graphql.js';
import MemberRefetch from './relay/__generated__/RosterRelayMemberRefetchQuery.graphql.js';
import WorkspaceRefetch from './relay/__generated__/RosterRelayWorkspaceRefetchQuery.graphql.js';
import Remove from './relay/__generated__/RosterRelayRemoveMemberMutation.graphql.js';
import { assert, run } from './helpers.mjs';

const { ConnectionHandler, Environment, Network, RecordSource, Store, commitMutation, fetchQuery } = relay;

function edgesOf(env, workspace) {
  const record = env.getStore().getSource().get(workspace);
  assert.ok(record, 'the workspace is in the store under its id');
  const id = ConnectionHandler.getConnectionID(workspace, 'RosterRelay_members');
  const connection = env.getStore().getSource().get(id);
  assert.ok(connection, `connection ${id} in the store`);
  return connection.edges.__refs.filter((ref) => ref && env.getStore().getSource().get(ref));
}

await run('relay', async ({ server, owner, members }) => {
  const network = Network.create(async (params, variables) => {
    const res = await fetch(`${server.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ query: params.text, operationName: params.name, variables }),
    });
    return res.json();
  });
  const env = new Environment({ network, store: new Store(new RecordSource()) });
  const ws = owner.workspace;
  await fetchQuery(env, Query, { id: ws }).toPromise();
  const edges = edgesOf(env, ws);
  assert.equal(edges.length, 4);

  // The refetch queries of both fragments go through `node(id:)`.
  const again = await fetchQuery(env, WorkspaceRefetch, { id: ws }).toPromise();
  assert.ok(again.node && again.node.__fragments, `node(id: workspace): ${JSON.stringify(again)}`);
  const memberIds = Object.values(env.getStore().getSource().toJSON())
    .filter((r) => r.__typename === 'Member')
    .map((r) => r.__id);
  assert.equal(memberIds.length, 4);
  const member = await fetchQuery(env, MemberRefetch, { id: memberIds[1] }).toPromise();
  assert.ok(member.node && member.node.__fragments, `node(id: member): ${JSON.stringify(member)}`);

  const connection = ConnectionHandler.getConnectionID(ws, 'RosterRelay_members');
  await new Promise((resolve, reject) => {
    commitMutation(env, {
      mutation: Remove,
      variables: { w: ws, a: members[0].id, connections: [connection] },
      onCompleted: (_, errors) => (errors ? reject(new Error(JSON.stringify(errors))) : resolve()),
      onError: reject,
    });
  });
  const left = edgesOf(env, ws).filter((ref) => {
    const edge = env.getStore().getSource().get(ref);
    return edge && edge.node && edge.node.__ref;
  });
  assert.equal(left.length, 3, 'edges 4 -> 3');
});
