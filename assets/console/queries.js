// Every GraphQL document the console sends. Only public API (SPEC section 4).

const AUTH_FIELDS = 'accessToken refreshToken expiresIn account { id }';

export const SIGN_UP = `mutation SignUp($i: SignUpInput!) { signUp(input: $i) { ${AUTH_FIELDS} } }`;
export const LOGIN = `mutation Login($i: LoginInput!) { login(input: $i) { ${AUTH_FIELDS} } }`;
export const REFRESH = `mutation Refresh($t: String!) { refreshToken(refreshToken: $t) { ${AUTH_FIELDS} } }`;
export const LOGOUT = 'mutation Logout($t: String!) { logout(refreshToken: $t) }';
export const REQUEST_RESET = 'mutation RequestReset($e: String!) { requestPasswordReset(email: $e) }';
export const SEND_VERIFICATION = 'mutation SendVerification { sendVerificationEmail }';
export const CHANGE_PASSWORD = 'mutation ChangePassword($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }';

export const SERVER_INFO = 'query ServerInfo { serverInfo { version emailEnabled signupEnabled maxMembers transferRequiresCode inviteLimit } }';

const WORKSPACE_FIELDS = 'id name viewerRole memberCount';

/** The viewer and their workspaces: everything the header needs. */
export const ME = `query Me {
  me { id email name language emailVerified }
  workspaces { ${WORKSPACE_FIELDS} }
}`;

export const WORKSPACE = `query Workspace($id: ID!) {
  workspace(id: $id) { ${WORKSPACE_FIELDS} createdAt owner { id name email } }
}`;

export const MEMBERS = `query Members($id: ID!, $first: Int!, $after: String, $roles: [Role!], $status: AccountStatus, $search: String) {
  workspace(id: $id) {
    id viewerRole memberCount
    members(first: $first, after: $after, roles: $roles, status: $status, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id role status createdAt
        account { id name email }
        invitedBy { id name email }
      }
    }
  }
}`;

export const AUDIT_LOG = `query AuditLog($id: ID!, $first: Int!, $after: String) {
  workspace(id: $id) {
    id
    auditLog(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id action oldRole newRole createdAt targetEmail
        actor { id name email }
        actorApiKey { id name }
        target { id name email }
      }
    }
  }
}`;

const API_KEY_FIELDS = 'id name role prefix createdBy { id name email } createdAt lastUsedAt expiresAt revokedAt';

export const API_KEYS = `query ApiKeys($id: ID!) { workspace(id: $id) { id apiKeys { ${API_KEY_FIELDS} } } }`;
export const CREATE_API_KEY = `mutation CreateApiKey($i: CreateApiKeyInput!) {
  createApiKey(input: $i) { secret apiKey { ${API_KEY_FIELDS} } }
}`;
export const REVOKE_API_KEY = `mutation RevokeApiKey($w: ID!, $k: ID!) { revokeApiKey(workspaceId: $w, id: $k) { ${API_KEY_FIELDS} } }`;

export const CREATE_WORKSPACE = `mutation CreateWorkspace($name: String!) { createWorkspace(name: $name) { ${WORKSPACE_FIELDS} } }`;
export const RENAME_WORKSPACE = `mutation RenameWorkspace($id: ID!, $name: String!) { renameWorkspace(workspaceId: $id, name: $name) { ${WORKSPACE_FIELDS} } }`;

export const INVITE = `mutation Invite($i: InviteMembersInput!) {
  inviteMembers(input: $i) { results { email status message activationUrl member { id role status account { id } } } }
}`;

export const UPDATE_ROLE = `mutation UpdateRole($w: ID!, $a: ID!, $r: Role!) {
  updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { id role }
}`;
export const REMOVE_MEMBER = 'mutation RemoveMember($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId removedMemberId } }';
export const RESEND = 'mutation Resend($w: ID!, $a: ID!) { resendInvitation(workspaceId: $w, accountId: $a) { email status message activationUrl } }';
export const REVOKE = 'mutation Revoke($w: ID!, $a: ID!) { revokeInvitation(workspaceId: $w, accountId: $a) }';
export const LEAVE = 'mutation Leave($w: ID!) { leaveWorkspace(workspaceId: $w) }';
export const SEND_TRANSFER_CODE = 'mutation SendTransferCode($w: ID!) { sendOwnershipTransferCode(workspaceId: $w) }';
export const TRANSFER = `mutation Transfer($w: ID!, $a: ID!, $c: String) {
  transferOwnership(workspaceId: $w, accountId: $a, code: $c) { ${WORKSPACE_FIELDS} owner { id name } }
}`;

export const MEMBER_EVENTS = `subscription MemberEvents($w: ID!) {
  memberEvents(workspaceId: $w) {
    id memberId action oldRole newRole createdAt targetEmail
    actor { id name email }
    actorApiKey { id name }
    target { id name email }
  }
}`;
