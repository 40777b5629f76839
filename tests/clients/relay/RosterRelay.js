// What relay-compiler compiles (never run: relay.mjs loads the generated artifacts).
// `@refetchable` on Workspace and Member needs them to implement Node with `Query.node`;
// `@deleteEdge` needs the removed edge's id (`removedMemberId`).

graphql`
  fragment RosterRelay_member on Member @refetchable(queryName: "RosterRelayMemberRefetchQuery") {
    id
    role
    account { id email }
  }
`;

graphql`
  fragment RosterRelay_workspace on Workspace
  @refetchable(queryName: "RosterRelayWorkspaceRefetchQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }) {
    id
    name
    members(first: $first, after: $after) @connection(key: "RosterRelay_members") {
      edges { node { id ...RosterRelay_member } }
    }
  }
`;

graphql`
  query RosterRelayQuery($id: ID!) {
    workspace(id: $id) { ...RosterRelay_workspace }
  }
`;

graphql`
  mutation RosterRelayRemoveMemberMutation($w: ID!, $a: ID!, $connections: [ID!]!) {
    removeMember(workspaceId: $w, accountId: $a) {
      removedMemberId @deleteEdge(connections: $connections)
    }
  }
`;
