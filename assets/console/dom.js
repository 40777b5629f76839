// Tiny DOM helpers. Every piece of text goes through textContent, never innerHTML, so names and
// emails typed by users can never become markup.

/**
 * Creates an element. `props` keys:
 *   class, text, for (htmlFor), on: { event: handler }, dataset: {...},
 *   booleans (hidden, disabled, checked, required, selected, readOnly, multiple) as properties,
 *   value (property), anything else as an attribute (aria-*, role, type, id, name, ...).
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    switch (key) {
      case 'class': el.className = value; break;
      case 'text': el.textContent = String(value); break;
      case 'for': el.htmlFor = value; break;
      case 'on':
        for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
        break;
      case 'dataset': Object.assign(el.dataset, value); break;
      case 'value': el.value = value; break;
      case 'hidden': case 'disabled': case 'checked': case 'required': case 'selected':
      case 'readOnly': case 'multiple': case 'autofocus':
        el[key] = Boolean(value); break;
      default: el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function uniqueId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: { wrap, input, error } (error box wired with aria-describedby). */
export function field({ label, input, hint }) {
  const id = input.id || uniqueId('f');
  input.id = id;
  const errorBox = h('div', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const described = [];
  let hintEl = null;
  if (hint) {
    hintEl = h('div', { class: 'hint', id: `${id}-hint`, text: hint });
    described.push(hintEl.id);
  }
  described.push(errorBox.id);
  input.setAttribute('aria-describedby', described.join(' '));
  const wrap = h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl, errorBox);
  return {
    wrap,
    input,
    setError(message) {
      errorBox.textContent = message || '';
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

/** Debounces a function (the last call wins). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
