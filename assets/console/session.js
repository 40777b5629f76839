// The signed-in session: the access and refresh tokens in localStorage (so the console survives
// a reload and is shared by the tabs of one browser), refreshed before they expire and once more
// when the server answers UNAUTHENTICATED.
//
// Refresh tokens rotate and a used one presented again revokes its whole family, so two tabs
// must never refresh with the same token: refreshes are serialized across tabs with the Web
// Locks API, and a tab that finds the stored token already rotated by another tab adopts it.
// One case stays: a refresh whose answer is lost because the page unloaded mid-request leaves
// the used token stored, and the next refresh ends the session (the user signs in again).

import { ApiError, graphql } from './api.js';
import { LOGOUT, REFRESH } from './queries.js';

const KEY = 'roster.session';
/** Refresh this long before the access token expires. */
const SKEW_MS = 60_000;

let session = read();
const listeners = new Set();
let inflight = null;

function read() {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw);
    return s && typeof s.accessToken === 'string' && typeof s.refreshToken === 'string' ? s : null;
  } catch {
    return null;
  }
}

function write(next) {
  const was = session;
  session = next;
  try {
    if (next) window.localStorage.setItem(KEY, JSON.stringify(next));
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage disabled: the session lasts as long as the page.
  }
  if (Boolean(was) !== Boolean(next) || (was && next && was.accountId !== next.accountId)) notify();
}

function notify() {
  for (const fn of listeners) fn(session);
}

// Another tab signed in, refreshed or signed out.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY && event.key !== null) return;
  const was = session;
  session = read();
  if (Boolean(was) !== Boolean(session) || (was && session && was.accountId !== session.accountId)) notify();
});

/** Calls `fn(session)` whenever the user signs in or out (in this tab or another). */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function isSignedIn() {
  return session !== null;
}

/** Keeps the tokens of an AuthPayload (signUp, login, refreshToken, activateAccount, resetPassword). */
export function start(payload) {
  write({
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    expiresAt: Date.now() + payload.expiresIn * 1000,
    accountId: payload.account ? payload.account.id : null,
  });
}

/** Forgets the session locally (no server call). */
export function clear() {
  write(null);
}

async function withRefreshLock(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request('roster.refresh', fn);
  if (!inflight) inflight = fn().finally(() => { inflight = null; });
  return inflight;
}

/**
 * Trades the refresh token for a new pair. `stale` is the session the caller found wanting;
 * when another tab (or call) rotated it meanwhile, the newer one is used instead.
 */
function refresh(stale) {
  return withRefreshLock(async () => {
    const stored = read() || session;
    if (!stored) throw new ApiError('UNAUTHENTICATED', '');
    if (stale && stored.refreshToken !== stale.refreshToken) {
      session = stored;
      return stored;
    }
    let data;
    try {
      data = await graphql(REFRESH, { t: stored.refreshToken });
    } catch (e) {
      if (e.code === 'UNAUTHENTICATED') write(null);
      throw e;
    }
    start(data.refreshToken);
    return session;
  });
}

/** A valid access token (refreshed first when it is about to expire). */
export async function accessToken() {
  let s = session;
  if (!s) throw new ApiError('UNAUTHENTICATED', '');
  if (!s.expiresAt || s.expiresAt - SKEW_MS < Date.now()) s = await refresh(s);
  return s.accessToken;
}

/** Runs an operation as the signed-in user; one refresh and retry on UNAUTHENTICATED. */
export async function call(query, variables = {}) {
  const token = await accessToken();
  const used = session;
  try {
    return await graphql(query, variables, { token });
  } catch (e) {
    if (e.code !== 'UNAUTHENTICATED' || !used) throw e;
    const fresh = await refresh(used);
    try {
      return await graphql(query, variables, { token: fresh.accessToken });
    } catch (again) {
      // A fresh token refused: the account can no longer sign in (banned, or signed out).
      if (again.code === 'UNAUTHENTICATED') write(null);
      throw again;
    }
  }
}

/**
 * The pages emailed links open (/activate, /reset, /verify) leave the session they started in
 * sessionStorage: the console takes it over (rotating the refresh token at once), so the person
 * lands signed in. It is newer than any session stored here (a reset even revoked those), so it
 * replaces one.
 */
export async function adoptHandedOverSession() {
  let refreshToken = null;
  try {
    refreshToken = window.sessionStorage.getItem('roster.refreshToken');
    window.sessionStorage.removeItem('roster.accessToken');
    window.sessionStorage.removeItem('roster.refreshToken');
  } catch {
    return;
  }
  if (!refreshToken) return;
  try {
    const data = await graphql(REFRESH, { t: refreshToken });
    start(data.refreshToken);
  } catch {
    // Expired or already used: the sign-in form follows.
  }
}

/** Signs out: revokes this session's refresh-token family on the server, then forgets it. */
export async function signOut() {
  const s = session;
  write(null);
  if (!s) return;
  try {
    await graphql(LOGOUT, { t: s.refreshToken }, { token: s.expiresAt > Date.now() ? s.accessToken : null });
  } catch {
    // Signed out locally either way; the access token expires on its own.
  }
}
