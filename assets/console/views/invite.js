// The invite dialog: many addresses at once (a pasted list), a role the viewer may grant, the
// language of the invitation; then each address's result.

import { openDialog } from '../dialog.js';
import { field, h, replace } from '../dom.js';
import { LANGUAGES, errorText, language, roleName, t } from '../i18n.js';
import { grantableRoles } from '../permissions.js';
import { INVITE } from '../queries.js';

/**
 * Splits pasted text into addresses: commas, semicolons, whitespace and new lines separate;
 * "Ada Lovelace <ada@example.com>" gives the part in angle brackets. The server trims,
 * lower-cases, de-duplicates and validates; this only splits.
 */
export function parseAddresses(text) {
  const out = [];
  for (const chunk of text.split(/[,;\n\r]+/)) {
    const angle = /<([^<>]+)>/.exec(chunk);
    if (angle) {
      out.push(angle[1].trim());
      continue;
    }
    for (const word of chunk.split(/\s+/)) if (word) out.push(word);
  }
  return out.filter(Boolean);
}

const OK = new Set(['INVITED', 'ADDED', 'RESENT', 'ALREADY_MEMBER']);

export function openInviteDialog(app, workspace, onDone) {
  const limit = (app.serverInfo && app.serverInfo.inviteLimit) || 100;
  let invitedSomeone = false;
  const dlg = openDialog({
    title: t('invite.title'),
    wide: true,
    onClose: () => { if (invitedSomeone) onDone(); },
  });
  showForm('');

  function showForm(previousText) {
    const emails = field({
      label: t('invite.emails'),
      hint: t('invite.emailsHint', { limit }),
      input: h('textarea', { name: 'emails', rows: '5', autocomplete: 'off', spellcheck: 'false', value: previousText, placeholder: 'ada@example.com, grace@example.com' }),
    });
    const counter = h('p', { class: 'muted small counter', 'aria-live': 'polite' });
    const updateCount = () => {
      const n = parseAddresses(emails.input.value).length;
      counter.textContent = n === 0 ? '' : (n === 1 ? t('invite.count1') : t('invite.count', { count: n }));
    };
    emails.input.addEventListener('input', () => { updateCount(); emails.setError(null); });
    updateCount();

    const roles = grantableRoles(workspace.viewerRole);
    const role = field({
      label: t('invite.role'),
      input: h('select', { name: 'role' }, roles.map((r) => h('option', { value: r, text: roleName(r), selected: r === 'NORMAL' }))),
    });
    const lang = field({
      label: t('invite.language'),
      input: h('select', { name: 'language' }, LANGUAGES.map((l) => h('option', { value: l.code, text: l.label, selected: l.code === language() }))),
    });
    const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'button primary', text: t('invite.send') });
    const cancel = h('button', { type: 'button', class: 'button', text: t('common.cancel'), on: { click: () => dlg.close() } });
    const form = h('form', { novalidate: true },
      emails.wrap, counter,
      h('div', { class: 'row-fields' }, role.wrap, lang.wrap),
      error,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const list = parseAddresses(emails.input.value);
      if (list.length === 0) {
        emails.setError(t('invite.none'));
        emails.input.focus();
        return;
      }
      if (list.length > limit) {
        emails.setError(t('invite.tooMany', { limit, count: list.length }));
        emails.input.focus();
        return;
      }
      submit.disabled = true;
      form.setAttribute('aria-busy', 'true');
      error.hidden = true;
      try {
        const data = await app.call(INVITE, {
          i: { workspaceId: workspace.id, emails: list, role: role.input.value, language: lang.input.value },
        });
        const results = data.inviteMembers.results;
        if (results.some((r) => ['INVITED', 'ADDED', 'RESENT'].includes(r.status))) invitedSomeone = true;
        showResults(results);
      } catch (e) {
        // An unverified account may not invite: say what to do, in the console's words.
        const unverified = e.code === 'FORBIDDEN' && app.me.emailVerified === false;
        error.textContent = unverified ? t('invite.verifyFirst', { email: app.me.email }) : errorText(e);
        error.hidden = false;
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      }
    });
    replace(dlg.body, form);
    emails.input.focus();
  }

  function showResults(results) {
    const ok = results.filter((r) => OK.has(r.status)).length;
    const heading = h('h3', { id: 'invite-results-title', tabindex: '-1', text: t('invite.results') });
    const list = h('ul', { class: 'invite-results', 'aria-labelledby': 'invite-results-title' },
      results.map((r) => h('li', { class: `invite-result result-${r.status.toLowerCase()}`, dataset: { email: r.email, status: r.status } },
        h('div', { class: 'result-head' },
          h('span', { class: 'result-email', text: r.email }),
          h('span', { class: `badge ${OK.has(r.status) ? 'badge-ok' : 'badge-bad'}`, text: t(`invite.status.${r.status}`) })),
        h('p', { class: 'result-text', text: resultSentence(r) }),
        r.activationUrl ? shareLink(r) : null)));
    const failedText = results.filter((r) => !OK.has(r.status)).map((r) => r.email).join('\n');
    replace(dlg.body,
      heading,
      h('p', { class: 'muted', role: 'status', text: t('invite.summary', { ok, total: results.length }) }),
      list,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'button', text: t('invite.more'), on: { click: () => showForm(failedText || '') } }),
        h('button', { type: 'button', class: 'button primary', text: t('invite.done'), on: { click: () => dlg.close() } })));
    heading.focus();
  }
}

/**
 * What happened to one address. The server's message (English) is the most specific sentence
 * ("Already a member, as Owner."); in other languages it follows the translated status.
 */
function resultSentence(r) {
  const base = t(`invite.result.${r.status}`);
  if (!r.message) return base;
  return language() === 'en-US' ? sentence(r.message) : `${base}（${r.message.trim()}）`;
}

function sentence(m) {
  const s = m.trim();
  const capital = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?。]$/.test(capital) ? capital : `${capital}.`;
}

/** With ROSTER_SHARE_INVITE_LINKS the server returns the link: offer it to copy by hand. */
function shareLink(r) {
  const input = h('input', { type: 'text', readOnly: true, value: r.activationUrl, on: { focus: (e) => e.target.select() } });
  return field({ label: t('member.link', { email: r.email }), input }).wrap;
}
