// English and Simplified Chinese. The language comes from the account (`language`: en-US or
// zh-Hans) unless the user picked one with the switch (kept in localStorage); before sign-in,
// from the browser.

const STORAGE_KEY = 'roster.language';
export const LANGUAGES = [
  { code: 'en-US', label: 'English' },
  { code: 'zh-Hans', label: '简体中文' },
];

const en = {
  'app.name': 'Roster',
  'app.title': '{page} – Roster',
  'common.close': 'Close',
  'common.cancel': 'Cancel',
  'common.save': 'Save',
  'common.loading': 'Loading…',
  'common.retry': 'Try again',
  'common.language': 'Language',
  'common.you': 'you',
  'common.none': '—',
  'common.email': 'Email',
  'common.password': 'Password',
  'common.name': 'Name',
  'common.skip': 'Skip to content',
  'common.deletedAccount': 'a deleted account',

  'role.OWNER': 'Owner',
  'role.ADMIN': 'Admin',
  'role.EDITOR': 'Editor',
  'role.NORMAL': 'Member',
  'role.DATASET_OPERATOR': 'Dataset operator',
  'roleHint.ADMIN': 'Manages members and settings.',
  'roleHint.EDITOR': 'Builds and edits.',
  'roleHint.NORMAL': 'Uses what the workspace offers.',
  'roleHint.DATASET_OPERATOR': 'Works only on knowledge.',
  'status.ACTIVE': 'Active',
  'status.PENDING': 'Pending',
  'status.BANNED': 'Banned',

  'auth.signIn': 'Sign in',
  'auth.signInTitle': 'Sign in to Roster',
  'auth.signUp': 'Create account',
  'auth.signUpTitle': 'Create your Roster account',
  'auth.signUpHint': 'You get a workspace of your own; invite your team to it.',
  'auth.noAccount': 'New here?',
  'auth.haveAccount': 'Already have an account?',
  'auth.forgot': 'Forgot password?',
  'auth.forgotTitle': 'Reset your password',
  'auth.forgotIntro': 'Enter your account’s email address and we will send you a link to choose a new password.',
  'auth.forgotSend': 'Send reset link',
  'auth.forgotSent': 'If an account exists for {email}, a link to reset its password is on its way. It works for 30 minutes.',
  'auth.backToSignIn': 'Back to sign in',
  'auth.yourName': 'Your name',
  'auth.passwordHint': 'At least 8 characters.',
  'auth.confirmPassword': 'Confirm password',
  'auth.badCredentials': 'The email or password is incorrect.',
  'auth.signupDisabled': 'Sign-up is turned off on this server. Ask a workspace admin to invite you.',
  'auth.signOut': 'Sign out',
  'auth.signedOut': 'You have been signed out.',
  'auth.sessionEnded': 'Your session has ended. Please sign in again.',

  'check.email': 'Enter an email address.',
  'check.emailFormat': 'Enter a valid email address, like name@example.com.',
  'check.name': 'Enter a name.',
  'check.nameLong': 'Use at most 100 characters.',
  'check.password': 'Enter your password.',
  'check.passwordShort': 'Use at least 8 characters.',
  'check.passwordLong': 'Use at most 128 characters.',
  'check.confirm': 'The passwords do not match.',
  'check.code': 'Enter the 6-digit code from the email.',
  'check.pickMember': 'Choose the new owner.',

  'shell.workspace': 'Workspace',
  'shell.chooseWorkspace': 'Choose…',
  'shell.newWorkspace': 'New workspace',
  'shell.nav': 'Workspace pages',
  'shell.members': 'Members',
  'shell.audit': 'Audit log',
  'shell.settings': 'Settings',
  'shell.account': 'Signed in as {name}',
  'shell.live': 'Live',
  'shell.connecting': 'Connecting…',
  'shell.offline': 'Offline – reconnecting',
  'shell.liveHint': 'Changes made by others appear here as they happen.',
  'verify.banner': 'Please verify your email address: we sent a link to {email}. Until then you cannot invite anyone.',
  'verify.resend': 'Resend verification email',
  'verify.sent': 'Verification email sent to {email}.',
  'newWorkspace.title': 'Create a workspace',
  'newWorkspace.name': 'Workspace name',
  'newWorkspace.create': 'Create workspace',
  'newWorkspace.created': 'Workspace “{name}” created.',
  'noWorkspace.title': 'You are not in any workspace',
  'noWorkspace.body': 'Create a workspace of your own, or ask an admin to invite you to theirs.',
  'notFound.title': 'Page not found',
  'notFound.body': 'There is nothing at this address.',
  'notFound.workspace': 'This workspace does not exist, or you are not a member of it.',
  'notFound.home': 'Go to my workspaces',

  'members.title': 'Members',
  'members.count': '{count} members',
  'members.count1': '1 member',
  'members.invite': 'Invite members',
  'members.search': 'Search',
  'members.searchPlaceholder': 'Name or email',
  'members.role': 'Role',
  'members.allRoles': 'All roles',
  'members.status': 'Status',
  'members.allStatuses': 'All statuses',
  'members.colMember': 'Member',
  'members.colRole': 'Role',
  'members.colStatus': 'Status',
  'members.colInvitedBy': 'Invited by',
  'members.colJoined': 'Joined',
  'members.invitedOn': 'invited',
  'members.colActions': 'Actions',
  'members.manage': 'Manage',
  'members.manageLabel': 'Manage {name}',
  'members.pendingNote': 'Invitation not accepted yet',
  'members.empty': 'No members match these filters.',
  'members.alone': 'Only you so far. Bring your team in with “Invite members”.',
  'members.clearFilters': 'Clear filters',
  'members.range': 'Showing {from}–{to} of {total}',
  'members.prev': 'Previous page',
  'members.next': 'Next page',
  'members.pager': 'Pages',
  'members.table': 'Members of {workspace}',
  'members.readOnly': 'Only owners and admins manage members.',

  'member.title': 'Manage {name}',
  'member.changeRole': 'Role',
  'member.saveRole': 'Save role',
  'member.roleSaved': '{name} is now {role}.',
  'member.invitation': 'Invitation',
  'member.invitationHint': '{name} has not accepted the invitation yet.',
  'member.resend': 'Resend invitation',
  'member.resent': 'A new invitation was emailed to {email}; the previous link no longer works.',
  'member.revoke': 'Revoke invitation link',
  'member.revoked': 'The invitation link of {email} no longer works. {name} stays listed until removed.',
  'member.revokedNone': 'There was no live invitation link to revoke.',
  'member.remove': 'Remove from workspace',
  'member.removeTitle': 'Remove {name}?',
  'member.removeBody': '{name} ({email}) loses access to {workspace} at once. Their account and other workspaces are kept.',
  'member.removeConfirm': 'Remove member',
  'member.removed': '{name} was removed from the workspace.',
  'member.link': 'Invitation link (share it only with {email})',

  'invite.title': 'Invite members',
  'invite.emails': 'Email addresses',
  'invite.emailsHint': 'Paste a list: separate addresses with commas, spaces or new lines. Up to {limit} at once.',
  'invite.count': '{count} addresses',
  'invite.count1': '1 address',
  'invite.role': 'Role',
  'invite.language': 'Language of the invitation email',
  'invite.send': 'Send invitations',
  'invite.none': 'Enter at least one email address.',
  'invite.verifyFirst': 'Verify your email address before inviting anyone: open the link we sent to {email}, or use “Resend verification email” above.',
  'invite.tooMany': 'At most {limit} addresses at once; you entered {count}.',
  'invite.results': 'Results',
  'invite.summary': '{ok} of {total} addresses done.',
  'invite.more': 'Invite more',
  'invite.done': 'Done',
  'invite.result.INVITED': 'Invited: an invitation email with an activation link was sent.',
  'invite.result.ADDED': 'Added: they already had an account, joined at once and were notified.',
  'invite.result.RESENT': 'Invitation sent again: the previous link no longer works.',
  'invite.result.ALREADY_MEMBER': 'Already a member: nothing changed.',
  'invite.result.INVALID_EMAIL': 'Not a valid email address.',
  'invite.result.FAILED': 'Could not be invited.',
  'invite.status.INVITED': 'Invited',
  'invite.status.ADDED': 'Added',
  'invite.status.RESENT': 'Resent',
  'invite.status.ALREADY_MEMBER': 'Already a member',
  'invite.status.INVALID_EMAIL': 'Invalid email',
  'invite.status.FAILED': 'Failed',

  'audit.title': 'Audit log',
  'audit.intro': 'Every change to this workspace’s membership, newest first.',
  'audit.colWhen': 'When',
  'audit.colWho': 'Who',
  'audit.colWhat': 'What happened',
  'audit.more': 'Load older events',
  'audit.empty': 'Nothing has happened yet.',
  'audit.total': '{count} events',
  'audit.table': 'Audit log of {workspace}',
  'audit.WORKSPACE_CREATED': 'created the workspace',
  'audit.WORKSPACE_RENAMED': 'renamed the workspace',
  'audit.MEMBER_INVITED': 'invited {target} as {newRole}',
  'audit.MEMBER_ADDED': 'added {target} as {newRole}',
  'audit.INVITATION_RESENT': 'sent {target} a new invitation',
  'audit.INVITATION_REVOKED': 'revoked the invitation of {target}',
  'audit.ACCOUNT_ACTIVATED': 'accepted the invitation',
  'audit.MEMBER_REMOVED': 'removed {target}',
  'audit.MEMBER_LEFT': 'left the workspace',
  'audit.ROLE_CHANGED': 'changed the role of {target} from {oldRole} to {newRole}',
  'audit.OWNERSHIP_TRANSFER_CODE_SENT': 'asked for an ownership transfer code',
  'audit.OWNERSHIP_TRANSFERRED': 'made {target} the owner',
  'audit.API_KEY_CREATED': 'created an API key with the role {newRole}',
  'audit.API_KEY_REVOKED': 'revoked an API key with the role {oldRole}',
  'audit.byKey': 'API key “{name}”',
  'apiKeys.title': 'API keys',
  'apiKeys.hint': 'A key lets a program act in this workspace with one role, without a person’s password. It cannot make keys, transfer ownership or use anyone’s account.',
  'apiKeys.none': 'No API keys yet.',
  'apiKeys.create': 'Create API key',
  'apiKeys.createTitle': 'Create an API key',
  'apiKeys.name': 'Name',
  'apiKeys.role': 'Role',
  'apiKeys.lastUsed': 'Last used',
  'apiKeys.never': 'Never',
  'apiKeys.state': 'Status',
  'apiKeys.actions': 'Actions',
  'apiKeys.active': 'Active',
  'apiKeys.expired': 'Expired',
  'apiKeys.revoked': 'Revoked',
  'apiKeys.expires': 'Expires {date}',
  'apiKeys.expiry': 'Expires on (optional)',
  'apiKeys.expiryHint': 'Leave empty for a key that does not expire.',
  'apiKeys.expiryPast': 'Choose a date in the future.',
  'apiKeys.secret': 'Secret',
  'apiKeys.once': 'Copy the secret of “{name}” now. It is shown only this once: Roster keeps only a hash of it.',
  'apiKeys.copy': 'Copy',
  'apiKeys.copied': 'Copied.',
  'apiKeys.copyByHand': 'Select the text and copy it.',
  'apiKeys.done': 'Done',
  'apiKeys.revoke': 'Revoke',
  'apiKeys.revokeNamed': 'Revoke {name}',
  'apiKeys.revokeTitle': 'Revoke “{name}”?',
  'apiKeys.revokeBody': 'Programs using “{name}” (made by {by}) are refused from their next request. This cannot be undone.',
  'apiKeys.revokedToast': 'API key “{name}” revoked.',
  'live.event': '{actor} {what}.',
  'live.removedYou': 'You are no longer a member of {workspace}.',
  'live.roleChanged': 'Your role in {workspace} is now {role}.',

  'settings.title': 'Settings',
  'settings.name': 'Workspace name',
  'settings.rename': 'Rename',
  'settings.renamed': 'The workspace is now called “{name}”.',
  'settings.nameReadOnly': 'Only owners and admins can rename the workspace.',
  'settings.created': 'Created {date}',
  'settings.ownership': 'Ownership',
  'settings.owner': 'Owner: {name} ({email})',
  'settings.transfer': 'Transfer ownership',
  'settings.transferHint': 'Make an active member the owner. You become an admin.',
  'settings.leave': 'Leave workspace',
  'settings.leaveHint': 'You lose access to this workspace at once.',
  'settings.leaveOwner': 'The owner cannot leave. Transfer ownership first.',
  'settings.leaveTitle': 'Leave {workspace}?',
  'settings.leaveBody': 'You lose access to {workspace} at once. To come back, an admin must invite you again.',
  'settings.left': 'You left {workspace}.',
  'settings.account': 'Your account',
  'settings.changePassword': 'Change password',
  'settings.currentPassword': 'Current password',
  'settings.newPassword': 'New password',
  'settings.passwordChanged': 'Password changed. Your other sessions were signed out.',

  'transfer.title': 'Transfer ownership of {workspace}',
  'transfer.step1': 'For safety, a 6-digit code is emailed to you ({email}) first. It is valid for 5 minutes.',
  'transfer.sendCode': 'Email me a code',
  'transfer.haveCode': 'I already have a code',
  'transfer.codeSent': 'Code sent to {email}.',
  'transfer.code': 'Code from the email',
  'transfer.newOwner': 'New owner',
  'transfer.searchMembers': 'Find an active member',
  'transfer.noCandidates': 'No other active member matches. Only active members can become the owner.',
  'transfer.warning': 'You will become an admin of {workspace}. This cannot be undone by you.',
  'transfer.confirm': 'Transfer ownership',
  'transfer.done': '{name} is now the owner of {workspace}.',

  'error.UNAUTHENTICATED': 'Your session has ended. Please sign in again.',
  'error.FORBIDDEN': 'You are not allowed to do this.',
  'error.NOT_FOUND': 'It no longer exists, or you are not a member of this workspace.',
  'error.BAD_USER_INPUT': 'Please check what you entered.',
  'error.CONFLICT': 'This cannot be done right now.',
  'error.LIMIT_EXCEEDED': 'This workspace has reached its member limit.',
  'error.RATE_LIMITED': 'Too many attempts. Try again in {seconds} seconds.',
  'error.RATE_LIMITED_SOON': 'Too many attempts. Try again in a moment.',
  'error.QUERY_TOO_COMPLEX': 'The request was too large for the server.',
  'error.INTERNAL': 'Something went wrong on the server. Please try again.',
  'error.NETWORK': 'Could not reach the server. Check your connection and try again.',
  'error.BAD_RESPONSE': 'The server sent an unexpected answer. Please try again in a moment.',
  'error.detail': '{sentence} {detail}.',
};

