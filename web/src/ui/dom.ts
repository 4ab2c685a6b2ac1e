/**
 * A tiny element builder. Text is always set as text (never parsed as HTML), so data from
 * the API or Firestore cannot inject markup.
 */
type AttrValue = string | number | boolean | null | undefined;
type Attrs = Record<string, AttrValue | ((event: Event) => void)>;
export type Child = Node | string | number | null | undefined | false;

const nodes = (children: Child[]): (Node | string)[] =>
  children.flatMap((c) => (c === null || c === undefined || c === false ? [] : [typeof c === 'number' ? String(c) : c]));

/** `h('button', { type: 'button', onclick: ... }, 'Label')`; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value !== null && value !== undefined && value !== false) el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...nodes(children));
  return el;
}

/** Replaces an element's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren(...nodes(children));
}

/**
 * Replaces an element's content unless the new content is the same: a redraw that changes
 * nothing leaves focus, selection and the reader's place where they were.
 */
export function replaceIfChanged(el: Element, ...children: Child[]): void {
  const next = nodes(children).map((c) => (typeof c === 'string' ? document.createTextNode(c) : c));
  const now = el.childNodes;
  if (now.length === next.length && next.every((n, i) => n.isEqualNode(now[i]!))) return;
  el.replaceChildren(...next);
}

/** Swallows a click on a busy button before its own handlers (or its form's submission) see it. */
const ignoreWhileBusy = (event: Event) => {
  event.preventDefault();
  event.stopImmediatePropagation();
};

/**
 * Holds a button while `work` runs, so one click sends one request. The button is marked
 * aria-disabled (and looks disabled), not `disabled`: a disabled button loses keyboard focus,
 * which would leave a keyboard or screen reader user on the page's body. Clicks, and Enter in
 * its form, are ignored meanwhile.
 */
export async function busy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  // A capturing listener on the target runs before the button's own (bubbling) listeners.
  button.addEventListener('click', ignoreWhileBusy, { capture: true });
  try {
    return await work();
  } finally {
    button.removeEventListener('click', ignoreWhileBusy, { capture: true });
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-busy');
  }
}
