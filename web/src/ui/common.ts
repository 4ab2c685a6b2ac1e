/** Small pieces the pages share: titles, guards, sections, labelled fields, paged lists. */
import { currentUser, type SessionUser } from '../auth.ts';
import { getCurrentWorkspace, type WorkspaceRef } from '../currentWorkspace.ts';
import { t } from '../i18n.ts';
import { showError } from '../messages.ts';
import { currentPath, href, navigate } from '../router.ts';
import { busy, h, type Child } from './dom.ts';

export function setTitle(page: string): void {
  document.title = t('app.title', { page });
}

/** The signed-in user, or null after sending the visitor to sign in (and back here after). */
export function requireUser(): SessionUser | null {
  const user = currentUser();
  if (!user) navigate(`/signin?next=${encodeURIComponent(currentPath())}`, t('signin.required'), { replace: true });
  return user;
}

/** The current workspace, or null after saying how to pick one. */
export function requireWorkspace(root: HTMLElement): WorkspaceRef | null {
  const ws = getCurrentWorkspace();
  if (!ws) root.append(h('p', {}, h('a', { href: href('/workspace') }, t('workspace.chooseFirst'))));
  return ws;
}

export const section = (id: string, title: string, ...content: Child[]) =>
  h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...content);

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A control with its label (and an optional hint, tied to it by aria-describedby). */
export function field(control: Control, label: string, cls = '', hint?: string): HTMLElement {
  if (!control.id) throw new Error('field(): the control needs an id for its label');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), hintEl.id].filter(Boolean).join(' '));
  return h('div', { class: `field ${cls}`.trim() }, h('label', { for: control.id }, label), control, hintEl);
}

/** A select of [value, label] options with `value` chosen. */
export function select(id: string, options: [string, string][], value?: string | null): HTMLSelectElement {
  return h('select', { id, name: id }, ...options.map(([v, label]) => h('option', { value: v, selected: v === (value ?? '') }, label)));
}

export const loading = () => h('p', { class: 'muted' }, t('common.loading'));

/**
 * Waits for all of a page's independent loads, then rethrows the first failure for the router to
 * show. Awaited together: one failing (or aborted, on leaving the page) while another still waits
 * is never an unhandled rejection.
 */
export async function allLoaded(loads: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(loads)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * A list that loads page by page: renders the first page into `list`, then a "Load more"
 * button for as long as the API hands back a cursor.
 */
export async function pagedList<T>(
  container: HTMLElement,
  list: HTMLElement,
  load: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  item: (value: T) => HTMLElement,
  empty: () => Node,
): Promise<void> {
  const more = h('button', { type: 'button', class: 'secondary' }, t('common.loadMore'));
  const wait = loading();
  container.append(wait);
  const first = await load(undefined).finally(() => wait.remove());
  if (first.items.length === 0) {
    container.append(empty());
    return;
  }
  list.append(...first.items.map(item));
  container.append(list);
  let cursor = first.nextCursor;
  if (!cursor) return;
  more.addEventListener('click', () => {
    void busy(more, async () => {
      const page = await load(cursor ?? undefined);
      list.append(...page.items.map(item));
      cursor = page.nextCursor;
      if (!cursor) more.remove();
    }).catch(showError);
  });
  container.append(more);
}

/** A definition list from label/value pairs, skipping empty values. */
export function details(rows: [string, Node | string | null | undefined][]): HTMLDListElement {
  return h(
    'dl',
    { class: 'details' },
    ...rows.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v!)]),
  );
}