const zh = {
  'app.name': 'Roster',
  'app.title': '{page} – Roster',
  'common.close': '关闭',
  'common.cancel': '取消',
  'common.save': '保存',
  'common.loading': '加载中…',
  'common.retry': '重试',
  'common.language': '语言',
  'common.you': '你',
  'common.none': '—',
  'common.email': '邮箱',
  'common.password': '密码',
  'common.name': '名称',
  'common.skip': '跳到正文',
  'common.deletedAccount': '已删除的账号',

  'role.OWNER': '所有者',
  'role.ADMIN': '管理员',
  'role.EDITOR': '编辑',
  'role.NORMAL': '成员',
  'role.DATASET_OPERATOR': '知识库管理员',
  'roleHint.ADMIN': '管理成员和设置。',
  'roleHint.EDITOR': '构建和编辑。',
  'roleHint.NORMAL': '使用工作空间提供的内容。',
  'roleHint.DATASET_OPERATOR': '只能处理知识库。',
  'status.ACTIVE': '已激活',
  'status.PENDING': '待接受',
  'status.BANNED': '已封禁',

  'auth.signIn': '登录',
  'auth.signInTitle': '登录 Roster',
  'auth.signUp': '创建账号',
  'auth.signUpTitle': '创建你的 Roster 账号',
  'auth.signUpHint': '你会得到一个自己的工作空间，可以邀请团队加入。',
  'auth.noAccount': '还没有账号？',
  'auth.haveAccount': '已有账号？',
  'auth.forgot': '忘记密码？',
  'auth.forgotTitle': '重置密码',
  'auth.forgotIntro': '输入账号的邮箱地址，我们会发送一个设置新密码的链接。',
  'auth.forgotSend': '发送重置链接',
  'auth.forgotSent': '如果 {email} 有对应的账号，重置密码的链接已发出，30 分钟内有效。',
  'auth.backToSignIn': '返回登录',
  'auth.yourName': '你的名字',
  'auth.passwordHint': '至少 8 个字符。',
  'auth.confirmPassword': '确认密码',
  'auth.badCredentials': '邮箱或密码不正确。',
  'auth.signupDisabled': '此服务器已关闭注册。请让工作空间管理员邀请你。',
  'auth.signOut': '退出登录',
  'auth.signedOut': '你已退出登录。',
  'auth.sessionEnded': '登录已过期，请重新登录。',

  'check.email': '请输入邮箱地址。',
  'check.emailFormat': '请输入有效的邮箱地址，例如 name@example.com。',
  'check.name': '请输入名称。',
  'check.nameLong': '最多 100 个字符。',
  'check.password': '请输入密码。',
  'check.passwordShort': '至少 8 个字符。',
  'check.passwordLong': '最多 128 个字符。',
  'check.confirm': '两次输入的密码不一致。',
  'check.code': '请输入邮件中的 6 位验证码。',
  'check.pickMember': '请选择新的所有者。',

  'shell.workspace': '工作空间',
  'shell.chooseWorkspace': '选择…',
  'shell.newWorkspace': '新建工作空间',
  'shell.nav': '工作空间页面',
  'shell.members': '成员',
  'shell.audit': '审计日志',
  'shell.settings': '设置',
  'shell.account': '当前账号：{name}',
  'shell.live': '实时',
  'shell.connecting': '连接中…',
  'shell.offline': '离线 – 正在重连',
  'shell.liveHint': '其他人做的更改会实时显示在这里。',
  'verify.banner': '请验证你的邮箱：验证链接已发送到 {email}。验证之前你不能邀请成员。',
  'verify.resend': '重新发送验证邮件',
  'verify.sent': '验证邮件已发送到 {email}。',
  'newWorkspace.title': '新建工作空间',
  'newWorkspace.name': '工作空间名称',
  'newWorkspace.create': '创建工作空间',
  'newWorkspace.created': '已创建工作空间“{name}”。',
  'noWorkspace.title': '你还不在任何工作空间中',
  'noWorkspace.body': '新建一个自己的工作空间，或请管理员邀请你加入。',
  'notFound.title': '页面不存在',
  'notFound.body': '这个地址没有内容。',
  'notFound.workspace': '这个工作空间不存在，或者你不是它的成员。',
  'notFound.home': '前往我的工作空间',

  'members.title': '成员',
  'members.count': '{count} 位成员',
  'members.count1': '1 位成员',
  'members.invite': '邀请成员',
  'members.search': '搜索',
  'members.searchPlaceholder': '名字或邮箱',
  'members.role': '角色',
  'members.allRoles': '所有角色',
  'members.status': '状态',
  'members.allStatuses': '所有状态',
  'members.colMember': '成员',
  'members.colRole': '角色',
  'members.colStatus': '状态',
  'members.colInvitedBy': '邀请人',
  'members.colJoined': '加入时间',
  'members.invitedOn': '邀请于',
  'members.colActions': '操作',
  'members.manage': '管理',
  'members.manageLabel': '管理 {name}',
  'members.pendingNote': '尚未接受邀请',
  'members.empty': '没有符合筛选条件的成员。',
  'members.alone': '目前只有你一个人。用“邀请成员”把团队拉进来吧。',
  'members.clearFilters': '清除筛选',
  'members.range': '第 {from}–{to} 位，共 {total} 位',
  'members.prev': '上一页',
  'members.next': '下一页',
  'members.pager': '翻页',
  'members.table': '{workspace} 的成员',
  'members.readOnly': '只有所有者和管理员可以管理成员。',

  'member.title': '管理 {name}',
  'member.changeRole': '角色',
  'member.saveRole': '保存角色',
  'member.roleSaved': '{name} 现在是{role}。',
  'member.invitation': '邀请',
  'member.invitationHint': '{name} 还没有接受邀请。',
  'member.resend': '重新发送邀请',
  'member.resent': '新的邀请已发送到 {email}，之前的链接已失效。',
  'member.revoke': '撤销邀请链接',
  'member.revoked': '{email} 的邀请链接已失效。{name} 会保留在列表中，直到被移除。',
  'member.revokedNone': '没有可撤销的有效邀请链接。',
  'member.remove': '从工作空间移除',
  'member.removeTitle': '移除 {name}？',
  'member.removeBody': '{name}（{email}）将立即失去 {workspace} 的访问权限。其账号和其他工作空间会保留。',
  'member.removeConfirm': '移除成员',
  'member.removed': '已将 {name} 移出工作空间。',
  'member.link': '邀请链接（只分享给 {email}）',

  'invite.title': '邀请成员',
  'invite.emails': '邮箱地址',
  'invite.emailsHint': '可以粘贴一个列表：用逗号、空格或换行分隔。一次最多 {limit} 个。',
  'invite.count': '{count} 个地址',
  'invite.count1': '1 个地址',
  'invite.role': '角色',
  'invite.language': '邀请邮件的语言',
  'invite.send': '发送邀请',
  'invite.none': '请至少输入一个邮箱地址。',
  'invite.verifyFirst': '邀请成员之前请先验证邮箱：打开我们发到 {email} 的链接，或使用上方的“重新发送验证邮件”。',
  'invite.tooMany': '一次最多 {limit} 个地址，你输入了 {count} 个。',
  'invite.results': '结果',
  'invite.summary': '{total} 个地址中完成了 {ok} 个。',
  'invite.more': '继续邀请',
  'invite.done': '完成',
  'invite.result.INVITED': '已邀请：包含激活链接的邀请邮件已发出。',
  'invite.result.ADDED': '已加入：对方已有账号，已直接加入并收到通知。',
  'invite.result.RESENT': '已重新发送邀请：之前的链接已失效。',
  'invite.result.ALREADY_MEMBER': '已经是成员：没有变化。',
  'invite.result.INVALID_EMAIL': '不是有效的邮箱地址。',
  'invite.result.FAILED': '无法邀请。',
  'invite.status.INVITED': '已邀请',
  'invite.status.ADDED': '已加入',
  'invite.status.RESENT': '已重发',
  'invite.status.ALREADY_MEMBER': '已是成员',
  'invite.status.INVALID_EMAIL': '邮箱无效',
  'invite.status.FAILED': '失败',

  'audit.title': '审计日志',
  'audit.intro': '这个工作空间的所有成员变更，最新的在前。',
  'audit.colWhen': '时间',
  'audit.colWho': '操作人',
  'audit.colWhat': '事件',
  'audit.more': '加载更早的事件',
  'audit.empty': '还没有任何事件。',
  'audit.total': '共 {count} 条',
  'audit.table': '{workspace} 的审计日志',
  'audit.WORKSPACE_CREATED': '创建了工作空间',
  'audit.WORKSPACE_RENAMED': '重命名了工作空间',
  'audit.MEMBER_INVITED': '邀请 {target} 成为{newRole}',
  'audit.MEMBER_ADDED': '添加 {target} 为{newRole}',
  'audit.INVITATION_RESENT': '向 {target} 重新发送了邀请',
  'audit.INVITATION_REVOKED': '撤销了 {target} 的邀请',
  'audit.ACCOUNT_ACTIVATED': '接受了邀请',
  'audit.MEMBER_REMOVED': '移除了 {target}',
  'audit.MEMBER_LEFT': '离开了工作空间',
  'audit.ROLE_CHANGED': '将 {target} 的角色从{oldRole}改为{newRole}',
  'audit.OWNERSHIP_TRANSFER_CODE_SENT': '申请了所有权转移验证码',
  'audit.OWNERSHIP_TRANSFERRED': '将所有权转移给了 {target}',
  'audit.API_KEY_CREATED': '创建了角色为{newRole}的 API 密钥',
  'audit.API_KEY_REVOKED': '吊销了角色为{oldRole}的 API 密钥',
  'audit.byKey': 'API 密钥“{name}”',
  'apiKeys.title': 'API 密钥',
  'apiKeys.hint': '密钥让程序以一个角色在这个工作空间中操作，无需任何人的密码。它不能创建密钥、转移所有权或使用任何人的账号。',
  'apiKeys.none': '还没有 API 密钥。',
  'apiKeys.create': '创建 API 密钥',
  'apiKeys.createTitle': '创建 API 密钥',
  'apiKeys.name': '名称',
  'apiKeys.role': '角色',
  'apiKeys.lastUsed': '上次使用',
  'apiKeys.never': '从未',
  'apiKeys.state': '状态',
  'apiKeys.actions': '操作',
  'apiKeys.active': '有效',
  'apiKeys.expired': '已过期',
  'apiKeys.revoked': '已吊销',
  'apiKeys.expires': '{date} 过期',
  'apiKeys.expiry': '过期日期（可选）',
  'apiKeys.expiryHint': '留空则密钥永不过期。',
  'apiKeys.expiryPast': '请选择今天之后的日期。',
  'apiKeys.secret': '密钥',
  'apiKeys.once': '请立即复制“{name}”的密钥。它只显示这一次：Roster 只保存它的哈希值。',
  'apiKeys.copy': '复制',
  'apiKeys.copied': '已复制。',
  'apiKeys.copyByHand': '请选中文本后手动复制。',
  'apiKeys.done': '完成',
  'apiKeys.revoke': '吊销',
  'apiKeys.revokeNamed': '吊销 {name}',
  'apiKeys.revokeTitle': '吊销“{name}”？',
  'apiKeys.revokeBody': '使用“{name}”（由 {by} 创建）的程序从下一次请求起会被拒绝。此操作无法撤销。',
  'apiKeys.revokedToast': 'API 密钥“{name}”已吊销。',
  'live.event': '{actor} {what}。',
  'live.removedYou': '你已不再是 {workspace} 的成员。',
  'live.roleChanged': '你在 {workspace} 的角色现在是{role}。',

  'settings.title': '设置',
  'settings.name': '工作空间名称',
  'settings.rename': '重命名',
  'settings.renamed': '工作空间已改名为“{name}”。',
  'settings.nameReadOnly': '只有所有者和管理员可以重命名工作空间。',
  'settings.created': '创建于 {date}',
  'settings.ownership': '所有权',
  'settings.owner': '所有者：{name}（{email}）',
  'settings.transfer': '转移所有权',
  'settings.transferHint': '让一位已激活的成员成为所有者，你将成为管理员。',
  'settings.leave': '离开工作空间',
  'settings.leaveHint': '你会立即失去这个工作空间的访问权限。',
  'settings.leaveOwner': '所有者不能离开，请先转移所有权。',
  'settings.leaveTitle': '离开 {workspace}？',
  'settings.leaveBody': '你会立即失去 {workspace} 的访问权限。如需回来，需要管理员重新邀请你。',
  'settings.left': '你已离开 {workspace}。',
  'settings.account': '你的账号',
  'settings.changePassword': '修改密码',
  'settings.currentPassword': '当前密码',
  'settings.newPassword': '新密码',
  'settings.passwordChanged': '密码已修改，你的其他会话已退出登录。',

  'transfer.title': '转移 {workspace} 的所有权',
  'transfer.step1': '为了安全，我们会先把 6 位验证码发送到你的邮箱（{email}），5 分钟内有效。',
  'transfer.sendCode': '发送验证码',
  'transfer.haveCode': '我已有验证码',
  'transfer.codeSent': '验证码已发送到 {email}。',
  'transfer.code': '邮件中的验证码',
  'transfer.newOwner': '新的所有者',
  'transfer.searchMembers': '查找已激活的成员',
  'transfer.noCandidates': '没有符合条件的其他已激活成员。只有已激活的成员可以成为所有者。',
  'transfer.warning': '你将成为 {workspace} 的管理员，且无法自行撤销。',
  'transfer.confirm': '转移所有权',
  'transfer.done': '{name} 现在是 {workspace} 的所有者。',

  'error.UNAUTHENTICATED': '登录已过期，请重新登录。',
  'error.FORBIDDEN': '你没有权限执行此操作。',
  'error.NOT_FOUND': '对象已不存在，或者你不是这个工作空间的成员。',
  'error.BAD_USER_INPUT': '请检查输入的内容。',
  'error.CONFLICT': '此操作现在无法完成。',
  'error.LIMIT_EXCEEDED': '这个工作空间的成员数已达上限。',
  'error.RATE_LIMITED': '尝试次数过多，请在 {seconds} 秒后重试。',
  'error.RATE_LIMITED_SOON': '尝试次数过多，请稍后重试。',
  'error.QUERY_TOO_COMPLEX': '请求过大，服务器无法处理。',
  'error.INTERNAL': '服务器出错了，请重试。',
  'error.NETWORK': '无法连接服务器，请检查网络后重试。',
  'error.BAD_RESPONSE': '服务器返回了意外的结果，请稍后重试。',
  'error.detail': '{sentence}（{detail}）',
};

