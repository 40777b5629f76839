// The signed-in frame: header (workspace switcher, account menu with language and sign-out),
// the email-verification banner, the workspace's page tabs, and the <main> a page renders into.

import { h } from '../dom.js';
import { LANGUAGES, chooseLanguage, language, roleName, t } from '../i18n.js';
import { canSeeAudit } from '../permissions.js';

// One listener for the whole page: a click outside an open menu closes it.
document.addEventListener('click', (event) => {
  for (const menu of document.querySelectorAll('.menu')) {
    const button = menu.querySelector('.menu-button');
    if (button && button.getAttribute('aria-expanded') === 'true' && !menu.contains(event.target)) {
      button.setAttribute('aria-expanded', 'false');
      menu.querySelector('.menu-panel').hidden = true;
    }
  }
});

/** A button that shows and hides a panel (Escape, a click outside or leaving it closes it). */
function disclosure({ label, panel, className }) {
  const panelId = `${className}-panel`;
  panel.id = panelId;
  panel.hidden = true;
  const button = h('button', {
    type: 'button',
    class: `button menu-button ${className}-button`,
    'aria-expanded': 'false',
    'aria-controls': panelId,
  }, label, h('span', { class: 'chevron', 'aria-hidden': 'true', text: '▾' }));
  const wrap = h('div', { class: `menu ${className}` }, button, panel);
  const setOpen = (open) => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => setOpen(panel.hidden));
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  wrap.addEventListener('focusout', (e) => {
    if (!panel.hidden && e.relatedTarget && !wrap.contains(e.relatedTarget)) setOpen(false);
  });
  return wrap;
}

export function renderShell(app, { workspace, page }) {
  const me = app.me;

  // Workspace switcher: a list of links (navigation, so links, not a select).
  let switcher;
  {
    const items = app.workspaces.map((w) => h('li', {},
      h('a', {
        href: `/workspaces/${w.id}/members`,
        'aria-current': workspace && w.id === workspace.id ? 'true' : null,
        on: { click: (e) => { e.preventDefault(); app.navigate(`/workspaces/${w.id}/${pageFor(page, w)}`); } },
      }, h('span', { class: 'ws-name', text: w.name }), h('span', { class: 'ws-role', text: roleName(w.viewerRole) }))));
    const panel = h('div', { class: 'menu-panel' },
      items.length ? h('ul', { class: 'ws-list', 'aria-label': t('shell.workspace') }, items) : null,
      h('button', { type: 'button', class: 'button subtle wide', text: `+ ${t('shell.newWorkspace')}`, on: { click: () => app.createWorkspace() } }));
    const current = workspace ? workspace.name : t('shell.chooseWorkspace');
    switcher = disclosure({
      // Its accessible name is what it shows: "Workspace Acme".
      label: h('span', { class: 'menu-label' },
        h('span', { class: 'menu-kicker', text: t('shell.workspace') }),
        h('span', { class: 'menu-value', text: current })),
      panel,
      className: 'ws-menu',
    });
  }

  const languageSelect = h('select', { id: 'language-select', on: { change: (e) => chooseLanguage(e.target.value) } },
    LANGUAGES.map((l) => h('option', { value: l.code, text: l.label, selected: l.code === language() })));
  const accountPanel = h('div', { class: 'menu-panel' },
    h('p', { class: 'account-who' }, h('strong', { text: me.name }), h('br'), h('span', { class: 'muted', text: me.email })),
    h('div', { class: 'field compact' }, h('label', { for: 'language-select', text: t('common.language') }), languageSelect),
    h('button', { type: 'button', class: 'button wide', text: t('auth.signOut'), on: { click: () => app.signOut() } }));
  const account = disclosure({
    label: [
      h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials(me.name) }),
      h('span', { class: 'visually-hidden', text: t('shell.account', { name: me.name }) }),
    ],
    panel: accountPanel,
    className: 'account-menu',
  });

  const live = h('span', { id: 'live-state', class: `live live-${app.liveState}`, title: t('shell.liveHint') },
    h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'live-text', text: liveText(app.liveState) }));

  const header = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '/', on: { click: (e) => { e.preventDefault(); app.navigate('/'); } } },
      h('span', { class: 'logo', 'aria-hidden': 'true', text: 'R' }), h('span', { class: 'brand-name', text: 'Roster' })),
    switcher,
    h('div', { class: 'spacer' }),
    workspace ? live : null,
    account);

  let banner = null;
  if (me.emailVerified === false) {
    const note = h('span', { role: 'status', class: 'banner-note' });
    const resend = h('button', {
      type: 'button',
      class: 'button small',
      text: t('verify.resend'),
      on: {
        click: async () => {
          resend.disabled = true;
          note.textContent = '';
          try {
            if (await app.sendVerificationEmail()) note.textContent = t('verify.sent', { email: me.email });
            else await app.refreshMe(); // verified meanwhile: the banner goes
          } catch (e) {
            note.textContent = app.errorText(e);
          } finally {
            resend.disabled = false;
          }
        },
      },
    });
    banner = h('div', { class: 'banner', id: 'verify-banner' },
      h('p', { text: t('verify.banner', { email: me.email }) }), resend, note);
  }

  let nav = null;
  if (workspace) {
    const tab = (key, label) => h('a', {
      href: `/workspaces/${workspace.id}/${key}`,
      class: 'tab',
      'aria-current': page === key ? 'page' : null,
      on: { click: (e) => { e.preventDefault(); app.navigate(`/workspaces/${workspace.id}/${key}`); } },
    }, label);
    nav = h('nav', { class: 'tabs', 'aria-label': t('shell.nav') },
      tab('members', t('shell.members')),
      canSeeAudit(workspace.viewerRole) ? tab('audit', t('shell.audit')) : null,
      tab('settings', t('shell.settings')));
  }

  const main = h('main', { id: 'main', tabindex: '-1' });
  const root = h('div', { class: 'shell' },
    h('a', { class: 'skip-link', href: '#main', text: t('common.skip') }),
    header,
    banner,
    h('div', { class: 'content' }, nav, main));
  return { root, main };
}

function pageFor(page, w) {
  if (page === 'audit' && !canSeeAudit(w.viewerRole)) return 'members';
  return page === 'settings' || page === 'audit' ? page : 'members';
}

function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : Array.from(parts[0] || '?').slice(0, 2).join('');
  return letters.toUpperCase();
}

export function liveText(state) {
  if (state === 'live') return t('shell.live');
  if (state === 'connecting') return t('shell.connecting');
  return t('shell.offline');
}
