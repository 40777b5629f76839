// The audit log: who did what to whom, newest first, with "load older" paging. New events
// arriving live are prepended by reloading the first page.

import { h, replace } from '../dom.js';
import { formatDateTime, personName, roleName, t } from '../i18n.js';
import { AUDIT_LOG } from '../queries.js';

const PAGE = 25;

/** Who did it: a person, or an API key ("API key “CI bot”"). */
export function actorName(e) {
  return e.actorApiKey ? t('audit.byKey', { name: e.actorApiKey.name }) : personName(e.actor);
}

/** "changed the role of Bob from Member to Editor" (the actor comes first, separately). */
export function describeEvent(e) {
  const target = e.target ? personName(e.target) : (e.targetEmail || t('common.deletedAccount'));
  return t(`audit.${e.action}`, {
    target,
    oldRole: e.oldRole ? roleName(e.oldRole) : '',
    newRole: e.newRole ? roleName(e.newRole) : '',
  });
}

export function mountAudit(app, container, workspace) {
  const title = h('h1', { id: 'page-title', tabindex: '-1', text: t('audit.title') });
  const sub = h('p', { class: 'muted page-sub', text: t('audit.intro') });
  const statusLine = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'results' });
  replace(container, h('div', { class: 'page-head' }, h('div', {}, title, sub)), statusLine, results);

  let events = [];
  let pageInfo = null;
  let total = 0;
  let seq = 0;

  async function load(append) {
    const mine = ++seq;
    results.setAttribute('aria-busy', 'true');
    if (!append) statusLine.textContent = t('common.loading');
    let data;
    try {
      data = await app.call(AUDIT_LOG, { id: workspace.id, first: PAGE, after: append && pageInfo ? pageInfo.endCursor : null });
    } catch (e) {
      if (mine !== seq) return;
      results.removeAttribute('aria-busy');
      statusLine.textContent = '';
      replace(results, app.errorBox(e, () => load(false)));
      return;
    }
    if (mine !== seq) return;
    results.removeAttribute('aria-busy');
    const conn = data.workspace.auditLog;
    events = append ? events.concat(conn.nodes) : conn.nodes;
    pageInfo = conn.pageInfo;
    total = conn.totalCount;
    render();
  }

  function render() {
    statusLine.textContent = total ? t('audit.total', { count: total }) : '';
    if (events.length === 0) {
      replace(results, h('div', { class: 'empty' }, h('p', { text: t('audit.empty') })));
      return;
    }
    const table = h('table', { class: 'table audit-table' },
      h('caption', { class: 'visually-hidden', text: t('audit.table', { workspace: workspace.name }) }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: t('audit.colWhen') }),
        h('th', { scope: 'col', text: t('audit.colWho') }),
        h('th', { scope: 'col', text: t('audit.colWhat') }))),
      h('tbody', {}, events.map((e) => h('tr', { dataset: { action: e.action } },
        h('td', { 'data-label': t('audit.colWhen') }, h('time', { datetime: e.createdAt, text: formatDateTime(e.createdAt) })),
        h('td', { 'data-label': t('audit.colWho'), text: actorName(e) }),
        h('td', { 'data-label': t('audit.colWhat'), text: describeEvent(e) })))));
    const more = pageInfo && pageInfo.hasNextPage
      ? h('div', { class: 'pager' }, h('button', {
        type: 'button',
        class: 'button',
        text: t('audit.more'),
        on: { click: () => load(true) },
      }))
      : null;
    replace(results, h('div', { class: 'table-wrap' }, table), more);
  }

  load(false);
  return {
    // Keep what is loaded; put the newest first.
    onEvent: () => {
      if (events.length <= PAGE) load(false);
    },
  };
}