const DICTIONARIES = { 'en-US': en, 'zh-Hans': zh };

let current = initialLanguage();
document.documentElement.lang = current === 'zh-Hans' ? 'zh-Hans' : 'en';
const listeners = new Set();

function initialLanguage() {
  const chosen = storedChoice();
  if (chosen) return chosen;
  const browser = (navigator.languages || [navigator.language || 'en']).map((l) => String(l).toLowerCase());
  return browser.some((l) => l.startsWith('zh')) ? 'zh-Hans' : 'en-US';
}

function storedChoice() {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return DICTIONARIES[v] ? v : null;
  } catch {
    return null;
  }
}

export const language = () => current;

/** The account's language applies unless the user picked one with the switch. */
export function useAccountLanguage(accountLanguage) {
  if (storedChoice()) return;
  apply(DICTIONARIES[accountLanguage] ? accountLanguage : 'en-US');
}

/** The switch: remembered in this browser. */
export function chooseLanguage(code) {
  if (!DICTIONARIES[code]) return;
  try { window.localStorage.setItem(STORAGE_KEY, code); } catch { /* not remembered */ }
  apply(code);
}

function apply(code) {
  if (code === current) return;
  current = code;
  document.documentElement.lang = code === 'zh-Hans' ? 'zh-Hans' : 'en';
  for (const fn of listeners) fn(code);
}

