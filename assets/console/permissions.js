// Who may do what (SPEC section 2), from the viewer's role: the console offers only the controls
// the rule allows; the server still decides on every request.
//
// The rule: you act only on members ranked strictly below you, grant only roles ranked strictly
// below yours, never act on your own membership (except leaving), and OWNER moves only by
// transfer. Rank: OWNER > ADMIN > EDITOR = NORMAL = DATASET_OPERATOR.

export const ROLES = ['OWNER', 'ADMIN', 'EDITOR', 'NORMAL', 'DATASET_OPERATOR'];

const RANK = { OWNER: 3, ADMIN: 2, EDITOR: 1, NORMAL: 1, DATASET_OPERATOR: 1 };

export const rank = (role) => RANK[role] || 0;

/** Owners and admins manage the workspace. */
export const canManageWorkspace = (viewerRole) => rank(viewerRole) >= RANK.ADMIN;

export const canInvite = canManageWorkspace;
export const canRename = canManageWorkspace;
export const canSeeAudit = canManageWorkspace;
export const canManageKeys = canManageWorkspace;
export const canTransfer = (viewerRole) => viewerRole === 'OWNER';
export const canLeave = (viewerRole) => viewerRole !== 'OWNER';

/** Roles the viewer may grant (to an invitee or a member): those below their own, never OWNER. */
export function grantableRoles(viewerRole) {
  if (!canManageWorkspace(viewerRole)) return [];
  return ROLES.filter((r) => r !== 'OWNER' && rank(r) < rank(viewerRole));
}

/** May the viewer act on this member at all (remove, change role, resend, revoke)? */
export function canActOn(viewerRole, viewerId, member) {
  return canManageWorkspace(viewerRole)
    && member.account.id !== viewerId
    && rank(member.role) < rank(viewerRole);
}

/** What the viewer may do to one member. */
export function memberActions(viewerRole, viewerId, member) {
  const acts = canActOn(viewerRole, viewerId, member);
  const pending = member.status === 'PENDING';
  return {
    changeRole: acts && grantableRoles(viewerRole).length > 1,
    remove: acts,
    resend: acts && pending,
    revoke: acts && pending,
    any: acts,
  };
}
