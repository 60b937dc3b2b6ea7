// DOM building without HTML strings (nothing from the API is ever parsed as markup),
// and the small shared pieces of the views.

// h('p.note', {attrs}, children...): an element; attrs starting with "on" are listeners.
export function h(spec, attrs = {}, ...children) {
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs);
    attrs = {};
  }
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let fieldSeq = 0;

// A labelled control with a place for its validation messages (aria-describedby).
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const err = h('p.field-error', { id: `${id}-err`, hidden: true });
  const described = [`${id}-err`];
  let hintEl = null;
  if (hint) {
    hintEl = h('p.hint', { id: `${id}-hint` }, hint);
    described.push(`${id}-hint`);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div.field', { 'data-field': control.name }, h('label', { for: id }, label), control, hintEl, err);
}

// Shows messages next to the fields of a form ({name: [msgs]}); "_" and unknown fields
// go to the form's own message area. Returns the first field with a problem.
export function showErrors(form, errors, general) {
  clearErrors(form);
  let first = null;
  const rest = [];
  for (const [name, msgs] of Object.entries(errors)) {
    const control = form.elements.namedItem(name);
    const err = control && form.querySelector(`#${CSS.escape(control.id)}-err`);
    if (!err) { rest.push(...msgs); continue; }
    err.textContent = msgs.join(' ');
    err.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    first ||= control;
  }
  if (general) rest.unshift(general);
  const box = form.querySelector('.form-error');
  if (box && rest.length) {
    box.textContent = rest.join(' ');
    box.hidden = false;
  }
  (first || box)?.focus?.();
  return first;
}

export function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error, .form-error')) { e.textContent = ''; e.hidden = true; }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

export const formError = () => h('p.form-error', { role: 'alert', tabindex: '-1', hidden: true });

// A short message for screen readers and eyes, cleared after a while.
let toastTimer;
export function announce(text) {
  const box = document.getElementById('status');
  box.textContent = text;
  box.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove('shown'), 4000);
}

// The confirmation dialog: resolves true when the user confirms.
export function confirmDialog(title, text, okLabel = 'Delete') {
  const dlg = document.getElementById('confirm');
  dlg.querySelector('#confirm-title').textContent = title;
  dlg.querySelector('#confirm-text').textContent = text;
  dlg.querySelector('#confirm-ok').textContent = okLabel;
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.showModal();
  });
}
