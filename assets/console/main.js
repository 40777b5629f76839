// The console's entry point: routing (History API; the server answers every console path with
// this page), the signed-in state, the live member-event subscription, and toasts.
//
// Routes:  /signin  /signup  /forgot-password          (signed out)
//          /  -> the last (or first) workspace's members
//          /workspaces/<id>/members | audit | settings

import { graphql } from './api.js';
import { openDialog } from './dialog.js';
import { field, h, replace } from './dom.js';
import {
  LANGUAGES, chooseLanguage, errorText, language, onLanguageChange, roleName, t, useAccountLanguage,
} from './i18n.js';
import { LiveClient } from './live.js';
import { CREATE_WORKSPACE, ME, MEMBER_EVENTS, SEND_VERIFICATION, SERVER_INFO } from './queries.js';
import * as session from './session.js';
import { checkName, forgotView, signInView, signUpView, validatedForm } from './views/auth.js';
import { actorName, describeEvent, mountAudit } from './views/audit.js';
import { mountMembers } from './views/members.js';
import { mountSettings } from './views/settings.js';
import { liveText, renderShell } from './views/shell.js';

const root = document.getElementById('app');
const toasts = document.getElementById('toasts');
const LAST_WORKSPACE = 'roster.lastWorkspace';
const NEXT = 'roster.next';
const MAX_TOASTS = 3;

const PAGES = { members: mountMembers, audit: mountAudit, settings: mountSettings };
const PUBLIC = { '/signin': signInView, '/signup': signUpView, '/forgot-password': forgotView };

const app = {
  serverInfo: null,
  me: null,
  workspaces: [],
  liveState: 'connecting',
  page: null, // the mounted page: { onEvent, reload }
  liveWorkspace: null,

  navigate(path, { replace: replaceState = false } = {}) {
    if (replaceState) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
    render({ focus: true });
  },

  call: (query, variables) => session.call(query, variables),
  errorText,

  /** A failed load as a sentence; "Try again" only when trying again may help. */
  errorBox(error, retry) {
    const final = ['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT'].includes(error && error.code);
    return h('div', { class: 'alert alert-error', role: 'alert' },
      h('p', { text: errorText(error) }),
      final ? null : h('button', { type: 'button', class: 'button small', text: t('common.retry'), on: { click: retry } }));
  },

  async signedIn() {
    app.me = null;
    await loadMe();
    let next = null;
    try { next = window.sessionStorage.getItem(NEXT); window.sessionStorage.removeItem(NEXT); } catch { /* none */ }
    app.navigate(next && next.startsWith('/workspaces/') ? next : '/', { replace: true });
  },

  async signOut() {
    signingOut = true;
    live.stop();
    app.liveWorkspace = null;
    await session.signOut();
    // onSessionChange renders the sign-in page.
  },

  async refreshMe() {
    await loadMe();
    render({ focus: false });
  },

  /** The viewer's role or the workspace changed: reload it and re-render the page. */
  workspaceChanged() {
    app.refreshMe().catch((e) => app.toast(errorText(e), 'error'));
  },

  /** Re-sends the verification link; false when the address is verified already. */
  sendVerificationEmail: async () => (await session.call(SEND_VERIFICATION)).sendVerificationEmail,

  /** A notice shown at the top of the next page rendered (after a removal, say). */
  flash: null,

  toast(message, kind = 'ok') {
    const item = h('div', { class: `toast toast-${kind}`, text: message });
    toasts.appendChild(item);
    while (toasts.childElementCount > MAX_TOASTS) toasts.firstElementChild.remove();
    setTimeout(() => item.remove(), 6000);
  },

  createWorkspace() {
    const dlg = openDialog({ title: t('newWorkspace.title') });
    const name = field({ label: t('newWorkspace.name'), input: h('input', { type: 'text', maxlength: '100', required: true, autocomplete: 'off' }) });
    const { form } = validatedForm({
      fields: [{ f: name, check: () => checkName(name.input.value), name: 'name' }],
      submitLabel: t('newWorkspace.create'),
      submit: async () => {
        const data = await session.call(CREATE_WORKSPACE, { name: name.input.value.trim() });
        const ws = data.createWorkspace;
        dlg.close();
        app.toast(t('newWorkspace.created', { name: ws.name }));
        await loadMe();
        app.navigate(`/workspaces/${ws.id}/members`);
      },
    });
    dlg.body.append(form);
    dlg.focusFirst();
  },
};

const live = new LiveClient(() => session.accessToken(), (state) => {
  app.liveState = state;
  const el = document.getElementById('live-state');
  if (el) {
    el.className = `live live-${state}`;
    el.querySelector('.live-text').textContent = liveText(state);
  }
});

