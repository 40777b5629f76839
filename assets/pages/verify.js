// The page a verification link opens (/verify, assets/verify.html): confirms the address
// (verifyEmail). Needs assets/pages/pages.js first.
(function () {
  'use strict';

  var STRINGS = {
    'en-US': {
      title: 'Confirm your email address',
      loading: 'Confirming your email address…',
      successTitle: 'Email address confirmed',
      successText: 'Your email address {email} is confirmed. Thank you!',
      failedTitle: 'This link can’t confirm your address',
      invalidText: 'This confirmation link is not valid. Open the link from your most recent ' +
        'confirmation email again, and make sure the whole address was copied.',
      usedText: 'This confirmation link was already used, or a newer one was sent since. ' +
        'If you opened it before, your address is confirmed; otherwise use the newest email.',
      expiredText: 'This confirmation link has expired. Sign in to Roster to get a new one.',
      inactiveText: 'This account cannot be confirmed because it is not active. ' +
        'If you were invited, open the link from your invitation email instead.',
      incompleteTitle: 'This link is incomplete',
      incompleteText: 'The confirmation link is missing its code. Open the link from the email again, ' +
        'or copy the whole address into your browser.'
    },
    'zh-Hans': {
      title: '确认邮箱地址',
      loading: '正在确认您的邮箱地址…',
      successTitle: '邮箱地址已确认',
      successText: '您的邮箱地址 {email} 已确认。谢谢！',
      failedTitle: '此链接无法确认您的邮箱地址',
      invalidText: '此确认链接无效。请重新打开最新一封确认邮件中的链接，并确保完整复制了地址。',
      usedText: '此确认链接已被使用，或之后又发送了新的链接。如果您之前打开过它，您的邮箱地址已确认；否则请使用最新的邮件。',
      expiredText: '此确认链接已过期。请登录 Roster 获取新的链接。',
      inactiveText: '此账号尚未激活，无法确认。如果您是受邀加入的，请打开邀请邮件中的链接。',
      incompleteTitle: '链接不完整',
      incompleteText: '确认链接不完整，缺少必要的部分。请重新打开邮件中的链接，或将完整地址复制到浏览器中。'
    }
  };

  // The helpers every link page shares (assets/pages/pages.js), given this page's strings.
  var P = RosterPage.withStrings(STRINGS);
  var $ = P.$, show = P.show, hide = P.hide, pickLanguage = P.pickLanguage, t = P.t, fill = P.fill,
    strong = P.strong, setLanguage = P.setLanguage, setTitle = P.setTitle, graphql = P.graphql,
    firstError = P.firstError, linkProblem = P.linkProblem, errorSentence = P.errorSentence,
    focusOn = P.focusOn;

  var VERIFY_MUTATION = 'mutation VerifyEmail($t: String!) { verifyEmail(token: $t) { email emailVerified } }';

  var els = {
    loading: $('loading'),
    invalid: $('invalid'),
    invalidTitle: $('invalid-title'),
    invalidMessage: $('invalid-message'),
    error: $('error'),
    retry: $('retry'),
    success: $('success'),
    successText: $('success-text')
  };

  function showInvalid(titleKey, textKey) {
    hide(els.loading);
    hide(els.error);
    hide(els.retry);
    els.invalidTitle.textContent = t(titleKey);
    els.invalidMessage.textContent = t(textKey);
    show(els.invalid);
    setTitle(titleKey);
    focusOn(els.invalidTitle);
  }

  var params = new URLSearchParams(window.location.search);
  var token = params.get('token');
  var busy = false;

  function verify() {
    if (busy) return;
    busy = true;
    hide(els.error);
    hide(els.retry);
    show(els.loading);
    graphql(VERIFY_MUTATION, { t: token }).then(function (body) {
      hide(els.loading);
      var err = firstError(body);
      var account = body.data && body.data.verifyEmail;
      if (err || !account) {
        var problem = linkProblem(err);
        if (problem) {
          showInvalid('failedTitle', problem === 'replaced' ? 'usedText' : problem + 'Text');
        } else {
          els.error.textContent = errorSentence(err);
          show(els.error);
          show(els.retry);
        }
        return;
      }
      fill(els.successText, 'successText', { email: strong(String(account.email || '')) });
      show(els.success);
      setTitle('successTitle');
      focusOn(els.success);
    }).catch(function (e) {
      hide(els.loading);
      els.error.textContent = e && e.message ? e.message : t('generic');
      show(els.error);
      show(els.retry);
    }).then(function () {
      busy = false;
    });
  }

  els.retry.addEventListener('click', verify);

  setLanguage(pickLanguage(params.get('lang')));
  if (!token) {
    showInvalid('incompleteTitle', 'incompleteText');
  } else {
    verify();
  }
})();