/** Calls `fn(code)` after the language changes (the app re-renders). */
export function onLanguageChange(fn) {
  listeners.add(fn);
}

/** The string `key` with `{name}` placeholders filled in. */
export function t(key, params = {}) {
  const template = DICTIONARIES[current][key] ?? en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export const roleName = (role) => t(`role.${role}`);
export const statusName = (status) => t(`status.${status}`);

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium' }).format(d);
}

export function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** "Ada (ada@example.com)" or the email alone. */
export function personName(account, fallbackEmail) {
  if (account) return account.name || account.email;
  return fallbackEmail || t('common.deletedAccount');
}

/**
 * An error as a sentence: a localized sentence for its code, plus the server's own message
 * (English, it explains the particular case) in brackets. Never JSON.
 */
export function errorText(error) {
  if (!error || !error.code) return t('error.INTERNAL');
  let sentence;
  if (error.code === 'RATE_LIMITED') {
    sentence = error.retryAfter ? t('error.RATE_LIMITED', { seconds: error.retryAfter }) : t('error.RATE_LIMITED_SOON');
    return sentence;
  }
  const key = `error.${error.code}`;
  sentence = DICTIONARIES[current][key] || en[key] ? t(key) : t('error.INTERNAL');
  const detail = serverDetail(error);
  if (!detail) return sentence;
  // In English the server's own sentence says it best when it is about the input or the state
  // ("The member already has this role."); a refusal keeps "You are not allowed to do this."
  if (current === 'en-US' && SPECIFIC.has(error.code)) return `${detail}.`;
  return t('error.detail', { sentence, detail });
}

const SPECIFIC = new Set(['BAD_USER_INPUT', 'CONFLICT', 'LIMIT_EXCEEDED']);

/** The server's message made readable ("you can only ..." -> "You can only ...."), if useful. */
function serverDetail(error) {
  const m = (error.serverMessage || '').trim();
  if (!m || ['NETWORK', 'BAD_RESPONSE', 'INTERNAL', 'UNAUTHENTICATED', 'QUERY_TOO_COMPLEX'].includes(error.code)) return '';
  if (/^internal error$/i.test(m)) return '';
  const capital = m.charAt(0).toUpperCase() + m.slice(1);
  return current === 'zh-Hans' ? capital : capital.replace(/[.!?]?$/, '');
}
