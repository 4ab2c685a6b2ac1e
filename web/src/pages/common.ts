/** Small pieces the pages share. */
import { currentUser, type SessionUser } from '../auth.ts';
import { getCurrentWorkspace, type WorkspaceRef } from '../currentWorkspace.ts';
import { busy, h } from '../dom.ts';
import { t } from '../i18n.ts';
import { showError } from '../messages.ts';
import { currentPath, href, navigate } from '../router.ts';

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

export const section = (id: string, title: string, ...content: (Node | string)[]) =>
  h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...content);

export const loading = () => h('p', { class: 'muted' }, t('common.loading'));

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
