// The signed-out pages: sign in, sign up, forgot password.

import { graphql } from '../api.js';
import { field, h } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { LOGIN, REQUEST_RESET, SIGN_UP } from '../queries.js';
import * as session from '../session.js';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const chars = (s) => Array.from(s).length;

export function checkEmail(value) {
  const v = value.trim();
  if (!v) return t('check.email');
  if (!EMAIL_SHAPE.test(v)) return t('check.emailFormat');
  return null;
}

export function checkNewPassword(value) {
  if (!value) return t('check.password');
  if (chars(value) < 8) return t('check.passwordShort');
  if (chars(value) > 128) return t('check.passwordLong');
  return null;
}

export function checkName(value) {
  const v = value.trim();
  if (!v) return t('check.name');
  if (chars(v) > 100) return t('check.nameLong');
  return null;
}

/**
 * A form with validated fields and a submit button that shows "busy" and a sentence on error.
 * fields: [{ f: field(...), check: () => message|null }]; submit: async () => void.
 */
export function validatedForm({ fields, submitLabel, submit, errorFor = errorText, extra = [], wide = true }) {
  const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: wide ? 'button primary wide' : 'button primary', text: submitLabel });
  const form = h('form', { novalidate: true }, fields.map((x) => x.f.wrap), error, button, extra);
  let busy = false;
  for (const x of fields) {
    x.f.input.addEventListener('input', () => {
      if (x.f.input.getAttribute('aria-invalid') === 'true') x.f.setError(x.check());
    });
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    error.hidden = true;
    let firstBad = null;
    for (const x of fields) {
      const problem = x.check();
      x.f.setError(problem);
      if (problem && !firstBad) firstBad = x.f.input;
    }
    if (firstBad) {
      firstBad.focus();
      return;
    }
    busy = true;
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await submit();
    } catch (e) {
      // An input the server refused (extensions.field) gets the sentence under it.
      const bad = e && e.code === 'BAD_USER_INPUT' && e.field && fields.find((x) => x.name === e.field);
      if (bad) {
        bad.f.setError(errorFor(e));
        bad.f.input.focus();
      } else {
        error.textContent = errorFor(e);
        error.hidden = false;
      }
    } finally {
      busy = false;
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return { form, error };
}

function authCard(title, ...content) {
  return h('section', { class: 'auth-card card', 'aria-labelledby': 'auth-title' },
    h('h1', { id: 'auth-title', text: title }),
    content);
}

function link(path, text, app) {
  return h('a', { href: path, text, on: { click: (e) => { e.preventDefault(); app.navigate(path); } } });
}

export function signInView(app) {
  const email = field({ label: t('common.email'), input: h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true }) });
  const password = field({ label: t('common.password'), input: h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true }) });
  const { form } = validatedForm({
    fields: [
      { f: email, check: () => checkEmail(email.input.value), name: 'email' },
      { f: password, check: () => (password.input.value ? null : t('check.password')), name: 'password' },
    ],
    submitLabel: t('auth.signIn'),
    errorFor: (e) => (e.code === 'UNAUTHENTICATED' ? t('auth.badCredentials') : errorText(e)),
    submit: async () => {
      const data = await graphql(LOGIN, { i: { email: email.input.value.trim(), password: password.input.value } });
      session.start(data.login);
      await app.signedIn();
    },
    extra: [h('p', { class: 'form-links' }, link('/forgot-password', t('auth.forgot'), app))],
  });
  const signup = app.serverInfo && app.serverInfo.signupEnabled === false
    ? null
    : h('p', { class: 'muted center' }, `${t('auth.noAccount')} `, link('/signup', t('auth.signUp'), app));
  return authCard(t('auth.signInTitle'), form, signup);
}

export function signUpView(app) {
  if (app.serverInfo && app.serverInfo.signupEnabled === false) {
    return authCard(t('auth.signUpTitle'),
      h('p', { class: 'alert alert-info', text: t('auth.signupDisabled') }),
      h('p', { class: 'center' }, link('/signin', t('auth.backToSignIn'), app)));
  }
  const name = field({ label: t('auth.yourName'), input: h('input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '100', required: true, autofocus: true }) });
  const email = field({ label: t('common.email'), input: h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true }) });
  const password = field({ label: t('common.password'), hint: t('auth.passwordHint'), input: h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true }) });
  const { form } = validatedForm({
    fields: [
      { f: name, check: () => checkName(name.input.value), name: 'name' },
      { f: email, check: () => checkEmail(email.input.value), name: 'email' },
      { f: password, check: () => checkNewPassword(password.input.value), name: 'password' },
    ],
    submitLabel: t('auth.signUp'),
    submit: async () => {
      const data = await graphql(SIGN_UP, {
        i: { name: name.input.value.trim(), email: email.input.value.trim(), password: password.input.value },
      });
      session.start(data.signUp);
      await app.signedIn();
    },
  });
  return authCard(t('auth.signUpTitle'),
    h('p', { class: 'muted', text: t('auth.signUpHint') }),
    form,
    h('p', { class: 'muted center' }, `${t('auth.haveAccount')} `, link('/signin', t('auth.signIn'), app)));
}

export function forgotView(app) {
  const email = field({ label: t('common.email'), input: h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true }) });
  const done = h('div', { class: 'alert alert-ok', role: 'status', tabindex: '-1', hidden: true });
  const { form } = validatedForm({
    fields: [{ f: email, check: () => checkEmail(email.input.value), name: 'email' }],
    submitLabel: t('auth.forgotSend'),
    submit: async () => {
      const address = email.input.value.trim();
      await graphql(REQUEST_RESET, { e: address });
      done.textContent = t('auth.forgotSent', { email: address });
      done.hidden = false;
      form.hidden = true;
      done.focus();
    },
  });
  return authCard(t('auth.forgotTitle'),
    h('p', { class: 'muted', text: t('auth.forgotIntro') }),
    form,
    done,
    h('p', { class: 'center' }, link('/signin', t('auth.backToSignIn'), app)));
}
