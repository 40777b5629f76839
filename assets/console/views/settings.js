// Workspace settings: rename (owner, admin), API keys (owner, admin), ownership (owner: transfer), leave (anyone but
// the owner), and the viewer's own password.

import { confirmDialog } from '../dialog.js';
import { field, h, replace } from '../dom.js';
import { errorText, formatDate, t } from '../i18n.js';
import { canLeave, canManageKeys, canRename, canTransfer } from '../permissions.js';
import { apiKeysSection } from './api-keys.js';
import { CHANGE_PASSWORD, LEAVE, RENAME_WORKSPACE, WORKSPACE } from '../queries.js';
import { checkName, checkNewPassword, validatedForm } from './auth.js';
import { openTransferDialog } from './transfer.js';

export function mountSettings(app, container, workspace) {
  const title = h('h1', { id: 'page-title', tabindex: '-1', text: t('settings.title') });
  const body = h('div', { class: 'settings', 'aria-busy': 'true' }, h('p', { class: 'status-line', role: 'status', text: t('common.loading') }));
  replace(container, h('div', { class: 'page-head' }, h('div', {}, title)), body);

  async function load() {
    let ws;
    try {
      ws = (await app.call(WORKSPACE, { id: workspace.id })).workspace;
    } catch (e) {
      body.removeAttribute('aria-busy');
      replace(body, app.errorBox(e, load));
      return;
    }
    body.removeAttribute('aria-busy');
    replace(body, nameSection(ws), canManageKeys(ws.viewerRole) ? apiKeysSection(app, ws) : null,
      ownershipSection(ws), leaveSection(ws), passwordSection());
  }

  function nameSection(ws) {
    const heading = h('h2', { text: t('settings.name') });
    const created = h('p', { class: 'muted small', text: t('settings.created', { date: formatDate(ws.createdAt) }) });
    if (!canRename(ws.viewerRole)) {
      return h('section', { class: 'card section-card' }, heading, h('p', { class: 'strong', text: ws.name }),
        h('p', { class: 'muted small', text: t('settings.nameReadOnly') }), created);
    }
    const name = field({ label: t('settings.name'), input: h('input', { type: 'text', name: 'workspace-name', value: ws.name, maxlength: '100', required: true }) });
    name.wrap.querySelector('label').classList.add('visually-hidden');
    const { form } = validatedForm({
      fields: [{ f: name, check: () => checkName(name.input.value), name: 'name' }],
      submitLabel: t('settings.rename'),
      wide: false,
      submit: async () => {
        const data = await app.call(RENAME_WORKSPACE, { id: ws.id, name: name.input.value.trim() });
        app.toast(t('settings.renamed', { name: data.renameWorkspace.name }));
        await app.refreshMe(); // the header and the switcher show the new name
      },
    });
    form.classList.add('inline-form');
    return h('section', { class: 'card section-card', 'aria-labelledby': 'settings-name' },
      h('h2', { id: 'settings-name', text: t('settings.name') }), form, created);
  }

  function ownershipSection(ws) {
    const owner = h('p', { text: t('settings.owner', { name: ws.owner.name, email: ws.owner.email }) });
    const parts = [h('h2', { text: t('settings.ownership') }), owner];
    if (canTransfer(ws.viewerRole)) {
      parts.push(h('p', { class: 'muted small', text: t('settings.transferHint') }),
        h('button', {
          type: 'button',
          class: 'button',
          id: 'transfer-button',
          text: t('settings.transfer'),
          on: { click: () => openTransferDialog(app, ws, () => app.workspaceChanged()) },
        }));
    }
    return h('section', { class: 'card section-card' }, parts);
  }

  function leaveSection(ws) {
    const parts = [h('h2', { text: t('settings.leave') })];
    if (!canLeave(ws.viewerRole)) {
      parts.push(h('p', { class: 'muted small', text: t('settings.leaveOwner') }));
    } else {
      parts.push(h('p', { class: 'muted small', text: t('settings.leaveHint') }),
        h('button', {
          type: 'button',
          class: 'button danger',
          text: t('settings.leave'),
          on: {
            click: async () => {
              const left = await confirmDialog({
                title: t('settings.leaveTitle', { workspace: ws.name }),
                message: t('settings.leaveBody', { workspace: ws.name }),
                confirmLabel: t('settings.leave'),
                danger: true,
                describeError: errorText,
                action: () => app.call(LEAVE, { w: ws.id }),
              });
              if (left) {
                app.toast(t('settings.left', { workspace: ws.name }));
                await app.refreshMe();
                app.navigate('/', { replace: true });
              }
            },
          },
        }));
    }
    return h('section', { class: 'card section-card' }, parts);
  }

  function passwordSection() {
    const current = field({ label: t('settings.currentPassword'), input: h('input', { type: 'password', autocomplete: 'current-password', required: true }) });
    const next = field({ label: t('settings.newPassword'), hint: t('auth.passwordHint'), input: h('input', { type: 'password', autocomplete: 'new-password', required: true }) });
    const done = h('p', { class: 'ok-text', role: 'status' });
    const { form } = validatedForm({
      fields: [
        { f: current, check: () => (current.input.value ? null : t('check.password')), name: 'currentPassword' },
        { f: next, check: () => checkNewPassword(next.input.value), name: 'newPassword' },
      ],
      submitLabel: t('settings.changePassword'),
      wide: false,
      submit: async () => {
        done.textContent = '';
        await app.call(CHANGE_PASSWORD, { c: current.input.value, n: next.input.value });
        current.input.value = '';
        next.input.value = '';
        done.textContent = t('settings.passwordChanged');
      },
    });
    return h('section', { class: 'card section-card' },
      h('h2', { text: t('settings.account') }),
      h('p', { class: 'muted small', text: `${app.me.name} · ${app.me.email}` }),
      h('h3', { text: t('settings.changePassword') }),
      form, done);
  }

  load();
  return { onEvent: () => {} };
}