async function loadMe() {
  const data = await session.call(ME);
  app.me = data.me;
  app.workspaces = data.workspaces;
  useAccountLanguage(data.me.language);
}

function route() {
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  if (PUBLIC[path]) return { kind: 'public', path };
  if (path === '/' || path === '/workspaces') return { kind: 'home' };
  const m = /^\/workspaces\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m) return { kind: 'workspace', id: decodeURIComponent(m[1]), page: m[2] || 'members' };
  return { kind: 'notfound' };
}

let renderSeq = 0;

async function render({ focus = false } = {}) {
  const mine = ++renderSeq;
  const r = route();
  document.title = 'Roster';

  if (r.kind === 'public') {
    if (session.isSignedIn()) return app.navigate('/', { replace: true });
    stopLive();
    return renderPublic(PUBLIC[r.path](app), focus);
  }
  if (!session.isSignedIn()) {
    if (r.kind === 'workspace') {
      try { window.sessionStorage.setItem(NEXT, window.location.pathname + window.location.search); } catch { /* no deep link then */ }
    }
    return app.navigate('/signin', { replace: true });
  }

  if (!app.me) {
    replace(root, h('p', { class: 'boot', role: 'status', text: t('common.loading') }));
    try {
      await loadMe();
    } catch (e) {
      if (mine !== renderSeq) return undefined;
      if (!session.isSignedIn()) return app.navigate('/signin', { replace: true });
      return replace(root, h('div', { class: 'boot' },
        h('p', { class: 'alert alert-error', role: 'alert', text: errorText(e) }),
        h('button', { type: 'button', class: 'button', text: t('common.retry'), on: { click: () => render() } })));
    }
    if (mine !== renderSeq) return undefined;
  }

  if (r.kind === 'home') {
    const last = readLastWorkspace();
    const ws = app.workspaces.find((w) => w.id === last) || app.workspaces[0];
    if (ws) return app.navigate(`/workspaces/${ws.id}/members`, { replace: true });
    stopLive();
    const shell = renderShell(app, { workspace: null, page: null });
    replace(shell.main, h('section', { class: 'empty big' },
      h('h1', { id: 'page-title', tabindex: '-1', text: t('noWorkspace.title') }),
      h('p', { text: t('noWorkspace.body') }),
      h('button', { type: 'button', class: 'button primary', text: t('shell.newWorkspace'), on: { click: () => app.createWorkspace() } })));
    return mountShell(shell, focus, t('noWorkspace.title'));
  }

  if (r.kind === 'notfound') {
    stopLive();
    const shell = renderShell(app, { workspace: null, page: null });
    replace(shell.main, notFound(t('notFound.body')));
    return mountShell(shell, focus, t('notFound.title'));
  }

  let workspace = app.workspaces.find((w) => w.id === r.id);
  if (!workspace) {
    // Maybe just joined: ask again before saying no.
    try { await loadMe(); } catch { /* shown below */ }
    if (mine !== renderSeq) return undefined;
    workspace = app.workspaces.find((w) => w.id === r.id);
  }
  if (!workspace || !PAGES[r.page]) {
    stopLive();
    const shell = renderShell(app, { workspace: null, page: null });
    replace(shell.main, notFound(workspace ? t('notFound.body') : t('notFound.workspace')));
    return mountShell(shell, focus, t('notFound.title'));
  }
  try { window.localStorage.setItem(LAST_WORKSPACE, workspace.id); } catch { /* not remembered */ }
  startLive(workspace);
  const shell = renderShell(app, { workspace, page: r.page });
  app.page = PAGES[r.page](app, shell.main, workspace);
  const pageName = { members: t('shell.members'), audit: t('shell.audit'), settings: t('shell.settings') }[r.page];
  return mountShell(shell, focus, `${pageName} · ${workspace.name}`);
}

function mountShell(shell, focus, title) {
  if (app.flash) {
    shell.main.prepend(h('p', { class: 'alert alert-warn', role: 'status', text: app.flash }));
    app.flash = null;
  }
  replace(root, shell.root);
  document.title = t('app.title', { page: title });
  if (focus) {
    const heading = document.getElementById('page-title');
    if (heading) heading.focus({ preventScroll: false });
  }
}

function renderPublic(view, focus) {
  app.page = null;
  const languageSelect = h('select', { id: 'language-select', on: { change: (e) => chooseLanguage(e.target.value) } },
    LANGUAGES.map((l) => h('option', { value: l.code, text: l.label, selected: l.code === language() })));
  replace(root, h('div', { class: 'public' },
    h('header', { class: 'public-header' },
      h('span', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: 'R' }), h('span', { class: 'brand-name', text: 'Roster' })),
      h('div', { class: 'field compact inline' }, h('label', { for: 'language-select', text: t('common.language') }), languageSelect)),
    h('main', { id: 'main', tabindex: '-1' }, view)));
  const heading = view.querySelector('h1');
  document.title = t('app.title', { page: heading ? heading.textContent : 'Roster' });
  const first = view.querySelector('[autofocus]');
  if (first && focus !== null) first.focus();
}

