// The members page: the workspace's members connection with paging, role and status filters
// and search; per-member management (offered from the viewer's role and the rank rule) and the
// invite dialog. Reloads itself when a live member event arrives.

import { debounce, h, replace } from '../dom.js';
import { formatDate, personName, roleName, statusName, t } from '../i18n.js';
import { ROLES, canInvite, memberActions } from '../permissions.js';
import { MEMBERS } from '../queries.js';
import { openInviteDialog } from './invite.js';
import { openMemberDialog } from './member-dialog.js';

export const PAGE_SIZE = 20;

export function mountMembers(app, container, workspace) {
  const params = new URLSearchParams(window.location.search);
  const state = {
    search: params.get('search') || '',
    role: ROLES.includes(params.get('role')) ? params.get('role') : '',
    status: ['ACTIVE', 'PENDING'].includes(params.get('status')) ? params.get('status') : '',
    cursors: [null], // cursors[i] = `after` for page i
    page: 0,
    seq: 0,
  };

  const title = h('h1', { id: 'page-title', tabindex: '-1', text: t('members.title') });
  const count = h('p', { class: 'muted page-sub', text: '' });
  const inviteButton = canInvite(workspace.viewerRole)
    ? h('button', {
      type: 'button',
      class: 'button primary',
      id: 'invite-button',
      text: t('members.invite'),
      on: { click: () => openInviteDialog(app, workspace, () => load()) },
    })
    : null;

  const search = h('input', { type: 'search', id: 'member-search', placeholder: t('members.searchPlaceholder'), value: state.search, autocomplete: 'off' });
  const roleFilter = h('select', { id: 'role-filter' },
    h('option', { value: '', text: t('members.allRoles') }),
    ROLES.map((r) => h('option', { value: r, text: roleName(r), selected: r === state.role })));
  const statusFilter = h('select', { id: 'status-filter' },
    h('option', { value: '', text: t('members.allStatuses') }),
    ['ACTIVE', 'PENDING'].map((s) => h('option', { value: s, text: statusName(s), selected: s === state.status })));

  const restart = () => {
    state.cursors = [null];
    state.page = 0;
    syncUrl();
    load();
  };
  search.addEventListener('input', debounce(() => { state.search = search.value.trim(); restart(); }, 250));
  roleFilter.addEventListener('change', () => { state.role = roleFilter.value; restart(); });
  statusFilter.addEventListener('change', () => { state.status = statusFilter.value; restart(); });

  const filters = h('div', { class: 'filters', role: 'search' },
    h('div', { class: 'field compact grow' }, h('label', { for: 'member-search', text: t('members.search') }), search),
    h('div', { class: 'field compact' }, h('label', { for: 'role-filter', text: t('members.role') }), roleFilter),
    h('div', { class: 'field compact' }, h('label', { for: 'status-filter', text: t('members.status') }), statusFilter));

  const statusLine = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'results' });
  const readOnly = canInvite(workspace.viewerRole) ? null : h('p', { class: 'muted small', text: t('members.readOnly') });

  replace(container,
    h('div', { class: 'page-head' }, h('div', {}, title, count), inviteButton),
    filters,
    statusLine,
    results,
    readOnly);

  function syncUrl() {
    const q = new URLSearchParams();
    if (state.search) q.set('search', state.search);
    if (state.role) q.set('role', state.role);
    if (state.status) q.set('status', state.status);
    const qs = q.toString();
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${qs ? `?${qs}` : ''}`);
  }

  async function load({ quiet = false } = {}) {
    const seq = ++state.seq;
    if (!quiet) {
      results.setAttribute('aria-busy', 'true');
      statusLine.textContent = t('common.loading');
    }
    let data;
    try {
      data = await app.call(MEMBERS, {
        id: workspace.id,
        first: PAGE_SIZE,
        after: state.cursors[state.page],
        roles: state.role ? [state.role] : null,
        status: state.status || null,
        search: state.search || null,
      });
    } catch (e) {
      if (seq !== state.seq) return;
      results.removeAttribute('aria-busy');
      statusLine.textContent = '';
      replace(results, app.errorBox(e, () => load()));
      return;
    }
    if (seq !== state.seq) return;
    results.removeAttribute('aria-busy');
    const ws = data.workspace;
    if (ws.viewerRole !== workspace.viewerRole) {
      // Our role changed meanwhile: the shell re-renders with the right controls.
      app.workspaceChanged();
      return;
    }
    const conn = ws.members;
    count.textContent = ws.memberCount === 1 ? t('members.count1') : t('members.count', { count: ws.memberCount });
    state.cursors[state.page + 1] = conn.pageInfo.endCursor;
    renderPage(conn);
  }

  function renderPage(conn) {
    const from = state.page * PAGE_SIZE + 1;
    const to = state.page * PAGE_SIZE + conn.nodes.length;
    if (conn.nodes.length === 0 && state.page > 0) {
      // The page emptied (members removed): step back.
      state.page -= 1;
      load({ quiet: true });
      return;
    }
    if (conn.nodes.length === 0) {
      statusLine.textContent = t('members.empty');
      const filtered = state.search || state.role || state.status;
      replace(results, h('div', { class: 'empty' },
        h('p', { text: t('members.empty') }),
        filtered ? h('button', {
          type: 'button',
          class: 'button',
          text: t('members.clearFilters'),
          on: {
            click: () => {
              state.search = ''; state.role = ''; state.status = '';
              search.value = ''; roleFilter.value = ''; statusFilter.value = '';
              restart();
            },
          },
        }) : null));
      return;
    }
    statusLine.textContent = t('members.range', { from, to, total: conn.totalCount });
    const rows = conn.nodes.map((m) => memberRow(m));
    const table = h('table', { class: 'table members-table' },
      h('caption', { class: 'visually-hidden', text: t('members.table', { workspace: workspace.name }) }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: t('members.colMember') }),
        h('th', { scope: 'col', text: t('members.colRole') }),
        h('th', { scope: 'col', text: t('members.colStatus') }),
        h('th', { scope: 'col', text: t('members.colInvitedBy') }),
        h('th', { scope: 'col', text: t('members.colJoined') }),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: t('members.colActions') })))),
      h('tbody', {}, rows));
    const pager = (state.page > 0 || conn.pageInfo.hasNextPage)
      ? h('nav', { class: 'pager', 'aria-label': t('members.pager') },
        h('button', {
          type: 'button', class: 'button', text: `← ${t('members.prev')}`, disabled: state.page === 0,
          on: { click: () => { state.page -= 1; load(); title.focus(); } },
        }),
        h('button', {
          type: 'button', class: 'button', text: `${t('members.next')} →`, disabled: !conn.pageInfo.hasNextPage,
          on: { click: () => { state.page += 1; load(); title.focus(); } },
        }))
      : null;
    // A workspace of one: say what comes next.
    const alone = conn.totalCount === 1 && !state.search && !state.role && !state.status && canInvite(workspace.viewerRole);
    replace(results, h('div', { class: 'table-wrap' }, table), pager,
      alone ? h('p', { class: 'muted center hint-alone', text: t('members.alone') }) : null);
  }

  function memberRow(m) {
    const isMe = m.account.id === app.me.id;
    const actions = memberActions(workspace.viewerRole, app.me.id, m);
    const pending = m.status === 'PENDING';
    const name = m.account.name || m.account.email;
    return h('tr', { class: pending ? 'pending' : null, dataset: { accountId: m.account.id, email: m.account.email } },
      h('td', { class: 'cell-member', 'data-label': t('members.colMember') },
        h('div', { class: 'member-name' }, h('span', { text: name }), isMe ? h('span', { class: 'tag', text: t('common.you') }) : null),
        h('div', { class: 'member-email muted', text: m.account.email })),
      h('td', { class: 'cell-role', 'data-label': t('members.colRole') },
        h('span', { class: `role role-${m.role.toLowerCase()}`, text: roleName(m.role) })),
      h('td', { class: 'cell-status', 'data-label': t('members.colStatus') },
        h('span', { class: pending ? 'badge badge-pending' : 'badge badge-active', text: statusName(m.status) }),
        pending ? h('span', { class: 'visually-hidden', text: ` – ${t('members.pendingNote')}` }) : null),
      h('td', { class: 'cell-invited', 'data-label': t('members.colInvitedBy') },
        m.invitedBy ? personName(m.invitedBy) : h('span', { class: 'muted', text: t('common.none') })),
      h('td', { class: 'cell-joined', 'data-label': t('members.colJoined') },
        pending
          ? h('span', { class: 'muted' }, t('members.invitedOn'), ' ', h('time', { datetime: m.createdAt, text: formatDate(m.createdAt) }))
          : h('time', { datetime: m.createdAt, text: formatDate(m.createdAt) })),
      h('td', { class: 'cell-actions' },
        actions.any ? h('button', {
          type: 'button',
          class: 'button small',
          text: t('members.manage'),
          'aria-label': t('members.manageLabel', { name }),
          on: { click: () => openMemberDialog(app, workspace, m, () => load({ quiet: true })) },
        }) : null));
  }

  load();
  const reload = debounce(() => load({ quiet: true }), 150);
  return {
    onEvent: () => reload(),
    reload: () => load({ quiet: true }),
  };
}
