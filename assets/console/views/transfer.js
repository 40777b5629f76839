// Ownership transfer (owner only): email a code to the owner, then pick an ACTIVE member and
// enter the code. Without ROSTER_TRANSFER_CODE the code step is left out.

import { openDialog } from '../dialog.js';
import { debounce, field, h, replace } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { MEMBERS, SEND_TRANSFER_CODE, TRANSFER } from '../queries.js';

export function openTransferDialog(app, workspace, onDone) {
  const needsCode = !app.serverInfo || app.serverInfo.transferRequiresCode !== false;
  const dlg = openDialog({ title: t('transfer.title', { workspace: workspace.name }), wide: true });
  if (needsCode) codeStep(); else pickStep(null);

  function codeStep() {
    const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const send = h('button', { type: 'button', class: 'button primary', text: t('transfer.sendCode') });
    const skip = h('button', { type: 'button', class: 'button', text: t('transfer.haveCode'), on: { click: () => pickStep(null) } });
    send.addEventListener('click', async () => {
      send.disabled = true;
      error.hidden = true;
      try {
        await app.call(SEND_TRANSFER_CODE, { w: workspace.id });
        pickStep(t('transfer.codeSent', { email: app.me.email }));
      } catch (e) {
        error.textContent = errorText(e);
        error.hidden = false;
        send.disabled = false;
      }
    });
    replace(dlg.body,
      h('p', { text: t('transfer.step1', { email: app.me.email }) }),
      error,
      h('div', { class: 'dialog-actions' }, skip, send));
    send.focus();
  }

  function pickStep(notice) {
    const searchInput = h('input', { type: 'search', autocomplete: 'off' });
    const search = field({ label: t('transfer.searchMembers'), input: searchInput });
    const select = h('select', { name: 'new-owner', size: '5', required: true });
    const pick = field({ label: t('transfer.newOwner'), input: select });
    const code = needsCode
      ? field({ label: t('transfer.code'), input: h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', required: true }) })
      : null;
    const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'button danger', text: t('transfer.confirm') });
    const cancel = h('button', { type: 'button', class: 'button', text: t('common.cancel'), on: { click: () => dlg.close() } });
    const form = h('form', { novalidate: true },
      notice ? h('p', { class: 'alert alert-ok', role: 'status', text: notice }) : null,
      search.wrap, pick.wrap, code ? code.wrap : null,
      h('p', { class: 'alert alert-warn', text: t('transfer.warning', { workspace: workspace.name }) }),
      error,
      h('div', { class: 'dialog-actions' }, cancel, submit));

    let seq = 0;
    const loadCandidates = async () => {
      const mine = ++seq;
      try {
        const data = await app.call(MEMBERS, { id: workspace.id, first: 100, after: null, roles: null, status: 'ACTIVE', search: searchInput.value.trim() || null });
        if (mine !== seq) return;
        const others = data.workspace.members.nodes.filter((m) => m.account.id !== app.me.id);
        replace(select, others.map((m) => h('option', { value: m.account.id, text: `${m.account.name} (${m.account.email})` })));
        pick.setError(others.length ? null : t('transfer.noCandidates'));
      } catch (e) {
        if (mine === seq) pick.setError(errorText(e));
      }
    };
    searchInput.addEventListener('input', debounce(loadCandidates, 250));
    loadCandidates();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      if (!select.value) {
        pick.setError(t('check.pickMember'));
        select.focus();
        return;
      }
      if (code && !/^\d{6}$/.test(code.input.value.trim())) {
        code.setError(t('check.code'));
        code.input.focus();
        return;
      }
      if (code) code.setError(null);
      submit.disabled = true;
      try {
        const data = await app.call(TRANSFER, { w: workspace.id, a: select.value, c: code ? code.input.value.trim() : null });
        const ws = data.transferOwnership;
        app.toast(t('transfer.done', { name: ws.owner.name, workspace: ws.name }));
        dlg.close();
        onDone();
      } catch (e) {
        error.textContent = errorText(e);
        error.hidden = false;
        submit.disabled = false;
      }
    });
    replace(dlg.body, form);
    searchInput.focus();
  }
}
