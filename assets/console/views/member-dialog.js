// Managing one member: change the role, resend or revoke a pending invitation, remove (after a
// confirmation). Only the actions the viewer's role and the rank rule allow are offered; the
// server still decides, and a refusal is shown as a sentence in the dialog.

import { confirmDialog, openDialog } from '../dialog.js';
import { h, uniqueId } from '../dom.js';
import { errorText, roleName, statusName, t } from '../i18n.js';
import { grantableRoles, memberActions } from '../permissions.js';
import { REMOVE_MEMBER, RESEND, REVOKE, UPDATE_ROLE } from '../queries.js';

export function openMemberDialog(app, workspace, member, onChanged) {
  const name = member.account.name || member.account.email;
  const email = member.account.email;
  const actions = memberActions(workspace.viewerRole, app.me.id, member);
  let changed = false;
  const dlg = openDialog({ title: t('member.title', { name }), onClose: () => { if (changed) onChanged(); } });

  const feedback = h('div', { class: 'alert', role: 'status', hidden: true, id: 'member-feedback' });
  const show = (kind, text) => {
    feedback.className = `alert alert-${kind}`;
    feedback.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    feedback.textContent = text;
    feedback.hidden = false;
  };
  const run = async (button, fn) => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    feedback.hidden = true;
    try {
      await fn();
    } catch (e) {
      show('error', errorText(e));
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };

  const summary = h('p', { class: 'member-summary' },
    h('span', { class: 'muted', text: email }), ' · ',
    h('span', { text: roleName(member.role) }), ' · ',
    h('span', { class: member.status === 'PENDING' ? 'badge badge-pending' : 'badge badge-active', text: statusName(member.status) }));
  const sections = [summary];

  let currentRole = member.role;
  if (actions.changeRole) {
    const legendId = uniqueId('role-legend');
    const radios = grantableRoles(workspace.viewerRole).map((r) => {
      const id = uniqueId('role');
      return h('div', { class: 'radio' },
        h('input', { type: 'radio', name: 'member-role', id, value: r, checked: r === member.role }),
        h('label', { for: id }, h('span', { class: 'radio-title', text: roleName(r) }), h('span', { class: 'hint', text: t(`roleHint.${r}`) })));
    });
    const save = h('button', { type: 'submit', class: 'button primary', text: t('member.saveRole') });
    const form = h('form', { class: 'section', novalidate: true },
      h('fieldset', {}, h('legend', { id: legendId, text: t('member.changeRole') }), radios),
      h('div', { class: 'section-actions' }, save));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const picked = form.querySelector('input[name=member-role]:checked');
      if (!picked) return;
      run(save, async () => {
        const data = await app.call(UPDATE_ROLE, { w: workspace.id, a: member.account.id, r: picked.value });
        currentRole = data.updateMemberRole.role;
        changed = true;
        show('ok', t('member.roleSaved', { name, role: roleName(currentRole) }));
      });
    });
    sections.push(form);
  }

  if (actions.resend || actions.revoke) {
    const resend = h('button', { type: 'button', class: 'button', text: t('member.resend') });
    const revoke = h('button', { type: 'button', class: 'button', text: t('member.revoke') });
    resend.addEventListener('click', () => run(resend, async () => {
      await app.call(RESEND, { w: workspace.id, a: member.account.id });
      changed = true;
      show('ok', t('member.resent', { email }));
    }));
    revoke.addEventListener('click', () => run(revoke, async () => {
      const data = await app.call(REVOKE, { w: workspace.id, a: member.account.id });
      changed = true;
      show('ok', data.revokeInvitation ? t('member.revoked', { email, name }) : t('member.revokedNone'));
    }));
    sections.push(h('section', { class: 'section' },
      h('h3', { text: t('member.invitation') }),
      h('p', { class: 'muted', text: t('member.invitationHint', { name }) }),
      h('div', { class: 'section-actions' }, actions.resend ? resend : null, actions.revoke ? revoke : null)));
  }

  if (actions.remove) {
    const remove = h('button', { type: 'button', class: 'button danger', text: t('member.remove') });
    remove.addEventListener('click', async () => {
      const removed = await confirmDialog({
        title: t('member.removeTitle', { name }),
        message: t('member.removeBody', { name, email, workspace: workspace.name }),
        confirmLabel: t('member.removeConfirm'),
        danger: true,
        describeError: errorText,
        action: () => app.call(REMOVE_MEMBER, { w: workspace.id, a: member.account.id }),
      });
      if (removed) {
        changed = true;
        app.toast(t('member.removed', { name }));
        dlg.close();
      }
    });
    sections.push(h('section', { class: 'section section-danger' }, remove));
  }

  dlg.body.append(...sections, feedback);
  dlg.focusFirst();
}
