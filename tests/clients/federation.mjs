// Apollo Federation: Roster (ROSTER_FEDERATION=true) composed with a small second subgraph that
// extends Account (npm @apollo/composition), served through @apollo/gateway, and one query that
// joins both: Roster's `me`/`workspaces` with the other subgraph's `Account.pronouns`, and the
// other subgraph's `featured` account resolved by Roster's `_entities` (with the client's token,
// so with Roster's authorization).

import { composeServices } from '@apollo/composition';
import { ApolloGateway, LocalGraphQLDataSource, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

import { assert, gql, run } from './helpers.mjs';

await run(
  'federation',
  async ({ server, owner, members }) => {
    const { _service } = await gql(server.base, '{ _service { sdl } }', {}, owner.token);
    const profiles = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Account @key(fields: "id") { id: ID! pronouns: String }
      type Query { featured: Account }
    `);
    const profileSchema = buildSubgraphSchema({
      typeDefs: profiles,
      resolvers: {
        Account: { __resolveReference: (ref) => ({ id: ref.id, pronouns: `pronouns of ${ref.id}` }) },
        Query: { featured: () => ({ id: members[1].id, pronouns: `pronouns of ${members[1].id}` }) },
      },
    });
    const composed = composeServices([
      { name: 'roster', typeDefs: parse(_service.sdl), url: `${server.base}/graphql` },
      { name: 'profiles', typeDefs: profiles, url: 'local://profiles' },
    ]);
    assert.deepEqual(composed.errors ?? [], [], 'composition succeeds');

    const gateway = new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService({ name, url }) {
        if (name === 'profiles') return new LocalGraphQLDataSource(profileSchema);
        return new RemoteGraphQLDataSource({
          url,
          willSendRequest({ request, context }) {
            request.http.headers.set('authorization', context.authorization);
          },
        });
      },
    });
    const apollo = new ApolloServer({ gateway });
    await apollo.start();
    try {
      const response = await apollo.executeOperation(
        { query: '{ me { id email pronouns } workspaces { id name } featured { id email name pronouns } }' },
        { contextValue: { authorization: `Bearer ${owner.token}` } },
      );
      const result = response.body.singleResult;
      assert.deepEqual(result.errors ?? [], [], JSON.stringify(result.errors));
      assert.equal(result.data.me.email, "owner@example.com", JSON.stringify(result));
      assert.equal(result.data.me.pronouns, `pronouns of ${owner.id}`, JSON.stringify(result));
      assert.equal(result.data.workspaces[0].id, owner.workspace);
      assert.equal(result.data.featured.email, 'nora@example.com', 'resolved by Roster _entities');
      assert.equal(result.data.featured.pronouns, `pronouns of ${members[1].id}`);

      // An outsider's token: Roster resolves the entity it may not see to null.
      const { token } = await signUpOutsider(server);
      const outsider = await apollo.executeOperation(
        { query: '{ featured { id email } }' },
        { contextValue: { authorization: `Bearer ${token}` } },
      );
      assert.equal(outsider.body.singleResult.data?.featured?.email ?? null, null);
    } finally {
      await apollo.stop();
    }
  },
  { ROSTER_FEDERATION: 'true' },
);

async function signUpOutsider(server) {
  const data = await gql(
    server.base,
    'mutation SignUp($i: SignUpInput!) { signUp(input: $i) { accessToken } }',
    { i: { email: 'outsider@example.com', name: 'Out', password: 'correct horse battery' } },
  );
  return { token: data.signUp.accessToken };
}
