// The page a password-reset link opens (/reset, assets/reset.html): sets a new password
// (resetPassword). Needs assets/pages/pages.js first.
(function () {
  'use strict';

  var STRINGS = {
    'en-US': {
      title: 'Choose a new password',
      heading: 'Choose a new password',
      intro: 'Choose the password you will sign in with from now on. Your other sessions will be signed out.',
      submit: 'Set new password',
      successTitle: 'Your password is changed',
      successText: 'You are signed in as {email}. Every other session of this account was signed out.',
      failedTitle: 'This link can’t be used',
      invalidText: 'This password reset link is not valid. Open the link from your most recent email ' +
        'again, and make sure the whole address was copied.',
      usedText: 'This password reset link was already used, or a newer one was sent since. ' +
        'Each link works once: ask for a new one below if you still need it.',
      expiredText: 'This password reset link has expired (links work for 30 minutes). Ask for a new one below.',
      inactiveText: 'The password of this account cannot be reset. Ask for a new link below, ' +
        'or contact the person who invited you.',
      incompleteTitle: 'This link is incomplete',
      incompleteText: 'The password reset link is missing its code. Open the link from the email again, ' +
        'or ask for a new one below.',
      againTitle: 'Get a new link',
      emailLabel: 'Email',
      againSubmit: 'Email me a new link',
      emailEmpty: 'Enter the email address you sign in with.',
      emailInvalid: 'Enter an email address like name@example.com.',
      againSent: 'If an account uses {email}, a new link is on its way. It works for 30 minutes.'
    },
    'zh-Hans': {
      title: '设置新密码',
      heading: '设置新密码',
      intro: '设置今后登录使用的密码。您在其他设备上的登录将被退出。',
      submit: '设置新密码',
      successTitle: '密码已修改',
      successText: '您已作为 {email} 登录。此账号的其他登录会话均已退出。',
      failedTitle: '此链接无法使用',
      invalidText: '此密码重置链接无效。请重新打开最新一封邮件中的链接，并确保完整复制了地址。',
      usedText: '此密码重置链接已被使用，或之后又发送了新的链接。每个链接只能使用一次：如仍需重置，请在下方获取新链接。',
      expiredText: '此密码重置链接已过期（链接有效期为 30 分钟）。请在下方获取新链接。',
      inactiveText: '此账号的密码无法重置。请在下方获取新链接，或联系邀请您的人。',
      incompleteTitle: '链接不完整',
      incompleteText: '密码重置链接不完整，缺少必要的部分。请重新打开邮件中的链接，或在下方获取新链接。',
      againTitle: '获取新链接',
      emailLabel: '邮箱',
      againSubmit: '发送新链接',
      emailEmpty: '请输入您登录使用的邮箱地址。',
      emailInvalid: '请输入有效的邮箱地址，例如 name@example.com。',
      againSent: '如果 {email} 有对应的账号，新链接已发出，有效期 30 分钟。'
    }
  };

  // The helpers every link page shares (assets/pages/pages.js), given this page's strings.
  var P = RosterPage.withStrings(STRINGS);
  var $ = P.$, show = P.show, hide = P.hide, pickLanguage = P.pickLanguage, t = P.t, fill = P.fill,
    strong = P.strong, setLanguage = P.setLanguage, setTitle = P.setTitle, graphql = P.graphql,
    firstError = P.firstError, linkProblem = P.linkProblem, errorSentence = P.errorSentence,
    passwordProblem = P.passwordProblem, confirmProblem = P.confirmProblem,
    setFieldError = P.setFieldError, validator = P.validator, storeTokens = P.storeTokens,
    focusOn = P.focusOn;

  var RESET_MUTATION =
    'mutation ResetPassword($i: ResetPasswordInput!) { resetPassword(input: $i) ' +
    '{ accessToken refreshToken account { email } } }';
  var REQUEST_MUTATION = 'mutation RequestPasswordReset($e: String!) { requestPasswordReset(email: $e) }';

  var els = {
    reset: $('reset'),
    form: $('form'),
    password: $('password'),
    confirm: $('confirm'),
    submit: $('submit'),
    invalid: $('invalid'),
    invalidTitle: $('invalid-title'),
    invalidMessage: $('invalid-message'),
    again: $('again'),
    againEmail: $('again-email'),
    againSubmit: $('again-submit'),
    againSent: $('again-sent'),
    error: $('error'),
    success: $('success'),
    successText: $('success-text')
  };

  function showError(message) {
    els.error.textContent = message;
    show(els.error);
  }
  function clearError() {
    els.error.textContent = '';
    hide(els.error);
  }

  function showInvalid(titleKey, textKey) {
    hide(els.reset);
    clearError();
    els.invalidTitle.textContent = t(titleKey);
    els.invalidMessage.textContent = t(textKey);
    show(els.invalid);
    setTitle(titleKey);
    focusOn(els.invalidTitle);
  }

  var params = new URLSearchParams(window.location.search);
  var token = params.get('token');
  var busy = false;

  // ---- new password ------------------------------------------------------------------------

  var validateAll = validator([
    [els.password, function () { return passwordProblem(els.password); }],
    [els.confirm, function () { return confirmProblem(els.confirm, els.password); }]
  ], [els.password, els.confirm]);

  function done() {
    busy = false;
    els.submit.disabled = false;
    els.againSubmit.disabled = false;
    els.form.removeAttribute('aria-busy');
    els.again.removeAttribute('aria-busy');
  }

  els.form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    clearError();
    var invalid = validateAll();
    if (invalid) {
      invalid.focus();
      return;
    }
    busy = true;
    els.submit.disabled = true;
    els.form.setAttribute('aria-busy', 'true');
    graphql(RESET_MUTATION, { i: { token: token, password: els.password.value } }).then(function (body) {
      var err = firstError(body);
      var payload = body.data && body.data.resetPassword;
      if (err || !payload) {
        var problem = linkProblem(err);
        if (problem) {
          showInvalid('failedTitle', problem === 'replaced' ? 'usedText' : problem + 'Text');
        } else if (err && err.field === 'password') {
          setFieldError(els.password, passwordProblem(els.password) || t('passwordRejected'));
          els.password.focus();
        } else {
          showError(errorSentence(err));
        }
        return;
      }
      storeTokens(payload);
      els.password.value = '';
      els.confirm.value = '';
      hide(els.reset);
      fill(els.successText, 'successText', { email: strong(String((payload.account && payload.account.email) || '')) });
      show(els.success);
      setTitle('successTitle');
      focusOn(els.success);
    }).catch(function (e) {
      showError(e && e.message ? e.message : t('generic'));
    }).then(done);
  });

  // ---- a new link (public: requestPasswordReset) ----------------------------------------

  function emailProblem() {
    var v = els.againEmail.value.trim();
    if (!v) return t('emailEmpty');
    if (!/^[^\s@]+@[^\s@]+$/.test(v)) return t('emailInvalid');
    return null;
  }
  var validateAgain = validator([[els.againEmail, emailProblem]]);

  els.again.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) return;
    clearError();
    var invalid = validateAgain();
    if (invalid) {
      invalid.focus();
      return;
    }
    busy = true;
    els.againSubmit.disabled = true;
    els.again.setAttribute('aria-busy', 'true');
    var email = els.againEmail.value.trim();
    graphql(REQUEST_MUTATION, { e: email }).then(function (body) {
      var err = firstError(body);
      if (err) {
        showError(errorSentence(err));
        return;
      }
      hide(els.again);
      fill(els.againSent, 'againSent', { email: strong(email) });
      show(els.againSent);
      focusOn(els.againSent);
    }).catch(function (e) {
      showError(e && e.message ? e.message : t('generic'));
    }).then(done);
  });

  setLanguage(pickLanguage(params.get('lang')));
  if (!token) {
    showInvalid('incompleteTitle', 'incompleteText');
  } else {
    show(els.reset);
    els.password.focus();
  }
})();
