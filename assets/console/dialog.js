// Modal dialogs on the native <dialog> element: showModal() makes the rest of the page inert
// and keeps Tab inside; Escape closes; focus goes to the first field on open and back to the
// control that opened the dialog on close.

import { h, uniqueId } from './dom.js';
import { t } from './i18n.js';

/**
 * Opens a dialog. Returns { el, body, close(result), focusFirst() }.
 * `onClose(result)` runs once, however the dialog closes (result undefined for Escape / ×).
 */
export function openDialog({ title, onClose, wide = false }) {
  const opener = document.activeElement;
  const titleId = uniqueId('dialog-title');
  const body = h('div', { class: 'dialog-body' });
  const closeButton = h('button', {
    type: 'button',
    class: 'icon-button',
    'aria-label': t('common.close'),
    text: '×',
    on: { click: () => close() },
  });
  const el = h('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId },
    h('div', { class: 'dialog-header' }, h('h2', { id: titleId, text: title }), closeButton),
    body);
  let closed = false;

  function close(result) {
    if (closed) return;
    closed = true;
    if (el.open) el.close();
    el.remove();
    // Back to the control that opened it; if the page re-rendered meanwhile (a live update),
    // to the page's heading rather than nowhere.
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    else if (document.getElementById('page-title')) document.getElementById('page-title').focus();
    if (onClose) onClose(result);
  }

  el.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });

  function focusFirst() {
    const target = body.querySelector('[autofocus], input:not([type=hidden]):not([disabled]), select, textarea, button:not([disabled])')
      || closeButton;
    target.focus();
  }

  document.body.appendChild(el);
  el.showModal();
  return { el, body, close, focusFirst, titleId };
}

/**
 * A yes/no confirmation. Resolves true when confirmed. `danger` styles the confirm button red.
 * `action` (optional) runs on confirm while the dialog shows "busy"; its error is shown in the
 * dialog (as a sentence, via `describeError`) and the dialog stays open.
 */
export function confirmDialog({ title, message, confirmLabel, danger = false, action, describeError }) {
  return new Promise((resolve) => {
    let done = false;
    const dlg = openDialog({ title, onClose: () => { if (!done) resolve(false); } });
    const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const confirm = h('button', { type: 'button', class: danger ? 'button danger' : 'button primary', text: confirmLabel });
    const cancel = h('button', { type: 'button', class: 'button', text: t('common.cancel'), on: { click: () => dlg.close() } });
    confirm.addEventListener('click', async () => {
      if (!action) {
        done = true;
        resolve(true);
        dlg.close(true);
        return;
      }
      confirm.disabled = true;
      cancel.disabled = true;
      confirm.setAttribute('aria-busy', 'true');
      error.hidden = true;
      try {
        await action();
        done = true;
        resolve(true);
        dlg.close(true);
      } catch (e) {
        error.textContent = describeError ? describeError(e) : String(e && e.message);
        error.hidden = false;
        confirm.disabled = false;
        cancel.disabled = false;
        confirm.removeAttribute('aria-busy');
        confirm.focus();
      }
    });
    dlg.body.append(
      h('p', { text: message }),
      error,
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    cancel.focus();
  });
}
