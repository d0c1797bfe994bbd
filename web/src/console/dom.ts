type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Builds an element: `h('button', { class: 'primary', onclick: go }, '开始')`. Attributes that are
 * functions become listeners (`on…`); `false`/`undefined` leave the attribute out. Text children
 * are text nodes, never HTML, so names and notes from the API cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let ids = 0;
/** A fresh element id, for label `for` and `aria-describedby`. */
const uid = (prefix = 'f') => `${prefix}-${++ids}`;

/** A labelled form control with a slot for its error, shown next to it. */
export interface Field<E extends HTMLElement = HTMLInputElement> {
  wrap: HTMLElement;
  control: E;
  setError(message: string | undefined): void;
}

/**
 * Wraps a control in a label and an error line the control points to (aria-describedby,
 * aria-invalid), so a screen reader reads the problem with the field.
 */
export function field<E extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
  label: string,
  control: E,
  hint?: string,
): Field<E> {
  control.id ||= uid();
  const error = h('div', { class: 'field-error', id: `${control.id}-error`, role: 'alert' });
  control.setAttribute('aria-describedby', `${control.id}-error`);
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('div', { class: 'field-hint' }, hint) : null,
    error,
  );
  return {
    wrap,
    control,
    setError(message) {
      error.textContent = message ?? '';
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

export const input = (attrs: Attrs = {}) => h('input', { type: 'text', ...attrs });

export function select(options: readonly (readonly [string, string])[], value: string, attrs: Attrs = {}) {
  const el = h('select', attrs, ...options.map(([v, text]) => h('option', { value: v }, text)));
  el.value = value;
  return el;
}

/** A short message in the corner: what just happened, or what failed. */
export function toast(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  region.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 6_000 : 3_000);
}

/**
 * Asks before acting, in the page's own <dialog> (not window.confirm: it can be styled, read by a
 * screen reader as a dialog, and driven by a test like any other element).
 */
export function confirmDialog(options: {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
}): Promise<boolean> {
  const dialog = document.getElementById('confirm') as HTMLDialogElement;
  const title = h('h2', { id: 'confirm-title' }, options.title);
  const ok = h(
    'button',
    { type: 'submit', value: 'ok', class: options.danger ? 'danger' : 'primary' },
    options.confirm,
  );
  dialog.replaceChildren(
    h(
      'form',
      { method: 'dialog' },
      title,
      h('p', { id: 'confirm-message' }, options.message),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', value: 'cancel' }, '取消'), ok),
    ),
  );
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.setAttribute('aria-describedby', 'confirm-message');
  dialog.returnValue = '';
  dialog.showModal();
  ok.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}
