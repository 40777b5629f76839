// The page an invitation link opens (/activate, assets/activate.html): greets the invitee,
// sets name and password (activateAccount). Needs assets/pages/pages.js first.
(function () {
  'use strict';

  var STRINGS = {
    'en-US': {
      title: 'Join a workspace',
      loading: 'Checking your invitation…',
      emailLabel: 'Email',
      emailHint: 'You will sign in with this address.',
      nameLabel: 'Your name',
      submit: 'Activate account',
      greeting: '{inviter} invited you to join {workspace}',
      greetingNoInviter: 'You have been invited to join {workspace}',
      joinTitle: 'Join {workspace}',
      expires: 'Choose your name and a password to accept. This invitation expires {when}.',
      expiresNoDate: 'Choose your name and a password to accept.',
      nameEmpty: 'Enter your name.',
      nameLong: 'Your name can be at most 100 characters.',
      nameControl: 'Your name cannot contain control characters.',
      nameRejected: 'This name cannot be used. Choose another one.',
      invalidTitle: 'This invitation can’t be used',
      invalidText: 'This invitation link is invalid, has expired, or was replaced by a newer one. ' +
        'Ask the person who invited you for a new one.',
      expiredText: 'This invitation link has expired. Ask the person who invited you for a new one.',
      replacedText: 'This invitation link was replaced by a newer one or withdrawn. ' +
        'Use the newest invitation email, or ask the person who invited you for a new one.',
      usedTitle: 'This invitation was already used — sign in',
      usedText: 'The account for {email} is already set up. Sign in with this email address and your password.',
      usedTextNoEmail: 'This invitation link was already used and the account is set up. ' +
        'Sign in with your email address and password.',
      incompleteTitle: 'This link is incomplete',
      incompleteText: 'The invitation link is missing its code. Open the link from your invitation email again, ' +
        'or copy the whole address into your browser.',
      successTitle: 'Your account is active',
      successText: 'You are signed in as {email}. From now on, sign in with this email address and ' +
        'the password you just chose.'
    },
    'zh-Hans': {
      title: '加入工作空间',
      loading: '正在检查邀请…',
      emailLabel: '邮箱',
      emailHint: '您将使用此邮箱地址登录。',
      nameLabel: '您的名字',
      submit: '激活账号',
      greeting: '{inviter} 邀请您加入 {workspace}',
      greetingNoInviter: '您受邀加入 {workspace}',
      joinTitle: '加入 {workspace}',
      expires: '填写名字并设置密码即可接受邀请。此邀请将于 {when} 过期。',
      expiresNoDate: '填写名字并设置密码即可接受邀请。',
      nameEmpty: '请输入您的名字。',
      nameLong: '名字最多 100 个字符。',
      nameControl: '名字不能包含控制字符。',
      nameRejected: '此名字无法使用，请换一个。',
      invalidTitle: '此邀请无法使用',
      invalidText: '此邀请链接无效、已过期或已被新的邀请取代。请联系邀请您的人重新发送邀请。',
      expiredText: '此邀请链接已过期。请联系邀请您的人重新发送邀请。',
      replacedText: '此邀请链接已被新的邀请取代或已撤销。请使用最新的邀请邮件，或联系邀请您的人重新发送。',
      usedTitle: '此邀请已被使用，请直接登录',
      usedText: '{email} 的账号已设置好。请使用此邮箱地址和您的密码登录。',
      usedTextNoEmail: '此邀请链接已被使用，账号已设置好。请使用您的邮箱地址和密码登录。',
      incompleteTitle: '链接不完整',
      incompleteText: '邀请链接不完整，缺少必要的部分。请重新打开邀请邮件中的链接，或将完整地址复制到浏览器中。',
      successTitle: '您的账号已激活',
      successText: '您已作为 {email} 登录。今后请使用此邮箱地址和刚刚设置的密码登录。'
    }
  };

  // The helpers every link page shares (assets/pages/pages.js), given this page's strings.
  var P = RosterPage.withStrings(STRINGS);
  var $ = P.$, show = P.show, hide = P.hide, pickLanguage = P.pickLanguage, t = P.t, fill = P.fill,
    strong = P.strong, setLanguage = P.setLanguage, setTitle = P.setTitle, charCount = P.charCount,
    graphql = P.graphql, firstError = P.firstError, linkProblem = P.linkProblem,
    errorSentence = P.errorSentence, passwordProblem = P.passwordProblem,
    confirmProblem = P.confirmProblem, setFieldError = P.setFieldError, validator = P.validator,
    storeTokens = P.storeTokens, focusOn = P.focusOn;

  var MAX_NAME = 100;
  var PREVIEW_QUERY =
    'query InvitationPreview($t: String!) { invitation(token: $t) { workspaceName inviterName email expiresAt language used } }';
  var ACTIVATE_MUTATION =
    'mutation ActivateAccount($i: ActivateAccountInput!) { activateAccount(input: $i) ' +
    '{ accessToken refreshToken account { email name } } }';

  var els = {
    loading: $('loading'),
    invalid: $('invalid'),
    invalidTitle: $('invalid-title'),
    invalidMessage: $('invalid-message'),
    invalidAction: $('invalid-action'),
    error: $('error'),
    retry: $('retry'),
    invite: $('invite'),
    greeting: $('greeting'),
    expires: $('expires'),
    form: $('form'),
    email: $('email'),
    name: $('name'),
    password: $('password'),
    confirm: $('confirm'),
    submit: $('submit'),
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

  // A final state instead of the form: title, sentence, and optionally a link on to /.
  function showInvalid(titleKey, textKey, nodes, actionKey) {
    hide(els.loading);
    hide(els.invite);
    hide(els.retry);
    clearError();
    els.invalidTitle.textContent = t(titleKey);
    fill(els.invalidMessage, textKey, nodes);
    if (actionKey) {
      els.invalidAction.textContent = t(actionKey);
      show(els.invalidAction);
    } else {
      hide(els.invalidAction);
    }
    show(els.invalid);
    setTitle(titleKey);
  }

  function showUsed(email) {
    showInvalid('usedTitle', email ? 'usedText' : 'usedTextNoEmail', { email: strong(email || '') }, 'signIn');
  }

  function formatDate(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    try {
      return new Intl.DateTimeFormat(P.lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
    } catch (e) {
      return d.toLocaleString();
    }
  }

  // ---- validation (mirrors src/domain/names.rs) ----------------------------------------------

  function nameProblem() {
    var name = els.name.value.trim();
    if (!name) return t('nameEmpty');
    if (charCount(name) > MAX_NAME) return t('nameLong');
    if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return t('nameControl');
    return null;
  }

  var validateAll = validator([
    [els.name, nameProblem],
    [els.password, function () { return passwordProblem(els.password); }],
    [els.confirm, function () { return confirmProblem(els.confirm, els.password); }]
  ], [els.password, els.confirm]);

  // ---- flow --------------------------------------------------------------------------------

  var params = new URLSearchParams(window.location.search);
  var token = params.get('token');
  var busy = false;

  function load() {
    clearError();
    hide(els.retry);
    show(els.loading);
    graphql(PREVIEW_QUERY, { t: token }).then(function (body) {
      hide(els.loading);
      var err = firstError(body);
      if (err) {
        showError(errorSentence(err));
        show(els.retry);
        return;
      }
      var inv = body.data && body.data.invitation;
      if (!inv) {
        showInvalid('invalidTitle', 'invalidText');
        return;
      }
      setLanguage(pickLanguage(inv.language));
      if (inv.used) {
        showUsed(String(inv.email || ''));
        return;
      }
      render(inv);
    }).catch(function (e) {
      hide(els.loading);
      showError(e && e.message ? e.message : t('generic'));
      show(els.retry);
    });
  }

  function render(inv) {
    var workspace = String(inv.workspaceName || '');
    var inviter = inv.inviterName ? String(inv.inviterName) : '';
    var email = String(inv.email || '');

    els.greeting.textContent = t(inviter ? 'greeting' : 'greetingNoInviter',
      { inviter: inviter, workspace: workspace });
    setTitle('joinTitle', { workspace: workspace });

    var when = inv.expiresAt ? formatDate(inv.expiresAt) : null;
    els.expires.textContent = when ? t('expires', { when: when }) : t('expiresNoDate');

    els.email.value = email;
    if (!els.name.value) {
      els.name.value = Array.from(email.split('@')[0]).slice(0, MAX_NAME).join('');
    }

    show(els.invite);
    show(els.form);
    els.name.focus();
  }

  // A server refusal: on a field, next to it; about the link, the matching final state or
  // sentence; anything else, a sentence in #error. The form stays for another try.
  function showRefusal(err) {
    if (err.field === 'name') {
      setFieldError(els.name, nameProblem() || t('nameRejected'));
      els.name.focus();
      return;
    }
    if (err.field === 'password') {
      setFieldError(els.password, passwordProblem(els.password) || t('passwordRejected'));
      els.password.focus();
      return;
    }
    var problem = linkProblem(err);
    if (problem === 'used') {
      // Used in another tab, or the account was taken another way: say so, with a way on.
      showError('');
      fill(els.error, 'usedTextNoEmail');
      var a = document.createElement('a');
      a.href = '/';
      a.textContent = t('signIn');
      els.error.appendChild(document.createTextNode(' '));
      els.error.appendChild(a);
      return;
    }
    if (problem) {
      showError(t(problem === 'expired' ? 'expiredText' : problem === 'replaced' ? 'replacedText' : 'invalidText'));
      return;
    }
    showError(errorSentence(err));
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

    var input = { token: token, name: els.name.value.trim(), password: els.password.value };
    graphql(ACTIVATE_MUTATION, { i: input }).then(function (body) {
      var err = firstError(body);
      var payload = body.data && body.data.activateAccount;
      if (err || !payload) {
        showRefusal(err || { code: '', field: '', message: '' });
        return;
      }
      storeTokens(payload);
      els.password.value = '';
      els.confirm.value = '';
      hide(els.form);
      hide(els.expires);
      var email = String((payload.account && payload.account.email) || els.email.value);
      fill(els.successText, 'successText', { email: strong(email) });
      show(els.success);
      setTitle('successTitle');
      focusOn(els.success);
    }).catch(function (e) {
      showError(e && e.message ? e.message : t('generic'));
    }).then(function () {
      busy = false;
      els.submit.disabled = false;
      els.form.removeAttribute('aria-busy');
    });
  });

  els.retry.addEventListener('click', load);

  // Until the invitation says which language its invitee reads: the link's, else the browser's.
  setLanguage(pickLanguage(params.get('lang')));
  if (!token) {
    showInvalid('incompleteTitle', 'incompleteText');
  } else {
    load();
  }
})();