function notFound(message) {
  return h('section', { class: 'empty big' },
    h('h1', { id: 'page-title', tabindex: '-1', text: t('notFound.title') }),
    h('p', { text: message }),
    h('a', { class: 'button', href: '/', text: t('notFound.home'), on: { click: (e) => { e.preventDefault(); app.navigate('/'); } } }));
}

function readLastWorkspace() {
  try { return window.localStorage.getItem(LAST_WORKSPACE); } catch { return null; }
}

// --- live member events ---------------------------------------------------------------------

function startLive(workspace) {
  if (app.liveWorkspace === workspace.id) return;
  app.liveWorkspace = workspace.id;
  live.subscribe(MEMBER_EVENTS, { w: workspace.id }, {
    next: (data) => onMemberEvent(workspace.id, data.memberEvents).catch((e) => app.toast(errorText(e), 'error')),
    reconnected: () => { if (app.page && app.page.reload) app.page.reload(); },
    complete: () => { app.liveWorkspace = null; },
    error: () => { app.liveWorkspace = null; },
  });
}

function stopLive() {
  if (app.liveWorkspace) {
    live.stop();
    app.liveWorkspace = null;
  }
}

async function onMemberEvent(workspaceId, event) {
  const ws = app.workspaces.find((w) => w.id === workspaceId);
  const wsName = ws ? ws.name : '';
  const aboutMe = event.target && app.me && event.target.id === app.me.id;
  const byMe = event.actor && app.me && event.actor.id === app.me.id;
  if (!byMe && !aboutMe) {
    app.toast(t('live.event', { actor: actorName(event), what: describeEvent(event) }), 'info');
  }
  if (aboutMe && (event.action === 'MEMBER_REMOVED' || event.action === 'MEMBER_LEFT')) {
    if (!byMe) app.flash = t('live.removedYou', { workspace: wsName });
    app.liveWorkspace = null;
    await loadMe();
    if (route().id === workspaceId) app.navigate('/', { replace: true });
    return;
  }
  const reloadsShell = event.action === 'WORKSPACE_RENAMED'
    || ((event.action === 'ROLE_CHANGED' || event.action === 'OWNERSHIP_TRANSFERRED') && (aboutMe || byMe));
  if (reloadsShell) {
    await loadMe();
    const now = app.workspaces.find((w) => w.id === workspaceId);
    if (aboutMe && !byMe && now && event.action === 'ROLE_CHANGED') app.toast(t('live.roleChanged', { workspace: now.name, role: roleName(now.viewerRole) }), 'info');
    render({ focus: false });
    return;
  }
  if (app.page && app.page.onEvent) app.page.onEvent(event);
}

// --- start ------------------------------------------------------------------------------------

document.addEventListener('click', (event) => {
  // Same-origin links inside the app navigate without a reload.
  const a = event.target.closest && event.target.closest('a[href^="/"]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || a.target) return;
  const url = new URL(a.href);
  if (url.pathname.startsWith('/graphql') || url.pathname.startsWith('/activate')) return;
  event.preventDefault();
  app.navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render({ focus: true }));
onLanguageChange(() => render({ focus: false }));
let signingOut = false;
session.onSessionChange((s) => {
  if (!s) {
    // Signed out here, in another tab, or the server ended the session (revoked, banned).
    app.toast(signingOut ? t('auth.signedOut') : t('auth.sessionEnded'), signingOut ? 'ok' : 'warn');
    signingOut = false;
    stopLive();
    app.me = null;
    app.workspaces = [];
    app.navigate('/signin', { replace: true });
  } else if (app.me && s.accountId && s.accountId !== app.me.id) {
    // Another tab signed in as someone else.
    app.me = null;
    render({ focus: false });
  }
});

// Back to the tab (perhaps after opening the verification link): refresh what may have changed.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && app.me && app.me.emailVerified === false) {
    app.refreshMe().catch(() => {});
  }
});

async function boot() {
  replace(root, h('p', { class: 'boot', role: 'status', text: t('common.loading') }));
  await session.adoptHandedOverSession();
  try {
    app.serverInfo = (await graphql(SERVER_INFO)).serverInfo;
  } catch {
    app.serverInfo = null; // forms fall back to defaults
  }
  await render({ focus: false });
}

boot();
