// Settings -> API keys (owners and admins): make a key (name, role below the viewer's, optional
// expiry), see its secret once with a copy button, list keys with their last use, revoke one
// after a confirmation. The server decides everything again on every request.

import { confirmDialog, openDialog } from '../dialog.js';
import { field, h, replace } from '../dom.js';
import { errorText, formatDate, formatDateTime, personName, roleName, t } from '../i18n.js';
import { grantableRoles, rank } from '../permissions.js';
import { API_KEYS, CREATE_API_KEY, REVOKE_API_KEY } from '../queries.js';
import { checkName, validatedForm } from './auth.js';

/** The API-keys card of the settings page (owners and admins only). */
export function apiKeysSection(app, ws) {
  const list = h('div', { class: 'api-keys', 'aria-live': 'polite' });
  const create = h('button', {
    type: 'button',
    class: 'button',
    id: 'create-api-key',
    text: t('apiKeys.create'),
    on: { click: () => openCreateDialog(app, ws, load) },
  });

  async function load() {
    list.setAttribute('aria-busy', 'true');
    let keys;
    try {
      keys = (await app.call(API_KEYS, { id: ws.id })).workspace.apiKeys;
    } catch (e) {
      list.removeAttribute('aria-busy');
      replace(list, app.errorBox(e, load));
      return;
    }
    list.removeAttribute('aria-busy');
    replace(list, keys.length ? keyTable(app, ws, keys, load) : h('p', { class: 'muted small', text: t('apiKeys.none') }));
  }

  load();
  return h('section', { class: 'card section-card', 'aria-labelledby': 'settings-api-keys' },
    h('h2', { id: 'settings-api-keys', text: t('apiKeys.title') }),
    h('p', { class: 'muted small', text: t('apiKeys.hint') }),
    list, create);
}

function state(key) {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && new Date(key.expiresAt) <= new Date()) return 'expired';
  return 'active';
}

function keyTable(app, ws, keys, reload) {
  const rows = keys.map((key) => {
    const status = state(key);
    const revocable = status !== 'revoked' && rank(key.role) < rank(ws.viewerRole);
    return h('tr', { dataset: { key: key.id, state: status } },
      h('td', { class: 'cell-member' },
        h('div', { class: 'strong', text: key.name }),
        h('code', { class: 'muted small', text: `${key.prefix}…` })),
      h('td', { 'data-label': t('apiKeys.role'), text: roleName(key.role) }),
      h('td', { 'data-label': t('apiKeys.lastUsed'), text: key.lastUsedAt ? formatDateTime(key.lastUsedAt) : t('apiKeys.never') }),
      h('td', { 'data-label': t('apiKeys.state') },
        h('span', { class: status === 'active' ? 'badge badge-ok' : 'badge badge-bad', text: t(`apiKeys.${status}`) }),
        h('div', { class: 'muted small', text: key.expiresAt && status === 'active' ? t('apiKeys.expires', { date: formatDate(key.expiresAt) }) : '' })),
      h('td', { class: 'cell-actions' }, revocable ? h('button', {
        type: 'button',
        class: 'button small danger',
        text: t('apiKeys.revoke'),
        'aria-label': t('apiKeys.revokeNamed', { name: key.name }),
        on: {
          click: async () => {
            const revoked = await confirmDialog({
              title: t('apiKeys.revokeTitle', { name: key.name }),
              message: t('apiKeys.revokeBody', { name: key.name, by: personName(key.createdBy) }),
              confirmLabel: t('apiKeys.revoke'),
              danger: true,
              describeError: errorText,
              action: () => app.call(REVOKE_API_KEY, { w: ws.id, k: key.id }),
            });
            if (revoked) {
              app.toast(t('apiKeys.revokedToast', { name: key.name }));
              reload();
            }
          },
        },
      }) : null));
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table api-keys-table' },
    h('caption', { class: 'visually-hidden', text: t('apiKeys.title') }),
    h('thead', {}, h('tr', {},
      ['name', 'role', 'lastUsed', 'state'].map((c) => h('th', { scope: 'col', text: t(`apiKeys.${c}`) })),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: t('apiKeys.actions') })))),
    h('tbody', {}, rows)));
}

function openCreateDialog(app, ws, reload) {
  const dlg = openDialog({ title: t('apiKeys.createTitle') });
  const roles = grantableRoles(ws.viewerRole);
  const name = field({ label: t('apiKeys.name'), input: h('input', { type: 'text', name: 'key-name', maxlength: '100', required: true, autocomplete: 'off' }) });
  const role = field({
    label: t('apiKeys.role'),
    input: h('select', { name: 'key-role' }, roles.map((r) => h('option', { value: r, text: roleName(r), selected: r === 'NORMAL' }))),
  });
  const expires = field({ label: t('apiKeys.expiry'), hint: t('apiKeys.expiryHint'), input: h('input', { type: 'date', name: 'key-expires' }) });
  const expiresAt = () => {
    const v = expires.input.value;
    return v ? new Date(`${v}T23:59:59Z`).toISOString() : null;
  };
  const { form } = validatedForm({
    fields: [
      { f: name, check: () => checkName(name.input.value), name: 'name' },
      { f: role, check: () => null, name: 'role' },
      { f: expires, check: () => (expiresAt() && new Date(expiresAt()) <= new Date() ? t('apiKeys.expiryPast') : null), name: 'expiresAt' },
    ],
    submitLabel: t('apiKeys.create'),
    submit: async () => {
      const input = { workspaceId: ws.id, name: name.input.value.trim(), role: role.input.value, expiresAt: expiresAt() };
      const created = (await app.call(CREATE_API_KEY, { i: input })).createApiKey;
      showSecret(dlg, created);
      reload();
    },
  });
  dlg.body.append(form);
  dlg.focusFirst();
}

/** The secret, once: a read-only field, a copy button and a warning. */
function showSecret(dlg, created) {
  const secret = h('input', { type: 'text', readOnly: true, value: created.secret, id: 'api-key-secret', class: 'mono', on: { focus: (e) => e.target.select() } });
  const copied = h('span', { class: 'ok-text small', role: 'status' });
  const copy = h('button', {
    type: 'button',
    class: 'button primary',
    id: 'copy-api-key',
    text: t('apiKeys.copy'),
    on: {
      click: async () => {
        secret.select();
        try {
          await navigator.clipboard.writeText(created.secret);
          copied.textContent = t('apiKeys.copied');
        } catch {
          copied.textContent = t('apiKeys.copyByHand');
        }
      },
    },
  });
  replace(dlg.body,
    h('div', { class: 'alert alert-warn', role: 'alert', text: t('apiKeys.once', { name: created.apiKey.name }) }),
    field({ label: t('apiKeys.secret'), input: secret }).wrap,
    h('div', { class: 'dialog-actions' }, copied, copy,
      h('button', { type: 'button', class: 'button', text: t('apiKeys.done'), on: { click: () => dlg.close() } })));
  secret.focus();
}
