// What the pages emailed links open share (/activate, /verify, /reset: assets/activate.html,
// verify.html, reset.html). Each page loads this file, then its own script
// (assets/pages/<page>.js), which hands over its strings and takes the helpers:
//
//   var P = RosterPage.withStrings(STRINGS);   // { 'en-US': {...}, 'zh-Hans': {...} }
//   var $ = P.$, t = P.t, graphql = P.graphql, ...;
//
// Served by src/http.rs at /assets/pages/pages.js. Defines one global, RosterPage.
var RosterPage = (function () {
  'use strict';

  // The page's own strings, by language (withStrings); COMMON below fills in the rest.
  var STRINGS = { 'en-US': {} };

  var GRAPHQL_URL = '/graphql';
  var MIN_PASSWORD = 8;   // src/domain/names.rs: 8 to 128 characters, taken as typed
  var MAX_PASSWORD = 128;
  var LANGUAGES = ['en-US', 'zh-Hans'];

  var COMMON = {
    'en-US': {
      footer: 'Roster · workspace membership',
      continue: 'Continue to Roster',
      signIn: 'Sign in',
      retry: 'Try again',
      unreachable: 'Could not reach the server. Check your connection and try again.',
      unexpected: 'The server sent an unexpected answer (HTTP {status}). Please try again in a moment.',
      generic: 'Something went wrong. Please try again.',
      rateLimited: 'Too many attempts. Please wait {minutes} min and try again.',
      passwordLabel: 'Password',
      newPasswordLabel: 'New password',
      passwordHint: 'At least 8 characters.',
      confirmLabel: 'Confirm password',
      passwordEmpty: 'Choose a password.',
      passwordShort: 'Use at least 8 characters.',
      passwordLong: 'Use at most 128 characters.',
      passwordRejected: 'This password cannot be used. Choose another one.',
      confirmEmpty: 'Type your password again.',
      confirmMismatch: 'The passwords do not match.'
    },
    'zh-Hans': {
      footer: 'Roster · 工作空间成员管理',
      continue: '进入 Roster',
      signIn: '登录',
      retry: '重试',
      unreachable: '无法连接服务器。请检查网络后重试。',
      unexpected: '服务器返回了意外的应答（HTTP {status}）。请稍后重试。',
      generic: '出了点问题，请重试。',
      rateLimited: '尝试次数过多。请等待 {minutes} 分钟后重试。',
      passwordLabel: '密码',
      newPasswordLabel: '新密码',
      passwordHint: '至少 8 个字符。',
      confirmLabel: '确认密码',
      passwordEmpty: '请设置密码。',
      passwordShort: '密码至少需要 8 个字符。',
      passwordLong: '密码最多 128 个字符。',
      passwordRejected: '此密码无法使用，请换一个。',
      confirmEmpty: '请再次输入密码。',
      confirmMismatch: '两次输入的密码不一致。'
    }
  };

  var lang = 'en-US';

  function $(id) { return document.getElementById(id); }
  function show(el) { el.hidden = false; }
  function hide(el) { el.hidden = true; }

  // The language asked for (a link's `lang`, an invitation's language), else the browser's.
  function pickLanguage(wanted) {
    var w = String(wanted || '').toLowerCase();
    if (w.indexOf('zh') === 0) return 'zh-Hans';
    if (w.indexOf('en') === 0) return 'en-US';
    var nav = String(navigator.language || '').toLowerCase();
    return nav.indexOf('zh') === 0 ? 'zh-Hans' : 'en-US';
  }

  // Translates `key`, filling `{name}` placeholders from `vars`.
  function t(key, vars) {
    var s = (STRINGS[lang] && STRINGS[lang][key]) || (COMMON[lang] && COMMON[lang][key]) ||
      STRINGS['en-US'][key] || COMMON['en-US'][key] || key;
    return s.replace(/\{(\w+)\}/g, function (whole, name) {
      return vars && vars[name] != null ? String(vars[name]) : whole;
    });
  }

  // Puts `key`'s text into `el`, with `{name}` placeholders replaced by the given DOM nodes
  // or strings (never HTML: names and addresses come from people).
  function fill(el, key, nodes) {
    el.textContent = '';
    t(key).split(/(\{\w+\})/).forEach(function (part) {
      var m = /^\{(\w+)\}$/.exec(part);
      var value = m && nodes && nodes[m[1]] != null ? nodes[m[1]] : part;
      el.appendChild(typeof value === 'string' ? document.createTextNode(value) : value);
    });
  }

  function strong(text) {
    var b = document.createElement('strong');
    b.textContent = text;
    return b;
  }

  // Sets the page language: <html lang>, the title and every [data-t] text.
  function setLanguage(code, titleKey) {
    lang = LANGUAGES.indexOf(code) >= 0 ? code : 'en-US';
    document.documentElement.lang = lang;
    Array.prototype.forEach.call(document.querySelectorAll('[data-t]'), function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
    setTitle(titleKey || 'title');
  }
  function setTitle(key, vars) { document.title = t(key, vars) + ' – Roster'; }

  // Counts characters the way the server does (Unicode code points, not UTF-16 units).
  function charCount(s) { return Array.from(s).length; }

  // POSTs one GraphQL operation. Resolves with the parsed body ({data, errors}); rejects with
  // an Error whose message is fit to show when the server cannot be reached or answers with
  // something other than GraphQL JSON.
  function graphql(query, variables) {
    return fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept': 'application/json' },
      body: JSON.stringify({ query: query, variables: variables }),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (!body || typeof body !== 'object' || (!('data' in body) && !Array.isArray(body.errors))) {
          throw new Error(t('unexpected', { status: res.status }));
        }
        return body;
      });
    }, function () {
      throw new Error(t('unreachable'));
    });
  }

  // The first GraphQL error as { code, field, message, retryAfter }, or null.
  function firstError(body) {
    var e = body && Array.isArray(body.errors) && body.errors[0];
    if (!e) return null;
    var ext = e.extensions || {};
    return {
      code: String(ext.code || ''),
      field: ext.field ? String(ext.field) : '',
      reason: ext.reason ? String(ext.reason) : '',
      message: typeof e.message === 'string' ? e.message : '',
      retryAfter: Number(ext.retryAfter) || 0
    };
  }

  // What is wrong with an emailed link, from a BAD_USER_INPUT error on `token`:
  // 'used', 'expired', 'replaced' (a newer link replaced it, or it was revoked), 'inactive'
  // (the account cannot take it) or 'invalid'; null for any other error. The server says
  // which in `extensions.reason`; older servers only in the message.
  var LINK_REASONS = { USED: 'used', EXPIRED: 'expired', REVOKED: 'replaced', INACTIVE: 'inactive', INVALID: 'invalid' };
  function linkProblem(err) {
    if (!err || err.code !== 'BAD_USER_INPUT' || err.field !== 'token') return null;
    if (LINK_REASONS[err.reason]) return LINK_REASONS[err.reason];
    var m = err.message.toLowerCase();
    if (m.indexOf('already been used') >= 0) return 'used';
    if (m.indexOf('expired') >= 0) return 'expired';
    if (m.indexOf('replaced') >= 0 || m.indexOf('revoked') >= 0) return 'replaced';
    if (m.indexOf('cannot be') >= 0) return 'inactive';
    return 'invalid';
  }

  // A sentence for an error that is not about a field or the link.
  function errorSentence(err) {
    if (err && err.code === 'RATE_LIMITED') {
      return t('rateLimited', { minutes: Math.max(1, Math.ceil(err.retryAfter / 60)) });
    }
    return t('generic');
  }

  function passwordProblem(input) {
    var n = charCount(input.value);
    if (n === 0) return t('passwordEmpty');
    if (n < MIN_PASSWORD) return t('passwordShort');
    if (n > MAX_PASSWORD) return t('passwordLong');
    return null;
  }
  function confirmProblem(input, password) {
    if (!input.value) return t('confirmEmpty');
    if (input.value !== password.value) return t('confirmMismatch');
    return null;
  }

  function setFieldError(input, message) {
    $(input.id + '-error').textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  // checks: [[input, () => problem or null], ...]. Marks every problem; returns the first
  // invalid input or null. A flagged field is re-checked as the person types.
  function validator(checks, confirmPair) {
    checks.forEach(function (c) {
      c[0].addEventListener('input', function () {
        if (c[0].getAttribute('aria-invalid') === 'true') setFieldError(c[0], c[1]());
        if (confirmPair && c[0] === confirmPair[0] &&
            confirmPair[1].getAttribute('aria-invalid') === 'true') {
          setFieldError(confirmPair[1], confirmProblem(confirmPair[1], confirmPair[0]));
        }
      });
    });
    return function validateAll() {
      var first = null;
      checks.forEach(function (c) {
        var problem = c[1]();
        setFieldError(c[0], problem);
        if (problem && !first) first = c[0];
      });
      return first;
    };
  }

  // Hands the new session to the members console at / (it adopts these two keys).
  function storeTokens(payload) {
    try {
      window.sessionStorage.setItem('roster.accessToken', payload.accessToken);
      window.sessionStorage.setItem('roster.refreshToken', payload.refreshToken);
    } catch (e) {
      // Storage can be disabled (private modes, policies): the person signs in at / then.
    }
  }

  // Shows a final state (a section) and moves focus to it, for screen readers and keyboards.
  function focusOn(el) {
    el.setAttribute('tabindex', '-1');
    el.focus();
  }

  return {
    // Sets the page's strings; returns RosterPage.
    withStrings: function (strings) {
      STRINGS = strings;
      return this;
    },
    // The page's language now (set by setLanguage).
    lang: function () { return lang; },
    $: $, show: show, hide: hide, pickLanguage: pickLanguage, t: t, fill: fill, strong: strong,
    setLanguage: setLanguage, setTitle: setTitle, charCount: charCount, graphql: graphql,
    firstError: firstError, linkProblem: linkProblem, errorSentence: errorSentence,
    passwordProblem: passwordProblem, confirmProblem: confirmProblem, setFieldError: setFieldError,
    validator: validator, storeTokens: storeTokens, focusOn: focusOn
  };
})();
